"""5G roll-out, refresh and rip-and-replace (sim/mechanisms/rollout.py, ODD §7.7)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.mechanisms.rollout import bass_increment, launch_delay_years, refresh, remove

CHINA = np.array([True, True, False, False, False])


@settings(max_examples=200, deadline=None)
@given(target=arrays(float, 8, elements=st.floats(0, 1e6)),
       frac=arrays(float, 8, elements=st.floats(0, 1)),
       p=st.floats(0, 1), q=st.floats(0, 3),
       slowdown=arrays(float, 8, elements=st.floats(0, 1)))
def test_bass_increment_never_builds_past_the_target(target, frac, p, q, slowdown):
    built = target * frac
    new = bass_increment(built, target, p, q, np.ones(8, bool), slowdown)
    assert np.all(new >= 0), f"expected no negative build, found {new.min()}"
    over = built + new - target
    assert np.all(over <= 1e-9 * np.maximum(target, 1)), f"expected N + ΔN ≤ m, found {over.max()}"


def test_bass_increment_is_zero_before_launch():
    new = bass_increment(np.zeros(3), np.full(3, 1000.0), 0.03, 0.5, np.zeros(3, bool),
                         np.zeros(3))
    assert np.all(new == 0), f"expected no sites before launch, found {new}"


def test_sites_converge_to_target_over_200_quarters():
    target = np.array([50.0, 3_000.0, 250_000.0])
    built = np.zeros(3)
    for _ in range(200):
        built = built + bass_increment(built, target, 0.03, 0.5, np.ones(3, bool), np.zeros(3))
    np.testing.assert_allclose(built, target, rtol=1e-3,
                               err_msg="expected sites within 0.1 % of target after 200 quarters")


def test_refresh_keeps_total_and_moves_toward_the_award():
    sites = np.array([[800.0, 0, 200, 0, 0], [0, 0, 500, 500, 0]])
    award = np.array([[0, 0, 0, 1.0, 0], [1.0, 0, 0, 0, 0]])
    new, bought = refresh(sites, award, life_years=8.0)
    np.testing.assert_allclose(new.sum(axis=1), sites.sum(axis=1), rtol=1e-12,
                               err_msg="expected total sites unchanged by refresh")
    before = np.abs(sites / sites.sum(1, keepdims=True) - award).sum(axis=1)
    after = np.abs(new / new.sum(1, keepdims=True) - award).sum(axis=1)
    assert np.all(after < before), f"expected mix closer to award, found {before} -> {after}"
    np.testing.assert_allclose(bought.sum(axis=1), sites.sum(axis=1) / 32, rtol=1e-12,
                               err_msg="expected 1/(4·life) of sites bought")


def test_remove_never_removes_more_china_sites_than_exist():
    sites = np.array([[30.0, 10, 60, 0, 0], [0, 5, 0, 100, 0]])
    award = np.array([[0, 0, 1.0, 0, 0], [0, 0, 0.5, 0.5, 0]])
    new, removed, _ = remove(sites, award, np.array([1e9, 1e9]), CHINA)
    np.testing.assert_allclose(removed, [40.0, 5.0], err_msg="expected removal capped at stock")
    assert np.all(new[:, CHINA] >= 0), f"expected no negative China sites, found {new[:, CHINA]}"


def test_remove_conserves_total_sites_under_a_west_award():
    sites = np.array([[30.0, 10, 60, 0, 0], [200, 0, 0, 100, 50]])
    award = np.array([[0, 0, 1.0, 0, 0], [0, 0, 0.2, 0.5, 0.3]])
    new, removed, bought = remove(sites, award, np.array([15.0, 80.0]), CHINA)
    np.testing.assert_allclose(new.sum(axis=1), sites.sum(axis=1), rtol=1e-12,
                               err_msg="expected removed sites rebuilt one for one")
    np.testing.assert_allclose(bought.sum(axis=1), removed, rtol=1e-12)
    assert np.all(new[:, ~CHINA] >= sites[:, ~CHINA]), "expected no west site removed"


def test_remove_schedules_nothing_for_west_vendors():
    sites = np.array([[0.0, 0, 60, 40, 5]])
    new, removed, bought = remove(sites, np.array([[0, 0, 1.0, 0, 0]]), np.array([50.0]), CHINA)
    assert removed[0] == 0 and bought.sum() == 0, f"expected nothing removed or bought, found " \
                                                  f"{removed[0]}, {bought.sum()}"
    np.testing.assert_array_equal(new, sites, err_msg="expected west-only sites unchanged")


def test_launch_delay_is_zero_above_reference_and_grows_as_gdp_falls():
    ref = 40_000.0
    rich = launch_delay_years(np.array([ref, 2 * ref, 1e6]), lag=1.5, gdp_pc_ref=ref)
    assert np.all(rich == 0), f"expected no delay at or above gdp_pc_ref, found {rich}"
    gdp = np.array([39_000.0, 20_000, 5_000, 1_000, 300])
    delay = launch_delay_years(gdp, lag=1.5, gdp_pc_ref=ref)
    assert np.all(np.diff(delay) > 0), f"expected delay rising as GDP per capita falls, found {delay}"
    np.testing.assert_allclose(delay[1], 1.5 * np.log(2), rtol=1e-12,
                               err_msg="expected lag·ln(ref/gdp)")
