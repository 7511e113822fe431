"""Operators' contract awards: a nested logit over the vendors the country allows (ODD §7.6).

Utility of vendor v for operator o in country i:

    U_ov = −β_p·ln(p_iv) + β_q·q_v·ρ_v^κ + β_l·L_ov + β_n·N_iv − β_r·(1 − ρ_v)
           − β_s·σ·e_o·[v ∈ china] − β_P·[P_i = restrict]·[v ∈ china] + β_a·a_i·bloc(v)
           + β_h·[i is a hub of v's bloc]

with Gumbel shocks of scale μ. Vendors are nested by bloc with dissimilarity λ, which removes the
IIA artefact of plain logit (Ericsson and Nokia are closer substitutes than Ericsson and Huawei);
λ = 1 is the multinomial logit. Sampling uses the Gumbel-max construction at both levels, which
reproduces the nested-logit probabilities exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEG = -np.inf


@dataclass(frozen=True)
class ChoiceInputs:
    """Inputs of the utility, per operator (O) and vendor (V).

    Attributes:
        log_price: ln p_iv of each operator's country, shape (O, V).
        quality: effective quality q_v·ρ_v^κ, shape (V,).
        lockin: L_ov, installed share of v in the operator's 4G + 5G base, shape (O, V).
        peer: N_iv, v's bloc share among the country's peers, shape (O, V).
        unreliability: 1 − ρ_v, shape (V,).
        us_exposure: e_o, shape (O,).
        restricted: True where the operator's country restricts China-bloc vendors, shape (O,).
        alignment: a_i of the operator's country, shape (O,).
        china: China-bloc mask, shape (V,).
        bloc_sign: +1 west, −1 china, shape (V,).
        home: +1 for an operator of the US hub, −1 of the China hub, 0 elsewhere, shape (O,).
    """

    log_price: np.ndarray
    quality: np.ndarray
    lockin: np.ndarray
    peer: np.ndarray
    unreliability: np.ndarray
    us_exposure: np.ndarray
    restricted: np.ndarray
    alignment: np.ndarray
    china: np.ndarray
    bloc_sign: np.ndarray
    home: np.ndarray


def utilities(x: ChoiceInputs, p: dict) -> np.ndarray:
    """Systematic utility V_ov (without the Gumbel shock), shape (O, V)."""
    sigma = p["us.secondary_sanctions"]
    cn = x.china.astype(float)[None, :]
    return (
        -p["operator.beta_price"] * x.log_price
        + p["operator.beta_quality"] * x.quality[None, :]
        + p["operator.beta_lockin"] * x.lockin
        + p["operator.beta_peer"] * x.peer
        - p["operator.beta_risk"] * x.unreliability[None, :]
        - p["operator.beta_sanction"] * sigma * x.us_exposure[:, None] * cn
        - p["operator.beta_restrict"] * x.restricted[:, None] * cn
        + p["operator.beta_alignment"] * x.alignment[:, None] * x.bloc_sign[None, :]
        + p["operator.beta_home"] * (x.home[:, None] * x.bloc_sign[None, :] > 0)
    )


def _masked(u: np.ndarray, available: np.ndarray) -> np.ndarray:
    return np.where(available, u, NEG)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(a, axis=axis, keepdims=True)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m_safe), axis=axis, keepdims=True)) + m_safe
    return np.squeeze(out, axis=axis)


def nested_logit_probabilities(
    u: np.ndarray, available: np.ndarray, nests: np.ndarray, mu: float, lam: float
) -> np.ndarray:
    """Nested-logit choice probabilities.

    P(v) = P(nest(v))·P(v | nest), P(v | n) ∝ exp(U_v/(μλ)) within n,
    P(n) ∝ exp(IV_n/μ) with inclusive value IV_n = μλ·ln Σ_{v∈n} exp(U_v/(μλ)).

    Args:
        u: systematic utilities, shape (O, V).
        available: True where the vendor may be chosen, shape (O, V) or (V,).
        nests: nest index of each vendor (0..K−1), shape (V,).
        mu: Gumbel scale μ > 0.
        lam: dissimilarity λ in (0, 1].

    Returns:
        Shape (O, V); rows sum to 1 where any vendor is available, else 0.
    """
    available = np.broadcast_to(available, u.shape)
    z = _masked(u, available) / (mu * lam)
    n_nests = int(nests.max()) + 1
    iv = np.stack([mu * lam * _logsumexp(z[:, nests == k], axis=1) for k in range(n_nests)], 1)
    top = _logsumexp(iv / mu, axis=1)
    p_nest = np.exp(iv / mu - np.where(np.isfinite(top), top, 0.0)[:, None])
    p_within = np.exp(z - np.where(np.isfinite(iv), iv / (mu * lam), 0.0)[:, nests])
    p = np.where(available, p_nest[:, nests] * p_within, 0.0)
    return np.where(np.isfinite(top)[:, None], p, 0.0)


def sample_nested_logit(
    u: np.ndarray,
    available: np.ndarray,
    nests: np.ndarray,
    mu: float,
    lam: float,
    gumbel_alt: np.ndarray,
    gumbel_nest: np.ndarray,
) -> np.ndarray:
    """Draw one vendor per operator from the nested logit, given standard Gumbel draws.

    Within each nest the alternative maximising U_v/(μλ) + G_v is taken; the nest maximising
    IV_n/μ + G_n then wins. This is an exact sampler of :func:`nested_logit_probabilities`.

    Args:
        u: systematic utilities, shape (O, V).
        available: shape (O, V) or (V,).
        nests: nest of each vendor, shape (V,).
        mu: Gumbel scale.
        lam: dissimilarity.
        gumbel_alt: standard Gumbel draws, shape (O, V).
        gumbel_nest: standard Gumbel draws, shape (O, K).

    Returns:
        Index of the chosen vendor, shape (O,); −1 where nothing is available.
    """
    available = np.broadcast_to(available, u.shape)
    z = _masked(u, available) / (mu * lam)
    n_nests = gumbel_nest.shape[1]
    best = np.full((u.shape[0], n_nests), -1)
    iv = np.full((u.shape[0], n_nests), NEG)
    cols = np.arange(u.shape[1])
    for k in range(n_nests):
        idx = cols[nests == k]
        noisy = z[:, idx] + gumbel_alt[:, idx]
        best[:, k] = idx[np.argmax(noisy, axis=1)]
        iv[:, k] = mu * lam * _logsumexp(z[:, idx], axis=1)
    nest_score = np.where(np.isfinite(iv), iv / mu + gumbel_nest, NEG)
    k_star = np.argmax(nest_score, axis=1)
    choice = best[np.arange(u.shape[0]), k_star]
    return np.where(np.isfinite(nest_score.max(axis=1)), choice, -1)


def award(
    u: np.ndarray,
    available: np.ndarray,
    nests: np.ndarray,
    mu: float,
    lam: float,
    draws: dict[str, np.ndarray],
    dual_prob: float,
) -> np.ndarray:
    """Contract shares by vendor: a primary vendor and, with probability ``dual_prob``, a second.

    With dual sourcing the second vendor is drawn from the same nested logit without the first,
    and the two split the contract in proportion to their choice probabilities.

    Args:
        u: systematic utilities, shape (O, V).
        available: allowed vendors, shape (O, V).
        nests: nest of each vendor.
        mu: Gumbel scale.
        lam: dissimilarity.
        draws: ``alt1, nest1, alt2, nest2`` standard Gumbel arrays and ``dual`` uniforms (O,).
        dual_prob: probability of a dual award.

    Returns:
        Shares, shape (O, V), rows summing to 1 (0 where nothing is available).
    """
    n, v = u.shape
    rows = np.arange(n)
    first = sample_nested_logit(u, available, nests, mu, lam, draws["alt1"], draws["nest1"])
    shares = np.zeros((n, v))
    ok = first >= 0
    shares[rows[ok], first[ok]] = 1.0
    avail2 = available.copy()
    avail2[rows[ok], first[ok]] = False
    second = sample_nested_logit(u, avail2, nests, mu, lam, draws["alt2"], draws["nest2"])
    dual = ok & (second >= 0) & (draws["dual"] < dual_prob)
    if dual.any():
        prob = nested_logit_probabilities(u, available, nests, mu, lam)
        r = rows[dual]
        p1, p2 = prob[r, first[dual]], prob[r, second[dual]]
        w1 = p1 / (p1 + p2)
        shares[r, first[dual]] = w1
        shares[r, second[dual]] = 1.0 - w1
    return shares
