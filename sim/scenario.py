"""Scenarios: YAML files -> validated, frozen :class:`Scenario` objects (DESIGN §4).

A scenario names a future: parameter values, dated events, a seed, a number of replications and a
horizon. YAML is read with PyYAML's safe loader (no tag ever constructs an object or runs code),
line and column numbers are kept, and a document that expands past :data:`MAX_NODES` nodes through
aliases is refused. Explicit tags (``!!bool``), merge keys (``<<``) and keys that are not plain
text are refused; ``1e308`` reads as a number (YAML 1.2). Every error names the file, line, column
and key path, the value found, what was expected and the nearest valid key.

``extends`` names a parent (a file beside the child, or a scenario on the search path; never a
path, so a scenario reads no other file on disk) and resolves a chain of parents of any depth: a
child overrides its parent key by key (``params`` value by value) and appends its events to the
parent's; a child's action on a parameter (country, vendor field, ...) in a quarter where its
parent acts on it replaces the parent's, while two such actions within one file are refused unless
they agree (:func:`sim.events.same_quarter_clashes`; docs/scenarios.md). Overrides from Python
or the command line (``set=``, ``scale=``, ``horizon=``) apply last, by the rule of
:mod:`sim.overrides`: a set value holds for the whole horizon (the events' actions on that key are
dropped, with a note), a scale multiplies the scenario's own trajectory.

Scenarios are found by name in, in order: directories passed as ``search``, the directories in
``$TECHBLOC_SCENARIOS`` (``os.pathsep``-separated), ``./scenarios`` and the scenarios shipped in
the installed package; a folder of ``search`` or the variable that does not exist is refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import yaml
from techbloc.sim import params as params_mod
from techbloc.sim.errors import ScenarioError, did_you_mean
from techbloc.sim.events import (
    CLASH_HINT,
    Event,
    FrozenMappings,
    same_quarter_clashes,
    supersede,
)
from techbloc.sim.quarters import Quarter
from techbloc.sim.scenario_events import flatten, read_event
from techbloc.sim.yamlread import MAX_EXTENDS, MAX_NODES, OtherKind, other_kind, parse_value  # noqa: F401 - API
from techbloc.sim.yamlread import Reader as _Reader
from techbloc.sim.yamlread import compose as _compose
from techbloc.sim.yamlread import read_text as _read_text

TOP_KEYS = ("name", "title", "description", "extends", "seed", "replications", "horizon",
            "params", "events")
WORLD_START = Quarter(2019, 1)
DEFAULT_HORIZON = (WORLD_START, Quarter(2030, 4))
MAX_END = Quarter(2060, 4)
DEFAULT_SEED = 20190516
DEFAULT_REPLICATIONS = 10
MAX_REPLICATIONS = 10_000
ENV_VAR = "TECHBLOC_SCENARIOS"

#: Where a resolved value came from (``techbloc show`` prints it beside each value).
DEFAULT, COMMAND_LINE = "default", "command line"


def scenario_dir() -> Path:
    """The folder of shipped scenarios (inside the installed ``scenarios`` package)."""
    return Path(str(resources.files("techbloc.scenarios")))


def search_path(search: Iterable[str | Path] = ()) -> list[Path]:
    """Directories searched for scenario names, first match wins.

    Raises:
        ScenarioError: a folder of ``search`` or ``$TECHBLOC_SCENARIOS`` that is not one (a
            misspelt folder would be passed over and another scenario of that name run).
    """
    given = [(Path(d), "search") for d in search]
    given += [(Path(d), f"${ENV_VAR}") for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    for d, where in given:
        if not d.is_dir():
            raise ScenarioError(f"{'not a folder' if d.exists() else 'no such folder'}: '{d}'",
                                key=where, hint="give existing folders of scenario files"
                                + ("" if where == "search" else f" (separated by '{os.pathsep}')"
                                   " or unset the variable"))
    out: list[Path] = []
    for d in [*(d for d, _ in given), Path("scenarios"), scenario_dir()]:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def available(search: Iterable[str | Path] = ()) -> dict[str, Path]:
    """Scenario names found on the search path, each with the file that wins."""
    found: dict[str, Path] = {}
    for d in search_path(search):
        for f in sorted(d.glob("*.yaml")):
            found.setdefault(f.stem, f)
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class Scenario(FrozenMappings):
    """A resolved, validated scenario.

    Attributes:
        name: short name (file stem unless the file says otherwise).
        title: one-line title.
        description: why it exists, what it assumes, its sources.
        seed: base seed of its replicates.
        replications: default number of replicates.
        horizon: (first, last) quarter simulated; the first is always 2019Q1.
        params: every parameter's value at the start (flat dotted keys).
        events: dated changes, in date order (same-quarter events keep file order).
        source: the file it came from, if any.
        extends: the parent's name, if any.
        origins: where each parameter's value came from (default, parent, file, command line).
        overrides: notes of what overrides did to the events (:mod:`sim.overrides`).
    """

    name: str
    title: str = ""
    description: str = ""
    seed: int = DEFAULT_SEED
    replications: int = DEFAULT_REPLICATIONS
    horizon: tuple[Quarter, Quarter] = DEFAULT_HORIZON
    params: Mapping[str, float | bool] = field(
        default_factory=lambda: MappingProxyType(params_mod.defaults()))
    events: tuple[Event, ...] = ()
    source: str | None = None
    extends: str | None = None
    origins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}),
                                       compare=False, repr=False)
    overrides: tuple = field(default=(), compare=False, repr=False)

    def with_params(self, overrides: Mapping[str, object], origin: str = COMMAND_LINE
                    ) -> Scenario:
        """A copy with parameters held at the given values (dotted keys) for the whole horizon.

        The events' actions on those keys are dropped (noted in :attr:`overrides`); a value
        ``"0.8@2022Q1"`` holds from that quarter on. The rule is :func:`sim.overrides.apply`'s.
        """
        return self.with_overrides(set=overrides, origin=origin)

    def with_start_values(self, values: Mapping[str, object], origin: str) -> Scenario:
        """A copy with the start values of ``values`` replaced and every event kept.

        Unlike :meth:`with_params`, an event on a key (a scenario's own, or a dated
        ``--set KEY=V@2022Q1``) still acts at its quarter: how a calibration's values or a
        posterior draw enter a run (:mod:`sim.posterior`).
        """
        return replace(self, params=MappingProxyType({**self.params, **values}),
                       origins=MappingProxyType({**self.origins, **{k: origin for k in values}}))

    def with_overrides(self, set: Mapping[str, object] | None = None,
                       scale: Mapping[str, object] | None = None,
                       origin: str = COMMAND_LINE) -> Scenario:
        """A copy with ``set`` values held and ``scale`` factors applied (sim.overrides)."""
        from techbloc.sim import overrides as overrides_mod

        return overrides_mod.apply(self, set=set, scale=scale, origin=origin)

    def with_horizon(self, horizon: str | Sequence | None) -> Scenario:
        """A copy with another horizon (``"2019Q1:2035Q4"``); events after its end are dropped."""
        if horizon is None:
            return self
        start, end = parse_horizon(horizon)
        return replace(self, horizon=(start, end),
                       events=tuple(e for e in self.events if e.at <= end))

    def to_dict(self) -> dict:
        """A JSON-ready description, enough to rerun exactly (written to manifests)."""
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "seed": self.seed, "replications": self.replications,
            "horizon": [str(self.horizon[0]), str(self.horizon[1])],
            "params": dict(self.params),
            "events": [e.to_dict() for e in self.events],
            "source": self.source, "extends": self.extends,
            **({"overrides": list(self.overrides)} if self.overrides else {}),
        }

    def to_yaml(self, annotate: bool = True) -> str:
        """The fully resolved scenario as YAML that loads back to an equal Scenario.

        Args:
            annotate: add a comment after each parameter saying where its value came from.
        """
        head = {"name": self.name, "title": self.title, "description": self.description,
                "seed": self.seed, "replications": self.replications}
        from techbloc.sim.overrides import describe

        notes = [f"# override: {line}" for line in describe(self.overrides)] if annotate else []
        lines = [*notes,
                 yaml.safe_dump(head, sort_keys=False, width=100, allow_unicode=True).rstrip(),
                 f"horizon: {{start: {self.horizon[0]}, end: {self.horizon[1]}}}", "params:"]
        for group, members in params_mod.TREE.items():
            lines.append(f"  {group}:")
            for name in members:
                key = f"{group}.{name}"
                value = self.params[key]
                text = str(value).lower() if isinstance(value, bool) else repr(float(value))
                note = f"  # {self.origins.get(key, DEFAULT)}" if annotate else ""
                lines.append(f"    {name}: {text}{note}")
        if self.events:
            events = yaml.safe_dump([e.to_dict() for e in self.events], sort_keys=False,
                                    width=100, default_flow_style=None, allow_unicode=True)
            lines.append("events:")
            lines += ["  " + line for line in events.rstrip().splitlines()]
        else:
            lines.append("events: []")
        return "\n".join(lines) + "\n"


def default_scenario() -> Scenario:
    """Every parameter at its default, 2019Q1-2030Q4: the model's own baseline."""
    return Scenario(name="defaults")


