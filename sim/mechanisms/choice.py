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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from techbloc.sim import kernels
from techbloc.sim.arrays import row_max, row_sum
from techbloc.sim.errors import ScenarioError

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


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    if axis == 1 and a.ndim == 2:  # the common case: column-wise, the same sums (sim.arrays)
        m = row_max(a)[:, None]
        m_safe = np.where(np.isfinite(m), m, 0.0)
        total = row_sum(np.exp(a - m_safe))[:, None]
    else:
        m = a.max(axis=axis, keepdims=True)
        m_safe = np.where(np.isfinite(m), m, 0.0)
        total = np.exp(a - m_safe).sum(axis=axis, keepdims=True)
    if total.all():
        out = np.log(total) + m_safe
    else:
        with np.errstate(divide="ignore"):  # nothing available: log 0 = −inf
            out = np.log(total) + m_safe
    return np.squeeze(out, axis=axis)


_NEST_COLUMNS: dict[tuple[bytes, int], list[list[int]]] = {}


def _nest_columns(nests: np.ndarray, n_nests: int) -> list[list[int]]:
    """Column indices of each nest, in increasing order; every nest must have one (cached)."""
    key = (nests.tobytes(), n_nests)
    cols = _NEST_COLUMNS.get(key)
    if cols is None:
        cols = [np.flatnonzero(nests == k).tolist() for k in range(n_nests)]
        if any(not c for c in cols):
            raise ValueError(f"every nest 0..{n_nests - 1} needs at least one alternative")
        if len(_NEST_COLUMNS) < 64:
            _NEST_COLUMNS[key] = cols
    return cols


