"""5G roll-out, equipment refresh and rip-and-replace (ODD §7.7).

New sites follow a discrete Bass curve toward each operator's target after its country's launch;
launch comes later in poorer countries (lit. §3h: Korea and the US in 2019, India 2022, most of
Sub-Saharan Africa after 2023). Installed equipment is refreshed at the end of its life with the
current contract's vendors (Strand: 70-80 % of RAN is replaced anyway on a 3-5 year cycle, lit.
§2f). A ban schedules the removal of China-bloc sites within ``removal_years``; each removed site
is rebuilt by the operator's (now west-only) contract and costs ``removal_cost_per_site``.
"""

from __future__ import annotations

import numpy as np
from techbloc.sim.arrays import row_sum


def launch_delay_years(gdp_pc: np.ndarray, lag: float, gdp_pc_ref: float,
                       boost: np.ndarray | float = 0.0) -> np.ndarray:
    """Years after 2019Q1 at which a country launches 5G: lag·ln(gdp_pc_ref / y), ≥ 0.

    y = gdp_pc·(1 + boost): the purchasing power a launch needs, raised by ``boost`` where
    concessional finance and cheaper vendor offers reach the country (Belt and Road members
    open to China-bloc vendors).
    """
    y = np.maximum(gdp_pc, 1.0) * (1.0 + np.asarray(boost, dtype=float))
    return np.maximum(0.0, lag * np.log(gdp_pc_ref / y))


def plan_targets(population: np.ndarray, sites_per_1000: np.ndarray,
                 site_unit: float) -> np.ndarray:
    """5G site targets of state-planned roll-outs, in the model's site units (NaN if no plan).

    population/1000 · the plan's base stations per 1000 people / the number of real base
    stations one modelled site stands for.
    """
    return population / 1000.0 * sites_per_1000 / site_unit


def site_targets(population: np.ndarray, gdp_pc: np.ndarray, per_1000: float,
                 elasticity: float, gdp_pc_ref: float) -> np.ndarray:
    """5G site target per country: population/1000 · density · (gdp_pc / ref)^elasticity."""
    return population / 1000.0 * per_1000 * (gdp_pc / gdp_pc_ref) ** elasticity


def bass_increment(built: np.ndarray, target: np.ndarray, p: float, q: float,
                   active: np.ndarray, slowdown: np.ndarray) -> np.ndarray:
    """New sites in one quarter: (p + q·N/m)(m − N)/4 per active unit, slowed by ``slowdown``.

    Args:
        built: N, sites built so far, shape (O,).
        target: m, site target, shape (O,).
        p: annual coefficient of innovation.
        q: annual coefficient of imitation.
        active: True after launch.
        slowdown: share of speed lost (rip-and-replace drag), shape (O,).
    """
    frac = np.divide(built, target, out=np.zeros(built.shape), where=target > 0)
    rate = np.minimum(1.0, (p + q * frac) / 4.0)
    new = rate * np.maximum(target - built, 0.0) * (1.0 - slowdown)
    return np.where(active, new, 0.0)


def refresh(sites: np.ndarray, award: np.ndarray, life_years: float,
            award_total: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Replace a share 1/(4·life) of installed sites with the current contract's vendors.

    Args:
        sites: 5G sites by vendor, shape (O, V).
        award: current contract shares, rows summing to 1 (0 before launch), shape (O, V).
        life_years: equipment life.
        award_total: the award's row sums, if known (the model keeps them).

    Returns:
        (new sites by vendor, sites bought this quarter by vendor).
    """
    frac = 1.0 / (4.0 * life_years)
    has_award = (row_sum(award) if award_total is None else award_total) > 0
    out = sites * frac
    if not has_award.all():
        out[~has_award] = 0.0
    bought = row_sum(out)[:, None] * award
    new = np.subtract(sites, out, out=out)  # in place: no second array of this size
    new += bought
    return new, bought


def remove(sites: np.ndarray, award: np.ndarray, rate: np.ndarray, china: np.ndarray,
           award_total: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remove up to ``rate`` China-bloc sites per operator and rebuild them with the award.

    Args:
        sites: 5G sites by vendor, shape (O, V).
        award: current contract shares (west-only under a ban), shape (O, V).
        rate: sites to remove this quarter, shape (O,).
        china: China-bloc mask, shape (V,).
        award_total: the award's row sums, if known.

    Returns:
        (new sites by vendor, sites removed per operator, sites bought by vendor).
    """
    cn = sites[:, china]
    total = row_sum(cn)
    removed = np.minimum(rate, total)
    keep = np.divide(total - removed, total, out=np.ones_like(total), where=total > 0)
    out = sites.copy()
    out[:, china] = cn * keep[:, None]
    has_award = (row_sum(award) if award_total is None else award_total) > 0
    bought = np.where(has_award, removed, 0.0)[:, None] * award
    # Without a west award the removed sites are simply lost until the next award.
    return out + bought, removed, bought