def parse_horizon(value: str | Sequence) -> tuple[Quarter, Quarter]:
    """``"2019Q1:2035Q4"`` or ``(start, end)`` -> two Quarters, checked.

    Raises:
        ScenarioError: unreadable, not starting at 2019Q1, ending before it starts or after 2060.
    """
    parts = value.split(":") if isinstance(value, str) else list(value)
    if len(parts) != 2:
        raise ScenarioError(f"expected START:END like 2019Q1:2035Q4, found {value!r}",
                            key="horizon")
    try:
        start, end = (Quarter.parse(p) for p in parts)
    except (ValueError, TypeError, AttributeError) as e:
        raise ScenarioError(str(e), key="horizon") from None
    problem = _horizon_problem(start, end)
    if problem:
        raise ScenarioError(problem, key="horizon")
    return start, end


def _horizon_problem(start: Quarter, end: Quarter) -> str | None:
    if start != WORLD_START:
        return f"the world data describe {WORLD_START}; the horizon must start there, found {start}"
    if end < start:
        return f"the horizon ends ({end}) before it starts ({start})"
    if end > MAX_END:
        return f"the horizon may run to {MAX_END} at most, found {end}"
    return None


# --------------------------------------------------------------------------- loading
def find(name_or_path: str | Path, search: Iterable[str | Path] = ()) -> Path:
    """The file of a scenario given its name or a path.

    Raises:
        ScenarioError: neither a scenario on the search path nor an existing file.
    """
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ScenarioError("a folder, not a scenario file" if path.is_dir() else "scenario "
                                "file not found" if not path.exists() else "not a regular file "
                                "(a device or a pipe)", file=text)
        return path
    names = available(search)
    if text in names:
        return names[text]
    close = did_you_mean(text, names)
    hint = close if close and close.startswith("did you mean") else None
    known = f"known scenarios: {', '.join(names)}; or give a path to a .yaml file"
    raise ScenarioError(f"unknown scenario '{text}'", hint=f"{hint} ({known})" if hint else known)


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _parent_file(base: str, path: Path, search: Iterable[str | Path]) -> Path:
    """The file of a parent named by ``extends``: a sibling or a scenario on the search path.

    Only a name is accepted, never a path, so a scenario cannot read files elsewhere on disk
    (an uploaded scenario in the app may extend only a scenario of the library).
    """
    if not _NAME.fullmatch(base):
        raise ScenarioError("expected the name of a scenario (letters, digits, '.', '-', '_'), "
                            "not a path; a scenario extends only scenarios on the search path")
    sibling = path.parent / (base if base.endswith((".yaml", ".yml")) else f"{base}.yaml")
    if sibling.is_file():
        return sibling
    names = available(search)
    stem = base.removesuffix(".yaml").removesuffix(".yml")
    if stem in names:
        return names[stem]
    hint = did_you_mean(stem, names)
    raise ScenarioError(f"unknown scenario '{stem}'",
                        hint=hint if hint and hint.startswith("did you") else
                        f"known scenarios: {', '.join(names)}")


