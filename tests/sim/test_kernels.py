"""The compiled kernels against the array formulas they replace (sim.kernels).

Where a kernel takes no exp or log it must agree with the formulas to the last bit; where it does
(the handset logit), to a few ulps.
"""

import numpy as np
import pytest
from techbloc.sim import kernels
from techbloc.sim.mechanisms import devices, rollout

CHINA = np.array([True, True, False, False, False])


def _operators(rng, n_o=400, n_c=30, n_v=5):
    sites = rng.uniform(0, 100, (n_o, n_v)) * (rng.random((n_o, n_v)) < 0.6)
    award = rng.dirichlet(np.ones(n_v), n_o) * (rng.random((n_o, n_v)) < 0.5)
    award /= np.where(award.sum(axis=1, keepdims=True) > 0, award.sum(axis=1, keepdims=True), 1)
    award[:20] = 0.0  # no award yet
    return sites, award, rng.integers(0, n_c, n_o), n_c


@pytest.mark.parametrize("removing", [False, True])
def test_roll_out_gives_the_rollout_formulas_to_the_last_bit(removing):
    rng = np.random.default_rng(3)
    sites, award, op_country, n_c = _operators(rng)
    n_o, n_v = sites.shape
    target = rng.uniform(0, 300, n_o)
    target[:7] = 0.0
    active = rng.random(n_o) < 0.8
    prices = rng.uniform(0.5, 1.5, (n_c, n_v))  # by country
    rate = np.where(rng.random(n_o) < 0.3, rng.uniform(0, 40, n_o), 0.0) * removing
    if removing:  # banned: west-only awards where removing
        award[rate > 0] *= ~CHINA
    total = award.sum(axis=1)

    want_sites, want_bought = rollout.refresh(sites, award, 6.0, total)
    removed = np.zeros(n_o)
    if removing:
        want_sites, removed, rebuilt = rollout.remove(want_sites, award, rate, CHINA, total)
        want_bought += rebuilt
    drag = np.where((rate > 0) & (want_sites[:, CHINA].sum(axis=1) > 0), 0.4, 0.0)
    new = rollout.bass_increment(want_sites.sum(axis=1), target, 0.03, 0.6, active, drag)
    fast = np.arange(n_o) % 5 == 0  # a state-planned roll-out's own speed on some operators
    new[fast] = rollout.bass_increment(want_sites.sum(axis=1), target, 0.4, 0.1, active,
                                       drag)[fast]
    want_sites += new[:, None] * award
    want_bought += new[:, None] * award

    by_country, contracts = np.empty((n_c, n_v)), np.empty(n_v, dtype=np.int64)
    got_sites, revenue, got_removed = kernels.roll_out(
        sites, award, total, 1.0 / (4.0 * 6.0), rate, True, CHINA, 0.4, target,
        np.where(fast, 0.4, 0.03), np.where(fast, 0.1, 0.6), active, prices, op_country,
        by_country, contracts)
    assert got_sites is not sites, "the roll-out must make a new array"
    assert np.array_equal(got_sites, want_sites)
    assert np.array_equal(revenue, (prices[op_country] * want_bought).sum(axis=0))
    assert got_removed == pytest.approx(removed.sum(), rel=1e-14)
    assert (got_removed > 0) == removing and (drag > 0).any() == removing
    flat = (op_country[:, None] * n_v + np.arange(n_v)).ravel()
    assert np.array_equal(by_country, np.bincount(flat, want_sites.ravel(),
                                                  minlength=n_c * n_v).reshape(n_c, n_v))
    assert np.array_equal(contracts, np.count_nonzero(award > 0, axis=0))


def test_who_tenders():
    award = np.zeros((6, 5))
    award[1:, 2] = 1.0  # operators 1-5 hold a west award
    award[4] = [0.5, 0.0, 0.5, 0.0, 0.0]  # operator 4 half with Huawei
    launch = np.array([0, 0, 5, 3, 0, 0])
    renew_u = np.array([0.9, 0.9, 0.01, 0.9, 0.9, 0.01])
    banned = np.array([False, True, False, False, True, False])
    rows, active = kernels.tenders(renew_u, 0.05, launch, 3, award.sum(axis=1), banned, award,
                                   CHINA)
    # 0: no award; 1: banned but west only, no renewal; 2: not launched; 3: launches now;
    # 4: banned with a China-bloc contract; 5: renewal
    assert rows.tolist() == [0, 3, 4, 5]
    assert active.tolist() == [True, True, False, True, True, True]


