"""The Mesa agents: identity plus an index into the model's arrays (DESIGN §2, ODD §2).

Decisions within a quarter are simultaneous and made by array mechanisms (:mod:`sim.mechanisms`)
over all agents of a type at once; an agent object is the handle a user or a test holds to read
one agent's state (``model.country("GBR").policy``). Reading never copies the layers' arrays.
``model`` is a :class:`sim.model.TechAllianceModel` (annotated as Mesa's ``Model``: the model
imports this module, so this module does not import it back).
"""

from __future__ import annotations

import mesa
from techbloc.sim.world import POLICIES


class Country(mesa.Agent):
    """A government that sets its Huawei policy (open, restrict, ban).

    Args:
        model: the model.
        index: position in the model's country arrays.
        iso3: ISO 3166 alpha-3 code.
    """

    def __init__(self, model: mesa.Model, index: int, iso3: str) -> None:
        super().__init__(model)
        self.index, self.iso3 = index, iso3

    @property
    def policy(self) -> str:
        """Current policy: ``open``, ``restrict`` or ``ban``."""
        return POLICIES[int(self.model.layers.countries.policy[self.index])]

    @property
    def alignment(self) -> float:
        """Alignment a_i in [−1, 1] (−1 China, +1 US)."""
        return float(self.model.layers.countries.alignment[self.index])

    @property
    def china_share(self) -> float:
        """China-bloc share of the country's 5G sites (0 before launch)."""
        return float(self.model.country_china_share()[self.index])

    def __repr__(self) -> str:
        return f"Country({self.iso3}, {self.policy})"


class Operator(mesa.Agent):
    """A mobile network operator that awards 5G RAN contracts.

    Args:
        model: the model.
        index: position in the model's operator arrays.
        name: operator name (real where known, else ``ISO3-k``).
        country: the operator's country agent.
    """

    def __init__(self, model: mesa.Model, index: int, name: str, country: Country) -> None:
        super().__init__(model)
        self.index, self.name, self.country = index, name, country

    @property
    def sites(self) -> dict[str, float]:
        """Installed 5G sites by vendor id."""
        row = self.model.layers.operators.sites[self.index]
        return dict(zip(self.model.world.vendors.ids, row.tolist(), strict=True))

    @property
    def contract(self) -> dict[str, float]:
        """Current contract shares by vendor id (empty before 5G launch)."""
        row = self.model.layers.operators.award[self.index]
        ids = self.model.world.vendors.ids
        return {v: float(s) for v, s in zip(ids, row, strict=True) if s > 0}

    def __repr__(self) -> str:
        return f"Operator({self.name})"


class Vendor(mesa.Agent):
    """A RAN vendor of the China bloc (Huawei, ZTE) or the west bloc (Ericsson, Nokia, Samsung).

    Args:
        model: the model.
        index: position in the model's vendor arrays.
        vendor_id: ``huawei``, ``zte``, ...
    """

    def __init__(self, model: mesa.Model, index: int, vendor_id: str) -> None:
        super().__init__(model)
        self.index, self.vendor_id = index, vendor_id

    @property
    def quality(self) -> float:
        """Current quality q_v."""
        return float(self.model.layers.vendors.quality[self.index])

    @property
    def dependence(self) -> float:
        """Current US-input dependence d_v."""
        return float(self.model.layers.vendors.dependence[self.index])

    def __repr__(self) -> str:
        return f"Vendor({self.vendor_id})"


class DeviceMaker(mesa.Agent):
    """A handset maker (Huawei's consumer arm, Honor, Xiaomi, Apple, Samsung, ...).

    Its state lives in the device layer's arrays (docs/ODD.md §2.6, :mod:`sim.layers.devices`);
    the decisions that matter here are the buyers', made by the logit of
    :mod:`sim.mechanisms.devices`.

    Args:
        model: the model.
        index: position in the model's device arrays.
        device_id: ``huawei``, ``honor``, ...
    """

    def __init__(self, model: mesa.Model, index: int, device_id: str) -> None:
        super().__init__(model)
        self.index, self.device_id = index, device_id

    @property
    def listed(self) -> bool:
        """True while the maker is under US controls (listed itself, or owned by a listed one)."""
        return bool(self.model.layers.devices.listed[self.index])

    @property
    def unit_share(self) -> float:
        """Share of the world's handsets sold last quarter."""
        units = self.model.layers.devices.units
        total = units.sum()
        return float(units[:, self.index].sum() / total) if total > 0 else 0.0

    @property
    def supply(self) -> float:
        """Chip supply reliability ρ_f."""
        return float(self.model.layers.devices.rho[self.index])

    def __repr__(self) -> str:
        return f"DeviceMaker({self.device_id})"
