"""Issue 16's country terms: disposition, frontline states, Belt & Road damped by security ties."""

import dataclasses

import numpy as np
import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.mechanisms import policy
from techbloc.sim.params import defaults
from techbloc.sim.policy_data import read_frontline
from techbloc.sim.world import load_world


def _inputs(n=4, **kw):
    base = dict(security=np.array([1.0, 0.7, 0.0, 0.4]), intel=np.array([1.0, 0, 0, 0]),
                power=np.array([0.5, 0.1, -0.3, 0.0]), alignment=np.array([0.5, 0.2, -0.4, 0.0]),
                peer=np.array([0.3, 0.2, 0.0, 0.1]), unreliability=0.2,
                us_exports=np.array([0.2, 0.1, 0.05, 0.1]),
                installed=np.array([0.4, 0.6, 0.8, 0.5]), price_gap=np.array([0.1, 0.2, 0.3, 0.2]),
                china_exports=np.array([0.05, 0.1, 0.3, 0.1]),
                bri=np.array([0.0, 1.0, 1.0, 1.0]))
    base.update(kw)
    return policy.PolicyInputs(**base)


def _params(**kw):
    p = defaults()
    p.update({"us.ally_pressure": 0.6, "china.bri_discount": 0.2, "china.cooperation": 0.3})
    p.update(kw)
    return p


def test_terms_switched_off_leave_the_score_bit_identical():
    x = _inputs(frontline=np.array([0.0, 1.0, 1.0, 0.0]), disposition=np.array([5.0, -3, 2, 1]))
    plain = dataclasses.replace(x, frontline=0.0, disposition=0.0)
    p = _params()  # w_frontline = 0, disposition_sd = 0, bri_ally_discount = 0 by default
    assert policy.score(x, p).tobytes() == policy.score(plain, p).tobytes()


def test_terms_sum_to_the_score_with_every_new_term_on():
    x = _inputs(frontline=np.array([0.0, 1.0, 1.0, 0.0]), disposition=np.array([0.5, -0.3, 2, 1]))
    p = _params(**{"country.w_frontline": 1.5, "country.disposition_sd": 1.0,
                   "country.bri_ally_discount": 0.8})
    t = policy.terms(x, p)
    assert set(t) == set(policy.TERMS)
    assert sum(t.values()) == pytest.approx(policy.score(x, p))
    # Frontline: w_f·f·g on frontline states only.
    assert t["frontline"] == pytest.approx([0, 1.5 * 0.6, 1.5 * 0.6, 0])
    assert t["disposition"] == pytest.approx([0.5, -0.3, 2, 1])


def test_belt_and_road_pull_falls_with_security_ties():
    x = _inputs()
    off = policy.terms(x, _params())["belt_and_road"]
    on = policy.terms(x, _params(**{"country.bri_ally_discount": 1.0}))["belt_and_road"]
    # Country 1 (ties 0.7) keeps 30 % of the pull, country 2 (no ties) all of it.
    assert on[1] == pytest.approx(0.3 * off[1]) and on[2] == pytest.approx(off[2])
    assert np.all(on <= 0) and np.all(np.abs(on) <= np.abs(off) + 1e-12)


def test_disposition_puts_every_country_at_its_start_level():
    rng = np.random.default_rng(5)
    s0 = rng.normal(0, 2, 3000)
    start = rng.integers(0, 3, 3000)
    u = policy.draw_disposition(s0, start, (1.0, 3.0), 1.5, rng.random(3000))
    level = (s0 + u > 1.0).astype(int) + (s0 + u > 3.0)
    assert np.array_equal(level, start)
    assert np.isfinite(u).all()


