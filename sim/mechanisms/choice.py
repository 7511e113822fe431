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

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.arrays import row_max, row_sum

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


def _not_eye(v: int) -> np.ndarray:
    """(V, V) boolean, False on the diagonal (cached)."""
    out = _NOT_EYE.get(v)
    if out is None:
        out = _NOT_EYE[v] = ~np.eye(v, dtype=bool)
    return out


_NOT_EYE: dict[int, np.ndarray] = {}


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


#: Gumbel-max decisions depend only on the order of the noisy utilities. Draws computed with
#: NumPy's vectorised log differ from the C library's by at most an ulp or two (below 1e-14 for a
#: standard Gumbel variate); a decision whose two best candidates lie closer than this (relative)
#: tolerance is taken again with the exact draws, so every decision is the exact one.
CLOSE_CALL = 1e-8


def _close_call(scores: np.ndarray) -> np.ndarray:
    """Rows whose two best finite scores lie within :data:`CLOSE_CALL` of each other."""
    if scores.shape[1] < 2:
        return np.zeros(scores.shape[0], dtype=bool)
    top2 = np.sort(scores, axis=1)[:, -2:]
    best, second = top2[:, 1], top2[:, 0]
    with np.errstate(invalid="ignore"):  # -inf - -inf where nothing is available
        return np.isfinite(second) & (
            best - second <= CLOSE_CALL * (1.0 + np.abs(best) + np.abs(second)))