def _check_arguments(name_or_path, overrides, horizon, search) -> None:
    """Clear errors for arguments of the wrong type given from Python."""
    if not isinstance(name_or_path, str | os.PathLike | Scenario):
        raise ScenarioError("expected a scenario name, a path to a YAML file or a Scenario, "
                            f"found {type(name_or_path).__name__} {name_or_path!r}")
    if overrides is not None:
        if not isinstance(overrides, Mapping):
            raise ScenarioError("expected a mapping of dotted parameter keys to values, like "
                                f"{{'us.ally_pressure': 0.8}}, found {type(overrides).__name__}",
                                key="set")
        for k in overrides:
            if not isinstance(k, str):
                raise ScenarioError(f"parameter keys are dotted names (text), found {k!r}",
                                    key="set")
    if horizon is not None and not (isinstance(horizon, str) or (
            isinstance(horizon, Sequence) and len(horizon) == 2)):
        raise ScenarioError(f"expected 'START:END' like '2019Q1:2035Q4' or a pair of quarters, "
                            f"found {horizon!r}", key="horizon")
    if isinstance(search, str | os.PathLike) or not isinstance(search, Iterable):
        raise ScenarioError(f"expected a list of folders, found {search!r}", key="search")


def load_scenario(name_or_path: str | Path | Scenario, *, set: Mapping[str, object] | None = None,
                  horizon: str | Sequence | None = None,
                  search: Iterable[str | Path] = (),
                  scale: Mapping[str, object] | None = None) -> Scenario:
    """Load, resolve (``extends``) and validate a scenario.

    Args:
        name_or_path: a scenario name (``baseline``), a path to a YAML file, or a Scenario.
        set: parameter values with dotted keys, held for the whole horizon (the scenario's
            events on those keys are dropped, with a note); ``"0.8@2022Q1"`` holds from then on.
        horizon: another horizon, ``"2019Q1:2035Q4"`` or ``(start, end)``.
        search: extra directories to look for scenario names in (searched first).
        scale: multipliers by dotted key: the scenario's own trajectory of each parameter
            (start value and every event's value), clipped to its range.

    Returns:
        A frozen Scenario.

    Raises:
        ScenarioError: naming file, line, column and key, with a suggestion where one exists.

    Example:
        >>> s = load_scenario("sanctions-2019", set={"us.ally_pressure": 0.8})
        >>> s.params["us.ally_pressure"], [e.set.get("us.ally_pressure") for e in s.events][:1]
        (0.8, [None])
    """
    _check_arguments(name_or_path, set, horizon, search)
    if isinstance(name_or_path, Scenario):
        scenario = name_or_path
    else:
        scenario = _load(find(name_or_path, search), (), None, tuple(search))
    return scenario.with_horizon(horizon).with_overrides(set=set, scale=scale)


