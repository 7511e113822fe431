"""Country policy: ordered logit, hysteresis and alignment (sim/mechanisms/policy.py, ODD §7.5)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.mechanisms.policy import (
    BAN,
    OPEN,
    RESTRICT,
    PolicyInputs,
    drift_alignment,
    ordered_probabilities,
    score,
    target_alignment,
    update_policy,
)
from sim.params import defaults

THRESHOLDS = (2.8, 4.0)  # θ_1, θ_2 as in sim/params.py
H = 2.0


def _one_country(security: float = 0.0, bri: float = 0.0) -> PolicyInputs:
    a = np.array
    return PolicyInputs(security=a([security]), power=a([0.2]), alignment=a([0.1]),
                        peer=a([0.3]), unreliability=0.1, us_exports=a([0.15]),
                        installed=a([0.4]), price_gap=a([0.2]), china_exports=a([0.2]),
                        bri=a([bri]))


def test_ordered_probabilities_sum_to_one_and_ban_rises_with_score():
    s = np.linspace(-5, 12, 200)
    p = ordered_probabilities(s, THRESHOLDS, scale=0.4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12, err_msg="expected rows sum to 1")
    assert np.all(p >= 0), f"expected non-negative probabilities, found min {p.min()}"
    assert np.all(np.diff(p[:, BAN]) >= 0), "expected P(ban) non-decreasing in the score"
    assert p[0, BAN] < 0.01 < 0.99 < p[-1, BAN], f"expected P(ban) from ~0 to ~1, found " \
                                                 f"{p[0, BAN]:.3g}..{p[-1, BAN]:.3g}"


def test_banned_country_between_theta2_minus_h_and_theta2_stays_banned():
    s = np.linspace(THRESHOLDS[1] - H + 0.01, THRESHOLDS[1] - 0.01, 25)
    policy = np.full(s.size, BAN, dtype=np.int8)
    new = update_policy(policy, s, THRESHOLDS, H, np.ones(s.size, bool))
    assert np.all(new == BAN), f"expected every banned country to stay banned, found {new}"


def test_open_country_with_the_same_score_moves_only_to_the_level_it_exceeds():
    s = np.linspace(THRESHOLDS[1] - H + 0.01, THRESHOLDS[1] - 0.01, 25)
    policy = np.full(s.size, OPEN, dtype=np.int8)
    new = update_policy(policy, s, THRESHOLDS, H, np.ones(s.size, bool))
    expected = np.where(s > THRESHOLDS[0], RESTRICT, OPEN)
    np.testing.assert_array_equal(new, expected, err_msg="expected open -> restrict above θ_1 "
                                  "only, never ban below θ_2")


def test_banned_country_below_theta2_minus_h_steps_down():
    s = np.array([THRESHOLDS[1] - H - 0.01, THRESHOLDS[0] - H - 0.01])
    new = update_policy(np.array([BAN, BAN], np.int8), s, THRESHOLDS, H, np.ones(2, bool))
    np.testing.assert_array_equal(new, [RESTRICT, OPEN],
                                  err_msg="expected a ban to be undone below θ_k − h")


@settings(max_examples=100, deadline=None)
@given(policy=arrays(np.int8, 30, elements=st.integers(0, 2)),
       s=arrays(float, 30, elements=st.floats(-20, 20)))
def test_non_reviewing_countries_never_change(policy, s):
    new = update_policy(policy, s, THRESHOLDS, H, np.zeros(30, bool))
    np.testing.assert_array_equal(new, policy, err_msg="expected no change without a review")


def test_score_rises_with_ally_pressure_for_a_security_partner():
    x, p = _one_country(security=0.7), defaults()
    found = [score(x, {**p, "us.ally_pressure": g})[0] for g in np.linspace(0, 1, 6)]
    assert np.all(np.diff(found) > 0), f"expected score rising with ally pressure, found {found}"


def test_ally_pressure_does_not_move_a_country_without_security_ties():
    x, p = _one_country(security=0.0), defaults()
    lo, hi = (score(x, {**p, "us.ally_pressure": g})[0] for g in (0.0, 1.0))
    assert lo == hi, f"expected no effect of ally pressure at s_i = 0, found {lo} -> {hi}"


def test_score_falls_with_bri_discount_for_a_bri_country():
    x, p = _one_country(bri=1.0), defaults()
    found = [score(x, {**p, "china.bri_discount": b})[0] for b in np.linspace(0, 0.5, 6)]
    assert np.all(np.diff(found) < 0), f"expected score falling with BRI discount, found {found}"


def test_target_alignment_leans_to_the_protecting_hub():
    p = defaults()
    one = np.ones(1)
    ally = target_alignment(one, 0.2 * one, 0.05 * one, 0 * one, p)[0]
    client = target_alignment(0 * one, 0.05 * one, 0.4 * one, one, p)[0]
    assert -1 < client < 0 < ally < 1, f"expected client < 0 < ally in (−1, 1), found " \
                                       f"{client:.3f}, {ally:.3f}"


def test_alignment_drift_closes_the_gap_by_nu():
    a = drift_alignment(np.array([0.0, 1.0]), np.array([1.0, -1.0]), speed=0.05)
    np.testing.assert_allclose(a, [0.05, 0.9], atol=1e-12,
                               err_msg="expected a + ν·(a* − a) with ν = 0.05")