def _inclusive_values(
    u: np.ndarray, available: np.ndarray, nests: np.ndarray, cols: list[list[int]], mu: float,
    lam: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled utilities z = U/(μλ) (−inf where unavailable) and inclusive values IV, (O, K).

    IV_n = μλ·ln Σ_{v∈n} exp(z_v), computed stably as a log-sum-exp shifted by each nest's
    maximum (−inf for a nest with nothing available). One array operation serves all nests
    where it can: this runs every quarter for every tendering operator.
    """
    if available.shape != u.shape:
        available = np.broadcast_to(available, u.shape)
    z = np.where(available, u, NEG) / (mu * lam)
    n, k = z.shape[0], len(cols)
    m = np.empty((n, k))
    for j, c in enumerate(cols):
        m[:, j] = row_max(z, c)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(z - m_safe[:, nests])
    total = np.empty((n, k))
    for j, c in enumerate(cols):
        total[:, j] = row_sum(e, c)
    if total.all():
        iv = mu * lam * (np.log(total) + m_safe)
    else:
        with np.errstate(divide="ignore"):  # a nest with nothing available: IV = −inf
            iv = mu * lam * (np.log(total) + m_safe)
    return z, iv


def _probabilities(
    z: np.ndarray, iv: np.ndarray, available: np.ndarray, nests: np.ndarray, mu: float,
    lam: float,
) -> np.ndarray:
    """Nested-logit probabilities from z and IV (see :func:`nested_logit_probabilities`)."""
    top = _logsumexp(iv / mu, axis=1)
    p_nest = np.exp(iv / mu - np.where(np.isfinite(top), top, 0.0)[:, None])
    p_within = np.exp(z - np.where(np.isfinite(iv), iv / (mu * lam), 0.0)[:, nests])
    p = np.where(available, p_nest[:, nests] * p_within, 0.0)
    return np.where(np.isfinite(top)[:, None], p, 0.0)


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
    z, iv = _inclusive_values(u, available, nests,
                              _nest_columns(nests, int(nests.max()) + 1), mu, lam)
    return _probabilities(z, iv, available, nests, mu, lam)


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
    shares = award(u, available, nests, mu, lam,
                   {"alt1": gumbel_alt, "nest1": gumbel_nest, "alt2": gumbel_alt,
                    "nest2": gumbel_nest, "dual": np.ones(u.shape[0])}, 0.0)
    return np.where(shares.any(axis=1), shares.argmax(axis=1), -1)


def award(
    u: np.ndarray,
    available: np.ndarray,
    nests: np.ndarray,
    mu: float,
    lam: float,
    draws: Mapping[str, np.ndarray],
    dual_prob: float,
    split: tuple[float, float] | None = None,
) -> np.ndarray:
    """Contract shares by vendor: a primary vendor and, with probability ``dual_prob``, a second.

    With dual sourcing the second vendor is drawn from the same nested logit without the first,
    and the two split the contract in proportion to their choice probabilities. One compiled pass
    over the rows (:func:`sim.kernels.award_gumbel`); the model runs the same per-row code with
    the utilities computed in the pass (:func:`sim.kernels.award_rows`).

    Args:
        u: systematic utilities, shape (O, V).
        available: allowed vendors, shape (O, V) or (V,).
        nests: nest of each vendor.
        mu: Gumbel scale.
        lam: dissimilarity.
        draws: ``alt1, nest1, alt2, nest2`` standard Gumbel arrays, (O, V) and (O, K), and
            ``dual`` uniforms (O,); a row takes a dual award where ``dual < dual_prob``.
        dual_prob: probability of a dual award.
        split: (first, second) shares of a rank-split award (:func:`split_award`), or None.

    Returns:
        Shares, shape (O, V), rows summing to 1 (0 where nothing is available).
    """
    s1, s2, _ = split_shares(*split) if split is not None else (1.0, 0.0, 0.0)
    n_nests = len(_nest_columns(nests, int(nests.max()) + 1))  # every nest must have a vendor
    available = np.ascontiguousarray(np.broadcast_to(available, u.shape), dtype=bool)
    f = np.ascontiguousarray
    return kernels.award_gumbel(
        f(u, dtype=float), available, f(nests, dtype=np.int64), n_nests, float(mu), float(lam),
        float(dual_prob), f(draws["alt1"], dtype=float), f(draws["nest1"], dtype=float),
        f(draws["alt2"], dtype=float), f(draws["nest2"], dtype=float),
        f(draws["dual"], dtype=float), split is not None, float(s1), float(s2))


def split_shares(first: float, second: float) -> tuple[float, float, float]:
    """The shares of a rank-split award, first to third; a clear error if they do not fit.

    Raises:
        ScenarioError: a share outside [0, 1], or the first two above 1 together, or out of
            rank order (a lower rank taking more).
    """
    third = 1.0 - first - second
    if not (0.0 <= second <= first <= 1.0 and third >= -1e-12 and third <= second):
        raise ScenarioError(
            f"operator.split_first = {first:g} and operator.split_second = {second:g} are not "
            "the shares of a rank-split award: they need first >= second >= 1 - first - second "
            ">= 0")
    return first, second, max(third, 0.0)


def split_award(
    u: np.ndarray,
    available: np.ndarray,
    nests: np.ndarray,
    mu: float,
    lam: float,
    draws: Mapping[str, np.ndarray],
    first: float,
    second: float,
) -> np.ndarray:
    """Contract shares of rank-split tenders: the first three of a ranking in fixed shares.

    The ranking is drawn from the nested logit (the first as in :func:`award`, the second from
    the second draw without the first, the third the runner-up of that draw); the first three
    get ``first``, ``second`` and 1 − first − second of the contract (ODD §7.6, a state-planned
    tender split among several winners). With two vendors available they share it in the ratio
    first : second.

    Args:
        u: systematic utilities, shape (O, V).
        available: allowed vendors, shape (O, V) or (V,).
        nests: nest of each vendor.
        mu: Gumbel scale.
        lam: dissimilarity.
        draws: ``alt1, nest1, alt2, nest2`` standard Gumbel arrays, (O, V) and (O, K).
        first: the first-ranked vendor's share.
        second: the second-ranked vendor's share.

    Returns:
        Shares, shape (O, V), rows summing to 1 (0 where nothing is available).
    """
    return award(u, available, nests, mu, lam, {**draws, "dual": np.ones(u.shape[0])}, 0.0,
                 split=(first, second))