def validate(path: str | Path, search: Iterable[str | Path] = ()) -> list[ScenarioError]:
    """Every error of a scenario file (and of its parents' chain), not just the first."""
    errors: list[ScenarioError] = []
    try:
        _load(find(path, search), (), errors, tuple(search))
    except ScenarioError as e:  # fatal: unreadable, invalid YAML, unknown parent, cycle
        errors.append(e)
    return errors


def _load(path: Path, chain: tuple[str, ...], errors: list | None, search: tuple) -> Scenario:
    file = str(path)
    resolved = str(path.resolve())
    if resolved in chain:
        names = " -> ".join(Path(c).stem for c in (*chain, resolved))
        raise ScenarioError(f"'extends' cycle: {names}", file=file, key="extends")
    node = _compose(_read_text(path, file), file)
    if node is None:
        raise ScenarioError("empty scenario file", file=file)
    reader = _Reader(file, errors)
    try:
        doc = reader.convert(node)
    except RecursionError:
        raise ScenarioError("document nested too deeply; refused", file=file) from None
    if not isinstance(doc, dict):
        raise ScenarioError("expected a mapping with keys like name, params, events", file=file,
                            line=1)
    if other_kind(doc, "scenario"):  # one error for the file, not one per key
        raise OtherKind("unknown keys " + ", ".join(k for k in doc if k not in TOP_KEYS),
                        file=file, line=1, hint=other_kind(doc, "scenario"))
    for key in doc:
        if key not in TOP_KEYS:
            reader.fail("unknown key", key, did_you_mean(key, TOP_KEYS))

    parent = None
    if doc.get("extends") is not None:
        base = doc["extends"]
        if not isinstance(base, str):
            reader.fail(f"expected a scenario name, found {base!r}", "extends")
        else:
            try:
                if len(chain) >= MAX_EXTENDS:
                    raise ScenarioError(f"'extends' chain longer than {MAX_EXTENDS} scenarios")
                ref = _parent_file(base, path, search)
                parent = _load(ref, (*chain, resolved), errors, search)
            except ScenarioError as e:
                if e.file is not None and e.file != file:
                    raise
                line, column = reader.where.get("extends", (None, None))
                raise ScenarioError(f"parent scenario: {e.message}", file=file, line=line,
                                    column=column, key="extends", hint=e.hint) from None

    name = str(doc.get("name", path.stem))
    values = dict(parent.params) if parent else params_mod.defaults()
    # Values a parent set in its own file are "parent <name>" here; older origins are kept.
    origins = ({k: o if o.startswith("parent") else f"parent {parent.name}"
                for k, o in parent.origins.items()} if parent else {})
    if doc.get("params") is not None:
        mine = flatten(reader, doc["params"], "params")
        values.update(mine)
        origins.update({k: f"file {path.name}" for k in mine})

    horizon = parent.horizon if parent else DEFAULT_HORIZON
    if "horizon" in doc:
        h = doc["horizon"]
        if not isinstance(h, dict) or set(h) - {"start", "end"}:
            reader.fail("expected {start: 2019Q1, end: 2030Q4}", "horizon")
        else:
            try:
                start = Quarter.parse(h.get("start", str(horizon[0])))
                end = Quarter.parse(h.get("end", str(horizon[1])))
                problem = _horizon_problem(start, end)
                if problem:
                    reader.fail(problem, "horizon.start" if start != WORLD_START
                                else "horizon.end")
                else:
                    horizon = (start, end)
            except ValueError as e:
                reader.fail(str(e), "horizon")

    seed = doc.get("seed", parent.seed if parent else DEFAULT_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        reader.fail(f"expected a non-negative integer, found {seed!r}", "seed")
        seed = DEFAULT_SEED
    reps = doc.get("replications", parent.replications if parent else DEFAULT_REPLICATIONS)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPLICATIONS:
        reader.fail(f"expected an integer from 1 to {MAX_REPLICATIONS}, found {reps!r}",
                    "replications")
        reps = DEFAULT_REPLICATIONS
    for key in ("name", "title", "description"):
        if key in doc and not isinstance(doc[key], str):
            reader.fail(f"expected text, found {doc[key]!r}", key)

    events = [e for e in (parent.events if parent else ()) if e.at <= horizon[1]]
    raw_events = doc.get("events") or []
    if not isinstance(raw_events, list):
        reader.fail("expected a list of events", "events")
        raw_events = []
    own = [(i, e) for i, ev in enumerate(raw_events)
           if (e := read_event(reader, ev, i, horizon, MAX_END - WORLD_START + 1)) is not None]
    for c in same_quarter_clashes(own):  # within this file; a child may override its parent
        reader.fail(c.message(reader.where.get(f"events[{c.first}]", (None,))[0]), c.key,
                    CLASH_HINT)
    own_events = [e for _, e in own if e.at <= horizon[1]]
    events = [*supersede(tuple(events), own_events), *own_events]
    events.sort(key=lambda e: e.at)  # stable: same-quarter events keep parent, then file order

    return Scenario(
        name=name,
        title=str(doc.get("title", parent.title if parent else "")),
        description=str(doc.get("description", parent.description if parent else "")).strip(),
        seed=seed, replications=reps, horizon=horizon,
        params=MappingProxyType(values), events=tuple(events), source=file,
        extends=parent.name if parent else None, origins=MappingProxyType(origins),
    )

