"""Reading a scenario's ``params`` and ``events`` blocks into validated values and events.

:mod:`sim.scenario` loads a file, resolves its parents and overrides; this module checks what
one file's ``params`` mapping and each item of its ``events`` list say, reporting every problem
through the file's reader (the file, line, column and key path, the value found, what was
expected and the nearest valid key), and returns the values and :class:`sim.events.Event`
objects it could build.
"""

from __future__ import annotations

from types import MappingProxyType

from techbloc.sim import params as params_mod
from techbloc.sim.errors import ScenarioError, did_you_mean
from techbloc.sim.events import (
    RELEASE_ALL,
    VENDOR_FIELDS,
    CountryPolicy,
    Event,
    Membership,
    RemovalOrder,
    VendorChange,
)
from techbloc.sim.quarters import Quarter
from techbloc.sim.yamlread import Reader

EVENT_KEYS = ("at", "name", "set", "ramp", "over", "country_policy", "membership", "vendor",
              "release", "removal_order")
ACTIONS = ("set", "ramp", "country_policy", "membership", "vendor", "release", "removal_order")
ORDER_KEYS = ("iso3", "years")
POLICY_KEYS = ("iso3", "policy", "removal_years", "lock")
VENDOR_RANGES = {"price": (0.05, 5.0), "quality": (0.0, 3.0), "us_input_dependence": (0.0, 1.0)}


def flatten(reader: Reader, tree: object, prefix: str, root: str | None = None
             ) -> dict[str, object]:
    """Nested or dotted parameter mappings under ``prefix`` -> validated ``{"group.name": v}``."""
    root = prefix if root is None else root
    if not isinstance(tree, dict):
        reader.fail(f"expected a mapping of parameters, found {tree!r}", prefix)
        return {}
    flat: dict[str, object] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict):
            for k, v in flatten(reader, value, path, root).items():
                if k in flat:
                    reader.fail(f"'{k}' is given twice (nested and dotted)", path)
                flat[k] = v
            continue
        dotted = path[len(root) + 1:]
        if dotted in flat:
            reader.fail(f"'{dotted}' is given twice (nested and dotted)", path)
        try:
            param = params_mod.check_key(dotted, path=path)
            flat[dotted] = param.check(path, value)
        except ScenarioError as e:
            reader.fail(e.message, path, e.hint)
    return flat


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _world_ids() -> tuple[set[str], tuple[str, ...]]:
    from techbloc.sim.world import load_world

    world = load_world()
    return set(world.countries["iso3"]), world.vendors.ids


