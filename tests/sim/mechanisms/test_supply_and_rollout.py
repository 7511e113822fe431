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
