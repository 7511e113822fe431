"""The enterprise layer: firms adopting 5G-era services, and from which bloc (ODD §7.9).

Enterprises are flat arrays (13 bytes a firm), no Mesa agent each: a few thousand per country.
Each quarter every firm draws its numbers (common random numbers, ODD §4.9); those that adopt or
review choose the China or the west bloc by the pull of their country's network, alignment and
policy, and their own exposure (:mod:`sim.mechanisms.enterprises`).
"""

from __future__ import annotations

import numpy as np
from techbloc.sim import kernels
from techbloc.sim import rng as rng_mod
from techbloc.sim.layers.shared import Shared
from techbloc.sim.mechanisms import enterprises
from techbloc.sim.world import REGION_SLUGS, REGIONS

#: Enterprise outputs of the model table; per region ``enterprise_china_<slug>`` and
#: ``enterprise_west_<slug>`` too.
ENTERPRISE_METRICS = ("enterprise_adoption", "enterprise_china_share")
#: Per-country columns of the country table.
ENTERPRISE_RECORDS = ("enterprise_china_share", "enterprise_adoption")
_COEF = ("china_advantage", "w_network", "w_alignment", "w_policy", "w_peer", "adoption_p",
         "adoption_q", "pre5g_adoption")


class EnterpriseLayer:
    """Enterprises: state 0 (not adopted), 1 (China bloc) or 2 (west), per firm.

    Args:
        shared: the model's shared state.
    """

    PARAMS = ("mechanisms.enterprises", "enterprise.firms_per_country", "us.secondary_sanctions",
              *(f"enterprise.{k}" for k in _COEF), "enterprise.w_exposure",
              "enterprise.w_exposure_base", "enterprise.w_china_exports",
              "enterprise.switching_cost", "enterprise.noise", "enterprise.review_years")

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        p, n_c = shared.values, shared.n_countries
        rm = shared.records.rows("firms", ENTERPRISE_METRICS)
        self._rec = dict(zip(ENTERPRISE_METRICS, rm, strict=True))
        # Per region, China-bloc and west adopters: rows of one array, written a column a step.
        self._rec_region = np.zeros((len(REGIONS), 2, shared.n_steps))
        for r, name in enumerate(REGIONS):
            slug = REGION_SLUGS[name]
            shared.records.rows("regions", [f"enterprise_china_{slug}",
                                            f"enterprise_west_{slug}"], self._rec_region[r])
        self._rec_country = {m: shared.records.per_country(m) for m in ENTERPRISE_RECORDS}
        # Each country's region (China is in East Asia & Pacific).
        region = shared.market - 1
        self._region = np.where(region < 0, REGIONS.index("East Asia & Pacific"), region)
        self._gdp_region = np.bincount(self._region, shared.gdp, minlength=len(REGIONS))
        self._coef = (None, None)  # (parameter version, the country coefficients)
        self.firms = enterprises.make_population(int(p["enterprise.firms_per_country"]),
                                                 shared.x_us, shared.x_cn,
                                                 shared.streams["firms"])
        self.state = np.zeros(self.firms.n, dtype=np.int8)
        self.adopted = np.zeros(n_c)
        self.china = np.zeros(n_c)

    def step(self, network_cn: np.ndarray, coverage: np.ndarray, alignment: np.ndarray,
             policy: np.ndarray) -> None:
        """Enterprises adopt and review 5G-era services by bloc (ODD §7.9).

        Args:
            network_cn: China-bloc share of each country's network in service.
            coverage: 5G coverage by country.
            alignment: the countries' alignment.
            policy: the countries' policy codes.
        """
        sh, pop = self.shared, self.firms
        # Full-size draws every quarter, used or not (common random numbers, ODD §4.9).
        # One call for both uniforms: the same stream values in the same order as two calls.
        n = pop.n
        uniform, shock_u = rng_mod.uniforms_then_logistic(sh.streams["firms"], 2 * n, n)
        draws = {"adopt": uniform[:n], "review": uniform[n:], "shock_uniform": shock_u}
        if not sh.on("enterprises"):
            return
        p = sh.values
        if self._coef[0] != p.version:
            self._coef = (p.version, np.array([p[f"enterprise.{k}"] for k in _COEF]))
        # enterprises.country_pull and adoption_hazard, in one pass (the same numbers)
        pull, hazard = kernels.enterprise_country_terms(
            network_cn, coverage, alignment, policy, self.adopted, self.china, pop.count,
            self._coef[1])
        counts = (np.empty(sh.n_countries), np.empty(sh.n_countries))
        self.state = enterprises.step(self.state, pop, pull, hazard, p["us.secondary_sanctions"],
                                      p, draws, counts)
        self.adopted, self.china = counts

    def record(self, t: int) -> None:
        """Write quarter ``t``: adoption and China-bloc share, by country, region and world."""
        sh, rc, rm = self.shared, self._rec_country, self._rec
        by_region = np.empty((len(REGIONS), 2))
        adopt_gdp, china_gdp = kernels.enterprise_record(
            self.adopted, self.china, self.firms.count, sh.gdp, self._region,
            rc["enterprise_adoption"][t], rc["enterprise_china_share"][t], by_region)
        rm["enterprise_adoption"][t] = adopt_gdp / sh.gdp_total
        rm["enterprise_china_share"][t] = china_gdp / adopt_gdp if adopt_gdp else 0.0
        self._rec_region[:, :, t] = by_region / self._gdp_region[:, None]
