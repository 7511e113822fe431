"""Operators' nested-logit contract awards (sim/mechanisms/choice.py, ODD §7.6).

Known answers: rows of probabilities sum to 1; λ = 1 is the multinomial logit softmax(U/μ); the
Gumbel-max sampler reproduces the analytic probabilities; and a logit population with a
conformity term has the Brock & Durlauf (2001) mean field m = tanh(β_n/(2μ)·m): two stable states
iff β_n/(2μ) > 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import brentq

from sim.mechanisms.choice import (
    ChoiceInputs,
    award,
    nested_logit_probabilities,
    sample_nested_logit,
    utilities,
)
from sim.params import defaults

# Five vendors like sim/data/vendors.yaml: two China-bloc (nest 0), three west (nest 1).
CHINA = np.array([True, True, False, False, False])
NESTS = np.where(CHINA, 0, 1)
V = CHINA.size


def _inputs(n: int, log_price: np.ndarray | None = None) -> ChoiceInputs:
    """Operators facing the same market; each term of the utility is switched on (non-zero)."""
    rng = np.random.default_rng(1)
    lp = np.log(np.array([0.8, 0.75, 1.0, 1.0, 0.95])) if log_price is None else log_price
    return ChoiceInputs(
        log_price=np.tile(lp, (n, 1)), quality=np.array([1.0, 0.9, 1.0, 0.98, 0.8]),
        lockin=rng.dirichlet(np.ones(V), size=n), peer=rng.uniform(0, 1, (n, V)),
        unreliability=np.array([0.1, 0.2, 0.0, 0.0, 0.0]), us_exposure=rng.uniform(0, 1, n),
        restricted=np.zeros(n, dtype=bool), alignment=rng.uniform(-1, 1, n), china=CHINA,
        bloc_sign=np.where(CHINA, -1.0, 1.0), home=np.zeros(n))


@settings(max_examples=200, deadline=None)
@given(
    u=arrays(float, (6, V), elements=st.floats(-10, 10)),
    avail=arrays(bool, (6, V)),
    mu=st.floats(0.1, 5.0),
    lam=st.floats(0.05, 1.0, exclude_min=True),
)
def test_probabilities_sum_to_one_where_anything_is_available(u, avail, mu, lam):
    avail[:, 2] |= ~avail.any(axis=1)  # at least one vendor per row
    p = nested_logit_probabilities(u, avail, NESTS, mu, lam)
    assert np.all(p >= 0), f"expected non-negative probabilities, found min {p.min()}"
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9,
                               err_msg="expected rows summing to 1 (tol 1e-9)")


def test_unavailable_vendor_has_probability_zero():
    u = np.random.default_rng(0).normal(size=(50, V))
    avail = np.ones(V, dtype=bool)
    avail[0] = avail[3] = False
    p = nested_logit_probabilities(u, avail, NESTS, mu=1.0, lam=0.7)
    assert np.all(p[:, [0, 3]] == 0), f"expected P = 0 for banned vendors, found {p[:, [0, 3]].max()}"
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("vendor", range(V))
def test_raising_a_vendors_price_lowers_its_probability(vendor):
    p = defaults()
    base = np.log(np.array([0.8, 0.75, 1.0, 1.0, 0.95]))
    probs = []
    for step in np.linspace(0.0, 1.0, 6):
        lp = base.copy()
        lp[vendor] += step
        u = utilities(_inputs(1, lp), p)
        probs.append(nested_logit_probabilities(u, np.ones(V, bool), NESTS, 1.0, 0.7)[0, vendor])
    assert np.all(np.diff(probs) < 0), f"expected P(v) strictly falling in price, found {probs}"


def test_lambda_one_is_multinomial_logit():
    u = np.random.default_rng(2).normal(0, 2, size=(20, V))
    mu = 0.7
    expected = np.exp(u / mu) / np.exp(u / mu).sum(axis=1, keepdims=True)
    found = nested_logit_probabilities(u, np.ones(V, bool), NESTS, mu, lam=1.0)
    np.testing.assert_allclose(found, expected, atol=1e-12,
                               err_msg="expected nested logit with λ = 1 to equal softmax(U/μ)")


@pytest.mark.parametrize("lam", [0.3, 0.7, 1.0])
def test_gumbel_max_sampler_matches_probabilities(lam):
    n = 200_000
    rng = np.random.default_rng(0)
    u = np.tile(np.array([[0.4, 0.1, 0.5, 0.3, -0.2]]), (n, 1))
    choice = sample_nested_logit(u, np.ones(V, bool), NESTS, 0.8, lam,
                                 rng.gumbel(size=(n, V)), rng.gumbel(size=(n, 2)))
    freq = np.bincount(choice, minlength=V) / n
    prob = nested_logit_probabilities(u[:1], np.ones(V, bool), NESTS, 0.8, lam)[0]
    assert np.abs(freq - prob).max() < 0.01, f"expected frequencies {prob}, found {freq} (tol 0.01)"


def _draws(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"alt1": rng.gumbel(size=(n, V)), "nest1": rng.gumbel(size=(n, 2)),
            "alt2": rng.gumbel(size=(n, V)), "nest2": rng.gumbel(size=(n, 2)),
            "dual": rng.uniform(size=n)}


def test_award_rows_sum_to_one_and_dual_awards_split_between_two():
    n, dual_prob = 2000, 0.4
    u = utilities(_inputs(n), defaults())
    draws = _draws(n)
    shares = award(u, np.ones((n, V), bool), NESTS, 1.0, 0.7, draws, dual_prob)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-12,
                               err_msg="expected award rows summing to 1")
    nonzero = (shares > 0).sum(axis=1)
    dual = draws["dual"] < dual_prob
    assert np.all(nonzero[dual] == 2), f"expected 2 vendors in dual awards, found {set(nonzero[dual])}"
    assert np.all(nonzero[~dual] == 1), f"expected 1 vendor otherwise, found {set(nonzero[~dual])}"


def test_ban_never_awards_a_china_bloc_vendor():
    n = 5000
    x = _inputs(n, np.log(np.array([0.3, 0.3, 1.5, 1.5, 1.5])))  # China far cheaper
    available = np.tile(~CHINA, (n, 1))
    shares = award(utilities(x, defaults()), available, NESTS, 1.0, 0.7, _draws(n, 3), 1.0)
    assert shares[:, CHINA].max() == 0, f"expected no China-bloc share under a ban, found " \
                                        f"{shares[:, CHINA].max()}"
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-12)


# --------------------------------------------------------------------------- Brock & Durlauf
def _conformity_share(x0: float, beta_peer: float, mu: float, rounds: int = 200,
                      n: int = 20_000) -> np.ndarray:
    """Share choosing A each round when U_A = β_n·x, U_B = β_n·(1 − x) (real utility + sampler)."""
    p = {k: (0.0 if k.startswith("operator.beta_") else v) for k, v in defaults().items()}
    p["operator.beta_peer"] = beta_peer
    one, zero = np.ones(1), np.zeros(1)
    rng = np.random.default_rng(0)
    x, path = x0, []
    for _ in range(rounds):
        inputs = ChoiceInputs(
            log_price=np.zeros((1, 2)), quality=np.ones(2), lockin=np.zeros((1, 2)),
            peer=np.array([[x, 1.0 - x]]), unreliability=np.zeros(2), us_exposure=zero,
            restricted=zero.astype(bool), alignment=zero, china=np.array([False, True]),
            bloc_sign=np.array([1.0, -1.0]), home=zero)
        u = np.broadcast_to(utilities(inputs, p) * one, (n, 2))
        choice = sample_nested_logit(u, np.ones(2, bool), np.array([0, 1]), mu, 1.0,
                                     rng.gumbel(size=(n, 2)), rng.gumbel(size=(n, 2)))
        x = float(np.mean(choice == 0))
        path.append(x)
    return np.array(path)


def test_brock_durlauf_two_equilibria_when_beta_j_above_one():
    m_star = brentq(lambda m: np.tanh(1.5 * m) - m, 0.1, 1.0)  # ≈ 0.858
    x_star = (1 + m_star) / 2
    high = _conformity_share(0.7, beta_peer=3.0, mu=1.0)[-50:].mean()
    low = _conformity_share(0.3, beta_peer=3.0, mu=1.0)[-50:].mean()
    assert abs(high - x_star) < 0.02, f"expected x = {x_star:.3f} from 0.7, found {high:.3f}"
    assert abs(low - (1 - x_star)) < 0.02, f"expected x = {1 - x_star:.3f} from 0.3, found {low:.3f}"


@pytest.mark.parametrize("x0", [0.3, 0.7])
def test_brock_durlauf_single_equilibrium_when_beta_j_below_one(x0):
    found = _conformity_share(x0, beta_peer=1.0, mu=1.0)[-50:].mean()  # β_n/(2μ) = 0.5
    assert abs(found - 0.5) < 0.02, f"expected x = 0.5 from {x0}, found {found:.3f} (tol 0.02)"
