"""Dated scenario events, applied at the start of a quarter (DESIGN §3, ODD §3).

An event can, from its quarter on:

- ``set`` parameters (levers or any other parameter) to new values;
- ``ramp`` parameters linearly to a value over ``over`` quarters (the first quarter moves 1/over
  of the way, the value is reached in quarter ``at + over − 1``);
- force ``country_policy`` (``{iso3: GBR, policy: ban, removal_years: 7}``): the country takes the
  policy at once and stops reviewing it (``lock: false`` lets it keep reviewing) until a
  ``release`` event frees it;
- change ``membership`` of an organisation (``{iso3: ITA, leave: bri}``, ``{iso3: FIN, join:
  nato}``), which moves security ties, the peer network and Belt & Road pricing;
- change ``vendor`` attributes (``{id: huawei, price: 0.7}``): price, quality, US-input
  dependence;
- order the ``removal_order`` of a country's China-bloc equipment (``{iso3: USA, years: 1}``):
  its China-bloc 5G sites and the covered equipment of ``sim/data/covered_equipment.csv`` are
  removed at a constant rate and gone ``years`` after the order (the FCC's removal requirement
  for the US); the country's own decision is not touched. (A ban lifted or decided while the
  order runs resets the 5G part's rate to the ban's own rule; the covered equipment's removal
  goes on. Only the USA, whose ban is locked, has an order in the shipped scenarios.)

The parts of one event apply in that order (a removal order last, after a release); events of
one quarter apply in file order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from techbloc.sim.quarters import Quarter

VENDOR_FIELDS = ("price", "quality", "us_input_dependence")


class FrozenMappings:
    """Pickling for frozen dataclasses holding read-only mappings (MappingProxyType).

    Scenarios and events travel to worker processes and Dask workers; a mappingproxy cannot be
    pickled, so it is sent as a plain dict and wrapped again on arrival.
    """

    def __getstate__(self) -> dict:
        return {k: dict(v) if isinstance(v, MappingProxyType) else v
                for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, MappingProxyType(v) if isinstance(v, dict) else v)
RELEASE_ALL = "all"


@dataclass(frozen=True)
class CountryPolicy:
    """A forced policy: ``iso3`` takes ``policy`` (open | restrict | ban)."""

    iso3: str
    policy: str
    removal_years: float | None = None
    lock: bool = True


@dataclass(frozen=True)
class RemovalOrder:
    """A removal order: ``iso3``'s China-bloc equipment goes within ``years`` (ODD §7.7)."""

    iso3: str
    years: float


@dataclass(frozen=True)
class Membership:
    """``iso3`` joins (member=True) or leaves an organisation of :data:`sim.world.ORGANISATIONS`."""

    iso3: str
    organisation: str
    member: bool


@dataclass(frozen=True)
class VendorChange(FrozenMappings):
    """New values of some of a vendor's attributes (:data:`VENDOR_FIELDS`)."""

    vendor: str
    values: Mapping[str, float]


