"""Brock & Durlauf (2001): logit choice with a conformity term has two stable states iff βJ > 1.

Two identical vendors A and B, utilities U_A = β_n·x and U_B = β_n·(1 − x) with x last round's
share choosing A and Gumbel noise of scale μ. With m = 2x − 1 the mean field is
m' = tanh(β_n/(2μ)·m): one equilibrium (m = 0) when β_n/(2μ) ≤ 1, two stable ones (±m*, the
roots of m = tanh(k·m)) when it exceeds 1. The population is sampled with the model's own sampler.
"""

import numpy as np
import pytest
from scipy.optimize import brentq
from techbloc.sim.mechanisms.choice import sample_nested_logit

N = 20_000
ROUNDS = 120
NESTS = np.array([0, 1])  # one vendor per nest: the nested logit reduces to the plain logit


def iterate(x0: float, beta_peer: float, mu: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    x = x0
    available = np.ones(2, dtype=bool)
    for _ in range(ROUNDS):
        u = np.tile([beta_peer * x, beta_peer * (1 - x)], (N, 1))
        choice = sample_nested_logit(u, available, NESTS, mu, 1.0,
                                     rng.gumbel(size=(N, 2)), rng.gumbel(size=(N, 2)))
        x = float(np.mean(choice == 0))
    return x


def test_strong_peer_effects_give_two_equilibria():
    k = 1.5  # β_n / (2μ) > 1
    m_star = brentq(lambda m: m - np.tanh(k * m), 0.1, 1.0)  # ≈ 0.858
    x_star = (1 + m_star) / 2
    high = iterate(0.7, beta_peer=2 * k, mu=1.0, seed=1)
    low = iterate(0.3, beta_peer=2 * k, mu=1.0, seed=2)
    assert high == pytest.approx(x_star, abs=0.02), f"expected {x_star:.3f}, found {high:.3f}"
    assert low == pytest.approx(1 - x_star, abs=0.02), f"expected {1 - x_star:.3f}, found {low:.3f}"


def test_weak_peer_effects_give_one_equilibrium():
    k = 0.5  # β_n / (2μ) < 1
    for x0, seed in ((0.7, 3), (0.3, 4)):
        x = iterate(x0, beta_peer=2 * k, mu=1.0, seed=seed)
        assert x == pytest.approx(0.5, abs=0.02), f"from {x0}: expected 0.5, found {x:.3f}"
