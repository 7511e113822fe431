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
one quarter apply in file order. Two actions of one quarter on one thing that disagree are refused
within one file (:func:`same_quarter_clashes`, used by sim.scenario); across a parent and its
child the child's replaces the parent's (:func:`supersede`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple, Protocol

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


class Clash(NamedTuple):
    """Two actions of one quarter on one thing, the later silently undoing the earlier."""

    first: int  # index of the earlier event in its file
    first_name: str
    first_action: str
    first_value: object
    second: int  # index of the later event
    second_action: str
    second_value: object
    what: str  # the parameter, country, membership or vendor field
    at: Quarter

    @property
    def key(self) -> str:
        """The key path of the later action (``events[3].set.us.ally_pressure``)."""
        tail = f".{self.what}" if self.second_action in ("set", "ramp") else ""
        return f"events[{self.second}].{self.second_action}{tail}"

    def message(self, line: int | None) -> str:
        """What clashes with what, naming the earlier event by index, name and line."""
        where = ("earlier in this event" if self.first == self.second else
                 f"in events[{self.first}] ('{self.first_name}'"
                 + (f", line {line})" if line else ")"))
        what = "" if self.second_action in ("set", "ramp") else f"{self.what}: "  # in the key
        return (f"{what}{_said(self.first_action, self.first_value)} {where}, "
                f"{_said(self.second_action, self.second_value)} here, in the same quarter "
                f"{self.at}; the later would silently replace the earlier")


def _said(action: str, value) -> str:
    """An action of a :class:`Clash` in words (``ramped to 0.9 over 4 quarters``)."""
    if action == "ramp":
        return f"ramped to {value[0]:g} over {value[1]} quarters"
    if action == "country_policy":
        policy, years, lock = value
        return (f"forced to {policy}" + (f" (removal within {years:g} years)" if years else "")
                + ("" if lock else " unlocked"))
    if action == "membership":
        return "joins" if value else "leaves"
    if action == "removal_order":
        return f"removal ordered within {value:g} years"
    return f"set to {value!r}"


#: How to resolve a :class:`Clash` (the hint of its error).
CLASH_HINT = "keep the value that should hold, or date the events in different quarters"


def _writes(event: Event) -> list[tuple[str, str, str, object]]:
    """What ``event`` writes: (action, target, its name in a message, the value written)."""
    return [*(("set", f"param {k}", k, v) for k, v in event.set.items()),
            *(("ramp", f"param {k}", k, (v, event.over)) for k, v in event.ramp.items()),
            *(("country_policy", f"policy {c.iso3}", c.iso3,
               (c.policy, c.removal_years, c.lock)) for c in event.country_policy),
            *(("membership", f"member {m.iso3} {m.organisation}",
               f"{m.iso3} in {m.organisation}", m.member)
              for m in event.membership),
            *(("vendor", f"vendor {v.vendor} {k}", f"{v.vendor} {k}", x)
              for v in event.vendor for k, x in v.values.items()),
            *(("removal_order", f"order {o.iso3}", o.iso3, o.years)
              for o in event.removal_order)]


def same_quarter_clashes(events: list[tuple[int, Event]]) -> list[Clash]:
    """Actions of one quarter that a later one would silently undo (one file's events).

    Two ``set``s of a parameter to different values, a ``ramp`` followed by a ``set`` or another
    ``ramp`` of it (unless the same), and two different values for one country's policy, one
    membership, one vendor field or one removal order clash; a ``set`` then a ``ramp`` does not
    (the ramp starts from the set value), nor does the same value given twice.

    Args:
        events: (index in the file, event) pairs, in file order.

    Returns:
        One :class:`Clash` per later action that undoes an earlier one.
    """
    seen: dict[tuple, tuple[int, str, str, object]] = {}
    out = []
    for j, event in events:
        for action, target, what, value in _writes(event):
            key = (event.at, target)
            if key in seen:
                i, name, before, old = seen[key]
                if (before, old) != (action, value) and (before, action) != ("set", "ramp"):
                    out.append(Clash(i, name, before, old, j, action, value, what, event.at))
            seen[key] = (j, event.name, action, value)
    return out


def supersede(earlier: tuple[Event, ...], later: list[Event]) -> tuple[Event, ...]:
    """``earlier`` events (a parent's) without the actions that ``later`` ones replace.

    A child's event that acts on a parameter, country, membership, vendor field or removal
    order in the quarter its parent does replaces the parent's action there (a ``set`` replaces
    a ``set`` or ``ramp``; a ``ramp`` replaces a ``ramp`` and keeps a ``set``, from which it
    starts), so the resolved scenario holds no clash of :func:`same_quarter_clashes` and runs as
    the two files in sequence would. A parent's event left with nothing to do is dropped.
    """
    gone = {(e.at, t) for e in later for a, t, _, _ in _writes(e) if a != "ramp"}
    ramped = {(e.at, f"param {k}") for e in later for k in e.ramp}
    out = []
    for ev in earlier:
        def kept(target: str, ev=ev) -> bool:
            return (ev.at, target) not in gone

        vendor = tuple(VendorChange(v.vendor, MappingProxyType(
            {k: x for k, x in v.values.items() if kept(f"vendor {v.vendor} {k}")}))
            for v in ev.vendor)
        ev = replace(
            ev, set=MappingProxyType({k: v for k, v in ev.set.items() if kept(f"param {k}")}),
            ramp=MappingProxyType({k: v for k, v in ev.ramp.items() if kept(f"param {k}")
                                   and (ev.at, f"param {k}") not in ramped}),
            country_policy=tuple(c for c in ev.country_policy if kept(f"policy {c.iso3}")),
            membership=tuple(m for m in ev.membership
                             if kept(f"member {m.iso3} {m.organisation}")),
            vendor=tuple(v for v in vendor if v.values),
            removal_order=tuple(o for o in ev.removal_order if kept(f"order {o.iso3}")))
        if not ev.ramp:
            ev = replace(ev, over=1)  # as an event without a ramp is written and read back
        if ev.actions():
            out.append(ev)
    return tuple(out)