# --------------------------------------------------------------------------- events
def read_event(reader: Reader, ev: object, i: int, horizon: tuple[Quarter, Quarter],
               longest: int) -> Event | None:
    """Item ``i`` of a file's events as an :class:`Event`, or None where it cannot be built.

    ``horizon`` bounds its quarter; ``longest`` is the most quarters a ramp may take (the
    longest horizon: a longer ramp never reaches its target).
    """
    key = f"events[{i}]"
    if not isinstance(ev, dict):
        reader.fail("expected a mapping like {at: 2020Q3, name: ..., set: {...}}", key)
        return None
    for k in ev:
        if k not in EVENT_KEYS:
            reader.fail("unknown event key", f"{key}.{k}", did_you_mean(k, EVENT_KEYS))
    if "at" not in ev:
        reader.fail("an event needs 'at' (a quarter like 2020Q3 or a date)", key)
        return None
    if not any(a in ev for a in ACTIONS):
        reader.fail(f"an event needs at least one of: {', '.join(ACTIONS)}", key)
        return None
    try:
        at = Quarter.parse(ev["at"])
    except ValueError as e:
        reader.fail(str(e), f"{key}.at")
        return None
    if not horizon[0] <= at <= horizon[1]:
        reader.fail(f"{at} is outside the horizon {horizon[0]}-{horizon[1]}", f"{key}.at")
    iso3s, vendor_ids = _world_ids()
    parts: dict = {"at": at, "name": str(ev.get("name", f"event {i + 1}"))}
    if ev.get("set") is not None:
        parts["set"] = MappingProxyType(flatten(reader, ev["set"], f"{key}.set"))
    if "ramp" in ev:
        ramp = flatten(reader, ev["ramp"], f"{key}.ramp")
        for k, v in ramp.items():
            if isinstance(v, bool):
                reader.fail("a switch cannot be ramped; use set", f"{key}.ramp.{k}")
        parts["ramp"] = MappingProxyType(ramp)
        over = ev.get("over")
        if isinstance(over, bool) or not isinstance(over, int) or not 1 <= over <= longest:
            reader.fail(f"expected a number of quarters, 1 to {longest} (the longest "
                        f"horizon), found {over!r}", f"{key}.over" if "over" in ev else key)
        else:
            parts["over"] = over
    elif "over" in ev:
        reader.fail("'over' belongs to a ramp; this event has none", f"{key}.over")
    if "country_policy" in ev:
        parts["country_policy"] = tuple(filter(None, (
            _country_policy(reader, c, _sub(f"{key}.country_policy", j, ev["country_policy"]),
                            iso3s)
            for j, c in enumerate(_as_list(ev["country_policy"])))))
    if "membership" in ev:
        parts["membership"] = tuple(filter(None, (
            _membership(reader, m, _sub(f"{key}.membership", j, ev["membership"]), iso3s)
            for j, m in enumerate(_as_list(ev["membership"])))))
    if "vendor" in ev:
        parts["vendor"] = tuple(filter(None, (
            _vendor(reader, v, _sub(f"{key}.vendor", j, ev["vendor"]), vendor_ids)
            for j, v in enumerate(_as_list(ev["vendor"])))))
    if "release" in ev:
        parts["release"] = _release(reader, ev["release"], f"{key}.release", iso3s)
    if "removal_order" in ev:
        parts["removal_order"] = tuple(filter(None, (
            _removal_order(reader, o, _sub(f"{key}.removal_order", j, ev["removal_order"]), iso3s)
            for j, o in enumerate(_as_list(ev["removal_order"])))))
    return Event(**parts)


def _sub(path: str, j: int, raw) -> str:
    return f"{path}[{j}]" if isinstance(raw, list) else path


def _iso3(reader: Reader, value, path: str, iso3s: set[str]) -> bool:
    if not isinstance(value, str) or value not in iso3s:
        reader.fail(f"unknown country {value!r} (an ISO3 code in sim/data/countries.csv)", path,
                    did_you_mean(str(value), iso3s) if isinstance(value, str) else None)
        return False
    return True


def _country_item(reader, item, path, iso3s, keys, example) -> bool | None:
    """None if ``item`` is not a mapping, else whether its iso3 is known (unknown keys reported)."""
    if not isinstance(item, dict):
        reader.fail(f"expected {example}", path)
        return None
    if item and not set(item) & set(keys):  # {CAN: ban}: countries as keys
        (k, v), field = next(iter(item.items())), "policy" if "policy" in keys else "years"
        reader.fail(f"expected {example}; write each country as {{iso3: {k}, {field}: {v}}}",
                    path)
        return None
    for k in item:
        if k not in keys:
            reader.fail("unknown key", f"{path}.{k}", did_you_mean(k, keys))
    return _iso3(reader, item.get("iso3"), f"{path}.iso3" if "iso3" in item else path, iso3s)


