"""Nested-logit probabilities, the Gumbel-max sampler and contract awards."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.mechanisms.choice import award, nested_logit_probabilities, sample_nested_logit

NESTS = np.array([1, 1, 0, 0, 0])  # huawei, zte | ericsson, nokia, samsung
CHINA = NESTS == 1


@settings(max_examples=60, deadline=None)
@given(u=arrays(float, (7, 5), elements=st.floats(-8, 8)),
       mu=st.floats(0.1, 5), lam=st.floats(0.05, 1.0))
def test_probabilities_sum_to_one(u, mu, lam):
    p = nested_logit_probabilities(u, np.ones(5, dtype=bool), NESTS, mu, lam)
    assert np.all(p >= 0)
    assert np.allclose(p.sum(axis=1), 1.0), p.sum(axis=1)


def test_unavailable_vendor_has_zero_probability():
    u = np.zeros((3, 5))
    avail = np.array([[True] * 5, [False, True, True, True, True], [False] * 5])
    p = nested_logit_probabilities(u, avail, NESTS, 1.0, 0.7)
    assert p[1, 0] == 0 and p[1].sum() == pytest.approx(1.0)
    assert p[2].sum() == 0, "nothing available must give zero probabilities, not NaN"


def test_probability_falls_with_price():
    beta_price = 3.0
    log_price = np.linspace(np.log(0.6), np.log(1.4), 9)
    u = np.zeros((9, 5))
    u[:, 0] = -beta_price * log_price  # Huawei's price rises down the rows
    p = nested_logit_probabilities(u, np.ones(5, dtype=bool), NESTS, 1.0, 0.7)[:, 0]
    assert np.all(np.diff(p) < 0), f"P(huawei) not falling with price: {p}"


def test_lambda_one_is_multinomial_logit():
    u = np.array([[0.3, -0.2, 0.5, 0.1, -1.0]])
    mu = 0.8
    p = nested_logit_probabilities(u, np.ones(5, dtype=bool), NESTS, mu, 1.0)
    softmax = np.exp(u / mu) / np.exp(u / mu).sum()
    assert np.allclose(p, softmax)


def test_sampler_reproduces_probabilities():
    rng = np.random.default_rng(0)
    n = 200_000
    u = np.tile([0.4, -0.3, 0.2, 0.1, -0.6], (n, 1))
    avail = np.ones(5, dtype=bool)
    mu, lam = 1.0, 0.5
    choice = sample_nested_logit(u, avail, NESTS, mu, lam, rng.gumbel(size=(n, 5)),
                                 rng.gumbel(size=(n, 2)))
    freq = np.bincount(choice, minlength=5) / n
    p = nested_logit_probabilities(u[:1], avail, NESTS, mu, lam)[0]
    assert np.allclose(freq, p, atol=0.01), f"frequencies {freq} vs probabilities {p}"


def _draws(rng, n):
    return {"alt1": rng.gumbel(size=(n, 5)), "nest1": rng.gumbel(size=(n, 2)),
            "alt2": rng.gumbel(size=(n, 5)), "nest2": rng.gumbel(size=(n, 2)),
            "dual": rng.random(n)}


def test_awards_sum_to_one_with_at_most_two_vendors():
    rng = np.random.default_rng(1)
    n = 2000
    u = rng.normal(size=(n, 5))
    shares = award(u, np.ones((n, 5), dtype=bool), NESTS, 1.0, 0.7, _draws(rng, n), 0.3)
    assert np.allclose(shares.sum(axis=1), 1.0)
    k = (shares > 0).sum(axis=1)
    assert set(np.unique(k)) == {1, 2}
    assert 0.2 < np.mean(k == 2) < 0.4, f"dual share {np.mean(k == 2):.2f}, expected about 0.3"


def test_ban_never_awards_china_bloc():
    rng = np.random.default_rng(2)
    n = 5000
    u = rng.normal(size=(n, 5))
    u[:, CHINA] += 5.0  # China-bloc vendors far more attractive
    avail = np.broadcast_to(~CHINA, (n, 5)).copy()
    shares = award(u, avail, NESTS, 1.0, 0.7, _draws(rng, n), 0.5)
    assert shares[:, CHINA].sum() == 0
    assert np.allclose(shares.sum(axis=1), 1.0)


def test_award_with_draws_on_demand_equals_award_with_arrays():
    """The model asks only for the draws it uses; the awards must be the same."""
    rng = np.random.default_rng(7)
    n = 400
    u = rng.normal(size=(n, 5))
    avail = rng.random((n, 5)) < 0.9
    draws = _draws(rng, n)
    asked = []

    def on_demand(requests, exact):
        out = [draws[k][r] if c is None else draws[k][r, c] for k, r, c in requests]
        if exact:
            asked.extend(a.size for (k, _, _), a in zip(requests, out, strict=True)
                         if k != "dual")
        return out

    a = award(u, avail, NESTS, 0.8, 0.6, draws, 0.3)
    b = award(u, avail, NESTS, 0.8, 0.6, on_demand, 0.3)
    assert np.array_equal(a, b)
    held = sum(draws[k].size for k in ("alt1", "nest1", "alt2", "nest2"))
    assert sum(asked) < 0.01 * held, f"asked for {sum(asked)} exact Gumbel draws of {held}"


def _tied(rng, n):
    """Utilities and draws with an exact tie between Ericsson and Nokia in every row."""
    u = rng.normal(size=(n, 5))
    u[:, 2] = u[:, 3] = 30.0  # far ahead of the others
    draws = _draws(rng, n)
    for k in ("alt1", "alt2"):
        draws[k][:, 3] = draws[k][:, 2]
    draws["nest1"][:, 0] += 50.0  # the west nest wins, so the tie decides
    return u, draws


def _nudged(draws):
    """Approximate draws that break the ties the wrong way, as a last-bit error could."""
    def take(requests, exact):
        out = []
        for k, r, c in requests:
            x = draws[k][r] if c is None else draws[k][r, c]
            if not exact and k == "alt1":
                x = x + 1e-12 * ((c == 3) if c is not None else (np.arange(5) == 3))
            out.append(x)
        return out
    return take


def test_close_calls_are_decided_with_the_exact_draws():
    rng = np.random.default_rng(11)
    u, draws = _tied(rng, 200)
    avail = np.ones((200, 5), dtype=bool)
    exact = award(u, avail, NESTS, 1.0, 0.7, draws, 0.0)
    assert (exact[:, 2] == 1.0).all(), "an exact tie goes to the first alternative"
    assert np.array_equal(award(u, avail, NESTS, 1.0, 0.7, _nudged(draws), 0.0), exact)


def test_without_the_close_call_check_a_nudge_changes_the_award(monkeypatch):
    """The check above has teeth: with no tolerance the nudged draws pick Nokia."""
    import sim.mechanisms.choice as choice

    monkeypatch.setattr(choice, "CLOSE_CALL", -1.0)
    rng = np.random.default_rng(11)
    u, draws = _tied(rng, 200)
    avail = np.ones((200, 5), dtype=bool)
    nudged = award(u, avail, NESTS, 1.0, 0.7, _nudged(draws), 0.0)
    assert (nudged[:, 3] == 1.0).all()