@dataclass(frozen=True)
class Event(FrozenMappings):
    """A dated change, applied at the start of quarter ``at``.

    Attributes:
        at: the quarter.
        name: a label (``entity list``).
        set: parameter values from that quarter on.
        ramp: parameter targets reached linearly over ``over`` quarters.
        over: length of the ramp in quarters (≥ 1).
        country_policy: forced policies.
        membership: changes of membership.
        vendor: changes of vendor attributes.
        release: iso3 codes freed from forced policies, or ``("all",)``.
        removal_order: removal orders.
    """

    at: Quarter
    name: str
    set: Mapping[str, float | bool] = field(default_factory=lambda: MappingProxyType({}))
    ramp: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    over: int = 1
    country_policy: tuple[CountryPolicy, ...] = ()
    membership: tuple[Membership, ...] = ()
    vendor: tuple[VendorChange, ...] = ()
    release: tuple[str, ...] = ()
    removal_order: tuple[RemovalOrder, ...] = ()

    def actions(self) -> bool:
        """Whether the event changes anything (an event left with no action is dropped)."""
        return bool(self.set or self.ramp or self.country_policy or self.membership
                    or self.vendor or self.release or self.removal_order)

    def to_dict(self) -> dict:
        """The event as plain data, in the scenario file's own format."""
        out: dict = {"at": str(self.at), "name": self.name}
        if self.set:
            out["set"] = dict(self.set)
        if self.ramp:
            out["ramp"] = dict(self.ramp)
            out["over"] = self.over
        if self.country_policy:
            out["country_policy"] = [
                {"iso3": c.iso3, "policy": c.policy, "lock": c.lock,
                 **({"removal_years": c.removal_years} if c.removal_years is not None else {})}
                for c in self.country_policy]
        if self.membership:
            out["membership"] = [{"iso3": m.iso3, ("join" if m.member else "leave"):
                                  m.organisation} for m in self.membership]
        if self.vendor:
            out["vendor"] = [{"id": v.vendor, **dict(v.values)} for v in self.vendor]
        if self.release:
            out["release"] = (RELEASE_ALL if self.release == (RELEASE_ALL,)
                              else list(self.release))
        if self.removal_order:
            out["removal_order"] = [{"iso3": o.iso3, "years": o.years}
                                    for o in self.removal_order]
        return out


@dataclass
class Ramp:
    """A parameter moving linearly from ``start`` to ``target`` over ``over`` quarters."""

    key: str
    start: float
    target: float
    t0: int
    over: int

    def value(self, t: int) -> float:
        """The value in quarter ``t`` (t0 is the first quarter of the ramp)."""
        k = min(self.over, t - self.t0 + 1)
        return self.start + (self.target - self.start) * k / self.over


class EventTarget(Protocol):
    """What an event may change: the narrow interface the model offers (it never imports us).

    Attributes:
        values: the current parameter values (a dict; setting a key changes a parameter).
        ramps: running ramps by parameter key.
        t: quarters completed (the quarter the event applies in).
    """

    values: dict
    ramps: dict[str, Ramp]

    @property
    def t(self) -> int:
        """Quarters completed."""

    def set_membership(self, iso3: str, organisation: str, member: bool) -> None:
        """``iso3`` joins (member) or leaves ``organisation`` from now on."""

    def force_policies(self, forced: tuple[CountryPolicy, ...]) -> None:
        """Countries take the given policies (removal under a new ban), locked if asked."""

    def release_policies(self, iso3s: tuple[str, ...] | None) -> None:
        """Forced countries (all if None) review their policy again."""

    def set_vendor(self, vendor_id: str, name: str, value: float) -> None:
        """A vendor's attribute of :data:`VENDOR_FIELDS` takes ``value``."""

    def order_removal(self, orders: tuple[RemovalOrder, ...]) -> None:
        """Countries' China-bloc equipment is removed within each order's years."""


def apply(model: EventTarget, event: Event) -> None:
    """Apply one event to the model at the start of the current quarter."""
    for key, value in event.set.items():
        model.values[key] = value
        model.ramps.pop(key, None)  # a later set overrides a running ramp
    for key, target in event.ramp.items():
        model.ramps[key] = Ramp(key, float(model.values[key]), float(target), model.t, event.over)
    if event.country_policy:
        model.force_policies(event.country_policy)
    for m in event.membership:
        model.set_membership(m.iso3, m.organisation, m.member)
    for change in event.vendor:
        for name, value in change.values.items():
            model.set_vendor(change.vendor, name, value)
    if event.release:
        model.release_policies(None if event.release == (RELEASE_ALL,) else event.release)
    if event.removal_order:
        model.order_removal(event.removal_order)


def apply_ramps(model: EventTarget) -> None:
    """Move every running ramp to its value for the current quarter; drop finished ones."""
    for key, ramp in list(model.ramps.items()):
        model.values[key] = ramp.value(model.t)
        if model.t - ramp.t0 + 1 >= ramp.over:
            del model.ramps[key]
