"""Export controls on vendors, increasing returns, BRI prices, peers, roll-out and removal."""

import numpy as np
import pytest
from techbloc.sim.mechanisms import bri, network, rollout, sanctions, vendors

CHINA = np.array([True, True, False, False, False])


def test_reliability_hits_only_targeted_vendors():
    rho = sanctions.supply_reliability(0.9, np.array([0.25, 0.5, 0.1, 0.1, 0.1]), CHINA)
    assert rho.tolist() == pytest.approx([1 - 0.225, 1 - 0.45, 1, 1, 1])


def test_indigenisation_only_under_controls_and_faster_with_cooperation():
    d = np.array([0.25, 0.5, 0.1, 0.1, 0.1])
    assert np.array_equal(sanctions.indigenise(d, CHINA, 0.0, 0.04, 0.03, 1.0), d)
    slow = sanctions.indigenise(d, CHINA, 0.9, 0.04, 0.03, 0.0)
    fast = sanctions.indigenise(d, CHINA, 0.9, 0.04, 0.03, 1.0)
    assert np.all(fast[CHINA] < slow[CHINA]) and np.all(slow[CHINA] < d[CHINA])
    assert np.array_equal(fast[~CHINA], d[~CHINA])


def test_increasing_returns_reward_above_mean_revenue():
    q = vendors.quality_drift(np.ones(5), np.array([0.4, 0.1, 0.3, 0.15, 0.05]), 0.1)
    assert q[0] > 1 > q[1] and q[2] > 1 > q[4]


def test_bri_discount_applies_to_china_bloc_in_bri_countries_only():
    price = np.array([0.8, 0.75, 1.0, 0.98, 0.95])
    p = bri.effective_prices(price, CHINA, np.array([True, False]), 0.1)
    assert p[0].tolist() == pytest.approx([0.72, 0.675, 1.0, 0.98, 0.95])
    assert p[1].tolist() == pytest.approx(price.tolist())
    gap = bri.price_gap(p, CHINA)
    assert gap[0] > gap[1] > 0


def test_peer_exposure_is_a_weighted_mean():
    w = np.array([[0, 0.5, 0.5], [1, 0, 0], [0, 0, 0]], dtype=float)
    out = network.peer_exposure(w, np.array([1.0, 0.0, 1.0]))
    assert out.tolist() == [0.5, 1.0, 0.0]


def test_bass_rollout_converges_to_target_and_waits_for_launch():
    target = np.array([1000.0, 1000.0])
    built = np.zeros(2)
    active = np.array([True, False])
    for _ in range(200):
        new = rollout.bass_increment(built, target, 0.03, 0.5, active, np.zeros(2))
        assert np.all(built + new <= target + 1e-9)
        built += new
    assert built[0] == pytest.approx(1000, rel=1e-3) and built[1] == 0


def test_refresh_conserves_sites_and_moves_them_to_the_award():
    sites = np.array([[80.0, 20.0, 0, 0, 0]])
    award = np.array([[0, 0, 1.0, 0, 0]])
    after, bought = rollout.refresh(sites, award, life_years=5)
    assert after.sum() == pytest.approx(100) and bought.sum() == pytest.approx(5)
    assert after[0, 2] == pytest.approx(5)


def test_removal_is_bounded_and_rebuilds_with_the_west_award():
    sites = np.array([[30.0, 10.0, 60.0, 0, 0], [5.0, 0, 0, 0, 0]])
    award = np.array([[0, 0, 0.5, 0.5, 0], [0, 0, 1.0, 0, 0]])
    after, removed, bought = rollout.remove(sites, award, np.array([20.0, 50.0]), CHINA)
    assert removed.tolist() == [20.0, 5.0], "cannot remove more than is installed"
    assert after.sum(axis=1).tolist() == pytest.approx([100, 5])
    assert after[0, CHINA].sum() == pytest.approx(20) and after[1, CHINA].sum() == 0
    assert bought[:, CHINA].sum() == 0


def test_launch_comes_later_in_poorer_countries():
    gdp_pc = np.array([80_000, 40_000, 10_000, 2_000, 500])
    delay = rollout.launch_delay_years(gdp_pc, 1.5, 40_000)
    assert delay[0] == delay[1] == 0 and np.all(np.diff(delay[1:]) > 0)


