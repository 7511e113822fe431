"""TechAllianceModel: builds the layers, orders the quarterly step, keeps Mesa's model role.

Each quarter runs, in this fixed order: scheduled events → vendors → countries → operators →
device makers → enterprises → record. Decisions within a quarter are simultaneous: every agent
decides on the state the previous quarter left (operators do see the policy their government set
this quarter, since that is the law they bid under). That is what lets each mechanism be one
array operation over all agents of a type.

The state lives in the layers (:mod:`sim.layers`), one per population, each owning its arrays,
its initialisation, its quarterly step and its records; what no population owns (parameter
values, the clock, memberships, the yearly context, the record store) is in
:class:`sim.layers.shared.Shared`. The model builds them, orders the step, and keeps Mesa's
model role: the rng, the Mesa agents (handles into the layers' arrays, made on first use), the
DataCollector view, and the accessors users and the app read (docs/architecture.md).
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np
from techbloc.sim import events as events_mod
from techbloc.sim import rng as rng_mod
from techbloc.sim.agents import Country, DeviceMaker, Operator, Vendor
from techbloc.sim.layers.countries import CountryLayer
from techbloc.sim.layers.devices import DeviceLayer
from techbloc.sim.layers.enterprises import EnterpriseLayer
from techbloc.sim.layers.operators import OperatorLayer
from techbloc.sim.layers.shared import Shared, Values
from techbloc.sim.layers.vendors import VendorLayer
from techbloc.sim.operator_draws import Operators, make_operators
from techbloc.sim.params import LEVER_COLUMNS
from techbloc.sim.posterior import for_replicate
from techbloc.sim.quarters import Quarter
from techbloc.sim.scenario import Scenario, default_scenario, load_scenario
from techbloc.sim.world import World, load_world

__all__ = ["MODEL_METRICS", "TechAllianceModel", "Values"]

#: Model-level outputs recorded each step besides the per-vendor, device and enterprise ones
#: (DESIGN §5.6); the first columns of the model table.
#: Every lever the scenario language can change, recorded each quarter as applied: column -> key
#: (sim.params.LEVER_COLUMNS; android_cutoff is recorded with the device outputs).
_LEVERS = {col: key for key, col in sorted(
    LEVER_COLUMNS.items(), key=lambda kv: kv[1] not in ("export_controls", "ally_pressure",
                                                         "bri_discount"))
    if col != "android_cutoff"}
MODEL_METRICS = (
    "sites_total", "share_china", "n_open", "n_restrict", "n_ban", "coverage",
    "rip_replace_cost_usd", "polarization", "world_split", *_LEVERS,
)


class TechAllianceModel(mesa.Model):
    """Countries, operators and vendors under sanctions and Belt & Road incentives.

    Args:
        scenario: a Scenario, or a scenario name or path (default: the built-in defaults,
            2019Q1-2030Q4).
        seed: replicate seed (default: the scenario's seed). All randomness derives from it
            through the named streams of :mod:`sim.rng`.
        world: the world to simulate (default: the shipped data).
        **overrides: parameter values by dotted key or ``group__name``, validated like a
            scenario's and held for the whole horizon like ``--set`` (sim/overrides.py); lets
            tools that pass keyword parameters (Mesa's batch_run, the EMA Workbench, SALib)
            drive the model without YAML.

    Attributes:
        layers: the populations, ``vendors``, ``countries``, ``operators``, ``devices`` and
            ``enterprises`` (:mod:`sim.layers`), each owning its state arrays.
        shared: what no population owns (:class:`sim.layers.shared.Shared`).
        values: the current parameter values (events change them).

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
        # Parameter uncertainty (issue 16): the replicate's draw of the calibrated weights and,
        # with uncertainty.noise off, the scenario's own seed (sim/posterior.py).
        scenario, seed = for_replicate(scenario, int(scenario.seed if seed is None else seed))
        # Named `spec`, not `scenario`: Mesa 3.5 reserves Model.scenario for its own type.
        self.spec = scenario
        self.seed = seed
        self.streams = rng_mod.streams(self.seed)
        super().__init__(rng=self.streams["mesa"])
        self.world = world if world is not None else load_world()
        self.values = Values(self.spec.params)  # current parameter values; events change them
        self.start, self.end = self.spec.horizon
        self.n_steps = self.end - self.start + 1
        self._events: dict[int, list[events_mod.Event]] = {}
        for ev in self.spec.events:
            self._events.setdefault(ev.at - self.start, []).append(ev)
        self.ramps: dict[str, events_mod.Ramp] = {}
        self._build()
        self.running = True

    # ----------------------------------------------------------------- construction
    def _build(self) -> None:
        """Build the shared state and the layers; the record store's columns follow."""
        sh = self.shared = Shared(self.world, self.values, self.streams, self.start,
                                  self.n_steps)
        rec = sh.records.rows("network", MODEL_METRICS)
        self._rec = dict(zip(MODEL_METRICS, rec, strict=True))
        vendors = VendorLayer(sh)
        operators = OperatorLayer(sh, self._make_operators(), vendors.china)
        countries = CountryLayer(sh, operators.country)
        devices = DeviceLayer(sh, vendors.rev_share0)
        enterprises = EnterpriseLayer(sh)
        self.layers = SimpleNamespace(vendors=vendors, countries=countries, operators=operators,
                                      devices=devices, enterprises=enterprises)
        self.rec_model = sh.records.model_columns()
        self.rec_country = sh.records.country
        self.n_countries, self.n_vendors = sh.n_countries, sh.n_vendors
        self.n_operators, self.n_device_makers = operators.n, devices.n
        self.devices = devices.data  # the world's device makers (None without device data)
        # Mesa agents (handles into the arrays) are made on first use: see _agent_handles.
        self._agent_lists: SimpleNamespace | None = None

    def _make_operators(self) -> Operators:
        """The operators of this replicate, drawn from the ``world`` stream.

        A hook: a subclass can replace the firm layer (``benchmarks/run.py`` scales it to a
        million operators) while every mechanism runs unchanged.
        """
        return make_operators(self.world, self.streams["world"])

    @property
    def t(self) -> int:
        """Quarters completed."""
        return self.shared.t

    @property
    def date(self) -> Quarter:
        """The quarter the next step will simulate."""
        return self.start + self.t

    @property
    def rec_devices(self) -> np.ndarray:
        """Unit shares by step, market (the last row is the world) and device maker."""
        return self.layers.devices.rec_units

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
            codes, ops = self.world.codes(), self.layers.operators.ops
            countries = [Country(self, i, code) for i, code in enumerate(codes)]
            operators = [Operator(self, j, name, countries[c]) for j, (name, c) in
                         enumerate(zip(ops.names, ops.country.tolist(), strict=True))]
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

    @property
    def device_makers(self) -> list[DeviceMaker]:
        """The DeviceMaker agents, in array order (empty if the world has no device data)."""
        return self._agent_handles().device_makers

    def decision_terms(self, iso3: str) -> dict[str, float | str]:
        """Why a country holds its policy: the terms of its last policy score (ODD §7.5).

        Returns the signed contribution of each term (keys of ``policy.TERMS``; positive pushes
        toward exclusion), their sum ``score``, the noise draw of the quarter ``noise``, the
        thresholds ``threshold_restrict`` and ``threshold_ban`` (the country's own ban cut-point
        θ_2,i when the ban cut-point is shifted, ``country.ban_shift_*``), ``hysteresis`` (lifting a
        restriction) and ``hysteresis_ban`` (lifting a ban), whether the
        policy is ``locked`` and the ``policy`` now. Raises TechblocError before the first step
        or when the policy mechanism is off (no score was computed).
        """
        return self.layers.countries.decision_terms(iso3)

    def country_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 5G sites (0 where none are built)."""
        return self.layers.operators.country_china_share()

    # ----------------------------------------------------------------- what events change
    # The narrow interface of sim.events.EventTarget: events never reach into the layers.
    def set_membership(self, iso3: str, organisation: str, member: bool) -> None:
        """Make ``iso3`` join or leave ``organisation`` from now on (a membership event)."""
        self.shared.set_membership(iso3, organisation, member)

    def force_policies(self, forced: tuple[events_mod.CountryPolicy, ...]) -> None:
        """Set countries' policies (with removal under a new ban) and lock them if asked."""
        self.layers.countries.force(forced, self.layers.operators)

    def release_policies(self, iso3s: tuple[str, ...] | None) -> None:
        """Let forced countries (all if ``iso3s`` is None) review their policy again."""
        self.layers.countries.release(iso3s)

    def set_vendor(self, vendor_id: str, name: str, value: float) -> None:
        """Change a vendor's ``price``, ``quality`` or ``us_input_dependence``."""
        self.layers.vendors.set_attribute(vendor_id, name, value)

    def order_removal(self, orders: tuple[events_mod.RemovalOrder, ...]) -> None:
        """Remove the ordered countries' China-bloc equipment within each order's years."""
        ordered = np.zeros(self.n_countries, dtype=bool)
        years = np.ones(self.n_countries)
        for o in orders:
            i = self.shared.index[o.iso3]
            ordered[i], years[i] = True, o.years
        self.layers.operators.order_removal(ordered, years)

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
        ly = self.layers
        ly.vendors.step(ly.devices.revenue_factor())
        ly.countries.step(ly.vendors.rho_china(), ly.operators, ly.vendors.price)
        ly.operators.step(ly.countries, ly.vendors)
        ly.devices.step()
        ly.enterprises.step(*ly.operators.network_in_service(ly.countries.installed),
                            ly.countries.alignment, ly.countries.policy)
        self._record()
        self.shared.t += 1
        self.running = self.t < self.n_steps

    def _record(self) -> None:
        """Each layer writes this quarter's records; the model writes the levers."""
        t, ly, rec, p = self.t, self.layers, self._rec, self.values
        ly.countries.record(t)
        n_open, n_restrict, n_ban = np.bincount(ly.countries.policy, minlength=3)[:3]
        rec["n_open"][t], rec["n_restrict"][t], rec["n_ban"][t] = n_open, n_restrict, n_ban
        share = ly.operators.record(t, ly.countries.installed, rec)
        ly.vendors.record(t, share, ly.operators.contracts)
        for column, key in _LEVERS.items():
            rec[column][t] = p[key]
        ly.devices.record(t, ly.vendors.equipment_share)
        ly.enterprises.record(t)

    def run_model(self) -> None:
        """Run to the end of the horizon."""
        while self.running:
            self.step()
