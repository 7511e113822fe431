"""Handset makers: buyers' logit choice, chip supply, GMS and own-OS ecosystems (ODD §7.8).

Buyers in country i choose among the makers present in its market m(i) by a multinomial logit
(expected shares of a continuum of buyers, so there is no random draw):

    U_if = α_{m(i)f} − β_d,i·ln(asp_f) + w_E,i·E_f + β_S·ln ρ_f,      s_if ∝ exp(U_if / μ_d)

α are brand constants fitted so that the 2019 state reproduces each market's unit shares;
β_d,i = β_d·(gdp_pc_ref / gdp_pc_i)^ε_d; w_E,i is small in China (no GMS there) and large
elsewhere. A listed maker loses GMS on a share A of its handsets: E_f = 1 − g_f·A_f·(1 − e_p),
where e_p is the ecosystem quality of its own OS, which grows with the OS's installed base.
Its chip supply ρ_f falls by the share of its chip needs that controls above a threshold deny,
once its stockpile is spent; the denied share shrinks as its domestic chip capability grows
(logistic learning, faster with China's cooperation lever).
"""

from __future__ import annotations

import numpy as np


def country_units(population: np.ndarray, gdp_pc: np.ndarray, market: np.ndarray,
                  market_units: np.ndarray, elasticity: float) -> np.ndarray:
    """Annual handset purchases per country: a market's total split by pop·gdp_pc^ε.

    Args:
        population: people per country.
        gdp_pc: GDP per capita per country (USD).
        market: market index of each country.
        market_units: handsets sold per market per year (2019).
        elasticity: ε, purchases per person against GDP per capita.

    Returns:
        Handsets per year per country; they sum to ``market_units`` within each market.
    """
    w = population * gdp_pc**elasticity
    total = np.bincount(market, w, minlength=market_units.size)
    return market_units[market] * w / total[market]


def price_weight(beta: float, gdp_pc: np.ndarray, gdp_pc_ref: float,
                 elasticity: float) -> np.ndarray:
    """β_d,i = β_d·(gdp_pc_ref / gdp_pc_i)^ε_d: poorer buyers weigh price more."""
    return beta * (gdp_pc_ref / gdp_pc) ** elasticity


def ecosystem(gms_dependence: np.ndarray, cutoff: np.ndarray,
              os_quality: np.ndarray) -> np.ndarray:
    """E_f = 1 − g_f·A_f·(1 − e_f): the app ecosystem a maker's handsets offer, in [0, 1].

    Args:
        gms_dependence: g_f, share of the appeal that rests on Google Mobile Services.
        cutoff: A_f, share of the maker's handsets sold without GMS.
        os_quality: e_f, ecosystem quality of the maker's own OS (0 if it has none).
    """
    return 1.0 - gms_dependence * cutoff * (1.0 - os_quality)


def utilities(asc: np.ndarray, market: np.ndarray, log_price: np.ndarray,
              beta_price: np.ndarray, w_eco: np.ndarray, eco: np.ndarray, rho: np.ndarray,
              beta_supply: float) -> np.ndarray:
    """Systematic utility U_if (countries × makers); −inf where a maker is absent.

    Args:
        asc: brand constants α, markets × makers (−inf where absent).
        market: market index per country.
        log_price: ln asp_f.
        beta_price: β_d,i per country.
        w_eco: w_E,i per country.
        eco: E_f per maker.
        rho: chip supply reliability ρ_f per maker, in (0, 1].
        beta_supply: β_S.
    """
    return add_utilities(brand_price_utility(asc, market, log_price, beta_price), w_eco, eco,
                         rho, beta_supply)


def brand_price_utility(asc: np.ndarray, market: np.ndarray, log_price: np.ndarray,
                        beta_price: np.ndarray) -> np.ndarray:
    """α_{m(i)f} − β_d,i·ln(asp_f): the part of U_if that changes only with the parameters."""
    return asc[market] - beta_price[:, None] * log_price[None, :]


def add_utilities(base: np.ndarray, w_eco: np.ndarray, eco: np.ndarray, rho: np.ndarray,
                  beta_supply: float) -> np.ndarray:
    """U_if: :func:`brand_price_utility` + w_E,i·E_f + β_S·ln ρ_f, in that order (a new array)."""
    supply = beta_supply * np.log(np.maximum(rho, 1e-9))
    u = base + w_eco[:, None] * eco[None, :]
    u += supply[None, :]
    return u


def shares(utility: np.ndarray, noise: float) -> np.ndarray:
    """Logit shares exp(U/μ) / Σ exp(U/μ) per row; absent makers (−inf) get 0."""
    z = utility / noise
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def market_cells(market: np.ndarray, n_makers: int) -> np.ndarray:
    """The (market, maker) cell of each entry of a countries × makers array, flattened."""
    return (market[:, None] * n_makers + np.arange(n_makers)).ravel()


