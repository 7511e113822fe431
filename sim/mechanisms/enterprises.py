"""Enterprises adopting 5G-era services from the China or the west bloc (ODD §7.9).

The enterprises are a population held in flat arrays (N firms with a country index), not Mesa
agents: there can be millions. Every function here is O(N): the step is one compiled pass over
the firms that also counts the adopters per country (:func:`sim.kernels.enterprise_step`), and
there is no N × N structure.

Each quarter a firm that has not adopted does so with the Bass hazard
h_i = (p_e + q_e·A_i)/4 · (φ + (1 − φ)·coverage_i) of its country, and an adopter reviews its
choice with hazard 1/(4·review_years). A firm that adopts or reviews takes the China bloc if

    ΔV_n + β_sw·inc_n + μ_e·ε_n > 0,    ΔV_n = D_i − (w_x·σ + w_x0)·e_n^US + w_xc·e_n^CN

where D_i collects the country terms (:func:`country_pull`), inc_n is +1 for a current China-bloc
user, −1 for a west one, and ε_n is standard logistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from techbloc.sim import kernels

NONE, WEST, CHINA = 0, 1, 2  # adoption state codes (int8)
_INCUMBENT = np.array([0.0, -1.0, 1.0])  # inc_n by state code: none 0, west −1, china +1


@dataclass(frozen=True)
class Population:
    """The enterprises of one replicate as flat arrays, sorted by country.

    Attributes:
        country: country index of each firm (int32).
        us_exposure: e_n^US, the firm's exposure to US customers, in [0, 1] (float32).
        china_exposure: e_n^CN, its exposure to Chinese customers, in [0, 1] (float32).
        count: firms per country.
    """

    country: np.ndarray
    us_exposure: np.ndarray
    china_exposure: np.ndarray
    count: np.ndarray

    @property
    def n(self) -> int:
        """Number of firms."""
        return int(self.country.size)

    @property
    def nbytes(self) -> int:
        """Memory held by the population's arrays, in bytes."""
        return self.country.nbytes + self.us_exposure.nbytes + self.china_exposure.nbytes

    @cached_property
    def index(self) -> np.ndarray:
        """The country of each firm as a native index array (faster gathers than int32)."""
        return self.country.astype(np.intp)

    @cached_property
    def _scaled(self) -> dict:
        return {}

    def scaled(self, name: str, coef: float) -> np.ndarray:
        """``coef * self.<name>`` (an exposure array), kept while the coefficient stays the same.

        The result is read-only by convention: callers must not change it in place.
        """
        key = (name, type(coef), coef)
        out = self._scaled.get(key)
        if out is None:
            if len(self._scaled) >= 8:
                self._scaled.clear()
            out = self._scaled[key] = coef * getattr(self, name)
        return out


def make_population(per_country: int, x_us: np.ndarray, x_cn: np.ndarray,
                    rng: np.random.Generator, sigma: float = 0.75) -> Population:
    """Draw ``per_country`` firms in each country, exposures log-normal around its export shares.

    e_n^US = min(1, x_i^US·LN(0, σ)) and e_n^CN = min(1, x_i^CN·LN(0, σ)): most firms trade like
    their country, a few are far more exposed.

    Args:
        per_country: firms per country.
        x_us: each country's share of exports going to the US.
        x_cn: each country's share of exports going to China.
        rng: the replicate's ``firms`` stream.
        sigma: log-normal spread of firms around their country (assumed).
    """
    n_c = x_us.size
    country = np.repeat(np.arange(n_c, dtype=np.int32), per_country)
    us = np.minimum(1.0, x_us[country] * rng.lognormal(0.0, sigma, country.size))
    cn = np.minimum(1.0, x_cn[country] * rng.lognormal(0.0, sigma, country.size))
    return Population(country, us.astype(np.float32), cn.astype(np.float32),
                      np.full(n_c, per_country, dtype=np.int64))


def adoption_hazard(adopted_share: np.ndarray, coverage: np.ndarray, p: float, q: float,
                    pre5g: float) -> np.ndarray:
    """h_i = (p + q·A_i)/4 · (φ + (1 − φ)·coverage_i), capped at 1 (per quarter)."""
    return np.minimum(1.0, (p + q * adopted_share) / 4.0 * (pre5g + (1.0 - pre5g) * coverage))


def country_pull(network_china: np.ndarray, alignment: np.ndarray, excluding: np.ndarray,
                 china_share: np.ndarray, params: dict) -> np.ndarray:
    """D_i: the country part of the China-bloc utility advantage.

    D_i = α_e + w_n·(2·n_i − 1) − w_ae·a_i − w_P·[P_i ≥ restrict] + w_pe·(2·c_i − 1)

    Args:
        network_china: n_i, China-bloc share of the network in service.
        alignment: a_i in [−1, 1] (+1 US).
        excluding: 1 where the country restricts or bans China-bloc network vendors.
        china_share: c_i, China-bloc share among the country's adopters (0.5 if none).
        params: the model's parameter values (``enterprise.*``).
    """
    p = params
    return (p["enterprise.china_advantage"] + p["enterprise.w_network"] * (2 * network_china - 1)
            - p["enterprise.w_alignment"] * alignment - p["enterprise.w_policy"] * excluding
            + p["enterprise.w_peer"] * (2 * china_share - 1))


def step(state: np.ndarray, pop: Population, pull: np.ndarray, hazard: np.ndarray,
         sanctions: float, params: dict, draws: dict[str, np.ndarray],
         counts: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """One quarter of adoption and review for every firm.

    One compiled pass over the firms (:func:`sim.kernels.enterprise_step`) that also counts the
    adopters per country.

    Args:
        state: adoption state per firm (0 none, 1 west, 2 china), int8.
        pop: the population.
        pull: D_i per country (:func:`country_pull`).
        hazard: adoption hazard h_i per country (:func:`adoption_hazard`).
        sanctions: σ, the secondary-sanctions lever.
        params: the model's parameter values (``enterprise.*``).
        draws: ``adopt`` and ``review`` uniforms and ``shock`` standard logistic, N each; or,
            instead of ``shock``, ``shock_uniform``: the non-zero uniforms that
            ``Generator.logistic`` would turn into them (the variates are then computed only
            for the firms that act, with the same values).
        counts: if given, two float arrays (C,) that receive the adopters and the China-bloc
            adopters per country of the new state.

    Returns:
        The new state (a new int8 array).
    """
    p = params
    new = state.astype(np.int8)  # a copy
    if counts is None:
        counts = (np.zeros(pull.size), np.zeros(pull.size))
    kernels.enterprise_step(
        new, pop.index, pull, hazard,
        pop.scaled("us_exposure", p["enterprise.w_exposure"] * sanctions
                   + p["enterprise.w_exposure_base"]),
        pop.scaled("china_exposure", p["enterprise.w_china_exports"]),
        p["enterprise.switching_cost"] * _INCUMBENT, p["enterprise.noise"],
        1.0 / (4.0 * p["enterprise.review_years"]), draws["adopt"], draws["review"],
        *((draws["shock"], False) if "shock" in draws else (draws["shock_uniform"], True)),
        *counts)
    return new
