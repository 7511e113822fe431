"""Overrides of a scenario's parameters: the one rule every entry point uses (docs/scenarios.md).

A scenario gives each parameter a value at the start and its events may change it later. An
override from outside the file (``--set``/``--scale`` on the command line, ``set=``/``scale=`` in
Python, a sweep's axes, the calibration, the app's sliders) says what happens to that trajectory:

- ``set KEY=VALUE`` **holds** the parameter at VALUE for the whole horizon: VALUE is the start
  value and every event's action on KEY (``set`` or ``ramp``) is dropped. The events' other keys
  and actions still apply; an event left with nothing to do is dropped whole.
- ``set KEY=VALUE@2022Q1`` keeps the scenario's own trajectory before 2022Q1 and holds VALUE from
  that quarter on: events from 2022Q1 lose their action on KEY and a set at 2022Q1 (after that
  quarter's other events) takes over from any running ramp.
- ``scale KEY=F`` multiplies the scenario's own trajectory by F, dates kept: the start value,
  every event's ``set`` value and every ramp's target. Values are clipped to the parameter's
  range; each clip is noted.

Every dropped action, clip and dated hold is kept as a note on the scenario
(:attr:`Scenario.overrides`), written to ``manifest.json`` and printed once by the command line.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import replace
from numbers import Real
from types import MappingProxyType
from typing import TypeVar

from techbloc.sim import params as params_mod
from techbloc.sim.errors import ScenarioError, SweepError, did_you_mean
from techbloc.sim.events import Event
from techbloc.sim.quarters import Quarter

#: A :class:`sim.scenario.Scenario` (not imported: scenario.py imports this module).
Scenario = TypeVar("Scenario")

#: Largest multiplier ``scale`` accepts (beyond it every lever clips at its top anyway).
MAX_SCALE = 100.0


class OverrideNote(UserWarning):
    """Issued once per run when an override changed the scenario's own events (see notes)."""


def split_value(key: str, value: object) -> tuple[object, Quarter | None]:
    """A set override's value and optional start quarter.

    Accepts ``0.8``, ``"0.8@2022Q1"`` (the command line's form) or ``(0.8, "2022Q1")``.

    Raises:
        ScenarioError: an unreadable quarter or value.
    """
    at = None
    if isinstance(value, tuple | list) and len(value) == 2:
        value, at = value
    elif isinstance(value, str) and "@" in value:
        import yaml

        text, _, at = value.partition("@")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
    if at is not None:
        try:
            at = Quarter.parse(at)
        except ValueError as e:
            raise ScenarioError(f"{e} (expected KEY=VALUE@2022Q1)", key=f"set {key}") from None
    return value, at


def _strip(events: tuple[Event, ...], key: str, since: Quarter | None, origin: str,
           rule: str, notes: list[dict]) -> tuple[Event, ...]:
    """Events with their actions on ``key`` dropped (from ``since`` on, if given)."""
    out = []
    for ev in events:
        if since is not None and ev.at < since or (key not in ev.set and key not in ev.ramp):
            out.append(ev)
            continue
        for action in ("set", "ramp"):
            part = getattr(ev, action)
            if key in part:
                notes.append({"key": key, "rule": rule, "origin": origin, "event": ev.name,
                              "at": str(ev.at), "action": action, "dropped": part[key]})
        ramp = {k: v for k, v in ev.ramp.items() if k != key}
        ev = replace(ev, set=MappingProxyType({k: v for k, v in ev.set.items() if k != key}),
                     ramp=MappingProxyType(ramp), over=ev.over if ramp else 1)
        if ev.actions():
            out.append(ev)
    return tuple(out)


