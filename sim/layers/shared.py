"""What every layer reads: the world, the parameter values, the clock, memberships, the records.

One :class:`Shared` per model. It holds no population's state: the layers own that. It holds
what no single population owns: the world's country constants (population, GDP, trade, hubs,
handset markets), the current parameter values, the quarter counter, memberships changed by
events (and the security ties and peer weights they imply), the yearly context (ties, Belt &
Road prices by country, target alignment) and the record store the layers write into.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from techbloc.sim.mechanisms import bri, policy
from techbloc.sim.quarters import Quarter
from techbloc.sim.world import HUBS, MARKETS, REGIONS, World, ties_from

#: The model table's column groups, in column order; each layer files its records under one.
SECTIONS = ("network", "vendors", "firms", "regions", "device_shares")


class Values(dict):
    """The current parameter values (a dict), with a counter of changes.

    ``version`` grows with every change, however made, so the layers can keep what they derive
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


class Records:
    """Preallocated records: model-table rows by name, country-table arrays by name.

    ``rows`` hands a layer a (metrics × steps) block whose rows are columns of the model table;
    :meth:`model_columns` orders them by :data:`SECTIONS`, then by registration.
    """

    def __init__(self, n_steps: int, n_countries: int) -> None:
        self.n_steps, self.n_countries = n_steps, n_countries
        self._model: dict[str, list[tuple[str, np.ndarray]]] = {s: [] for s in SECTIONS}
        self.country: dict[str, np.ndarray] = {}

    def rows(self, section: str, names: list[str] | tuple[str, ...],
             block: np.ndarray | None = None) -> np.ndarray:
        """A zeroed block, one row a model-table column of ``section``, one column a step.

        ``block`` (names × steps) is used instead of a new one when given (a view of a
        layer's own array).
        """
        block = np.zeros((len(names), self.n_steps)) if block is None else block
        self._model[section].extend(zip(names, block, strict=True))
        return block

    def per_country(self, name: str, dtype=float) -> np.ndarray:
        """A zeroed (steps × countries) record, the column ``name`` of the country table."""
        self.country[name] = np.zeros((self.n_steps, self.n_countries), dtype=dtype)
        return self.country[name]

    def model_columns(self) -> dict[str, np.ndarray]:
        """Every model-table row by name, in column order."""
        return {name: row for s in SECTIONS for name, row in self._model[s]}


class Shared:
    """The state no population owns (see the module docstring).

    Args:
        world: the world being simulated.
        values: current parameter values (events change them).
        streams: the replicate's named random streams (:mod:`sim.rng`).
        start: the first quarter.
        n_steps: quarters in the horizon.
    """

    #: Parameters read here: the yearly context (Belt & Road prices, target alignment).
    PARAMS = ("china.bri_discount", "china.cooperation", "us.ally_pressure",
              "country.alignment_gain")

    def __init__(self, world: World, values: Values, streams: dict, start: Quarter,
                 n_steps: int) -> None:
        self.world, self.values, self.streams = world, values, streams
        self.start, self.n_steps = start, n_steps
        self.t = 0  # quarters completed
        c = world.countries
        self.n_countries, self.n_vendors = len(c), len(world.vendors.ids)
        pop, gdp = world.column("population"), world.column("gdp_usd")
        self.population, self.gdp, self.gdp_pc = pop, gdp, gdp / pop
        self.population_total, self.gdp_total = pop.sum(), gdp.sum()
        log_gdp = np.log(gdp)
        self.power = (log_gdp - log_gdp.mean()) / log_gdp.std()  # P_i, standardised log GDP
        self.x_cn = world.column("exports_to_china_share")
        self.x_us = world.column("exports_to_us_share")
        codes = world.codes()
        self.index = {code: i for i, code in enumerate(codes)}
        iso = np.array(codes, dtype=object)
        self.hub = np.isin(iso, list(HUBS))
        self.hub_alignment = np.array([HUBS.get(code, 0.0) for code in iso])
        # Handset market of each country: 0 is China, 1 + k the region REGIONS[k].
        self.market = np.where(iso == "CHN", 0, 1 + np.searchsorted(
            REGIONS, c["region"].to_numpy())).astype(np.int64)
        self.n_markets = len(MARKETS)
        first = start.index
        self.years = [(first + k) // 4 for k in range(n_steps)]  # Quarter.index = 4y + q - 1
        self.records = Records(n_steps, self.n_countries)
        self._member_override: dict[str, np.ndarray] = {}  # org -> 1 join, 0 leave, -1 as data
        self._ties_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.members_version = 0
        self._ctx_key, self.ctx_version, self._ctx = None, 0, None

    def on(self, mechanism: str) -> bool:
        """Whether ``mechanisms.<mechanism>`` is switched on."""
        return bool(self.values[f"mechanisms.{mechanism}"])

    def members(self, year: int) -> dict[str, np.ndarray]:
        """Membership masks in ``year``: the data's, changed by membership events."""
        base = self.world.memberships(year)
        if not self._member_override:
            return base
        out = dict(base)
        for org, override in self._member_override.items():
            out[org] = np.where(override >= 0, override == 1, base[org])
        return out

    def ties(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Security ties and peer weights for a calendar year (memberships change by year)."""
        if not self._member_override:
            return self.world.ties(year)
        key = (year, self.members_version)
        if key not in self._ties_cache:
            self._ties_cache[key] = ties_from(self.members(year), self.world.countries["region"])
        return self._ties_cache[key]

    def set_membership(self, iso3: str, organisation: str, member: bool) -> None:
        """Make ``iso3`` join or leave ``organisation`` from now on (a membership event)."""
        override = self._member_override.setdefault(
            organisation, np.full(self.n_countries, -1, dtype=np.int8))
        override[self.index[iso3]] = 1 if member else 0
        self.members_version += 1

    def index_mask(self, iso3s) -> np.ndarray:
        """Boolean mask over countries of the given iso3 codes."""
        mask = np.zeros(self.n_countries, dtype=bool)
        mask[[self.index[code] for code in iso3s]] = True
        return mask

    def context(self, price: np.ndarray) -> SimpleNamespace:
        """What changes only with the year, memberships, parameter values or vendor prices.

        Security ties and peer weights, Belt & Road membership, effective prices by country and
        vendor (and their logs), the price gap and the target alignment. Recomputed when any of
        those inputs differs from the last quarter's, so events and ramps take effect the
        quarter they apply; otherwise reused.

        Args:
            price: the vendors' list prices now (the vendor layer's ``price``).
        """
        t = self.t
        year = self.years[t] if t < self.n_steps else (self.start + t).year
        key = (year, self.members_version, self.values.version, price.tobytes())
        if key != self._ctx_key:
            p, v = self.values, self.world.vendors
            s, weights = self.ties(year)
            members = self.members(year)
            bri_mask = members["bri"]
            bri_now = bri_mask.astype(float)
            prices = bri.effective_prices(price, v.china, bri_mask.astype(bool),
                                          p["china.bri_discount"])
            self._ctx = SimpleNamespace(
                year=year, security=s, intel=members["intel_sharing"].astype(float),
                five_eyes=members["five_eyes"].astype(float),
                weights=weights, bri=bri_now, prices=prices,
                log_prices=np.log(prices),
                price_gap=bri.price_gap(prices, v.china),
                target_alignment=policy.target_alignment(s, self.x_us, self.x_cn, bri_now, p),
                score_terms=None)
            self._ctx_key = key
            self.ctx_version += 1
        return self._ctx