def market_shares(units: np.ndarray, market: np.ndarray, n_markets: int,
                  cells: np.ndarray | None = None,
                  by_market: np.ndarray | None = None) -> np.ndarray:
    """Unit shares per market (markets × makers) from units per country (countries × makers).

    ``cells`` (:func:`market_cells`) may be passed when known, or the units summed by market
    (``by_market``, markets × makers) when already computed.
    """
    n_f = units.shape[1]
    if by_market is None:
        cell = market_cells(market, n_f) if cells is None else cells  # one bincount over them
        by_market = np.bincount(cell, units.ravel(),
                                minlength=n_markets * n_f).reshape(n_markets, n_f)
    total = by_market.sum(axis=1, keepdims=True)
    return np.divide(by_market, total, out=np.zeros_like(by_market), where=total > 0)


def fit_constants(observed: np.ndarray, market: np.ndarray, units: np.ndarray,
                  rest: np.ndarray, noise: float, iterations: int = 200,
                  tol: float = 1e-12) -> np.ndarray:
    """Brand constants α that reproduce the observed market shares (BLP contraction).

    With U_if = α_{m(i)f} + rest_if, iterate α ← α + μ·(ln s_obs − ln s_pred) until the
    unit-weighted predicted shares of every market equal the observed ones.

    Args:
        observed: 2019 unit shares, markets × makers (0 where a maker is absent).
        market: market index per country.
        units: handsets per country (the weights).
        rest: the rest of the utility at the 2019 state, countries × makers.
        noise: μ_d.
        iterations: at most this many steps.
        tol: stop when the largest change of α is below this.

    Returns:
        α, markets × makers, −inf where the observed share is 0.
    """
    key = (observed.tobytes(), observed.shape, market.tobytes(), units.tobytes(),
           rest.tobytes(), rest.shape, float(noise), iterations, tol)
    if key in _FITTED:  # the fit is deterministic: replicates of one world and scenario share it
        return _FITTED[key].copy()
    present = observed > 0
    log_obs = np.log(np.where(present, observed, 1.0))
    asc = np.where(present, noise * log_obs, -np.inf)
    cells = market_cells(market, observed.shape[1])
    weights = units[:, None]
    for _ in range(iterations):
        s = shares(asc[market] + rest, noise)
        pred = market_shares(weights * s, market, observed.shape[0], cells)
        step = np.where(present, noise * (log_obs - np.log(np.where(present, pred, 1.0))), 0.0)
        asc = asc + step
        if np.abs(step).max() < tol:
            break
    if len(_FITTED) >= _FITTED_MAX:
        _FITTED.pop(next(iter(_FITTED)))
    _FITTED[key] = asc.copy()
    return asc


_FITTED: dict[tuple, np.ndarray] = {}  # fit_constants' inputs -> α (oldest first)
_FITTED_MAX = 16


def os_quality_drift(quality: np.ndarray, base: np.ndarray, half_base: float,
                     speed: float) -> np.ndarray:
    """e_p ← e_p + ν·(B_p/(B_p + B_½) − e_p): ecosystems follow their installed base.

    Args:
        quality: e_p, ecosystem quality of each own OS in [0, 1] (GMS = 1).
        base: B_p, handsets in use running the OS.
        half_base: B_½, the base at which the target is one half.
        speed: ν_os (times the cooperation multiplier), share of the gap closed per quarter.
    """
    target = base / (base + half_base)
    # np.minimum(np.maximum(.)): cheaper than np.clip and the same values here (they differ
    # only at −0.0, which this sum never is: e_p starts at +0.0 and stays clipped).
    return np.minimum(np.maximum(quality + min(1.0, speed) * (target - quality), 0.0), 1.0)


def installed_base(base: np.ndarray, new_units: np.ndarray, life_years: float) -> np.ndarray:
    """B ← B·(1 − 1/(4·life)) + new: handsets in use, retiring at the end of their life."""
    return base * (1.0 - 1.0 / (4.0 * life_years)) + new_units


def chip_stock(stock: np.ndarray, shortfall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One quarter of a stockpile covering the chips that controls deny.

    Args:
        stock: S_f, the stockpile in quarters of the maker's full chip needs.
        shortfall: share of this quarter's chip needs that controls deny, in [0, 1].

    Returns:
        (the stock left, the shortfall the stock could not cover); a maker is short of chips
        only once its stock is spent.
    """
    covered = np.minimum(stock, shortfall)
    return stock - covered, shortfall - covered


def chip_capability(capability: np.ndarray, growing: np.ndarray, rate: float) -> np.ndarray:
    """K_f ← K_f + r·K_f·(1 − K_f) where ``growing``: domestic chips replace controlled ones.

    Logistic learning: a listed maker's domestic chip capability (design tools, foundry
    processes) grows slowly from a small base, then fast once it carries volume, then
    saturates; ``rate`` r is the base rate plus China's cooperation lever's part.
    """
    r = min(1.0, max(0.0, rate))
    grown = capability + r * capability * (1.0 - capability)
    return np.where(growing, np.minimum(grown, 1.0), capability)