def apply(scenario: Scenario, set: Mapping[str, object] | None = None,
          scale: Mapping[str, object] | None = None, origin: str = "command line") -> Scenario:
    """The scenario with ``set`` held and ``scale`` multiplied (see the module's rule).

    Args:
        scenario: the resolved scenario.
        set: values by dotted key; a value may carry a start quarter (``"0.8@2022Q1"``).
        scale: multipliers (>= 0) by dotted key of numeric parameters.
        origin: where the overrides come from (shown by ``techbloc show`` and in the notes).

    Raises:
        ScenarioError: unknown key, value out of range, a switch scaled, a negative or
            non-numeric factor, a key both set and scaled, a quarter outside the horizon.
    """
    set, scale = dict(set or {}), dict(scale or {})
    if not set and not scale:
        return scenario
    both = sorted(k for k in set if k in scale)
    if both:
        raise ScenarioError(f"{', '.join(both)} is both set and scaled; give one of the two",
                            key=f"set {both[0]}")
    values, origins = dict(scenario.params), dict(scenario.origins)
    events = scenario.events
    notes = list(scenario.overrides)
    start, end = scenario.horizon
    for key, factor in scale.items():
        param = params_mod.check_key(key, path=f"scale {key}")
        if param.kind is bool:
            raise ScenarioError("a switch cannot be scaled; use set", key=f"scale {key}")
        if isinstance(factor, str) and "@" in factor:
            raise ScenarioError("a scale takes no quarter: it multiplies the whole trajectory, "
                                f"dates kept; found {factor!r}", key=f"scale {key}",
                                hint="to hold a value from a quarter on, use set KEY=VALUE@2022Q1")
        if (isinstance(factor, bool) or not isinstance(factor, Real)
                or not math.isfinite(factor) or not 0 <= factor <= MAX_SCALE):
            raise ScenarioError(f"expected a factor from 0 to {MAX_SCALE:g}, found {factor!r}",
                                key=f"scale {key}")
        factor, (lo, hi) = float(factor), param.range

        def scaled(v: float, where: str, key=key, factor=factor, lo=lo, hi=hi) -> float:
            x = float(v) * factor
            if not lo <= x <= hi:
                clipped = float(min(max(x, lo), hi))
                notes.append({"key": key, "rule": "scale", "origin": origin, "at": where,
                              "clipped": f"{v:g} x {factor:g} = {x:g} clipped to {clipped:g}"})
                return clipped
            return x

        values[key] = scaled(values[key], str(start))
        origins[key] = f"{origin} (x{factor:g})"
        new = []
        for ev in events:
            if key in ev.set or key in ev.ramp:
                ev = replace(ev, set=MappingProxyType(
                    {k: scaled(v, str(ev.at)) if k == key else v for k, v in ev.set.items()}),
                    ramp=MappingProxyType(
                    {k: scaled(v, str(ev.at)) if k == key else v for k, v in ev.ramp.items()}))
            new.append(ev)
        events = tuple(new)
    held = []
    for key, raw in set.items():
        param = params_mod.check_key(key, path=f"set {key}")
        value, at = split_value(key, raw)
        value = param.check(f"set {key}", value)
        if at is None or at <= start:
            values[key] = value
            origins[key] = origin
            events = _strip(events, key, None, origin, "set", notes)
            continue
        if at > end:
            raise ScenarioError(f"{at} is after the horizon's end ({end})", key=f"set {key}",
                                hint=f"expected KEY=VALUE@QUARTER with a quarter from {start} to "
                                f"{end} (one up to {start} holds for the whole horizon)")
        events = _strip(events, key, at, origin, "set", notes)
        notes.append({"key": key, "rule": "set", "origin": origin, "at": str(at),
                      "action": "set", "held_from": str(at), "value": value})
        held.append(Event(at=at, name=f"{origin}: {key} held from {at}",
                          set=MappingProxyType({key: value})))
    # Stable sort: a dated hold applies after that quarter's own events.
    events = tuple(sorted((*events, *held), key=lambda e: e.at))
    return replace(scenario, params=MappingProxyType(values), origins=MappingProxyType(origins),
                   events=events, overrides=tuple(notes))


