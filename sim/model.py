"""TechAllianceModel: builds the world, orders the quarterly step, records arrays (ODD §3).

Each quarter runs, in this fixed order: scheduled events → vendors → countries → operators →
record. Decisions within a quarter are simultaneous: every agent decides on the state the
previous quarter left (operators do see the policy their government set this quarter, since that
is the law they bid under). That is what lets each mechanism be one array operation over all
agents of a type. State lives in arrays the model owns; the Mesa agents are handles into them.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np

from sim import events as events_mod
from sim import rng as rng_mod
from sim.agents import Country, Operator, Vendor
from sim.arrays import row_sum
from sim.mechanisms import bri, choice, network, policy, rollout, sanctions, vendors
from sim.quarters import Quarter
from sim.scenario import Scenario, default_scenario, load_scenario
from sim.world import HUBS, Operators, World, load_world, make_operators, ties_from

#: Model-level outputs recorded each step besides the per-vendor ones (DESIGN §5.6).
MODEL_METRICS = (
    "sites_total", "share_china", "n_open", "n_restrict", "n_ban", "coverage",
    "rip_replace_cost_usd", "polarization", "world_split",
    "export_controls", "ally_pressure", "bri_discount",
)
VENDOR_METRICS = ("share", "quality", "dependence", "revenue_share")
COUNTRY_METRICS = ("policy", "china_share", "sites", "coverage", "alignment")

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

        # Mesa agents: handles into the arrays.
        self._countries = [Country(self, i, code) for i, code in enumerate(codes)]
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
        self._no_drag = np.zeros(n_o)
        self._ctx_key, self._ctx_version, self._ctx = None, 0, None
        self._pol_key, self._pol = None, None
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
        """
        dc = mesa.DataCollector()
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
            by_v = self._by_country(self.sites)
            self._sites_c = (self.sites, SimpleNamespace(
                by_vendor=by_v, total=row_sum(by_v),
                china=row_sum(by_v, self._china_cols)))
        return self._sites_c[1]

    def country_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 5G sites (0 where none are built)."""
        sc = self._sites_by_country()
        return np.divide(sc.china, sc.total, out=np.zeros(self.n_countries), where=sc.total > 0)

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

    def _context(self) -> SimpleNamespace:
        """What changes only with the year, memberships, parameter values or vendor prices.

        Security ties and peer weights, Belt & Road membership, effective prices (by country and
        by operator, and their logs), the price gap and the target alignment. Recomputed when
        any of those inputs differs from the last quarter's, so events and ramps take effect
        the quarter they apply; otherwise reused.
        """
        year = self._years[self.t] if self.t < self.n_steps else (self.start + self.t).year
        key = (year, self._members_version, self.values.version, self.price.tobytes())
        if key != self._ctx_key:
            p, v, oc = self.values, self.world.vendors, self.op_country
            s, weights = self._ties(year)
            bri_mask = self._members(year)["bri"]
            bri_now = bri_mask.astype(float)
            prices = bri.effective_prices(self.price, v.china, bri_mask.astype(bool),
                                          p["china.bri_discount"])
            prices_o = prices[oc]
            self._ctx = SimpleNamespace(
                year=year, security=s, weights=weights, bri=bri_now, prices=prices,
                prices_o=prices_o, log_price_o=np.log(prices_o),
                price_gap=bri.price_gap(prices, v.china),
                target_alignment=policy.target_alignment(s, self.x_us, self.x_cn, bri_now, p),
                score_terms=None)
            self._ctx_key = key
            self._ctx_version += 1
        return self._ctx

    def _policy_context(self) -> SimpleNamespace:
        """What follows from the countries' policies alone, recomputed when a policy changes.

        Per operator: banned, restricted and the vendors available; per country: the share of
        peers that restrict or ban (computed on first use).
        """
        key = (self.policy.tobytes(), self._ctx_version)
        if key != self._pol_key:
            oc, china = self.op_country, self.world.vendors.china
            banned = (self.policy == policy.BAN)[oc]
            self._pol = SimpleNamespace(
                banned_rows=banned.nonzero()[0],
                available=~(banned[:, None] & china[None, :]),
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
            self.quality = vendors.quality_drift(self.quality, self.rev_share,
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
                security=s, power=self.power, alignment=self.alignment,
                peer=peer, unreliability=1.0 - rho_cn,
                us_exports=self.x_us, installed=self.installed,
                price_gap=ctx.price_gap, china_exports=self.x_cn, bri=ctx.bri)
            if ctx.score_terms is None:  # once per context (year, parameters, prices)
                ctx.score_terms = policy.static_terms(x, p)
            score = policy.score(x, p, ctx.score_terms) + p["country.score_noise"] * shock
            review = (review_u < p["country.review_prob"]) & ~self.locked
            thresholds = (p["country.threshold_restrict"], p["country.threshold_ban"])
            old = self.policy
            self.policy = policy.update_policy(old, score, thresholds, p["country.hysteresis"],
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
        active = self.launch_op <= t
        launching = self.launch_op == t
        unawarded = self._award_total == 0
        renew = renew_u < 1.0 / (4.0 * p["operator.contract_years"])
        tender = launching | renew | unawarded
        if pol.banned_rows.size:  # a banned vendor's contract must be retendered
            rows = pol.banned_rows
            tender[rows] |= row_sum(self.award[rows], self._china_cols) > 0
        tender &= active
        idx = tender.nonzero()[0]
        # Every operator's draws are made every quarter, used or not, so who tenders never
        # shifts anyone's draws (sim.rng); only the tendering operators' are kept.
        choice_rng = self.streams["choice"]
        gumbel = rng_mod.GumbelBlock(choice_rng, {"alt1": (n_o, n_v), "nest1": (n_o, 2),
                                                  "alt2": (n_o, n_v), "nest2": (n_o, 2)}, idx)
        dual_u = choice_rng.random(n_o)[idx]

        if tender.any():
            # Only tendering operators choose; each row's inputs and draws are its own, so
            # choosing on the subset gives the same awards as choosing for everyone.
            installed = self.installed4[idx] + self.sites[idx]
            base = installed.sum(axis=1, keepdims=True)
            lockin = np.divide(installed, base, out=np.zeros(installed.shape), where=base > 0)
            if self._on("peer_effects"):
                peer_cn = network.peer_exposure(ctx.weights, self.installed)[oc[idx]]
            else:
                peer_cn = np.full(idx.size, 0.5)
            peer = np.where(v.china[None, :], peer_cn[:, None], 1.0 - peer_cn[:, None])
            x = choice.ChoiceInputs(
                log_price=ctx.log_price_o[idx],
                quality=sanctions.effective_quality(self.quality, self.rho, p["vendors.kappa"]),
                lockin=lockin, peer=peer, unreliability=1.0 - self.rho,
                us_exposure=self.us_exposure[idx], restricted=pol.restricted[idx],
                alignment=self.alignment[oc[idx]], china=v.china, bloc_sign=v.bloc_sign,
                home=self.home[idx])
            u = choice.utilities(x, p)

            def draws(requests, exact):  # what choice.award asks for: uniforms, Gumbel draws
                wanted = [q for q in requests if q[0] != "dual"]
                gumbels = iter(gumbel.many(wanted, exact) if wanted else ())
                return [dual_u[r] if k == "dual" else next(gumbels) for k, r, _ in requests]

            self.award[idx] = choice.award(
                u, pol.available[idx], self.nests, p["operator.noise"], p["operator.nest"],
                draws, p["operator.dual_sourcing"])
            self._award_total[idx] = row_sum(self.award[idx])

        # Arrays made in this quarter are updated in place below (fewer full-size temporaries
        # for a million firms); self.sites is never changed in place otherwise.
        fresh = False
        if self._on("rollout"):
            self.sites, bought = rollout.refresh(self.sites, self.award,
                                                 p["operator.equipment_life"], self._award_total)
            fresh = True
        else:
            bought = np.zeros((n_o, n_v))
        drag = self._no_drag
        if self._on("removal") and (self.removal_rate > 0).any():
            # Without a removal under way, removal changes nothing and costs nothing.
            self.sites, removed, rebuilt = rollout.remove(self.sites, self.award,
                                                          self.removal_rate, v.china,
                                                          self._award_total)
            fresh = True
            bought += rebuilt
            self.cum_cost += float(removed.sum()) * p["country.removal_cost_per_site"]
        if (self.removal_rate > 0).any():
            removing = (self.removal_rate > 0) & (row_sum(self.sites, self._china_cols) > 0)
            drag = np.where(removing, p["rollout.removal_drag"], 0.0)
        if self._on("rollout"):
            new = rollout.bass_increment(row_sum(self.sites), self.target,
                                         p["rollout.bass_p"], p["rollout.bass_q"], active, drag)
        else:  # without roll-out dynamics the target is built at launch
            new = np.where(launching, self.target - row_sum(self.sites), 0.0)
        new_by_vendor = new[:, None] * self.award
        if fresh:
            self.sites += new_by_vendor
        else:
            self.sites = self.sites + new_by_vendor
        bought += new_by_vendor
        revenue = np.multiply(ctx.prices_o, bought, out=new_by_vendor).sum(axis=0)
        self.revenue = revenue
        self.rev_share = vendors.revenue_share(revenue, self.rev_share,
                                               p["vendors.revenue_memory"])

    def _record(self) -> None:
        t, v, p = self.t, self.world.vendors, self.values
        n_c, n_v = self.n_countries, self.n_vendors
        sc = self._sites_by_country()
        by_v, sites_c = sc.by_vendor, sc.total
        cn_share = np.divide(sc.china, sites_c, out=np.zeros(n_c), where=sites_c > 0)
        coverage_c = np.minimum(1.0, np.divide(sites_c, self.target_country, out=np.zeros(n_c),
                                               where=self._has_target))
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
        for values in (share, self.quality, self.dependence, rev_share):
            rec[first:first + n_v, t] = values
            first += n_v
        n_open, n_restrict, n_ban = np.bincount(self.policy, minlength=3)[:3]
        # The network in service: 5G where launched, else the 4G installed base.
        network_cn = np.where(sites_c > 0, cn_share, self.installed)
        pop, pop_total = self.population, self._population_total
        rec[:len(MODEL_METRICS), t] = [  # in the order of MODEL_METRICS
            total, share[v.china].sum(), n_open, n_restrict, n_ban,
            coverage_c @ pop / pop_total, self.cum_cost,
            np.abs(2 * network_cn - 1) @ pop / pop_total,
            self.gdp[network_cn > 0.5].sum() / self._gdp_total,
            p["us.export_controls"], p["us.ally_pressure"], p["china.bri_discount"],
        ]