def test_launch_comes_earlier_with_income_and_belt_and_road_finance():
    gdp_pc = np.array([2_000.0, 10_000.0, 40_000.0, 60_000.0])
    plain = rollout.launch_delay_years(gdp_pc, 1.5, 40_000.0)
    assert plain.tolist() == pytest.approx([1.5 * np.log(20), 1.5 * np.log(4), 0.0, 0.0])
    boosted = rollout.launch_delay_years(gdp_pc, 1.5, 40_000.0, np.array([0.5, 0.5, 0.5, 0.0]))
    assert boosted[0] == pytest.approx(1.5 * np.log(20 / 1.5))
    assert np.all(boosted <= plain) and boosted[0] < plain[0]


def test_plan_targets_convert_a_density_into_model_sites():
    pop = np.array([1.4e9, 5e6])
    t = rollout.plan_targets(pop, np.array([2.6, np.nan]), 7.0)
    assert t[0] == pytest.approx(1.4e9 / 1000 * 2.6 / 7.0) and np.isnan(t[1])
    assert rollout.plan_targets(pop, np.array([2.6, 1.0]), 14.0)[0] == pytest.approx(t[0] / 2)


def test_5g_purchases_take_their_place_in_a_market_of_fixed_size():
    """ODD §7.2 (mechanisms.equipment_market): S_v = (R_v + (M − ΣR)⁺·s_v,2019) / max(M, ΣR)."""
    s19 = np.array([0.4, 0.13, 0.2, 0.23, 0.04])
    assert np.allclose(vendors.market_share(np.zeros(5), s19, 10.0), s19)  # nothing bought
    bought = np.array([3.0, 1.0, 0.0, 0.0, 0.0])  # a China-bloc build worth 40 % of the market
    s = vendors.market_share(bought, s19, 10.0)
    assert s.sum() == pytest.approx(1.0)
    assert s[:2].sum() == pytest.approx(0.4 + 0.6 * 0.53)
    # The more is bought, the more 5G weighs: the China-bloc share rises with the build's size.
    small = vendors.market_share(bought / 10, s19, 10.0)
    assert s19[:2].sum() < small[:2].sum() < s[:2].sum()
    # Purchases above the market make it: the shares are the purchases' own.
    assert np.allclose(vendors.market_share(bought * 5, s19, 10.0), bought / bought.sum())


def _short(**sets):
    from techbloc.sim import load_scenario, run

    return run(load_scenario("sanctions-2019", horizon="2019Q1:2021Q4",
                             set={"rollout.observed_launches": False, **sets}),
               replications=2, seed=5)


def test_china_s_state_tenders_split_awards_and_keep_a_western_share():
    """ODD §7.6: with split awards China's 5G sites are about 1 − s_3 China-bloc (two Chinese
    vendors ranked first and second, a western third); without, its operators buy Chinese only."""
    on, off = _short(), _short(**{"mechanisms.split_awards": False})

    def chn(res):
        c = res.countries
        at = c[(c["iso3"].astype(str) == "CHN") & (c["date"] == "2021Q4")]
        return float(at["china_share"].mean())

    assert 0.80 < chn(on) < 0.95
    assert chn(off) > 0.99
    # Huawei's carrier revenue relative to 2019 falls with the western third in China.
    def carrier(res):
        m = res.model
        y = m["date"].str[:4]
        by = m.groupby(y)["huawei_carrier_revenue_usd"].sum()
        return by["2021"] / by["2019"]

    assert carrier(on) < carrier(off)


def test_the_equipment_market_weighs_2019_s_small_5g_build_little():
    """ODD §7.2: 2019's China-bloc share of equipment revenue stays near the 2019 shares (0.535)
    with the market of fixed size; the fixed-ω form gives 2019's few 5G sites a quarter of it."""
    on, off = _short(), _short(**{"mechanisms.equipment_market": False})

    def bloc_2019(res):
        m = res.model[res.model["date"].str[:4] == "2019"]
        cols = [f"revenue_share_{v}" for v in ("huawei", "zte", "ericsson", "nokia", "samsung")]
        mean = m[cols].mean()
        return (mean.iloc[0] + mean.iloc[1]) / mean.sum()

    base = 0.38 / 0.71
    assert abs(bloc_2019(on) - base) < abs(bloc_2019(off) - base)
    assert abs(bloc_2019(on) - base) < 0.02