def describe(notes: tuple[dict, ...] | list[dict]) -> list[str]:
    """One line per overridden key saying what the override did to the scenario's events."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    for n in notes:
        kind = "clipped" if "clipped" in n else "held_from" if "held_from" in n else n["rule"]
        lines.setdefault((n["key"], kind, n["origin"]), []).append(
            n["clipped"] + f" ({n['at']})" if kind == "clipped"
            else f"'{n['event']}' ({n['at']}, {n['action']} {n['dropped']:g})"
            if "event" in n else str(n["at"]))
    out = []
    for (key, kind, origin), items in lines.items():
        if kind == "clipped":
            out.append(f"scale {key} ({origin}) clipped to the range: " + "; ".join(items))
        elif kind == "held_from":
            out.append(f"set {key} ({origin}): the scenario's own values until {items[0]}, "
                       "then held")
        elif kind == "set":
            out.append(f"set {key} ({origin}) holds for the whole horizon; dropped these "
                       "events' action on it: " + ", ".join(items))
    return out


def warn(scenario, lines: list[str] | None = None) -> None:
    """Issue the scenario's override notes (or ``lines``) as one :class:`OverrideNote`."""
    lines = describe(scenario.overrides) if lines is None else lines
    if lines:
        warnings.warn("\n".join(lines), OverrideNote, stacklevel=3)


#: The rule as Markdown, at the head of docs/scenarios.md (``techbloc scenarios --markdown``).
MARKDOWN = [
    "## Overriding a scenario: set holds, scale multiplies", "",
    "Every way of changing a scenario from outside its file follows one rule "
    "(`sim/overrides.py`): `techbloc run/show/compare/sweep --set/--scale`, Python's "
    "`tb.run/tb.load_scenario/tb.sweep(set=, scale=)`, a sweep file's `parameters` (held) and "
    "`scale:` axes and its `set:` values (held at every point), the calibration's trial values, "
    "and the app's sliders once moved.", "",
    "- **`--set KEY=VALUE` holds KEY at VALUE for the whole horizon.** VALUE is the start value "
    "and every event's `set` or `ramp` of KEY is dropped; the event's other keys and actions "
    "still apply (an event left with nothing to do is dropped). The run says which events lost "
    "which key, once, on stderr (`techbloc: note: ...`) and in `manifest.json` (`overrides`); "
    "`techbloc show` prints it as `# override:` comments.",
    "- **`--set KEY=VALUE@2022Q1` holds from a quarter on.** The scenario's own values apply "
    "before it; from that quarter the events' actions on KEY are dropped and VALUE is set after "
    "the quarter's other events (ending a ramp still running). In Python: `set={KEY: "
    "\"0.8@2022Q1\"}` or `set={KEY: (0.8, \"2022Q1\")}`.",
    "- **`--scale KEY=F` multiplies the scenario's own trajectory of KEY by F, dates kept**: the "
    "start value, every `set` value and every ramp's target. Results are clipped to the "
    "parameter's range, with a note for each clip. F is a number from 0 to 100; switches "
    "cannot be scaled; a key cannot be both set and scaled.",
    "- The model table records every lever (`techbloc params`, role lever) each quarter, so any "
    "run shows the values applied.", "",
    "Example: sanctions-2019 sets `us.ally_pressure` to 0.4 in 2019Q2 and 0.6 in 2020Q3. "
    "`--set us.ally_pressure=0` runs at 0 throughout (both events keep their other keys); "
    "`--scale us.ally_pressure=0.5` runs at 0.2 from 2019Q2 and 0.3 from 2020Q3; "
    "`--scale us.ally_pressure=2` runs at 0.8, then 1.0 (1.2 clipped, noted).", "",
]


