"""The operator layer: 5G tenders, vendor awards, roll-out, removal and the sites they build.

ODD §7.1 (roll-out), §7.7 (vendor choice), §7.10 (removal). Operators are rows of (O,) and
(O, V) arrays; one kernel chooses vendors for every tendering operator (nested logit) and one
refreshes, removes and rolls out sites. The layer keeps the sites summed by country, which the
countries (installed base), the enterprises (network in service) and the records read.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from techbloc.sim import kernels
from techbloc.sim import rng as rng_mod
from techbloc.sim.arrays import row_sum
from techbloc.sim.layers.countries import CountryLayer
from techbloc.sim.layers.shared import Shared
from techbloc.sim.layers.vendors import VendorLayer
from techbloc.sim.mechanisms import choice, network, rollout, sanctions
from techbloc.sim.operator_draws import Operators
from techbloc.sim.quarters import Quarter

WORLD_EPOCH = Quarter(2019, 1)  # the quarter the embedded world data describe
#: Country-table columns of the network (per country and quarter).
NETWORK_RECORDS = ("china_share", "sites", "coverage")
_BETAS = ("price", "quality", "lockin", "peer", "risk", "sanction", "restrict", "alignment",
          "home")


def _choice_coefficients(p, planned_op: np.ndarray) -> tuple:
    """The award kernel's coefficients for the current parameter values (ODD §7.6).

    Returns:
        (parameter version, the utility's β (β_sanction·σ folded in), which operators award by
        rank split, s_1, s_2); a ScenarioError if the split shares are out of rank order.
    """
    coef = np.array([p[f"operator.beta_{k}"] for k in _BETAS])
    coef[5] *= p["us.secondary_sanctions"]  # β_sanction·σ
    split = bool(p["mechanisms.split_awards"])
    # the shares are checked (and used) only when split awards are on
    s1, s2, _ = (choice.split_shares(p["operator.split_first"], p["operator.split_second"])
                 if split else (0.0, 0.0, 0.0))
    return p.version, coef, planned_op & split, s1, s2


#: The parameters the operator layer reads (tests/sim/test_layers.py checks it reads no
#: other).
OPERATOR_PARAMS = (
    "mechanisms.rollout", "mechanisms.removal", "mechanisms.peer_effects",
    "rollout.launch_lag", "rollout.gdp_pc_ref", "rollout.sites_per_1000",
    "rollout.density_elasticity", "rollout.removal_drag", "rollout.bass_p",
    "rollout.bass_q", "rollout.site_unit", "rollout.plan_p", "rollout.plan_q",
    "rollout.observed_launches", "rollout.bri_launch_boost",
    "operator.contract_years", "operator.equipment_life",
    "operator.noise", "operator.nest", "operator.dual_sourcing",
    "mechanisms.split_awards", "operator.split_first", "operator.split_second",
    *(f"operator.beta_{k}" for k in _BETAS), "us.secondary_sanctions",
    "vendors.kappa", "country.removal_cost_per_site")


class OperatorLayer:
    """Mobile operators: launch, awards (O × V), sites (O × V), removal rates.

    Args:
        shared: the model's shared state.
        ops: the operators of this replicate (``TechAllianceModel._make_operators``).
        china: which vendors are of the China bloc (V,).
    """

    PARAMS = OPERATOR_PARAMS

    def __init__(self, shared: Shared, ops: Operators, china: np.ndarray) -> None:
        self.shared, self.ops = shared, ops
        w, p = shared.world, shared.values
        n_c, n_o, n_v = shared.n_countries, len(ops.names), shared.n_vendors
        self.n, self.china = n_o, china
        self.china_cols = china.nonzero()[0].tolist()
        # Roll-out schedule: launch quarter per country (jittered ±2 quarters) and site targets.
        # Belt and Road finance and China-bloc offers reach members open to those vendors at
        # the start (ODD §7.7); a state plan fixes its country's launch; observed launches are
        # inputs unless rollout.observed_launches is off (the hindcast).
        jitter = shared.streams["rollout"].integers(-2, 3, size=n_c)
        bri = shared.members(shared.start.year)["bri"] & (w.policy0 == 0)
        delay = rollout.launch_delay_years(shared.gdp_pc, p["rollout.launch_lag"],
                                           p["rollout.gdp_pc_ref"],
                                           p["rollout.bri_launch_boost"] * bri)
        modelled = np.maximum(0, np.round(4 * delay).astype(int) + jitter)
        plan_launch = w.plan_launch if w.plan_launch is not None else np.full(n_c, -1)
        observed = w.launch if p["rollout.observed_launches"] else np.full(n_c, -1)
        launch = np.where(observed >= 0, observed, np.where(plan_launch >= 0, plan_launch,
                                                            modelled))
        self.launch_step = launch - (shared.start - WORLD_EPOCH)
        target_c = rollout.site_targets(
            shared.population, shared.gdp_pc, p["rollout.sites_per_1000"],
            p["rollout.density_elasticity"], p["rollout.gdp_pc_ref"])
        oc = ops.country
        self.country = oc
        # The 4G grid has the size of the income-based 5G target (a plan builds beyond it).
        self.sites4 = target_c[oc] * ops.market_share
        # State-led build-out (ODD §7.7): the plan's target in model sites, at its own speed.
        density = w.plan_density if w.plan_density is not None else np.full(n_c, np.nan)
        planned = ~np.isnan(density)
        plan = rollout.plan_targets(shared.population, np.where(planned, density, 0.0),
                                    p["rollout.site_unit"])
        self.target_country = np.where(planned, np.maximum(plan, target_c), target_c)
        self.target = self.target_country[oc] * ops.market_share
        self.bass_p = np.where(planned[oc], p["rollout.plan_p"], p["rollout.bass_p"])
        self.bass_q = np.where(planned[oc], p["rollout.plan_q"], p["rollout.bass_q"])
        self.planned_op = planned[oc]  # a state plan's tenders split awards by rank (§7.6)
        self.mix4g, self.us_exposure = ops.mix4g, ops.us_exposure
        self.sites = np.zeros((n_o, n_v))
        self.award = np.zeros((n_o, n_v))
        self.contracts = np.zeros(n_v, dtype=np.int64)  # operators holding an award, by vendor
        self.award_total = np.zeros(n_o)  # row sums of award, updated where awards change
        self.removal_rate = np.zeros(n_o)
        self.cum_cost = 0.0  # rip-and-replace cost so far, USD
        # Covered equipment outside the operators' 4G mix (sim/data/covered_equipment.csv), in
        # model sites by country, and its removal rate under a removal order (ODD §7.7).
        covered = w.covered if w.covered is not None else np.zeros(n_c)
        self.covered = covered * self.by_country(self.sites4)
        self.covered_rate = np.zeros(n_c)
        # Invariants of the run (the operators do not change): computed once.
        self._flat = (oc[:, None] * n_v + np.arange(n_v)).ravel()  # (operator, vendor) -> cell
        self.launch_op = self.launch_step[oc]
        self.home = shared.hub_alignment[oc]
        self.installed4 = self.sites4[:, None] * self.mix4g  # 4G installed base by vendor
        self._sites4_c = self.by_country(self.sites4)
        mix4_c = np.divide(self.by_country(self.installed4), self._sites4_c[:, None],
                           out=np.zeros((n_c, n_v)), where=self._sites4_c[:, None] > 0)
        self._china4_c = row_sum(mix4_c, self.china_cols)  # China-bloc share of the 4G base
        self._has_target = self.target_country > 0
        self._coef = (None,)  # (parameter version, utility coefficients, split awards)
        self._sites_c = (None, None)
        rc = shared.records
        self._rec = {name: rc.per_country(name) for name in NETWORK_RECORDS}

    # ----------------------------------------------------------------- sums by country
    def by_country(self, per_operator: np.ndarray) -> np.ndarray:
        """Sum an (O,) or (O, V) operator array to countries.

        An (O, V) array is summed with one bincount over (country, vendor) cells; each cell adds
        its operators in operator order, as a bincount per vendor column would.
        """
        n_c = self.shared.n_countries
        if per_operator.ndim == 1:
            return np.bincount(self.country, per_operator, minlength=n_c)
        n_v = per_operator.shape[1]
        flat = self._flat if n_v == self.shared.n_vendors else (
            self.country[:, None] * n_v + np.arange(n_v)).ravel()
        return np.bincount(flat, per_operator.ravel(), minlength=n_c * n_v).reshape(n_c, n_v)

    def sites_by_country(self) -> SimpleNamespace:
        """5G sites by country: by vendor (C, V), in total and of China-bloc vendors (C,).

        Recomputed only when the sites change. ``self.sites`` is replaced by a new array
        whenever it changes (never in place), so the sums recorded at the end of a quarter serve
        the next quarter's countries.
        """
        if self._sites_c[0] is not self.sites:
            self._set_sites_by_country(self.by_country(self.sites))
        return self._sites_c[1]

    def _set_sites_by_country(self, by_v: np.ndarray) -> None:
        """Keep ``by_v``, the sites by country and vendor of the current ``self.sites``."""
        self._sites_c = (self.sites, SimpleNamespace(
            by_vendor=by_v, total=row_sum(by_v), china=row_sum(by_v, self.china_cols),
            cn_share=None, coverage=None, network=(None, None)))

    def network_shares(self) -> SimpleNamespace:
        """:meth:`sites_by_country` with its China-bloc share and 5G coverage filled in.

        ``cn_share`` (0 where no sites) and ``coverage`` are computed once per change of the
        sites, for the record and the enterprises alike.
        """
        sc = self.sites_by_country()
        if sc.cn_share is None:
            n_c = self.shared.n_countries
            sc.cn_share = np.divide(sc.china, sc.total, out=np.zeros(n_c), where=sc.total > 0)
            sc.coverage = np.minimum(1.0, np.divide(sc.total, self.target_country,
                                                    out=np.zeros(n_c), where=self._has_target))
        return sc

    def country_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 5G sites (0 where none are built)."""
        sc = self.sites_by_country()
        return np.divide(sc.china, sc.total, out=np.zeros(self.shared.n_countries),
                         where=sc.total > 0)

    def installed_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 4G + 5G installed base."""
        sc = self.sites_by_country()
        return network.installed_china_share(self._sites4_c, self._china4_c, sc.total, sc.china)

    def network_in_service(self, installed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """China-bloc share of each country's network in service, and its 5G coverage.

        The network in service is 5G where built, else the 4G base (as in polarization).

        Args:
            installed: the countries' installed China-bloc share this quarter.
        """
        sc = self.network_shares()  # the by-country sums the record uses too, computed once
        if sc.network[0] is not installed:
            sc.network = (installed, np.where(sc.total > 0, sc.cn_share, installed))
        return sc.network[1], sc.coverage

    def schedule_removal(self, banned_now: np.ndarray | None, years: np.ndarray,
                         lifted: np.ndarray) -> None:
        """Remove China-bloc sites over ``years`` (by country) where a ban is new; stop if lifted.

        Args:
            banned_now: countries that have just banned (None: no removal starts).
            years: removal horizon by country, years.
            lifted: countries that have just lifted a ban.
        """
        oc = self.country
        if banned_now is not None:
            cn_sites = self.sites[:, self.china].sum(axis=1)
            self.removal_rate = np.where(banned_now[oc], cn_sites / (4 * years[oc]),
                                         self.removal_rate)
        self.removal_rate = np.where(lifted[oc], 0.0, self.removal_rate)

    def order_removal(self, ordered: np.ndarray, years: np.ndarray) -> None:
        """A removal order: the ordered countries' China-bloc equipment goes within ``years``.

        Both the China-bloc 5G sites standing now and the covered equipment outside the
        operators' 4G mix are removed at a constant rate, fixed at the order, so each is gone
        ``4·years`` quarters later (sooner for 5G sites that refresh replaces first).

        Args:
            ordered: the countries under a new order (C,).
            years: the order's deadline by country, years (C,).
        """
        oc = self.country
        cn_sites = self.sites[:, self.china].sum(axis=1)
        self.removal_rate = np.where(ordered[oc], cn_sites / (4 * years[oc]), self.removal_rate)
        self.covered_rate = np.where(ordered, self.covered / (4 * years), self.covered_rate)

    def _remove_covered(self) -> float:
        """Remove this quarter's share of the ordered covered equipment; return sites removed.

        A removed site is rebuilt by the operator's west-bloc vendors; it is not one of the 5G
        sites, so neither the site counts nor the vendors' revenue change (ODD §7.7).
        """
        removed = np.minimum(self.covered_rate, self.covered)
        left = self.covered - removed
        # The last quarter takes what rounding leaves, so the order ends on its deadline.
        dust = left < 1e-9 * np.maximum(self.covered_rate, 1.0)
        removed = np.where(dust, self.covered, removed)
        self.covered = np.where(dust, 0.0, left)
        self.covered_rate = np.where(self.covered > 0, self.covered_rate, 0.0)
        return float(removed.sum())

    # ----------------------------------------------------------------- the step
    def step(self, countries: CountryLayer, vendors: VendorLayer) -> None:
        """Tenders, awards, refresh, removal and roll-out for this quarter; book revenue."""
        sh, p, v = self.shared, self.shared.values, self.shared.world.vendors
        ctx, pol = sh.context(vendors.price), countries.policy_context()
        oc, t = self.country, sh.t
        n_o, n_v = self.n, sh.n_vendors
        renew_u = sh.streams["renewal"].random(n_o)
        # Launched operators tender at launch, on renewal, without an award, and when a ban
        # voids a China-bloc contract.
        idx, active = kernels.tenders(renew_u, 1.0 / (4.0 * p["operator.contract_years"]),
                                      self.launch_op, t, self.award_total, pol.banned,
                                      self.award, v.china)
        # Every operator's draws are made every quarter, used or not, so who tenders never
        # shifts anyone's draws (sim.rng); only the tendering operators' are kept.
        choice_rng = sh.streams["choice"]
        gumbel = rng_mod.GumbelBlock(choice_rng, {"alt1": (n_o, n_v), "nest1": (n_o, 2),
                                                  "alt2": (n_o, n_v), "nest2": (n_o, 2)}, idx)
        dual_u = choice_rng.random(n_o)[idx]
        installed = countries.installed
        if idx.size:
            # Only tendering operators choose; each row's inputs and draws are its own, so
            # choosing on the subset gives the same awards as choosing for everyone.
            if sh.on("peer_effects"):
                peer_cn = network.peer_exposure(ctx.weights, installed)
            else:
                peer_cn = np.full(sh.n_countries, 0.5)
            if self._coef[0] != p.version:  # the utility's coefficients, per parameter change
                self._coef = _choice_coefficients(p, self.planned_op)
            g = gumbel.uniforms  # row gumbel.index[j] of each block for operator idx[j]
            kernels.award_rows(
                idx, ctx.log_prices,
                sanctions.effective_quality(vendors.quality, vendors.rho, p["vendors.kappa"]),
                self.installed4, self.sites, peer_cn, oc, 1.0 - vendors.rho, self.us_exposure,
                pol.restricted, countries.alignment, v.china, v.bloc_sign, self.home,
                pol.banned, vendors.nests, 2, self._coef[1], p["operator.noise"],
                p["operator.nest"], p["operator.dual_sourcing"], g["alt1"], g["nest1"],
                g["alt2"], g["nest2"], gumbel.index, dual_u, self.award, self.award_total,
                *self._coef[2:])

        # self.sites is replaced, never changed in place (sites_by_country keys on it).
        if sh.on("rollout"):  # refresh, removal and roll-out in one pass; new arrays
            by_v = np.empty((sh.n_countries, n_v))
            self.contracts = np.empty(n_v, dtype=np.int64)
            self.sites, revenue, removed = kernels.roll_out(
                self.sites, self.award, self.award_total,
                1.0 / (4.0 * p["operator.equipment_life"]), self.removal_rate,
                sh.on("removal"), v.china, p["rollout.removal_drag"], self.target,
                self.bass_p, self.bass_q, active, ctx.prices, oc, by_v, self.contracts)
            self._set_sites_by_country(by_v)
            if removed:
                self.cum_cost += removed * p["country.removal_cost_per_site"]
        else:  # without roll-out dynamics the target is built at launch; nothing is refreshed
            bought = np.zeros((n_o, n_v))
            if sh.on("removal") and (self.removal_rate > 0).any():
                self.sites, removed, rebuilt = rollout.remove(self.sites, self.award,
                                                              self.removal_rate, v.china,
                                                              self.award_total)
                bought += rebuilt
                self.cum_cost += float(removed.sum()) * p["country.removal_cost_per_site"]
            new = np.where(self.launch_op == t, self.target - row_sum(self.sites), 0.0)
            new_by_vendor = new[:, None] * self.award
            self.sites = self.sites + new_by_vendor
            bought += new_by_vendor
            revenue = (ctx.prices[oc] * bought).sum(axis=0)
            self.contracts = np.count_nonzero(self.award > 0, axis=0)
        if sh.on("removal") and self.covered_rate.any():
            self.cum_cost += self._remove_covered() * p["country.removal_cost_per_site"]
        vendors.book(revenue)

    def record(self, t: int, installed: np.ndarray, rec: dict[str, np.ndarray]) -> np.ndarray:
        """Write quarter ``t``'s network records; return the vendors' shares of all sites.

        Args:
            t: the quarter.
            installed: the countries' installed China-bloc share this quarter.
            rec: the model-table rows by name.
        """
        sh = self.shared
        sc = self.network_shares()
        by_v, sites_c = sc.by_vendor, sc.total
        self._rec["china_share"][t] = sc.cn_share
        self._rec["sites"][t] = sites_c
        self._rec["coverage"][t] = sc.coverage
        total = sites_c.sum()
        share = by_v.sum(axis=0) / total if total > 0 else np.zeros(sh.n_vendors)
        # The network in service: 5G where launched, else the 4G installed base.
        network_cn = self.network_in_service(installed)[0]
        pop, pop_total = sh.population, sh.population_total
        rec["sites_total"][t] = total
        rec["share_china"][t] = share[self.china].sum()
        rec["coverage"][t] = sc.coverage @ pop / pop_total
        rec["rip_replace_cost_usd"][t] = self.cum_cost
        rec["polarization"][t] = np.abs(2 * network_cn - 1) @ pop / pop_total
        rec["world_split"][t] = sh.gdp[network_cn > 0.5].sum() / sh.gdp_total
        return share