def test_disposition_is_the_plain_normal_where_the_condition_does_not_bind():
    # Open countries far below θ_1: the truncation at θ_1 − S̄ = 21 sd above hardly binds.
    q = np.random.default_rng(1).random(20000)
    u = policy.draw_disposition(np.full(20000, -20.0), np.zeros(20000, int), (1.0, 3.0), 1.0, q)
    assert abs(u.mean()) < 0.03 and abs(u.std() - 1.0) < 0.03
    # σ_u = 0 switches it off, and the same uniforms give the same draws (deterministic).
    assert not policy.draw_disposition(np.zeros(3), np.zeros(3, int), (1, 3), 0.0, q[:3]).any()
    again = policy.draw_disposition(np.full(5, -20.0), np.zeros(5, int), (1.0, 3.0), 1.0, q[:5])
    assert np.array_equal(again, u[:5])


def test_frontline_file_is_read_and_checked(tmp_path):
    w = load_world()
    f = w.frontline
    idx = {c: i for i, c in enumerate(w.countries["iso3"])}
    assert f[idx["EST"]] == 1 and f[idx["IND"]] == 1 and f[idx["DEU"]] == 0
    assert f.sum() == 11
    bad = tmp_path / "frontline.csv"
    bad.write_text("iso3,theatre,since,basis\nEST,Russia,2016,x\nXXX,China,2012,y\n")
    with pytest.raises(DataError, match="unknown country 'XXX'") as e:
        read_frontline(bad, w.countries["iso3"])
    assert e.value.line == 3
    bad.write_text("iso3,theatre,since,basis\nIND,China,2020,Galwan\n")
    with pytest.raises(DataError, match="up to 2019"):
        read_frontline(bad, w.countries["iso3"])
    bad.write_text("iso3,theatre,since,basis\nIND,Mars,2017,x\n")
    with pytest.raises(DataError, match="Russia or China"):
        read_frontline(bad, w.countries["iso3"])
    assert not read_frontline(tmp_path / "absent.csv", w.countries["iso3"]).any()


def test_a_ban_is_never_easier_to_lift_than_a_restriction():
    # θ = (3, 8), h = 6, h_ban = 6: the ban's floor 8 − 6 = 2 would sit above the restriction's
    # floor 3 − 6 = −3; the pair raises h_2 to 11 so both floors are −3.
    h1, h2 = policy.hysteresis_pair((3.0, 8.0), 6.0, 6.0)
    assert (h1, h2) == (6.0, 11.0)
    banned = np.array([policy.BAN] * 3)
    s = np.array([1.0, -2.9, -3.1])
    new = policy.update_policy(banned, s, (3.0, 8.0), (h1, h2), np.ones(3, bool))
    assert new.tolist() == [policy.BAN, policy.BAN, policy.OPEN]
    # A larger h_ban is kept as it is.
    assert policy.hysteresis_pair((3.0, 4.0), 2.0, 6.0) == (2.0, 6.0)


def test_truncated_normal_quantiles_match_scipy_stats_in_both_tails():
    # The model inverts the truncated normal with scipy.special only (scipy.stats costs a
    # fresh process ~0.7 s); it must agree with scipy.stats' truncnorm everywhere, including
    # one-sided, far-tail and very narrow intervals.
    from scipy.stats import truncnorm

    rng = np.random.default_rng(1)
    n = 50000
    a = rng.normal(0, 6, n)
    b = a + np.exp(rng.normal(0, 2, n))
    a[rng.random(n) < 0.1] = -np.inf
    b[rng.random(n) < 0.1] = np.inf
    b = np.maximum(b, a + 1e-9)
    q = np.clip(rng.random(n), 1e-12, 1 - 1e-12)
    x = policy.truncated_normal_ppf(q, a, b)
    expected = truncnorm.ppf(q, a, b)
    assert np.isfinite(x).all()
    assert np.all((x >= a - 1e-9) & (x <= b + 1e-9))
    np.testing.assert_allclose(x, expected, rtol=1e-12, atol=1e-12)
    # Monotone in q for a fixed interval.
    grid = np.linspace(1e-9, 1 - 1e-9, 1001)
    assert np.all(np.diff(policy.truncated_normal_ppf(grid, -0.5, 7.0)) > 0)
