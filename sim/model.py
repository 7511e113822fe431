"""TechAllianceModel: builds the world, orders the quarterly step, records arrays (ODD §3).

Each quarter runs, in this fixed order: scheduled events → vendors → countries → operators →
record. Decisions within a quarter are simultaneous: every agent decides on the state the
previous quarter left (operators do see the policy their government set this quarter, since that
is the law they bid under). That is what lets each mechanism be one array operation over all
agents of a type. State lives in arrays the model owns; the Mesa agents are handles into them.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import events as events_mod
from sim import rng as rng_mod
from sim.agents import Country, Operator, Vendor
from sim.mechanisms import bri, choice, network, policy, rollout, sanctions, vendors
from sim.quarters import Quarter
from sim.scenario import Scenario, default_scenario, load_scenario
from sim.world import HUBS, World, load_world, make_operators, ties_from

#: Model-level outputs recorded each step besides the per-vendor ones (DESIGN §5.6).
MODEL_METRICS = (
    "sites_total", "share_china", "n_open", "n_restrict", "n_ban", "coverage",
    "rip_replace_cost_usd", "polarization", "world_split",
    "export_controls", "ally_pressure", "bri_discount",
)
VENDOR_METRICS = ("share", "quality", "dependence", "revenue_share")
COUNTRY_METRICS = ("policy", "china_share", "sites", "coverage", "alignment")

WORLD_EPOCH = Quarter(2019, 1)  # the quarter the embedded world data describe


class TechAllianceModel(mesa.Model):
    """Countries, operators and vendors under sanctions and Belt & Road incentives.

    Args:
        scenario: a Scenario, or a scenario name or path (default: the built-in defaults,
            2019Q1-2030Q4).
        seed: replicate seed (default: the scenario's seed). All randomness derives from it
            through the named streams of :mod:`sim.rng`.
        world: the world to simulate (default: the shipped data).
        **overrides: parameter values by dotted key or ``group__name``, validated like a
            scenario's; lets tools that pass keyword parameters (Mesa's batch_run, the EMA
            Workbench) drive the model without YAML.

    Example:
        >>> m = TechAllianceModel(seed=1)
        >>> m.run_model()
        >>> m.country("GBR").policy in ("open", "restrict", "ban")
        True
    """

    def __init__(self, scenario: Scenario | str | None = None, seed: int | None = None,
                 world: World | None = None, **overrides: float | bool) -> None:
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        scenario = scenario if scenario is not None else default_scenario()
        # Keyword overrides use dotted keys (``**{"us.ally_pressure": 0.8}``, which is how Mesa's
        # batch_run passes them) or ``us__ally_pressure``.
        scenario = scenario.with_params({k.replace("__", "."): v for k, v in overrides.items()},
                                        origin="keyword")
        # Named `spec`, not `scenario`: Mesa 3.5 reserves Model.scenario for its own type.
        self.spec = scenario
        self.seed = int(self.spec.seed if seed is None else seed)
        self.streams = rng_mod.streams(self.seed)
        super().__init__(rng=self.streams["mesa"])
        self.world = world if world is not None else load_world()
        self.values = dict(self.spec.params)  # current parameter values; events change them
        self.start, self.end = self.spec.horizon
        self.n_steps = self.end - self.start + 1
        self._events = {}
        for ev in self.spec.events:
            self._events.setdefault(ev.at - self.start, []).append(ev)
        self._build()
        self.t = 0  # quarters completed
        self.running = True

    # ----------------------------------------------------------------- construction
    def _build(self) -> None:
        w, c, v = self.world, self.world.countries, self.world.vendors
        ops = make_operators(w, self.streams["world"])
        self.ops = ops
        n_c, n_o, n_v = len(c), len(ops.names), len(v.ids)
        self.n_countries, self.n_operators, self.n_vendors = n_c, n_o, n_v
        pop, gdp = c["population"].to_numpy(), c["gdp_usd"].to_numpy()
        self.population, self.gdp = pop, gdp
        self.gdp_pc = gdp / pop
        log_gdp = np.log(gdp)
        self.power = (log_gdp - log_gdp.mean()) / log_gdp.std()
        self.x_cn = c["exports_to_china_share"].to_numpy()
        self.x_us = c["exports_to_us_share"].to_numpy()
        self._member_override: dict[str, np.ndarray] = {}  # org -> 1 join, 0 leave, -1 as data
        self._ties_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._members_version = 0
        self.ramps: dict[str, events_mod.Ramp] = {}

        # Country state.
        self.policy = w.policy0.copy()
        self.locked = w.locked.copy()
        self.forced = np.zeros(n_c, dtype=bool)  # locked by a country_policy event
        self.removal_years = np.full(n_c, np.nan)  # per-country override of removal_years
        self._index = {code: i for i, code in enumerate(c["iso3"])}
        p = self.values
        s, _ = self._ties(self.start.year)
        bri_now = self._members(self.start.year)["bri"].astype(float)
        iso = c["iso3"].to_numpy()
        self.hub = np.isin(iso, list(HUBS))
        self.hub_alignment = np.array([HUBS.get(code, 0.0) for code in iso])
        self.alignment = self._align(policy.target_alignment(s, self.x_us, self.x_cn, bri_now, p))

        # Roll-out schedule: launch quarter per country (jittered ±2 quarters) and site targets.
        jitter = self.streams["rollout"].integers(-2, 3, size=n_c)
        delay = rollout.launch_delay_years(self.gdp_pc, p["rollout.launch_lag"],
                                           p["rollout.gdp_pc_ref"])
        modelled = np.maximum(0, np.round(4 * delay).astype(int) + jitter)
        self.launch_step = np.where(w.launch >= 0, w.launch, modelled) - (self.start - WORLD_EPOCH)
        target_c = rollout.site_targets(pop, self.gdp_pc, p["rollout.sites_per_1000"],
                                        p["rollout.density_elasticity"], p["rollout.gdp_pc_ref"])
        self.target_country = target_c

        # Operator state.
        oc = ops.country
        self.op_country = oc
        self.target = target_c[oc] * ops.market_share
        self.sites4 = self.target.copy()  # 4G grid of the same size as the 5G target
        self.mix4g = ops.mix4g
        self.sites = np.zeros((n_o, n_v))
        self.award = np.zeros((n_o, n_v))
        self.removal_rate = np.zeros(n_o)
        self.us_exposure = ops.us_exposure

        # Vendor state.
        self.price = v.price.copy()
        self.quality = v.quality.copy()
        self.dependence = v.dependence.copy()
        self.rev_share = v.equipment_share_2019 / v.equipment_share_2019.sum()
        self.nests = v.china.astype(int)  # nest 0 = west, 1 = china
        self.rho = np.ones(n_v)
        self.cum_cost = 0.0
        self.policy_inputs: policy.PolicyInputs | None = None
        self.policy_shock = np.zeros(n_c)

        # Mesa agents: handles into the arrays.
        self._countries = [Country(self, i, iso) for i, iso in enumerate(c["iso3"])]
        self._by_iso = {a.iso3: a for a in self._countries}
        self._operators = [Operator(self, j, name, self._countries[oc[j]])
                           for j, name in enumerate(ops.names)]
        self._vendors = [Vendor(self, k, vid) for k, vid in enumerate(v.ids)]
        # Mesa 3.3 keeps a class-level id counter keyed by model, a strong reference that would
        # keep every model alive for the life of the process (thousands in a sweep). All our
        # agents exist by now, so the counter is no longer needed.
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)

        # Records.
        self.rec_model = {m: np.zeros(self.n_steps) for m in MODEL_METRICS}
        for m in VENDOR_METRICS:
            for vid in v.ids:
                self.rec_model[f"{m}_{vid}"] = np.zeros(self.n_steps)
        self.rec_country = {m: np.zeros((self.n_steps, n_c)) for m in COUNTRY_METRICS}
        self.rec_country["policy"] = np.zeros((self.n_steps, n_c), dtype=np.int8)

    def _align(self, alignment: np.ndarray) -> np.ndarray:
        """Pin the hubs (USA, CHN) to the poles of their blocs."""
        return np.where(self.hub, self.hub_alignment, alignment)

    def _members(self, year: int) -> dict[str, np.ndarray]:
        """Membership masks in ``year``: the data's, changed by membership events."""
        base = self.world.memberships(year)
        if not self._member_override:
            return base
        out = dict(base)
        for org, override in self._member_override.items():
            out[org] = np.where(override >= 0, override == 1, base[org])
        return out

    def _ties(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Security ties and peer weights for a calendar year (memberships change by year)."""
        if not self._member_override:
            return self.world.ties(year)
        key = (year, self._members_version)
        if key not in self._ties_cache:
            self._ties_cache[key] = ties_from(self._members(year), self.world.countries["region"])
        return self._ties_cache[key]

    def set_membership(self, iso3: str, organisation: str, member: bool) -> None:
        """Make ``iso3`` join or leave ``organisation`` from now on (a membership event)."""
        override = self._member_override.setdefault(
            organisation, np.full(self.n_countries, -1, dtype=np.int8))
        override[self._index[iso3]] = 1 if member else 0
        self._members_version += 1

    def index_mask(self, iso3s) -> np.ndarray:
        """Boolean mask over countries of the given iso3 codes."""
        mask = np.zeros(self.n_countries, dtype=bool)
        mask[[self._index[code] for code in iso3s]] = True
        return mask

    @property
    def datacollector(self) -> mesa.DataCollector:
        """The recorded model metrics as a Mesa DataCollector (what ``mesa.batch_run`` reads).

        Built on demand from the preallocated records: entry k of each ``model_vars`` list is
        quarter k (``step`` k of the tables). Per-agent reporters are not used (DESIGN §6).
        The reporters are declared by name (never called: the records are already filled) so
        that ``get_model_vars_dataframe``, which Mesa's plot components read, returns them.
        """
        dc = mesa.DataCollector(model_reporters={k: k for k in self.rec_model})
        dc.model_vars = {k: v[: self.t].tolist() for k, v in self.rec_model.items()}
        dc._collection_steps = list(range(self.t))  # Mesa 3.5 reads it; 3.3 ignores it
        return dc

    # ----------------------------------------------------------------- accessors
    def country(self, iso3: str) -> Country:
        """The Country agent with this ISO3 code."""
        return self._by_iso[iso3]

    @property
    def operators(self) -> list[Operator]:
        """The Operator agents, in array order."""
        return self._operators

    @property
    def vendors(self) -> list[Vendor]:
        """The Vendor agents, in array order."""
        return self._vendors

    def decision_terms(self, iso3: str) -> dict[str, float | str]:
        """Why a country holds its policy: the terms of its last policy score (ODD §7.5).

        Returns the signed contribution of each term (keys of ``policy.TERMS``; positive pushes
        toward exclusion), their sum ``score``, the noise draw of the quarter ``noise``, the
        thresholds ``threshold_restrict`` and ``threshold_ban``, ``hysteresis``, whether the
        policy is ``locked`` and the ``policy`` now. Raises TechblocError before the first step
        or when the policy mechanism is off (no score was computed).
        """
        from sim.errors import TechblocError, did_you_mean

        if iso3 not in self._index:
            raise TechblocError(f"unknown country {iso3!r}",
                                hint=did_you_mean(iso3, list(self._index)))
        if getattr(self, "policy_inputs", None) is None:
            raise TechblocError("no policy score yet: step the model first (with "
                                "mechanisms.policy on)")
        i, p = self._index[iso3], self.values
        out: dict[str, float | str] = {k: float(v[i])
                                       for k, v in policy.terms(self.policy_inputs, p).items()}
        out["score"] = float(sum(out.values()))
        out["noise"] = float(p["country.score_noise"] * self.policy_shock[i])
        out["threshold_restrict"] = float(p["country.threshold_restrict"])
        out["threshold_ban"] = float(p["country.threshold_ban"])
        out["hysteresis"] = float(p["country.hysteresis"])
        out["locked"] = bool(self.locked[i])
        out["policy"] = self._countries[i].policy
        return out

    @property
    def date(self) -> Quarter:
        """The quarter the next step will simulate."""
        return self.start + self.t

    def _by_country(self, per_operator: np.ndarray) -> np.ndarray:
        """Sum an (O,) or (O, V) operator array to countries."""
        if per_operator.ndim == 1:
            return np.bincount(self.op_country, per_operator, minlength=self.n_countries)
        return np.stack([np.bincount(self.op_country, per_operator[:, k],
                                     minlength=self.n_countries)
                         for k in range(per_operator.shape[1])], axis=1)

    def country_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 5G sites (0 where none are built)."""
        by_v = self._by_country(self.sites)
        total = by_v.sum(axis=1)
        cn = by_v[:, self.world.vendors.china].sum(axis=1)
        return np.divide(cn, total, out=np.zeros_like(cn), where=total > 0)

    # ----------------------------------------------------------------- the step
    def step(self) -> None:
        """Simulate one quarter: events → vendors → countries → operators → record."""
        if self.t >= self.n_steps:
            self.running = False
            return
        for ev in self._events.get(self.t, ()):
            events_mod.apply(self, ev)
        if self.ramps:
            events_mod.apply_ramps(self)
        self._step_vendors()
        self._step_countries()
        self._step_operators()
        self._record()
        self.t += 1
        self.running = self.t < self.n_steps

    def run_model(self) -> None:
        """Run to the end of the horizon."""
        while self.running:
            self.step()

    def _on(self, mechanism: str) -> bool:
        return bool(self.values[f"mechanisms.{mechanism}"])

    def _step_vendors(self) -> None:
        p, v = self.values, self.world.vendors
        u = p["us.export_controls"] if self._on("supply_risk") else 0.0
        self.rho = sanctions.supply_reliability(u, self.dependence, v.targeted)
        if self._on("indigenisation"):
            self.dependence = sanctions.indigenise(
                self.dependence, v.targeted, p["us.export_controls"],
                p["vendors.indigenisation"], p["vendors.indigenisation_cooperation"],
                p["china.cooperation"])
        if self._on("increasing_returns"):
            self.quality = vendors.quality_drift(self.quality, self.rev_share,
                                                 p["vendors.increasing_returns"])

    def _installed_country_share(self) -> np.ndarray:
        """China-bloc share of each country's 4G + 5G installed base."""
        sites4 = self._by_country(self.sites4)
        mix = np.divide(self._by_country(self.sites4[:, None] * self.mix4g), sites4[:, None],
                        out=np.zeros((self.n_countries, self.n_vendors)),
                        where=sites4[:, None] > 0)
        return network.installed_china_share(sites4, mix, self._by_country(self.sites),
                                             self.world.vendors.china)

    def _step_countries(self) -> None:
        p, v = self.values, self.world.vendors
        year = (self.start + self.t).year
        s, weights = self._ties(year)
        bri_now = self._members(year)["bri"].astype(float)
        draws = self.streams["policy"]
        review_u = draws.random(self.n_countries)
        shock = draws.logistic(0.0, 1.0, self.n_countries)
        self.prices = bri.effective_prices(self.price, v.china, bri_now.astype(bool),
                                           p["china.bri_discount"])
        self.installed = self._installed_country_share()
        if self._on("policy"):
            excluding = (self.policy >= policy.RESTRICT).astype(float)
            peer = network.peer_exposure(weights, excluding) if self._on("peer_effects") else 0.0
            weights_cn = v.base_share * v.china
            rho_cn = float(self.rho @ weights_cn / weights_cn.sum())
            x = policy.PolicyInputs(
                security=s, power=self.power, alignment=self.alignment,
                peer=np.broadcast_to(peer, s.shape), unreliability=1.0 - rho_cn,
                us_exports=self.x_us, installed=self.installed,
                price_gap=bri.price_gap(self.prices, v.china), china_exports=self.x_cn,
                bri=bri_now)
            self.policy_inputs, self.policy_shock = x, shock  # kept for decision_terms()
            score = policy.score(x, p) + p["country.score_noise"] * shock
            review = (review_u < p["country.review_prob"]) & ~self.locked
            thresholds = (p["country.threshold_restrict"], p["country.threshold_ban"])
            old = self.policy
            self.policy = policy.update_policy(old, score, thresholds, p["country.hysteresis"],
                                               review)
            self.on_policy_change(old, self.policy)
        if self._on("alignment"):
            target = policy.target_alignment(s, self.x_us, self.x_cn, bri_now, p)
            self.alignment = self._align(policy.drift_alignment(
                self.alignment, target, p["country.alignment_speed"]))

    def on_policy_change(self, old: np.ndarray, new: np.ndarray) -> None:
        """Schedule removal under a new ban; stop it when a ban is lifted."""
        banned_now = (new == policy.BAN) & (old != policy.BAN)
        lifted = (old == policy.BAN) & (new != policy.BAN)
        oc = self.op_country
        if banned_now.any() and self._on("removal"):
            cn_sites = self.sites[:, self.world.vendors.china].sum(axis=1)
            years = np.where(np.isnan(self.removal_years), self.values["country.removal_years"],
                             self.removal_years)[oc]
            self.removal_rate = np.where(banned_now[oc], cn_sites / (4 * years),
                                         self.removal_rate)
        self.removal_rate = np.where(lifted[oc], 0.0, self.removal_rate)

    def _step_operators(self) -> None:
        p, v = self.values, self.world.vendors
        oc = self.op_country
        n_o, n_v = self.n_operators, self.n_vendors
        draws = {
            "alt1": self.streams["choice"].gumbel(size=(n_o, n_v)),
            "nest1": self.streams["choice"].gumbel(size=(n_o, 2)),
            "alt2": self.streams["choice"].gumbel(size=(n_o, n_v)),
            "nest2": self.streams["choice"].gumbel(size=(n_o, 2)),
            "dual": self.streams["choice"].random(n_o),
        }
        renew_u = self.streams["renewal"].random(n_o)

        banned = (self.policy == policy.BAN)[oc]
        available = ~(banned[:, None] & v.china[None, :])
        active = self.t >= self.launch_step[oc]
        launching = self.t == self.launch_step[oc]
        excluded_held = (self.award * ~available).sum(axis=1) > 0
        renew = renew_u < 1.0 / (4.0 * p["operator.contract_years"])
        tender = active & (launching | renew | excluded_held | (self.award.sum(axis=1) == 0))

        if tender.any():
            installed = self.sites4[:, None] * self.mix4g + self.sites
            base = installed.sum(axis=1, keepdims=True)
            lockin = np.divide(installed, base, out=np.zeros_like(installed), where=base > 0)
            if self._on("peer_effects"):
                _, weights = self._ties((self.start + self.t).year)
                peer_cn = network.peer_exposure(weights, self.installed)[oc]
            else:
                peer_cn = np.full(n_o, 0.5)
            peer = np.where(v.china[None, :], peer_cn[:, None], 1.0 - peer_cn[:, None])
            x = choice.ChoiceInputs(
                log_price=np.log(self.prices[oc]),
                quality=sanctions.effective_quality(self.quality, self.rho, p["vendors.kappa"]),
                lockin=lockin, peer=peer, unreliability=1.0 - self.rho,
                us_exposure=self.us_exposure,
                restricted=(self.policy == policy.RESTRICT)[oc].astype(float),
                alignment=self.alignment[oc], china=v.china, bloc_sign=v.bloc_sign,
                home=self.hub_alignment[oc])
            u = choice.utilities(x, p)
            # Only tendering operators choose; each row's draws are its own, so choosing on the
            # subset gives the same awards as choosing for everyone (and keeps the draws common).
            idx = np.flatnonzero(tender)
            self.award[idx] = choice.award(
                u[idx], available[idx], self.nests, p["operator.noise"], p["operator.nest"],
                {k: d[idx] for k, d in draws.items()}, p["operator.dual_sourcing"])

        bought = np.zeros((n_o, n_v))
        if self._on("rollout"):
            self.sites, refreshed = rollout.refresh(self.sites, self.award,
                                                    p["operator.equipment_life"])
            bought += refreshed
        removed = np.zeros(n_o)
        if self._on("removal"):
            self.sites, removed, rebuilt = rollout.remove(self.sites, self.award,
                                                          self.removal_rate, v.china)
            bought += rebuilt
            self.cum_cost += float(removed.sum()) * p["country.removal_cost_per_site"]
        removing = (self.removal_rate > 0) & (self.sites[:, v.china].sum(axis=1) > 0)
        drag = np.where(removing, p["rollout.removal_drag"], 0.0)
        if self._on("rollout"):
            new = rollout.bass_increment(self.sites.sum(axis=1), self.target,
                                         p["rollout.bass_p"], p["rollout.bass_q"], active, drag)
        else:  # without roll-out dynamics the target is built at launch
            new = np.where(launching, self.target - self.sites.sum(axis=1), 0.0)
        new_by_vendor = new[:, None] * self.award
        self.sites = self.sites + new_by_vendor
        bought += new_by_vendor
        revenue = (self.prices[oc] * bought).sum(axis=0)
        self.revenue = revenue
        self.rev_share = vendors.revenue_share(revenue, self.rev_share,
                                               p["vendors.revenue_memory"])

    def _record(self) -> None:
        t, v, p = self.t, self.world.vendors, self.values
        by_v = self._by_country(self.sites)
        sites_c = by_v.sum(axis=1)
        cn_share = np.divide(by_v[:, v.china].sum(axis=1), sites_c,
                             out=np.zeros(self.n_countries), where=sites_c > 0)
        coverage_c = np.minimum(1.0, np.divide(sites_c, self.target_country,
                                               out=np.zeros(self.n_countries),
                                               where=self.target_country > 0))
        rc = self.rec_country
        rc["policy"][t] = self.policy
        rc["china_share"][t] = cn_share
        rc["sites"][t] = sites_c
        rc["coverage"][t] = coverage_c
        rc["alignment"][t] = self.alignment

        rm = self.rec_model
        total = sites_c.sum()
        vendor_sites = by_v.sum(axis=0)
        share = vendor_sites / total if total > 0 else np.zeros(self.n_vendors)
        rev_total = self.revenue.sum()
        rev_share = self.revenue / rev_total if rev_total > 0 else np.zeros(self.n_vendors)
        for k, vid in enumerate(v.ids):
            rm[f"share_{vid}"][t] = share[k]
            rm[f"quality_{vid}"][t] = self.quality[k]
            rm[f"dependence_{vid}"][t] = self.dependence[k]
            rm[f"revenue_share_{vid}"][t] = rev_share[k]
        rm["sites_total"][t] = total
        rm["share_china"][t] = share[v.china].sum()
        for code, name in enumerate(("n_open", "n_restrict", "n_ban")):
            rm[name][t] = np.count_nonzero(self.policy == code)
        rm["coverage"][t] = coverage_c @ self.population / self.population.sum()
        rm["rip_replace_cost_usd"][t] = self.cum_cost
        # The network in service: 5G where launched, else the 4G installed base.
        network_cn = np.where(sites_c > 0, cn_share, self.installed)
        rm["polarization"][t] = np.abs(2 * network_cn - 1) @ self.population / self.population.sum()
        rm["world_split"][t] = self.gdp[network_cn > 0.5].sum() / self.gdp.sum()
        rm["export_controls"][t] = p["us.export_controls"]
        rm["ally_pressure"][t] = p["us.ally_pressure"]
        rm["bri_discount"][t] = p["china.bri_discount"]
