"""TechAllianceModel: builds the world, orders the quarterly step, records arrays (ODD §3).

Each quarter runs, in this fixed order: scheduled events → vendors → countries → operators →
device makers → enterprises → record. Decisions within a quarter are simultaneous: every agent
decides on the state the previous quarter left (operators do see the policy their government set
this quarter, since that is the law they bid under). That is what lets each mechanism be one
array operation over all agents of a type. State lives in arrays the model owns; the Mesa agents
are handles into them. Enterprises are a population of flat arrays with no Mesa agent each.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
from techbloc.sim import events as events_mod
from techbloc.sim import kernels
from techbloc.sim import rng as rng_mod
from techbloc.sim.agents import Country, DeviceMaker, Operator, Vendor
from techbloc.sim.arrays import row_sum
from techbloc.sim.mechanisms import (
    bri,
    devices,
    enterprises,
    network,
    policy,
    rollout,
    sanctions,
    vendors,
)
from techbloc.sim.quarters import Quarter
from techbloc.sim.scenario import Scenario, default_scenario, load_scenario
from techbloc.sim.world import (
    HUBS,
    MARKETS,
    POLICIES,
    REGION_SLUGS,
    REGIONS,
    Operators,
    World,
    load_world,
    make_operators,
    ties_from,
)

#: Model-level outputs recorded each step besides the per-vendor ones (DESIGN §5.6).
MODEL_METRICS = (
    "sites_total", "share_china", "n_open", "n_restrict", "n_ban", "coverage",
    "rip_replace_cost_usd", "polarization", "world_split",
    "export_controls", "ally_pressure", "bri_discount",
)
VENDOR_METRICS = ("share", "quality", "dependence", "revenue_share", "contracts")
COUNTRY_METRICS = ("policy", "china_share", "sites", "coverage", "alignment")
#: Device-maker and enterprise outputs (ODD §4.11); per device maker ``device_share_<f>``, per
#: region ``enterprise_china_<slug>`` and ``enterprise_west_<slug>``.
FIRM_METRICS = (
    "huawei_consumer_revenue_usd", "huawei_carrier_revenue_usd", "huawei_device_units",
    "huawei_share_china", "huawei_share_outside_china", "own_os_share", "own_os_quality",
    "android_cutoff", "enterprise_adoption", "enterprise_china_share",
)
FIRM_COUNTRY_METRICS = ("enterprise_china_share", "enterprise_adoption")

WORLD_EPOCH = Quarter(2019, 1)  # the quarter the embedded world data describe


class Values(dict):
    """The current parameter values (a dict), with a counter of changes.

    ``version`` grows with every change, however made, so the model can keep what it derives
    from the parameters until they change.
    """

    version = 0  # a class default: copy and pickle fill a dict before any __init__

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self.version += 1

    def __ior__(self, other):
        self.update(other)
        return self

    def update(self, *args, **kwargs) -> None:  # noqa: D102 - dict.update
        super().update(*args, **kwargs)
        self.version += 1

    def pop(self, *args):  # noqa: D102 - dict.pop
        self.version += 1
        return super().pop(*args)

    def popitem(self):  # noqa: D102 - dict.popitem
        self.version += 1
        return super().popitem()

    def setdefault(self, key, default=None):  # noqa: D102 - dict.setdefault
        self.version += 1
        return super().setdefault(key, default)

    def clear(self) -> None:  # noqa: D102 - dict.clear
        super().clear()
        self.version += 1


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
        self.values = Values(self.spec.params)  # current parameter values; events change them
        self.start, self.end = self.spec.horizon
        self.n_steps = self.end - self.start + 1
        self._events = {}
        for ev in self.spec.events:
            self._events.setdefault(ev.at - self.start, []).append(ev)
        self._build()
        self._build_firms()
        self.t = 0  # quarters completed
        self.running = True

    # ----------------------------------------------------------------- construction
    def _build(self) -> None:
        w, c, v = self.world, self.world.countries, self.world.vendors
        ops = self._make_operators()
        self.ops = ops
        n_c, n_o, n_v = len(c), len(ops.names), len(v.ids)
        self.n_countries, self.n_operators, self.n_vendors = n_c, n_o, n_v
        pop, gdp = w.column("population"), w.column("gdp_usd")
        self.population, self.gdp = pop, gdp
        self.gdp_pc = gdp / pop
        log_gdp = np.log(gdp)
        self.power = (log_gdp - log_gdp.mean()) / log_gdp.std()
        self.x_cn = w.column("exports_to_china_share")
        self.x_us = w.column("exports_to_us_share")
        self._member_override: dict[str, np.ndarray] = {}  # org -> 1 join, 0 leave, -1 as data
        self._ties_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._members_version = 0
        self.ramps: dict[str, events_mod.Ramp] = {}

        # Country state.
        self.policy = w.policy0.copy()
        self.locked = w.locked.copy()
        self.forced = np.zeros(n_c, dtype=bool)  # locked by a country_policy event
        self.removal_years = np.full(n_c, np.nan)  # per-country override of removal_years
        codes = w.codes()
        self._index = {code: i for i, code in enumerate(codes)}
        p = self.values
        s, _ = self._ties(self.start.year)
        bri_now = self._members(self.start.year)["bri"].astype(float)
        iso = np.array(codes, dtype=object)
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
        self.contracts = np.zeros(n_v, dtype=np.int64)  # operators holding an award, by vendor
        self._award_total = np.zeros(n_o)  # row sums of award, updated where awards change
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

        # Mesa agents (handles into the arrays) are made on first use: see _agent_handles.
        self._agent_lists: SimpleNamespace | None = None

        # Records: one row per metric of a preallocated array; rec_model maps names to its rows
        # (views), in the column order of the model table.
        names = [*MODEL_METRICS, *(f"{m}_{vid}" for m in VENDOR_METRICS for vid in v.ids)]
        self._rec = np.zeros((len(names), self.n_steps))
        self.rec_model = {name: self._rec[i] for i, name in enumerate(names)}
        self.rec_country = {m: np.zeros((self.n_steps, n_c)) for m in COUNTRY_METRICS}
        self.rec_country["policy"] = np.zeros((self.n_steps, n_c), dtype=np.int8)

        # Invariants of the run (the world's data and the operators do not change): computed
        # once here rather than every quarter.
        first = self.start.index
        self._years = [(first + k) // 4 for k in range(self.n_steps)]  # Quarter.index = 4y + q - 1
        self._flat = (oc[:, None] * n_v + np.arange(n_v)).ravel()  # (operator, vendor) -> cell
        self.launch_op = self.launch_step[oc]
        self.home = self.hub_alignment[oc]
        self.installed4 = self.sites4[:, None] * self.mix4g  # 4G installed base by vendor
        self._sites4_c = self._by_country(self.sites4)
        mix4_c = np.divide(self._by_country(self.installed4), self._sites4_c[:, None],
                           out=np.zeros((n_c, n_v)), where=self._sites4_c[:, None] > 0)
        self._china_cols = v.china.nonzero()[0].tolist()  # China-bloc vendor columns
        self._china4_c = row_sum(mix4_c, self._china_cols)  # China-bloc share of the 4G base
        self._population_total, self._gdp_total = pop.sum(), gdp.sum()
        self._has_target = self.target_country > 0
        cn_weights = v.base_share * v.china
        self._cn_weights, self._cn_weights_total = cn_weights, cn_weights.sum()
        self._ctx_key, self._ctx_version, self._ctx = None, 0, None
        self._pol_key, self._pol = None, None
        self._coef = (None, None)  # (parameter version, operators' utility coefficients)
        self._ent_coef = (None, None)  # (parameter version, enterprises' country coefficients)
        self._sites_c = (None, None)

    def _make_operators(self) -> Operators:
        """The operators of this replicate, drawn from the ``world`` stream.

        A hook: a subclass can replace the firm layer (``benchmarks/run.py`` scales it to a
        million operators) while every mechanism runs unchanged.
        """
        return make_operators(self.world, self.streams["world"])

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

    # ----------------------------------------------------------------- agents and accessors
    def _agent_handles(self) -> SimpleNamespace:
        """The Mesa agents, made on first use: countries, operators, vendors, device makers.

        They are handles (identity and an index into the arrays) that no mechanism needs, so a
        run that never looks at them (a sweep's thousands of replicates) does not pay for
        registering them with Mesa, about a millisecond a replicate. Whenever they are made,
        they are the same agents in the same order, with the same unique ids.
        """
        if self._agent_lists is None:
            codes = self.world.codes()
            countries = [Country(self, i, code) for i, code in enumerate(codes)]
            operators = [Operator(self, j, name, countries[c]) for j, (name, c) in
                         enumerate(zip(self.ops.names, self.op_country.tolist(), strict=True))]
            vendors = [Vendor(self, k, vid) for k, vid in enumerate(self.world.vendors.ids)]
            d = self.devices
            makers = ([DeviceMaker(self, k, f) for k, f in enumerate(d.ids)]
                      if d is not None else [])
            # Mesa 3.3 keeps a class-level id counter keyed by model, a strong reference that
            # would keep every model alive for the life of the process (thousands in a sweep).
            # All our agents exist by now, so the counter is no longer needed.
            ids = getattr(mesa.Agent, "_ids", None)
            if isinstance(ids, dict):
                ids.pop(self, None)
            self._agent_lists = SimpleNamespace(
                countries=countries, by_iso={a.iso3: a for a in countries},
                operators=operators, vendors=vendors, device_makers=makers)
        return self._agent_lists

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All Mesa agents (Mesa's ``Model.agents``), made on first use."""
        self._agent_handles()
        return super().agents

    @property
    def agents_by_type(self) -> dict:
        """Mesa's ``Model.agents_by_type``, the agents made on first use."""
        self._agent_handles()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Mesa's ``Model.agent_types``, the agents made on first use."""
        self._agent_handles()
        return super().agent_types

    def country(self, iso3: str) -> Country:
        """The Country agent with this ISO3 code."""
        return self._agent_handles().by_iso[iso3]

    @property
    def countries(self) -> list[Country]:
        """The Country agents, in array order."""
        return self._agent_handles().countries

    @property
    def operators(self) -> list[Operator]:
        """The Operator agents, in array order."""
        return self._agent_handles().operators

    @property
    def vendors(self) -> list[Vendor]:
        """The Vendor agents, in array order."""
        return self._agent_handles().vendors

    def decision_terms(self, iso3: str) -> dict[str, float | str]:
        """Why a country holds its policy: the terms of its last policy score (ODD §7.5).

        Returns the signed contribution of each term (keys of ``policy.TERMS``; positive pushes
        toward exclusion), their sum ``score``, the noise draw of the quarter ``noise``, the
        thresholds ``threshold_restrict`` and ``threshold_ban``, ``hysteresis`` (lifting a
        restriction) and ``hysteresis_ban`` (lifting a ban), whether the
        policy is ``locked`` and the ``policy`` now. Raises TechblocError before the first step
        or when the policy mechanism is off (no score was computed).
        """
        from techbloc.sim.errors import TechblocError, did_you_mean

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
        out["hysteresis_ban"] = float(p["country.hysteresis_ban"])
        out["locked"] = bool(self.locked[i])
        out["policy"] = POLICIES[int(self.policy[i])]
        return out

    @property
    def date(self) -> Quarter:
        """The quarter the next step will simulate."""
        return self.start + self.t

    def _by_country(self, per_operator: np.ndarray) -> np.ndarray:
        """Sum an (O,) or (O, V) operator array to countries.

        An (O, V) array is summed with one bincount over (country, vendor) cells; each cell adds
        its operators in operator order, as a bincount per vendor column would.
        """
        n_c = self.n_countries
        if per_operator.ndim == 1:
            return np.bincount(self.op_country, per_operator, minlength=n_c)
        n_v = per_operator.shape[1]
        flat = self._flat if n_v == self.n_vendors else (
            self.op_country[:, None] * n_v + np.arange(n_v)).ravel()
        return np.bincount(flat, per_operator.ravel(), minlength=n_c * n_v).reshape(n_c, n_v)

    def _sites_by_country(self) -> SimpleNamespace:
        """5G sites by country: by vendor (C, V), in total and of China-bloc vendors (C,).

        Recomputed only when the sites change. The model replaces ``self.sites`` with a new
        array whenever it changes (never in place), so the sums recorded at the end of a quarter
        serve the next quarter's countries.
        """
        if self._sites_c[0] is not self.sites:
            self._set_sites_by_country(self._by_country(self.sites))
        return self._sites_c[1]

    def _set_sites_by_country(self, by_v: np.ndarray) -> None:
        """Keep ``by_v``, the sites by country and vendor of the current ``self.sites``."""
        self._sites_c = (self.sites, SimpleNamespace(
            by_vendor=by_v, total=row_sum(by_v), china=row_sum(by_v, self._china_cols),
            cn_share=None, coverage=None, network=(None, None)))

    def _network_shares(self) -> SimpleNamespace:
        """:meth:`_sites_by_country` with its China-bloc share and 5G coverage filled in.

        ``cn_share`` (0 where no sites) and ``coverage`` are computed once per change of the
        sites, for the record and the enterprises alike.
        """
        sc = self._sites_by_country()
        if sc.cn_share is None:
            n_c = self.n_countries
            sc.cn_share = np.divide(sc.china, sc.total, out=np.zeros(n_c), where=sc.total > 0)
            sc.coverage = np.minimum(1.0, np.divide(sc.total, self.target_country,
                                                    out=np.zeros(n_c), where=self._has_target))
        return sc

    def country_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 5G sites (0 where none are built)."""
        sc = self._sites_by_country()
        return np.divide(sc.china, sc.total, out=np.zeros(self.n_countries), where=sc.total > 0)

    # ----------------------------------------------------------------- the step
    def step(self) -> None:
        """One quarter: events → vendors → countries → operators → devices → firms → record."""
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
        self._step_devices()
        self._step_enterprises()
        self._record()
        self._record_firms()
        self.t += 1
        self.running = self.t < self.n_steps

    def run_model(self) -> None:
        """Run to the end of the horizon."""
        while self.running:
            self.step()

    def _on(self, mechanism: str) -> bool:
        return bool(self.values[f"mechanisms.{mechanism}"])

    def _context(self) -> SimpleNamespace:
        """What changes only with the year, memberships, parameter values or vendor prices.

        Security ties and peer weights, Belt & Road membership, effective prices by country and
        vendor (and their logs), the price gap and the target alignment. Recomputed when
        any of those inputs differs from the last quarter's, so events and ramps take effect
        the quarter they apply; otherwise reused.
        """
        year = self._years[self.t] if self.t < self.n_steps else (self.start + self.t).year
        key = (year, self._members_version, self.values.version, self.price.tobytes())
        if key != self._ctx_key:
            p, v = self.values, self.world.vendors
            s, weights = self._ties(year)
            members = self._members(year)
            bri_mask = members["bri"]
            bri_now = bri_mask.astype(float)
            prices = bri.effective_prices(self.price, v.china, bri_mask.astype(bool),
                                          p["china.bri_discount"])
            self._ctx = SimpleNamespace(
                year=year, security=s, intel=members["intel_sharing"].astype(float),
                weights=weights, bri=bri_now, prices=prices,
                log_prices=np.log(prices),
                price_gap=bri.price_gap(prices, v.china),
                target_alignment=policy.target_alignment(s, self.x_us, self.x_cn, bri_now, p),
                score_terms=None)
            self._ctx_key = key
            self._ctx_version += 1
        return self._ctx

    def _policy_context(self) -> SimpleNamespace:
        """What follows from the countries' policies alone, recomputed when a policy changes.

        Per operator: whether its country bans or restricts China-bloc vendors; per country:
        the share of peers that restrict or ban (computed on first use).
        """
        key = (self.policy.tobytes(), self._ctx_version)
        if key != self._pol_key:
            oc = self.op_country
            self._pol = SimpleNamespace(
                banned=(self.policy == policy.BAN)[oc],
                restricted=(self.policy == policy.RESTRICT)[oc].astype(float),
                peer=None)
            self._pol_key = key
        return self._pol

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
            self.quality = vendors.quality_drift(self.quality, self._drift_share(),
                                                 p["vendors.increasing_returns"])

    def _installed_country_share(self) -> np.ndarray:
        """China-bloc share of each country's 4G + 5G installed base."""
        sc = self._sites_by_country()
        return network.installed_china_share(self._sites4_c, self._china4_c, sc.total, sc.china)

    def _step_countries(self) -> None:
        p = self.values
        ctx = self._context()
        s = ctx.security
        draws = self.streams["policy"]
        review_u = draws.random(self.n_countries)
        shock = draws.logistic(0.0, 1.0, self.n_countries)
        self.prices = ctx.prices
        self.installed = self._installed_country_share()
        if self._on("policy"):
            if self._on("peer_effects"):
                pol = self._policy_context()
                if pol.peer is None:
                    excluding = (self.policy >= policy.RESTRICT).astype(float)
                    pol.peer = network.peer_exposure(ctx.weights, excluding)
                peer = pol.peer
            else:
                peer = np.zeros(s.shape)
            rho_cn = float(self.rho @ self._cn_weights / self._cn_weights_total)
            x = policy.PolicyInputs(
                security=s, intel=ctx.intel, power=self.power, alignment=self.alignment,
                peer=peer, unreliability=1.0 - rho_cn,
                us_exports=self.x_us, installed=self.installed,
                price_gap=ctx.price_gap, china_exports=self.x_cn, bri=ctx.bri)
            self.policy_inputs, self.policy_shock = x, shock  # kept for decision_terms()
            if ctx.score_terms is None:  # once per context (year, parameters, prices)
                ctx.score_terms = policy.static_terms(x, p)
            # policy.score(x, p, ctx.score_terms) + noise·shock, in one pass (same numbers)
            score = kernels.policy_scores(
                *ctx.score_terms, self.alignment, p["country.w_alignment"], peer,
                p["country.w_peer"], p["country.w_risk"] * x.unreliability, self.installed,
                p["country.w_installed"], 1.0 - p["us.rip_replace_subsidy"],
                p["country.score_noise"], shock)
            review = (review_u < p["country.review_prob"]) & ~self.locked
            thresholds = (p["country.threshold_restrict"], p["country.threshold_ban"])
            old = self.policy
            hysteresis = (p["country.hysteresis"], p["country.hysteresis_ban"])
            self.policy = policy.update_policy(old, score, thresholds, hysteresis,
                                               review)
            self.on_policy_change(old, self.policy)
        if self._on("alignment"):
            self.alignment = self._align(policy.drift_alignment(
                self.alignment, ctx.target_alignment, p["country.alignment_speed"]))

    def on_policy_change(self, old: np.ndarray, new: np.ndarray) -> None:
        """Schedule removal under a new ban; stop it when a ban is lifted."""
        if old.shape == new.shape and old.tobytes() == new.tobytes():  # nothing changed
            return
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
        ctx, pol = self._context(), self._policy_context()
        oc = self.op_country
        n_o, n_v = self.n_operators, self.n_vendors
        renew_u = self.streams["renewal"].random(n_o)
        t = self.t
        # Launched operators tender at launch, on renewal, without an award, and when a ban
        # voids a China-bloc contract.
        idx, active = kernels.tenders(renew_u, 1.0 / (4.0 * p["operator.contract_years"]),
                                      self.launch_op, t, self._award_total, pol.banned,
                                      self.award, v.china)
        # Every operator's draws are made every quarter, used or not, so who tenders never
        # shifts anyone's draws (sim.rng); only the tendering operators' are kept.
        choice_rng = self.streams["choice"]
        gumbel = rng_mod.GumbelBlock(choice_rng, {"alt1": (n_o, n_v), "nest1": (n_o, 2),
                                                  "alt2": (n_o, n_v), "nest2": (n_o, 2)}, idx)
        dual_u = choice_rng.random(n_o)[idx]

        if idx.size:
            # Only tendering operators choose; each row's inputs and draws are its own, so
            # choosing on the subset gives the same awards as choosing for everyone.
            if self._on("peer_effects"):
                peer_cn = network.peer_exposure(ctx.weights, self.installed)
            else:
                peer_cn = np.full(self.n_countries, 0.5)
            if self._coef[0] != p.version:  # the utility's coefficients, per parameter change
                coef = np.array([p[f"operator.beta_{k}"] for k in (
                    "price", "quality", "lockin", "peer", "risk", "sanction", "restrict",
                    "alignment", "home")])
                coef[5] *= p["us.secondary_sanctions"]  # β_sanction·σ
                self._coef = (p.version, coef)
            coef = self._coef[1]
            g = gumbel.uniforms  # row gumbel.index[j] of each block for operator idx[j]
            kernels.award_rows(
                idx, ctx.log_prices,
                sanctions.effective_quality(self.quality, self.rho, p["vendors.kappa"]),
                self.installed4, self.sites, peer_cn, oc, 1.0 - self.rho, self.us_exposure,
                pol.restricted, self.alignment, v.china, v.bloc_sign, self.home,
                pol.banned, self.nests, 2, coef, p["operator.noise"], p["operator.nest"],
                p["operator.dual_sourcing"], g["alt1"], g["nest1"], g["alt2"], g["nest2"],
                gumbel.index, dual_u, self.award, self._award_total)

        # self.sites is replaced, never changed in place (_sites_by_country keys on it).
        if self._on("rollout"):  # refresh, removal and roll-out in one pass; new arrays
            by_v = np.empty((self.n_countries, n_v))
            self.contracts = np.empty(n_v, dtype=np.int64)
            self.sites, revenue, removed = kernels.roll_out(
                self.sites, self.award, self._award_total,
                1.0 / (4.0 * p["operator.equipment_life"]), self.removal_rate,
                self._on("removal"), v.china, p["rollout.removal_drag"], self.target,
                p["rollout.bass_p"], p["rollout.bass_q"], active, ctx.prices, oc, by_v,
                self.contracts)
            self._set_sites_by_country(by_v)
            if removed:
                self.cum_cost += removed * p["country.removal_cost_per_site"]
        else:  # without roll-out dynamics the target is built at launch; nothing is refreshed
            bought = np.zeros((n_o, n_v))
            if self._on("removal") and (self.removal_rate > 0).any():
                self.sites, removed, rebuilt = rollout.remove(self.sites, self.award,
                                                              self.removal_rate, v.china,
                                                              self._award_total)
                bought += rebuilt
                self.cum_cost += float(removed.sum()) * p["country.removal_cost_per_site"]
            new = np.where(self.launch_op == t, self.target - row_sum(self.sites), 0.0)
            new_by_vendor = new[:, None] * self.award
            self.sites = self.sites + new_by_vendor
            bought += new_by_vendor
            revenue = (ctx.prices[oc] * bought).sum(axis=0)
            self.contracts = np.count_nonzero(self.award > 0, axis=0)
        self.revenue = revenue
        self.rev_share = vendors.revenue_share(revenue, self.rev_share,
                                               p["vendors.revenue_memory"])

    def _record(self) -> None:
        t, v, p = self.t, self.world.vendors, self.values
        n_v = self.n_vendors
        sc = self._network_shares()
        by_v, sites_c = sc.by_vendor, sc.total
        cn_share, coverage_c = sc.cn_share, sc.coverage
        rc = self.rec_country
        rc["policy"][t] = self.policy
        rc["china_share"][t] = cn_share
        rc["sites"][t] = sites_c
        rc["coverage"][t] = coverage_c
        rc["alignment"][t] = self.alignment

        rec = self._rec
        total = sites_c.sum()
        share = by_v.sum(axis=0) / total if total > 0 else np.zeros(n_v)
        rev_total = self.revenue.sum()
        rev_share = self.revenue / rev_total if rev_total > 0 else np.zeros(n_v)
        first = len(MODEL_METRICS)  # the vendor rows follow the model metrics
        contracts = self.contracts
        for values in (share, self.quality, self.dependence, rev_share, contracts):
            rec[first:first + n_v, t] = values
            first += n_v
        n_open, n_restrict, n_ban = np.bincount(self.policy, minlength=3)[:3]
        # The network in service: 5G where launched, else the 4G installed base.
        network_cn = self._network_in_service()[0]
        pop, pop_total = self.population, self._population_total
        rec[:len(MODEL_METRICS), t] = [  # in the order of MODEL_METRICS
            total, share[v.china].sum(), n_open, n_restrict, n_ban,
            coverage_c @ pop / pop_total, self.cum_cost,
            np.abs(2 * network_cn - 1) @ pop / pop_total,
            self.gdp[network_cn > 0.5].sum() / self._gdp_total,
            p["us.export_controls"], p["us.ally_pressure"], p["china.bri_discount"],
        ]

    # ----------------------------------------------------------------- device makers, enterprises
    def _build_firms(self) -> None:
        """Device makers (arrays + DeviceMaker handles) and the enterprise population (ODD §5)."""
        p, c = self.values, self.world.countries
        n_c, n_v = self.n_countries, self.n_vendors
        region = c["region"].to_numpy()
        self.dev_market = np.where(c["iso3"].to_numpy() == "CHN", 0,
                                   1 + np.searchsorted(REGIONS, region)).astype(np.int64)
        self.n_markets = len(MARKETS)
        d = self.world.devices
        self.devices = d
        n_f = len(d.ids) if d is not None else 0
        self.n_device_makers = n_f
        rm = self.rec_model
        for m in FIRM_METRICS:
            rm[m] = np.zeros(self.n_steps)
        # Per region, China-bloc and west adopters: rows of one array, written a column a step.
        self._rec_region = np.zeros((len(REGIONS), 2, self.n_steps))
        for r, name in enumerate(REGIONS):
            slug = REGION_SLUGS[name]
            rm[f"enterprise_china_{slug}"] = self._rec_region[r, 0]
            rm[f"enterprise_west_{slug}"] = self._rec_region[r, 1]
        for m in FIRM_COUNTRY_METRICS:
            self.rec_country[m] = np.zeros((self.n_steps, n_c))
        # Market × maker unit shares per step; the last market row is the world.
        self.rec_devices = np.zeros((self.n_steps, self.n_markets + 1, n_f))
        self.dev_factor = np.ones(n_v)  # smoothed device revenue / 2019, per network vendor
        self.rev_share0 = self.rev_share.copy()

        # Enterprise invariants: each country's region (China is in East Asia & Pacific).
        region = self.dev_market - 1
        self._ent_region = np.where(region < 0, REGIONS.index("East Asia & Pacific"), region)
        self._gdp_region = np.bincount(self._ent_region, self.gdp, minlength=len(REGIONS))
        self._dev_abroad = self.dev_market != 0
        self._dev_sums: SimpleNamespace | None = None  # sums of dev_units (_device_units)
        self._dev_key = None  # the inputs of the last units computed
        self._dev_weights = (None, None)  # (values.version, (β_d,i, w_E,i, α − β_d,i·ln asp))
        if d is not None:
            self._rec_dev_share = np.zeros((n_f, self.n_steps))
            for k, f in enumerate(d.ids):
                rm[f"device_share_{f}"] = self._rec_dev_share[k]
            self._dev_has_os = d.platform >= 0
            self._dev_platform = np.maximum(d.platform, 0)
            if "huawei" in d.ids:  # Huawei's 2019 carrier revenue per quarter (0 if unknown)
                h = d.ids.index("huawei")
                self._huawei = (h, d.vendor[h], np.nan_to_num(d.carrier_revenue_2019[h]) / 4)
            else:
                self._huawei = None
            self.dev_units_year = devices.country_units(
                self.population, self.gdp_pc, self.dev_market, d.market_units,
                p["devices.income_elasticity"])
            self.dev_log_price = np.log(d.asp)
            self.dev_owned = d.parent >= 0  # still owned by its parent
            self.dev_listed = self._listed()
            self.dev_denial = np.zeros(n_f)  # ū_f, export controls reaching chip supply
            self.dev_dep = d.chip_dependence.copy()
            self.dev_rho = np.ones(n_f)
            self.os_quality = np.zeros(len(d.platforms))
            self.os_base = np.zeros(len(d.platforms))
            self.dev_cut = np.zeros(n_f)
            rest = devices.utilities(np.zeros((self.n_markets, n_f)), self.dev_market,
                                     self.dev_log_price, self._device_price_weight(),
                                     self._device_eco_weight(), np.ones(n_f), np.ones(n_f),
                                     p["devices.beta_supply"])
            self.dev_asc = devices.fit_constants(d.share, self.dev_market, self.dev_units_year,
                                                 rest, p["devices.noise"])
            self._dev_quarter_units = self.dev_units_year / 4.0
            self.dev_units = self._device_units(np.ones(n_f))
            # Revenue of the 2019 state, the reference of the device factor; Huawei's other
            # consumer devices (wearables, PCs, tablets) make up the rest of its reported revenue.
            phones = self.dev_units.sum(axis=0) * d.asp
            family = np.bincount(self._owner(), phones, minlength=n_f)
            self.dev_other = np.where(np.isnan(d.consumer_revenue_2019), 0.0,
                                      np.maximum(0.0, d.consumer_revenue_2019 / 4 - family))
            self.dev_vendor_rev0 = self._vendor_device_revenue(phones)
        else:
            self.dev_units = np.zeros((n_c, 0))

        pop = enterprises.make_population(int(p["enterprise.firms_per_country"]), self.x_us,
                                          self.x_cn, self.streams["firms"])
        self.firms = pop
        self.firm_state = np.zeros(pop.n, dtype=np.int8)
        self.ent_adopted = np.zeros(n_c)
        self.ent_china = np.zeros(n_c)

    @property
    def device_makers(self) -> list[DeviceMaker]:
        """The DeviceMaker agents, in array order (empty if the world has no device data)."""
        return self._agent_handles().device_makers

    def _owner(self) -> np.ndarray:
        """Index of the maker that owns each maker now (itself unless its parent still does)."""
        d = self.devices
        return np.where(self.dev_owned, d.parent, np.arange(len(d.ids)))

    def _listed(self) -> np.ndarray:
        """Makers under US controls: listed themselves or owned by a listed parent."""
        d = self.devices
        return d.listed | (self.dev_owned & d.listed[np.maximum(d.parent, 0)])

    def _device_price_weight(self) -> np.ndarray:
        p = self.values
        return devices.price_weight(p["devices.beta_price"], self.gdp_pc,
                                    p["rollout.gdp_pc_ref"], p["devices.price_income_elasticity"])

    def _device_eco_weight(self) -> np.ndarray:
        p = self.values
        return np.where(self.dev_market == 0, p["devices.w_ecosystem_china"],
                        p["devices.w_ecosystem"])

    def _device_units(self, eco: np.ndarray) -> np.ndarray:
        """Handsets sold this quarter, countries × makers, given the makers' ecosystems.

        The same inputs (ecosystems, chip supply, parameters) give the same units: they are
        reused, with their sums, until one changes (in a quarter without export controls or an
        Android cut-off nothing does).
        """
        p = self.values
        key = (p.version, eco.tobytes(), self.dev_rho.tobytes())
        if self._dev_key == key:
            return self.dev_units
        self._dev_key = key
        if self._dev_weights[0] != p.version:  # the price and ecosystem weights, α − β·ln asp
            beta = self._device_price_weight()
            self._dev_weights = (p.version, (beta, self._device_eco_weight(),
                                             devices.brand_price_utility(
                                                 self.dev_asc, self.dev_market,
                                                 self.dev_log_price, beta)))
        _, w_eco, base = self._dev_weights[1]
        supply = p["devices.beta_supply"] * np.log(np.maximum(self.dev_rho, 1e-9))
        n_c, n_f = base.shape
        units, sold, abroad = np.empty((n_c, n_f)), np.empty(n_f), np.empty(n_f)
        by_market = np.empty((self.n_markets, n_f))
        kernels.device_units(base, w_eco, eco, supply, p["devices.noise"],
                             self._dev_quarter_units, self.dev_market, self._dev_abroad, units,
                             sold, by_market, abroad)
        self._dev_sums = SimpleNamespace(sold=sold, by_market=by_market, abroad=abroad,
                                         record=None)
        return units

    def _vendor_device_revenue(self, phones: np.ndarray) -> np.ndarray:
        """Device revenue per network vendor, USD per quarter.

        Phones of the maker and the makers it owns, plus its other consumer devices.
        """
        d = self.devices
        owner = self._owner()
        vendor = d.vendor[owner]
        linked = vendor >= 0
        rev = np.bincount(vendor[linked], phones[linked], minlength=self.n_vendors)
        own = d.vendor >= 0
        return rev + np.bincount(d.vendor[own], self.dev_other[own], minlength=self.n_vendors)

    def _drift_share(self) -> np.ndarray:
        """The revenue share that drives network quality: coupled to device revenue (ODD §7.8)."""
        if self.devices is None or not self._on("devices"):
            return self.rev_share
        return vendors.coupled_share(self.rev_share, self.dev_factor,
                                     self.values["devices.w_revenue"])

    def _step_devices(self) -> None:
        """Chip supply, GMS, buyers' logit, own-OS ecosystems and device revenue (ODD §7.8)."""
        d = self.devices
        if d is None or not self._on("devices"):
            return
        p = self.values
        u, cutoff, coop = p["us.export_controls"], p["us.android_cutoff"], p["china.cooperation"]
        # Honor-style spin-offs: from their date, a maker owned by a listed parent leaves it if
        # the controls bite then (the sale was the answer to them).
        if (u > 0 or cutoff > 0) and self.dev_owned.any():
            self.dev_owned &= ~(self.t >= d.independent_from)
        self.dev_listed = self._listed()
        self.dev_denial = devices.chip_denial(self.dev_denial, u, self.dev_listed,
                                              p["devices.chip_threshold"],
                                              p["devices.chip_stockpile"])
        self.dev_rho = 1.0 - self.dev_denial * self.dev_dep
        self.dev_dep = sanctions.indigenise(
            self.dev_dep, self.dev_listed, u, p["devices.chip_indigenisation"],
            p["devices.chip_indigenisation_cooperation"], coop)
        self.dev_cut = cutoff * self.dev_listed
        has_os = self._dev_has_os
        os_q = np.where(has_os, self.os_quality[self._dev_platform], 0.0)
        eco = devices.ecosystem(d.gms_dependence, self.dev_cut, os_q)
        self.dev_units = self._device_units(eco)
        sold = self._dev_sums.sold
        new_os = np.bincount(d.platform[has_os], (sold * self.dev_cut)[has_os],
                             minlength=len(d.platforms))
        self.os_base = devices.installed_base(self.os_base, new_os, p["devices.device_life"])
        self.os_quality = devices.os_quality_drift(
            self.os_quality, self.os_base, p["devices.os_half_base"],
            p["devices.os_speed"] * (1.0 + p["devices.os_cooperation"] * coop))
        rev = self._vendor_device_revenue(sold * d.asp)
        ratio = np.divide(rev, self.dev_vendor_rev0, out=np.ones(self.n_vendors),
                          where=self.dev_vendor_rev0 > 0)
        m = p["vendors.revenue_memory"]
        self.dev_factor = m * self.dev_factor + (1.0 - m) * ratio

    def _network_in_service(self) -> tuple[np.ndarray, np.ndarray]:
        """China-bloc share of each country's network in service, and its 5G coverage.

        The network in service is 5G where built, else the 4G base (as in polarization).
        """
        sc = self._network_shares()  # the by-country sums the record uses too, computed once
        if sc.network[0] is not self.installed:
            sc.network = (self.installed, np.where(sc.total > 0, sc.cn_share, self.installed))
        return sc.network[1], sc.coverage

    def _step_enterprises(self) -> None:
        """Enterprises adopt and review 5G-era services by bloc (ODD §7.9)."""
        pop, rng = self.firms, self.streams["firms"]
        # Full-size draws every quarter, used or not (common random numbers, ODD §4.9).
        # One call for both uniforms: the same stream values in the same order as two calls.
        n = pop.n
        uniform, shock_u = rng_mod.uniforms_then_logistic(rng, 2 * n, n)
        draws = {"adopt": uniform[:n], "review": uniform[n:], "shock_uniform": shock_u}
        if not self._on("enterprises"):
            return
        p = self.values
        n_cn, coverage = self._network_in_service()
        if self._ent_coef[0] != p.version:
            self._ent_coef = (p.version, np.array([p[f"enterprise.{k}"] for k in (
                "china_advantage", "w_network", "w_alignment", "w_policy", "w_peer",
                "adoption_p", "adoption_q", "pre5g_adoption")]))
        # enterprises.country_pull and adoption_hazard, in one pass (the same numbers)
        pull, hazard = kernels.enterprise_country_terms(
            n_cn, coverage, self.alignment, self.policy, self.ent_adopted, self.ent_china,
            pop.count, self._ent_coef[1])
        counts = (np.empty(self.n_countries), np.empty(self.n_countries))
        self.firm_state = enterprises.step(self.firm_state, pop, pull, hazard,
                                           p["us.secondary_sanctions"], p, draws, counts)
        self.ent_adopted, self.ent_china = counts

    def _record_firms(self) -> None:
        """This quarter's device and enterprise outputs (ODD §4.11)."""
        t, rm, p = self.t, self.rec_model, self.values
        rm["android_cutoff"][t] = p["us.android_cutoff"]
        d = self.devices
        if d is not None:
            sums = self._dev_sums  # of self.dev_units (_device_units)
            sold = sums.sold
            owned = self.dev_owned.tobytes()
            if sums.record is None or sums.record[0] != owned:  # once per units and ownership
                total = sold.sum()
                shares = devices.market_shares(self.dev_units, self.dev_market, self.n_markets,
                                               by_market=sums.by_market)
                huawei = ()
                if self._huawei is not None:
                    h = self._huawei[0]
                    family = self._owner() == h
                    huawei = (sold[family].sum(), sold[family] @ d.asp[family] + self.dev_other[h],
                              shares[0, h], sums.abroad[h] / sums.abroad.sum())
                sums.record = (owned, total, shares, sold / total, huawei)
            _, total, shares, world, huawei = sums.record
            self.rec_devices[t, :-1] = shares
            self.rec_devices[t, -1] = world
            self._rec_dev_share[:, t] = world  # device_share_<f>
            if self._huawei is not None:
                _, v, carrier_q = self._huawei
                (rm["huawei_device_units"][t], rm["huawei_consumer_revenue_usd"][t],
                 rm["huawei_share_china"][t], rm["huawei_share_outside_china"][t]) = huawei
                rm["huawei_carrier_revenue_usd"][t] = (carrier_q * self.rev_share[v]
                                                       / self.rev_share0[v])
            rm["own_os_share"][t] = (sold * self.dev_cut)[self._dev_has_os].sum() / total
            rm["own_os_quality"][t] = self.os_quality[0] if self.os_quality.size else 0.0
        rc = self.rec_country
        by_region = np.empty((len(REGIONS), 2))
        adopt_gdp, china_gdp = kernels.enterprise_record(
            self.ent_adopted, self.ent_china, self.firms.count, self.gdp, self._ent_region,
            rc["enterprise_adoption"][t], rc["enterprise_china_share"][t], by_region)
        rm["enterprise_adoption"][t] = adopt_gdp / self._gdp_total
        rm["enterprise_china_share"][t] = china_gdp / adopt_gdp if adopt_gdp else 0.0
        rec = self._rec_region  # regions × (china, west) × steps
        rec[:, :, t] = by_region / self._gdp_region[:, None]
