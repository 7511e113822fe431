"""The operators of one replicate: real ones where known, synthetic ones from country priors.

Countries without an operator override get 1-4 synthetic operators (by population) whose market
shares are Dirichlet draws and whose China-bloc 4G shares are Beta draws around the country's
prior (ODD §2.3, §4.1); all draws come from the replicate's ``world`` stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from techbloc.sim.arrays import row_sum
from techbloc.sim.world import World


@dataclass(frozen=True)
class Operators:
    """The operators of one replicate as arrays indexed by operator position.

    Attributes:
        names: operator names (real where overridden, else ``ISO3-k``).
        country: index of each operator's country.
        market_share: share of its country's mobile subscriptions.
        mix4g: 4G installed base by vendor, rows summing to 1.
        us_exposure: e_o, exposure to US markets in [0, 1].
    """

    names: tuple[str, ...]
    country: np.ndarray
    market_share: np.ndarray
    mix4g: np.ndarray
    us_exposure: np.ndarray


def operators_per_country(population: np.ndarray) -> np.ndarray:
    """Synthetic operator count: 1 below 1 M people, 2 below 10 M, 3 below 100 M, else 4."""
    return np.clip(np.floor(np.log10(np.maximum(population, 1.0) / 1e4)), 1, 4).astype(int)


#: Beta concentration of operators' 4G China share around the country prior (assumed).
BETA_CONCENTRATION = 6.0


@dataclass(frozen=True)
class _OperatorPriors:
    """What :func:`make_operators` needs from a world besides random draws (computed once).

    Per country i with n_i synthetic operators (``W`` = the largest n_i), the stream holds, in
    country order, n_i Gamma(3) variates (the Dirichlet(3) market shares) and, where the prior
    is strictly between 0 and 1, n_i pairs of Gamma(a_i), Gamma(b_i) variates (the Beta(a_i, b_i)
    4G shares). The index arrays say where each sits in that sequence.
    """

    names: tuple[str, ...]
    country: np.ndarray  # country of each operator (real overrides included)
    priors: np.ndarray  # (C,) country prior of the China-bloc 4G share
    shapes: np.ndarray  # Gamma shapes of the whole sequence
    dirichlet: np.ndarray  # (C, W) positions of the market-share variates; padding -> a 0
    beta_a: np.ndarray  # (C, W) positions of the Gamma(a) variates; -> a 0 where none
    beta_b: np.ndarray  # (C, W) positions of the Gamma(b) variates
    has_beta: np.ndarray  # (C,) prior strictly between 0 and 1
    valid: np.ndarray  # (C, W) True for the n_i draws of each country
    synthetic: np.ndarray  # (C,) no real override
    real_share: np.ndarray  # market shares of the real operators, in operator order
    real_h: np.ndarray  # their China-bloc 4G shares
    real_rows: np.ndarray  # their positions among the operators


def _operator_priors(world: World) -> _OperatorPriors:
    key = ("operator_priors",)
    if key in world._cache:
        return world._cache[key]
    c = world.countries
    iso3 = c["iso3"].tolist()
    priors = c["china_4g_share"].to_numpy(float)
    counts = operators_per_country(c["population"].to_numpy())
    real_by_iso = {iso: df for iso, df in world.operators.groupby("iso3", sort=False)}
    n_c, width = len(iso3), int(counts.max())
    shapes: list[float] = []
    dirichlet = np.full((n_c, width), -1)
    beta_a = np.full((n_c, width), -1)
    beta_b = np.full((n_c, width), -1)
    has_beta = (priors > 0) & (priors < 1)
    k = BETA_CONCENTRATION
    names, country, real_share, real_h, real_rows = [], [], [], [], []
    for i, iso in enumerate(iso3):
        n = int(counts[i])
        dirichlet[i, :n] = np.arange(len(shapes), len(shapes) + n)
        shapes += [3.0] * n
        if has_beta[i]:
            m = min(max(float(priors[i]), 0.02), 0.98)
            a, b = m * k, (1 - m) * k
            # Generator.beta draws Gamma(a), Gamma(b) unless both shapes are at most 1 (never:
            # a + b = 6).
            beta_a[i, :n] = np.arange(len(shapes), len(shapes) + 2 * n, 2)
            beta_b[i, :n] = beta_a[i, :n] + 1
            shapes += [a, b] * n
        df = real_by_iso.get(iso)
        if df is None:
            names += [f"{iso}-{j + 1}" for j in range(n)]
            country += [i] * n
            continue
        s = df["market_share"].to_numpy(float)
        known = df["china_4g_share"].to_numpy(float)
        real_rows += range(len(names), len(names) + len(s))
        real_share.append(s / s.sum())
        real_h.append(np.where(np.isnan(known), priors[i], known))
        names += list(df["operator"])
        country += [i] * len(s)
    pad = len(shapes)  # index of a 0 appended to the variates
    for a in (dirichlet, beta_a, beta_b):
        a[a < 0] = pad
    prep = _OperatorPriors(
        tuple(names), np.asarray(country, dtype=np.int64), priors, np.array(shapes),
        dirichlet, beta_a, beta_b, has_beta, np.arange(width) < counts[:, None],
        np.array([iso not in real_by_iso for iso in iso3]),
        np.concatenate(real_share) if real_share else np.zeros(0),
        np.concatenate(real_h) if real_h else np.zeros(0), np.asarray(real_rows, dtype=np.int64))
    world._cache[key] = prep
    return prep


def make_operators(world: World, rng: np.random.Generator) -> Operators:
    """Draw the operators of one replicate (real overrides where known), deterministic in ``rng``.

    Each operator's China-bloc 4G share is drawn from a Beta around the country prior, then
    rescaled so the market-share-weighted mean equals the prior; the within-bloc split follows the
    vendors' 2017 mobile-infrastructure shares with Dirichlet noise.

    Draws are made for every country, override or not, so an added override does not shift the
    other countries' draws. The per-country Dirichlet and Beta draws come from one call for all
    Gamma variates, in the order and with the arithmetic of ``Generator.dirichlet`` and
    ``Generator.beta`` country by country (shares = Gamma variates times the reciprocal of
    their sum; Beta = Ga / (Ga + Gb)), which gives the same numbers.

    Args:
        world: the loaded world.
        rng: the replicate's ``world`` stream.
    """
    v = world.vendors
    prep = _operator_priors(world)
    g = np.append(rng.standard_gamma(prep.shapes), 0.0)
    d = g[prep.dirichlet]  # (C, W), 0 in the padding
    s = d * (1.0 / row_sum(d))[:, None]  # Generator.dirichlet: variates × (1 / their sum)
    # Each country's shares in decreasing order (the padding, -inf, goes last).
    s = np.sort(np.where(prep.valid, s, -np.inf), axis=1)[:, ::-1]
    s = np.where(prep.valid, s, 0.0)
    ga, gb = g[prep.beta_a], g[prep.beta_b]
    with np.errstate(invalid="ignore"):  # 0 / 0 in the padding and without a Beta draw
        h = np.where(prep.has_beta[:, None], ga / (ga + gb), prep.priors[:, None])
    h = np.where(prep.valid, h, 0.0)
    mean = row_sum(s * h)  # s @ hh: products added left to right
    share, h = s[prep.valid], h[prep.valid]  # synthetic operators, country by country
    # Rescale each synthetic country's draws to its prior mean (where that mean is positive).
    synth = prep.synthetic[prep.valid.nonzero()[0]]
    row = prep.valid.nonzero()[0]
    rescale = synth & (mean[row] > 0)
    h[rescale] = np.clip(h[rescale] * prep.priors[row[rescale]] / mean[row[rescale]], 0, 1)
    # Real overrides take the place of their country's synthetic operators.
    keep = synth
    n_ops = len(prep.names)
    share_o, h_o = np.empty(n_ops), np.empty(n_ops)
    rest = np.setdiff1d(np.arange(n_ops), prep.real_rows, assume_unique=True)
    share_o[rest], h_o[rest] = share[keep], h[keep]
    share_o[prep.real_rows], h_o[prep.real_rows] = prep.real_share, prep.real_h
    mix = np.zeros((n_ops, len(v.ids)))
    for bloc, weight in ((v.china, h_o), (~v.china, 1 - h_o)):
        split = rng.dirichlet(40 * v.base_share[bloc], size=n_ops)
        mix[:, bloc] = weight[:, None] * split
    country = prep.country
    x_us = world.column("exports_to_us_share")[country]
    exposure = np.clip(x_us * rng.lognormal(0.0, 0.5, size=n_ops) + 0.05, 0, 1)
    return Operators(prep.names, country.copy(), share_o, mix, exposure)
