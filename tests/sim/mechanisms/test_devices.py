"""Handset mechanism: logit shares, fitted brand constants, GMS, own-OS ecosystem, chip supply."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from techbloc.sim.mechanisms import devices as dv


def _two_countries(asc_row, w_eco=(0.3, 1.5)):
    """Country 0 in the China market (weak ecosystem weight), country 1 outside."""
    asc = np.array([asc_row, asc_row], dtype=float)
    market = np.array([0, 1])
    return asc, market, np.array(w_eco)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=8), st.floats(0.1, 5))
def test_shares_sum_to_one_and_absent_makers_get_none(utilities, noise):
    u = np.array([utilities, utilities[::-1]])
    u[0, 0] = -np.inf  # maker 0 absent from country 0
    s = dv.shares(u, noise)
    assert np.allclose(s.sum(axis=1), 1.0) and (s >= 0).all()
    assert s[0, 0] == 0.0


def test_fitted_constants_reproduce_each_markets_shares():
    observed = np.array([[0.5, 0.3, 0.2, 0.0], [0.1, 0.2, 0.3, 0.4]])
    market = np.array([0, 0, 0, 1, 1])
    units = np.array([10.0, 30.0, 5.0, 20.0, 1.0])
    # Heterogeneous price weights: countries differ within a market.
    rest = -np.outer([0.5, 1.0, 2.0, 0.7, 3.0], np.log([100.0, 300.0, 700.0, 150.0]))
    asc = dv.fit_constants(observed, market, units, rest, noise=1.0)
    s = dv.shares(asc[market] + rest, 1.0)
    pred = dv.market_shares(units[:, None] * s, market, 2)
    assert np.allclose(pred, observed, atol=1e-9), pred
    assert s[0, 3] == 0.0 and np.isneginf(asc[0, 3])
    assert not np.allclose(s[0], s[2]), "price weights should make countries differ"


def test_gms_withdrawal_hurts_a_listed_maker_outside_china_more_than_inside():
    asc, market, w_eco = _two_countries([0.0, 0.5, 0.2])
    log_price = np.log([250.0, 150.0, 700.0])
    beta = np.array([1.0, 1.0])
    gms = np.array([0.9, 0.9, 0.0])

    def huawei_share(cut):
        eco = dv.ecosystem(gms, np.array([cut, 0.0, 0.0]), np.zeros(3))
        u = dv.utilities(asc, market, log_price, beta, w_eco, eco, np.ones(3), 2.0)
        return dv.shares(u, 1.0)[:, 0]

    before, after = huawei_share(0.0), huawei_share(1.0)
    drop = after / before
    assert drop[1] < drop[0] < 1.0, f"share kept: China {drop[0]:.3f}, outside {drop[1]:.3f}"
    assert drop[1] < 0.5, f"outside China the share should collapse, kept {drop[1]:.2f}"


def test_own_os_quality_rises_with_installed_base():
    q = np.zeros(3)
    base = np.array([1e6, 1e8, 1e9])
    after = dv.os_quality_drift(q, base, half_base=3e8, speed=0.2)
    assert np.all(np.diff(after) > 0), after
    # It converges to B/(B + B_half) and never passes it.
    for _ in range(200):
        q = dv.os_quality_drift(q, base, 3e8, 0.2)
    assert np.allclose(q, base / (base + 3e8))


def test_an_own_os_softens_the_loss_of_gms():
    gms, cut = np.array([0.9]), np.array([1.0])
    weak = dv.ecosystem(gms, cut, np.array([0.0]))
    strong = dv.ecosystem(gms, cut, np.array([0.6]))
    assert weak[0] == pytest.approx(0.1) and strong[0] == pytest.approx(1 - 0.9 * 0.4)
    assert dv.ecosystem(gms, np.array([0.0]), np.array([0.0]))[0] == 1.0


def test_installed_base_retires_and_accumulates():
    b = dv.installed_base(np.array([400.0]), np.array([10.0]), life_years=2.0)
    assert b[0] == pytest.approx(400 * (1 - 1 / 8) + 10)


def test_country_units_add_up_to_each_market():
    pop = np.array([1e6, 5e6, 2e6, 1e7])
    gdp_pc = np.array([50e3, 5e3, 20e3, 1e3])
    market = np.array([0, 0, 1, 1])
    units = dv.country_units(pop, gdp_pc, market, np.array([3e6, 4e6]), 0.5)
    assert np.allclose(np.bincount(market, units), [3e6, 4e6])
    assert units[0] / pop[0] > units[1] / pop[1], "richer buyers should buy more per person"


def test_a_stockpile_covers_denied_chips_until_spent():
    stock = np.array([2.0, 0.0])
    short = np.array([0.75, 0.75])
    left, uncovered = [], []
    for _ in range(4):
        stock, u = dv.chip_stock(stock, short)
        left.append(stock[0])
        uncovered.append(u[0])
        assert u[1] == pytest.approx(0.75)  # no stock: the whole shortfall bites at once
    # 2 quarters of chips at 0.75 a quarter: covered for two quarters, a part of the third.
    assert left == pytest.approx([1.25, 0.5, 0.0, 0.0])
    assert uncovered == pytest.approx([0.0, 0.0, 0.25, 0.75])


@settings(max_examples=50, deadline=None)
@given(st.floats(0.001, 0.5), st.floats(0.0, 0.5), st.floats(0.0, 0.5))
def test_domestic_chip_capability_grows_logistically_and_faster_with_cooperation(k0, r, extra):
    k = np.array([k0, k0, 0.0])
    growing = np.array([True, False, True])
    slow, fast = k.copy(), k.copy()
    for _ in range(12):
        new_slow = dv.chip_capability(slow, growing, r)
        new_fast = dv.chip_capability(fast, growing, r + extra)
        assert np.all(new_slow >= slow) and np.all(new_slow <= 1.0)
        slow, fast = new_slow, new_fast
    assert slow[1] == k0  # not growing: unchanged
    assert slow[2] == 0.0  # nothing to build on: a logistic never starts from zero
    assert fast[0] >= slow[0]
    if r > 0.05:  # it accelerates while small: the second step adds more than the first
        one = dv.chip_capability(k, growing, r)
        two = dv.chip_capability(one, growing, r)
        if k0 < 0.3:
            assert two[0] - one[0] > one[0] - k0