def check_given(axes: Mapping[str, Iterable[str]], given: Mapping[str, object], fail) -> None:
    """Values fixed in a sweep from outside its file (``--set``/``--scale``, ``set=``/``scale=``).

    Args:
        axes: the parameters varied by section, ``{"parameters": [...], "scale": [...]}``.
        given: ``{"set": {...}, "scale": {...}}``.
        fail: ``fail(message, key, hint)`` makes the error naming the file, line and key.

    Raises:
        SweepError: a ``set``/``scale`` that is not a mapping, or a key that is also an axis.
    """
    for kind, values in given.items():
        if not isinstance(values, Mapping):
            raise SweepError(f"expected a mapping of dotted parameter keys to values, like "
                             f"{{'us.ally_pressure': 0.8}}, found {type(values).__name__}",
                             key=kind)
        for key in values:
            axis = [s for s in axes if key in axes[s]]
            if axis:
                raise fail(f"varied by this sweep, so --{kind} {key} (or {kind}=) cannot fix it "
                           f"too; drop one of the two", f"{axis[0]}.{key}", None)


def held_in_sweep(doc: Mapping, fail, given: Mapping | None = None) -> dict[str, object]:
    """A sweep file's ``set:`` mapping (values held in the base at every point), checked.

    Args:
        doc: the sweep file's top-level mapping.
        fail: ``fail(message, key, hint)`` makes the error naming the file, line and key.
        given: the values fixed from outside the file by kind, ``{"set": {...}, "scale":
            {...}}`` (``--set``/``--scale``, ``set=``/``scale=``); none may be an axis.

    Raises:
        SweepError: (from ``fail``) not a mapping, an unknown parameter, a value outside the
            parameter's type or range, a parameter that is also one of the sweep's axes, or a
            parameter varied under both ``parameters:`` and ``scale:``.
    """
    axes = {s: doc[s] for s in ("parameters", "scale") if isinstance(doc.get(s), Mapping)}
    for key in axes.get("scale", {}):
        if key in axes.get("parameters", {}):
            raise fail(f"'{key}' is varied under parameters: and scale: too; keep one axis",
                       f"scale.{key}", None)
    check_given(axes, given or {}, fail)
    held = doc.get("set", {})
    if not isinstance(held, Mapping) or ("set" in doc and not held):
        raise fail("expected a mapping of parameters to hold at every point", "set", None)
    for key in held:
        axis = [s for s in ("parameters", "scale") if isinstance(doc.get(s), Mapping)
                and key in doc[s]]
        if key not in params_mod.FLAT:
            raise fail(f"unknown parameter '{key}'", f"set.{key}",
                       did_you_mean(key, params_mod.FLAT))
        if axis:
            raise fail(f"'{key}' is held by set: and varied under {axis[0]}: too", f"set.{key}",
                       None)
        value = held[key]
        if not (isinstance(value, str) and "@" in value):  # a dated hold is checked on loading
            try:
                params_mod.FLAT[key].check(f"set.{key}", value)
            except ScenarioError as e:
                raise fail(e.message, f"set.{key}", None) from None
    return dict(held)


def resume_mismatch(then: Mapping, now: Mapping) -> str:
    """Why a sweep cannot resume, for its error: the base values that differ, if any.

    Args:
        then: the ``sweep`` block of the folder's manifest.
        now: the same block of the sweep given now (``SweepSpec.to_dict()``).
    """
    old, new = (then.get("scenario") or {}).get("params") or {}, now["scenario"]["params"]
    changed = [f"{k} {old.get(k)!r} then, {new.get(k)!r} now"
               for k in sorted({*old, *new}) if old.get(k) != new.get(k)]
    if changed:
        return ("the base scenario differs from when this sweep started: "
                + "; ".join(changed[:3]) + ("; ..." if len(changed) > 3 else "")
                + " (--set/--scale given then and not now, or the file changed); resume with "
                "the same file and options")
    return ("the sweep file or its options (--set, --scale, --horizon) changed since this sweep "
            "started (hash differs); resume with the same file and options")