def _country_policy(reader, c, path, iso3s) -> CountryPolicy | None:
    from techbloc.sim.world import POLICIES

    ok = _country_item(reader, c, path, iso3s, POLICY_KEYS,
                       "{iso3: GBR, policy: ban, removal_years: 7}")
    if ok is None:
        return None
    policy = c.get("policy")
    if policy not in POLICIES:
        reader.fail(f"expected one of {', '.join(POLICIES)}, found {policy!r}",
                    f"{path}.policy" if "policy" in c else path)
        ok = False
    years = c.get("removal_years")
    if years is not None:
        try:
            years = params_mod.FLAT["country.removal_years"].check(f"{path}.removal_years", years)
        except ScenarioError as e:
            reader.fail(e.message, f"{path}.removal_years")
            ok = False
    lock = c.get("lock", True)
    if not isinstance(lock, bool):
        reader.fail(f"expected true or false, found {lock!r}", f"{path}.lock")
        ok = False
    return CountryPolicy(c["iso3"], policy, years, lock) if ok else None


def _removal_order(reader, o, path, iso3s) -> RemovalOrder | None:
    ok = _country_item(reader, o, path, iso3s, ORDER_KEYS, "{iso3: USA, years: 1}")
    if ok is None:
        return None
    if "years" not in o:
        reader.fail("a removal order needs 'years' (the deadline after the order, as in "
                    "country.removal_years)", path)
        return None
    try:
        years = params_mod.FLAT["country.removal_years"].check(f"{path}.years", o["years"])
    except ScenarioError as e:
        reader.fail(e.message, f"{path}.years")
        return None
    return RemovalOrder(o["iso3"], float(years)) if ok else None


def _membership(reader, m, path, iso3s) -> Membership | None:
    from techbloc.sim.world import ORGANISATIONS

    if not isinstance(m, dict) or len(set(m) & {"join", "leave"}) != 1:
        reader.fail("expected {iso3: FIN, join: nato} or {iso3: ITA, leave: bri}", path)
        return None
    for k in m:
        if k not in ("iso3", "join", "leave"):
            reader.fail("unknown key", f"{path}.{k}", did_you_mean(k, ("iso3", "join", "leave")))
    ok = _iso3(reader, m.get("iso3"), f"{path}.iso3" if "iso3" in m else path, iso3s)
    verb = "join" if "join" in m else "leave"
    org = m[verb]
    if org not in ORGANISATIONS:
        reader.fail(f"unknown organisation {org!r}; expected one of {', '.join(ORGANISATIONS)}",
                    f"{path}.{verb}", did_you_mean(str(org), ORGANISATIONS))
        ok = False
    return Membership(m.get("iso3"), org, verb == "join") if ok else None


def _vendor(reader, v, path, vendor_ids) -> VendorChange | None:
    if not isinstance(v, dict) or "id" not in v:
        reader.fail("expected {id: huawei, price: 0.7} (fields: "
                    + ", ".join(VENDOR_FIELDS) + ")", path)
        return None
    ok = True
    if v["id"] not in vendor_ids:
        reader.fail(f"unknown vendor {v['id']!r}; expected one of {', '.join(vendor_ids)}",
                    f"{path}.id", did_you_mean(str(v["id"]), vendor_ids))
        ok = False
    values = {}
    for k, value in v.items():
        if k == "id":
            continue
        if k not in VENDOR_FIELDS:
            reader.fail("unknown vendor field", f"{path}.{k}", did_you_mean(k, VENDOR_FIELDS))
            ok = False
            continue
        lo, hi = VENDOR_RANGES[k]
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            reader.fail(f"expected a number in [{lo}, {hi}], found {value!r}", f"{path}.{k}")
            ok = False
            continue
        values[k] = float(value)
    if ok and not values:
        reader.fail("no attribute to change; fields: " + ", ".join(VENDOR_FIELDS), path)
        ok = False
    return VendorChange(v["id"], MappingProxyType(values)) if ok else None


def _release(reader, value, path, iso3s) -> tuple[str, ...]:
    if value == RELEASE_ALL:
        return (RELEASE_ALL,)
    codes = _as_list(value)
    good = tuple(c for j, c in enumerate(codes)
                 if _iso3(reader, c, f"{path}[{j}]" if isinstance(value, list) else path, iso3s))
    return good