def _decide(
    z: np.ndarray, iv: np.ndarray, nests: np.ndarray, mu: float,
    gumbel_alt: np.ndarray | Callable[[np.ndarray, np.ndarray], np.ndarray],
    gumbel_nest: np.ndarray, check: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The Gumbel-max draw given z and IV: best nest, then best alternative within it.

    ``gumbel_alt`` is an (O, V) array, or a function of (rows, columns) giving the draws of
    those cells: then only the winning nest's draws are asked for, the only ones that matter.
    With ``check``, also the rows where a decision was a close call (:func:`_close_call`).
    """
    finite = np.isfinite(iv)  # nests with something available
    nest_score = np.where(finite, iv / mu + gumbel_nest, NEG)
    k_star = nest_score.argmax(axis=1)
    # Alternatives outside the winning nest are masked; argmax takes the first maximum, as the
    # within-nest argmax over the nest's columns (in increasing order) does.
    in_nest = nests[None, :] == k_star[:, None]
    if callable(gumbel_alt):
        r, c = in_nest.nonzero()
        noisy = np.empty(z.shape)
        noisy.fill(NEG)
        noisy[r, c] = z[r, c] + gumbel_alt(r, c)
    else:
        noisy = np.where(in_nest, z + gumbel_alt, NEG)
    choice = noisy.argmax(axis=1)
    any_available = finite[:, 0].copy()
    for k in range(1, finite.shape[1]):
        any_available |= finite[:, k]
    doubt = (_close_call(nest_score) | _close_call(noisy)) if check else None
    return np.where(any_available, choice, -1), doubt


def _gumbel_max(
    z: np.ndarray, iv: np.ndarray, nests: np.ndarray, mu: float,
    gumbel_alt: np.ndarray | Callable[[np.ndarray, np.ndarray], np.ndarray],
    gumbel_nest: np.ndarray,
) -> np.ndarray:
    """The Gumbel-max draw given z, IV and exact draws (see :func:`_decide`)."""
    return _decide(z, iv, nests, mu, gumbel_alt, gumbel_nest)[0]


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
    cols = _nest_columns(nests, gumbel_nest.shape[1])
    z, iv = _inclusive_values(u, available, nests, cols, mu, lam)
    return _gumbel_max(z, iv, nests, mu, gumbel_alt, gumbel_nest)


def award(
    u: np.ndarray,
    available: np.ndarray,
    nests: np.ndarray,
    mu: float,
    lam: float,
    draws: Mapping[str, np.ndarray] | Callable[..., np.ndarray],
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
        draws: ``alt1, nest1, alt2, nest2`` standard Gumbel arrays and ``dual`` uniforms (O,);
            or a function ``draws(requests, exact)`` of a list of ``(name, rows, cols)``
            returning, for each, those rows of the draws (or, with ``cols``, the cells
            (rows[i], cols[i])), so that draws nobody uses (the second draw of a single-sourced
            operator, alternatives outside the winning nest) need not be made. With ``exact``
            false the Gumbel draws may be approximate (an ulp or two off, see
            :data:`CLOSE_CALL`); close calls are then asked for again with ``exact`` true.
        dual_prob: probability of a dual award.

    Returns:
        Shares, shape (O, V), rows summing to 1 (0 where nothing is available).
    """
    if callable(draws):
        take = draws
    else:
        def take(requests, exact=True):
            return [draws[k][r] if c is None else draws[k][r, c] for k, r, c in requests]
    n, v = u.shape
    rows = np.arange(n)
    if available.shape != u.shape:
        available = np.broadcast_to(available, u.shape)
    cols = _nest_columns(nests, int(nests.max()) + 1)
    # Rows drawn for a dual award also need a second draw, without their first vendor. Drawing
    # it for each possible first vendor, stacked under the first draws, lets one pass of array
    # operations serve both; every row is computed on its own, so the numbers are the same as
    # drawing first and second in turn.
    (dual_u,) = take([("dual", rows, None)], True)
    cand = (dual_u < dual_prob).nonzero()[0]
    if cand.size:
        # (candidate row, excluded first vendor) pairs, candidate-major.
        avail2 = (available[cand][:, None, :] & _not_eye(v)).reshape(-1, v)
        u_all = np.concatenate([u, u[cand].repeat(v, axis=0)])
        avail_all = np.concatenate([available, avail2])
    else:
        u_all, avail_all = u, available

    def requests(name: str, r: np.ndarray, c: np.ndarray | None) -> list:
        """Draws of stacked rows: the first draw's above row n, the second's below."""
        top = r < n
        if top.all():
            return [(f"{name}1", r, c)]
        below = cand[(r[~top] - n) // v]
        return [(f"{name}1", r[top], None if c is None else c[top]),
                (f"{name}2", below, None if c is None else c[~top])]

    def stacked(name: str, r: np.ndarray, c: np.ndarray | None, exact: bool) -> np.ndarray:
        parts = take(requests(name, r, c), exact)
        if len(parts) == 1:
            return parts[0]
        top = r < n
        out = np.empty((r.size, *parts[0].shape[1:]))
        out[top], out[~top] = parts
        return out

    z_all, iv_all = _inclusive_values(u_all, avail_all, nests, cols, mu, lam)
    # Decide with draws from NumPy's vectorised log, then take the close calls again with the
    # exact draws (the C library's log): the decisions are those of the exact draws.
    every = np.arange(u_all.shape[0])
    drawn, doubt = _decide(z_all, iv_all, nests, mu,
                           lambda r, c: stacked("alt", r, c, False),
                           stacked("nest", every, None, False), check=True)
    if doubt.any():
        d = doubt.nonzero()[0]
        drawn[d] = _gumbel_max(z_all[d], iv_all[d], nests, mu,
                               lambda r, c: stacked("alt", d[r], c, True),
                               stacked("nest", d, None, True))
    first = drawn[:n]
    shares = np.zeros((n, v))
    ok = first >= 0
    shares[rows[ok], first[ok]] = 1.0
    if cand.size == 0:
        return shares
    f = first[cand]
    has_first = f >= 0
    second = drawn[n:].reshape(cand.size, v)[has_first, f[has_first]]
    dual = second >= 0
    if dual.any():
        r, f, second = cand[has_first][dual], f[has_first][dual], second[dual]
        # Probabilities in the first draw's choice set, for the dual rows only (row-wise, so
        # the same numbers as for all rows).
        prob = _probabilities(z_all[r], iv_all[r], available[r], nests, mu, lam)
        d = np.arange(r.size)
        p1, p2 = prob[d, f], prob[d, second]
        w1 = p1 / (p1 + p2)
        shares[r, f] = w1
        shares[r, second] = 1.0 - w1
    return shares
