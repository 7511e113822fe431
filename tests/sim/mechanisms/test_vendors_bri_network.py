"""Increasing returns, Belt & Road prices and peer exposure (ODD §7.2-7.4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.mechanisms.bri import effective_prices, price_gap
from sim.mechanisms.network import installed_china_share, peer_exposure
from sim.mechanisms.vendors import quality_drift, revenue_share

CHINA = np.array([True, True, False, False, False])
PRICE = np.array([0.80, 0.75, 1.00, 1.00, 0.95])  # sim/data/vendors.yaml


def test_quality_drift_rewards_above_mean_revenue_share():
    q = np.ones(5)
    share = np.array([0.4, 0.05, 0.3, 0.2, 0.05])
    new = quality_drift(q, share, eta=0.02)
    above = share > 1 / 5
    assert np.all(new[above] > 1) and np.all(new[~above] < 1), \
        f"expected quality up where share > 1/|V| and down elsewhere, found {new}"


def test_quality_never_negative():
    new = quality_drift(np.array([0.001, 1.0]), np.array([0.0, 1.0]), eta=0.5)
    assert new.min() == 0.0, f"expected quality floored at 0, found {new}"


def test_revenue_share_keeps_previous_without_revenue():
    prev = np.array([0.3, 0.7])
    np.testing.assert_array_equal(revenue_share(np.zeros(2), prev, 0.8), prev)
    found = revenue_share(np.array([1.0, 3.0]), prev, 0.8)
    np.testing.assert_allclose(found, 0.8 * prev + 0.2 * np.array([0.25, 0.75]), atol=1e-12,
                               err_msg="expected exponential smoothing of R_v/ΣR")


def test_bri_discount_applies_only_to_china_bloc_in_bri_countries():
    bri = np.array([True, False, True])
    prices = effective_prices(PRICE, CHINA, bri, discount=0.1)
    expected = np.tile(PRICE, (3, 1))
    expected[np.ix_(bri, CHINA)] *= 0.9
    np.testing.assert_allclose(prices, expected, atol=1e-12,
                               err_msg="expected p·(1 − b) only for China-bloc vendors in BRI")


def test_price_gap_positive_when_china_is_cheaper():
    prices = effective_prices(PRICE, CHINA, np.array([False, True]), discount=0.2)
    gap = price_gap(prices, CHINA)
    np.testing.assert_allclose(gap, [np.log(0.95 / 0.75), np.log(0.95 / 0.6)], atol=1e-12,
                               err_msg="expected ln(min p_west / min p_china)")
    assert gap[1] > gap[0] > 0, f"expected positive gap, larger with BRI discount, found {gap}"


def test_price_gap_negative_when_china_is_dearer():
    prices = np.array([[1.2, 1.3, 1.0, 1.1, 1.0]])
    gap = price_gap(prices, CHINA)[0]
    assert gap < 0, f"expected a negative gap when China is dearer, found {gap}"


@settings(max_examples=100, deadline=None)
@given(w=arrays(float, (12, 12), elements=st.floats(0, 10)),
       x=arrays(float, 12, elements=st.floats(0, 1)))
def test_peer_exposure_stays_in_unit_interval(w, x):
    np.fill_diagonal(w, 0.0)
    rows = w.sum(axis=1, keepdims=True)
    w = np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)
    e = peer_exposure(w, x)
    assert np.all(e >= -1e-12) and np.all(e <= 1 + 1e-12), f"expected [0, 1], found {e}"


def test_installed_china_share_counts_4g_and_5g_sites():
    mix4g = np.array([[0.5, 0.0, 0.5, 0, 0], [0, 0, 1.0, 0, 0]])
    sites5g = np.array([[0, 0, 100.0, 0, 0], [0, 0, 0, 0, 0]])
    found = installed_china_share(np.array([100.0, 0.0]), mix4g, sites5g, CHINA)
    np.testing.assert_allclose(found, [0.25, 0.0], atol=1e-12,
                               err_msg="expected (50 China 4G) / (200 sites); 0 with no sites")