def test_handset_units_are_the_logit_formula_and_their_sums():
    rng = np.random.default_rng(8)
    n_c, n_f, n_m = 60, 10, 8
    market = rng.integers(0, n_m, n_c)
    asc = rng.normal(size=(n_m, n_f))
    asc[rng.random((n_m, n_f)) < 0.2] = -np.inf  # absent makers
    asc[:, 0] = 0.0  # every market has one
    beta = rng.uniform(0.5, 2.0, n_c)
    base = devices.brand_price_utility(asc, market, np.log(rng.uniform(100, 900, n_f)), beta)
    w_eco, eco = rng.uniform(0, 2, n_c), rng.random(n_f)
    rho = rng.uniform(0.3, 1.0, n_f)
    quarter_units = rng.uniform(1e5, 1e7, n_c)
    abroad = market != 0
    units, sold, by_market, out = (np.empty((n_c, n_f)), np.empty(n_f), np.empty((n_m, n_f)),
                                   np.empty(n_f))
    kernels.device_units(base, w_eco, eco, 0.8 * np.log(rho), 0.7, quarter_units, market,
                         abroad, units, sold, by_market, out)
    want = quarter_units[:, None] * devices.shares(
        devices.add_utilities(base, w_eco, eco, rho, 0.8), 0.7)
    assert np.allclose(units, want, rtol=1e-14, atol=0)
    assert (units[~np.isfinite(base)] == 0).all(), "an absent maker sold handsets"
    assert np.allclose(units.sum(axis=1), quarter_units, rtol=1e-14)
    assert np.array_equal(sold, units.sum(axis=0))
    assert np.allclose(by_market, devices.market_shares(units, market, n_m) *
                       np.bincount(market, quarter_units, minlength=n_m)[:, None], rtol=1e-13)
    assert np.array_equal(out, units[abroad].sum(axis=0))


@pytest.mark.parametrize("policy,score,review,expect", [
    ([0, 1, 2, 2], [2.5, 0.1, 1.5, -9.0], [True] * 4, [2, 1, 2, 0]),
    ([0, 1, 2, 2], [2.5, 0.1, 1.5, -9.0], [False] * 4, [0, 1, 2, 2]),
])
def test_policy_update_kernel(policy, score, review, expect):
    # θ = (1, 2), h = (1, 1): restrict kept above 0, ban kept above 1
    got = kernels.update_policy(np.array(policy, dtype=np.int8), np.array(score), 1.0,
                                np.full(4, 2.0), 1.0, np.full(4, 1.0), np.array(review))
    assert got.tolist() == expect and got.dtype == np.int8


def test_enterprise_record_is_the_gdp_weighted_formula():
    rng = np.random.default_rng(12)
    n_c, n_r = 50, 7
    count = np.full(n_c, 20)
    adopted = rng.integers(0, 21, n_c).astype(float)
    adopted[:5] = 0.0
    china = np.floor(adopted * rng.random(n_c))
    gdp, region = rng.uniform(1e9, 1e12, n_c), rng.integers(0, n_r, n_c)
    adoption, share, by_region = np.empty(n_c), np.full(n_c, -1.0), np.empty((n_r, 2))
    adopt_gdp, china_gdp = kernels.enterprise_record(adopted, china, count, gdp, region,
                                                     adoption, share, by_region)
    assert np.array_equal(adoption, adopted / count)
    some = adopted > 0
    assert np.array_equal(share[some], china[some] / adopted[some])
    assert (share[adopted == 0] == -1.0).all(), "no adopters: the share is left as it was"
    assert adopt_gdp == pytest.approx(gdp @ (adopted / count), rel=1e-14)
    assert china_gdp == pytest.approx(gdp @ (china / count), rel=1e-14)
    assert np.allclose(by_region[:, 0], np.bincount(region, gdp * china / count, minlength=n_r),
                       rtol=1e-14)
    assert np.allclose(by_region[:, 1], np.bincount(region, gdp * (adopted - china) / count,
                                                    minlength=n_r), rtol=1e-14)
