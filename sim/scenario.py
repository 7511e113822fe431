"""Scenarios: YAML files -> validated, frozen :class:`Scenario` objects (DESIGN §4).

A scenario names a future: parameter values, dated events that change levers, a seed, a number of
replications and a horizon. YAML is loaded with PyYAML's safe loader (no tag ever runs code) and
line numbers are kept, so every error names the file, line and key and suggests the nearest valid
key. ``extends`` resolves a chain of parents; a child overrides its parent key by key and appends
its events to the parent's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import yaml

from sim import params as params_mod
from sim.errors import ScenarioError, did_you_mean
from sim.quarters import Quarter

TOP_KEYS = ("name", "title", "description", "extends", "seed", "replications", "horizon",
            "params", "events")
EVENT_KEYS = ("at", "name", "set")
DEFAULT_HORIZON = (Quarter(2019, 1), Quarter(2030, 4))
DEFAULT_SEED = 20190516
DEFAULT_REPLICATIONS = 10
MAX_NODES = 50_000  # refuse documents that expand past this many YAML nodes (billion laughs)
MAX_REPLICATIONS = 10_000


def scenario_dir() -> Path:
    """The folder of shipped scenarios (inside the installed ``scenarios`` package)."""
    return Path(str(resources.files("scenarios")))


def available() -> list[str]:
    """Names of the shipped scenarios."""
    return sorted(p.stem for p in scenario_dir().glob("*.yaml"))


@dataclass(frozen=True)
class Event:
    """A dated change of parameters, applied at the start of quarter ``at``.

    Attributes:
        at: the quarter.
        name: a label (e.g. ``entity list``).
        set: parameter values from that quarter on (dotted keys).
    """

    at: Quarter
    name: str
    set: Mapping[str, float | bool]


@dataclass(frozen=True)
class Scenario:
    """A resolved, validated scenario.

    Attributes:
        name: short name (file stem).
        title: one-line title.
        description: why it exists and what it assumes.
        seed: base seed of its replicates.
        replications: default number of replicates.
        horizon: (first, last) quarter simulated.
        params: every parameter's value at the start (flat dotted keys).
        events: dated changes, in date order.
        source: the file it came from, if any.
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

    def with_params(self, overrides: Mapping[str, object]) -> Scenario:
        """A copy with parameter overrides (dotted keys), validated like a scenario file's."""
        values = dict(self.params)
        for key, value in overrides.items():
            param = params_mod.check_key(key, path=f"set {key}")
            values[key] = param.check(f"set {key}", value)
        return replace(self, params=MappingProxyType(values))

    def to_dict(self) -> dict:
        """A JSON-ready description, enough to rerun exactly (written to manifests)."""
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "seed": self.seed, "replications": self.replications,
            "horizon": [str(self.horizon[0]), str(self.horizon[1])],
            "params": dict(self.params),
            "events": [{"at": str(e.at), "name": e.name, "set": dict(e.set)}
                       for e in self.events],
            "source": self.source,
        }


def default_scenario() -> Scenario:
    """Every parameter at its default, 2019Q1-2030Q4: the model's own baseline."""
    return Scenario(name="defaults")


# --------------------------------------------------------------------------- YAML with lines
def _compose(text: str, file: str):
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise ScenarioError(f"not valid YAML: {e.problem}", file=file, line=line) from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"not valid YAML: {e}", file=file) from None
    finally:
        loader.dispose()
    return node


def _to_python(node, file: str, lines: dict, path: str = "", count: list | None = None):
    """Convert a YAML node tree to Python objects, recording the line of every key path."""
    count = count if count is not None else [0]
    count[0] += 1
    if count[0] > MAX_NODES:
        raise ScenarioError(f"document expands past {MAX_NODES} nodes (aliases?); refused",
                            file=file)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k)
            sub = f"{path}.{key}" if path else key
            if key in out:
                raise ScenarioError("duplicate key", file=file, line=k.start_mark.line + 1,
                                    key=sub)
            lines[sub] = k.start_mark.line + 1
            out[key] = _to_python(v, file, lines, sub, count)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, file, lines, f"{path}[{i}]", count) for i, v in enumerate(node.value)]
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _flatten(tree: object, prefix: str, file: str, lines: dict,
             root: str | None = None) -> dict[str, object]:
    """Nested or dotted parameter mappings under ``prefix`` -> ``{"group.name": value}``."""
    root = prefix if root is None else root
    if not isinstance(tree, dict):
        raise ScenarioError(f"expected a mapping of parameters, found {tree!r}", file=file,
                            line=lines.get(prefix), key=prefix)
    flat: dict[str, object] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}"
        dotted = path[len(root) + 1:]
        if isinstance(value, dict):
            flat.update(_flatten(value, path, file, lines, root))
            continue
        param = params_mod.check_key(dotted, file=file, line=lines.get(path), path=path)
        flat[dotted] = param.check(path, value, file=file, line=lines.get(path))
    return flat


def _quarter(value: object, file: str, line: int | None, key: str) -> Quarter:
    try:
        return Quarter.parse(value)
    except ValueError as e:
        raise ScenarioError(str(e), file=file, line=line, key=key) from None


def _read(path: Path) -> tuple[dict, dict]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"cannot read scenario ({e.strerror})", file=file) from None
    node = _compose(text, file)
    if node is None:
        raise ScenarioError("empty scenario file", file=file)
    lines: dict = {}
    doc = _to_python(node, file, lines)
    if not isinstance(doc, dict):
        raise ScenarioError("expected a mapping at the top level", file=file, line=1)
    for key in doc:
        if key not in TOP_KEYS:
            raise ScenarioError("unknown key", file=file, line=lines.get(key), key=key,
                                hint=did_you_mean(key, TOP_KEYS))
    return doc, lines


def find(name_or_path: str | Path) -> Path:
    """The file of a scenario given its shipped name or a path.

    Raises:
        ScenarioError: neither a shipped scenario nor an existing file, with the names available.
    """
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise ScenarioError("scenario file not found", file=text)
        return path
    shipped = scenario_dir() / f"{text}.yaml"
    if shipped.exists():
        return shipped
    close = did_you_mean(text, available())
    hint = close if close and close.startswith("did you mean") else None
    shipped = f"shipped scenarios: {', '.join(available())}; or give a path to a .yaml file"
    raise ScenarioError(f"unknown scenario '{text}'",
                        hint=f"{hint} ({shipped})" if hint else shipped)


def load_scenario(name_or_path: str | Path, *, set: Mapping[str, object] | None = None,
                  _chain: tuple[str, ...] = ()) -> Scenario:
    """Load, resolve (``extends``) and validate a scenario.

    Args:
        name_or_path: a shipped scenario name (``baseline``) or a path to a YAML file.
        set: parameter overrides with dotted keys, applied last and validated the same way.

    Returns:
        A frozen Scenario.

    Raises:
        ScenarioError: naming file, line and key, with a suggestion where one exists.
    """
    path = find(name_or_path)
    file = str(path)
    resolved = str(path.resolve())
    if resolved in _chain:
        chain = " -> ".join(Path(c).stem for c in (*_chain, resolved))
        raise ScenarioError(f"'extends' cycle: {chain}", file=file, key="extends")
    doc, lines = _read(path)

    parent = None
    if "extends" in doc:
        base = doc["extends"]
        if not isinstance(base, str):
            raise ScenarioError(f"expected a scenario name, found {base!r}", file=file,
                                line=lines.get("extends"), key="extends")
        sibling = path.parent / (base if base.endswith((".yaml", ".yml")) else f"{base}.yaml")
        ref = str(sibling) if sibling.exists() else base
        try:
            parent = load_scenario(ref, _chain=(*_chain, resolved))
        except ScenarioError as e:
            if e.file is None:  # unknown parent name: say where it was asked for
                raise ScenarioError(f"parent scenario: {e.message}", file=file,
                                    line=lines.get("extends"), key="extends",
                                    hint=e.hint) from None
            raise

    values = dict(parent.params) if parent else params_mod.defaults()
    if "params" in doc and doc["params"] is not None:
        values.update(_flatten(doc["params"], "params", file, lines))

    horizon = parent.horizon if parent else DEFAULT_HORIZON
    if "horizon" in doc:
        h = doc["horizon"]
        if not isinstance(h, dict) or set_keys(h) - {"start", "end"}:
            raise ScenarioError("expected {start: 2019Q1, end: 2030Q4}", file=file,
                                line=lines.get("horizon"), key="horizon")
        start = _quarter(h.get("start", str(horizon[0])), file, lines.get("horizon.start"),
                         "horizon.start")
        end = _quarter(h.get("end", str(horizon[1])), file, lines.get("horizon.end"),
                       "horizon.end")
        horizon = (start, end)
    if horizon[0] != Quarter(2019, 1):
        raise ScenarioError(f"the world data describe 2019Q1; the horizon must start there, "
                            f"found {horizon[0]}", file=file, line=lines.get("horizon.start"),
                            key="horizon.start")
    if horizon[1] < horizon[0]:
        raise ScenarioError(f"horizon ends ({horizon[1]}) before it starts ({horizon[0]})",
                            file=file, line=lines.get("horizon.end"), key="horizon.end")

    seed = doc.get("seed", parent.seed if parent else DEFAULT_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"expected a non-negative integer, found {seed!r}", file=file,
                            line=lines.get("seed"), key="seed")
    reps = doc.get("replications", parent.replications if parent else DEFAULT_REPLICATIONS)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPLICATIONS:
        raise ScenarioError(f"expected an integer from 1 to {MAX_REPLICATIONS}, found {reps!r}",
                            file=file, line=lines.get("replications"), key="replications")

    events = list(parent.events) if parent else []
    raw_events = doc.get("events") or []
    if not isinstance(raw_events, list):
        raise ScenarioError("expected a list of events", file=file, line=lines.get("events"),
                            key="events")
    for i, ev in enumerate(raw_events):
        key = f"events[{i}]"
        line = lines.get(key)
        if not isinstance(ev, dict):
            raise ScenarioError("expected a mapping {at, name, set}", file=file, line=line,
                                key=key)
        for k in ev:
            if k not in EVENT_KEYS:
                raise ScenarioError("unknown event key", file=file, line=lines.get(f"{key}.{k}"),
                                    key=f"{key}.{k}", hint=did_you_mean(k, EVENT_KEYS))
        if "at" not in ev or "set" not in ev:
            raise ScenarioError("an event needs 'at' and 'set'", file=file, line=line, key=key)
        at = _quarter(ev["at"], file, lines.get(f"{key}.at"), f"{key}.at")
        if not horizon[0] <= at <= horizon[1]:
            raise ScenarioError(f"{at} is outside the horizon {horizon[0]}-{horizon[1]}",
                                file=file, line=lines.get(f"{key}.at"), key=f"{key}.at")
        changes = _flatten(ev["set"], f"{key}.set", file, lines) if ev["set"] else {}
        events.append(Event(at, str(ev.get("name", f"event {i + 1}")),
                            MappingProxyType(changes)))
    events = [e for e in events if e.at <= horizon[1]]
    events.sort(key=lambda e: e.at)  # stable: same-quarter events keep file order

    return Scenario(
        name=str(doc.get("name", path.stem)),
        title=str(doc.get("title", parent.title if parent else "")),
        description=str(doc.get("description", parent.description if parent else "")).strip(),
        seed=seed, replications=reps, horizon=horizon,
        params=MappingProxyType(values), events=tuple(events), source=file,
    ).with_params(set or {})


def set_keys(mapping: Mapping) -> set:
    """The keys of a mapping as a set (helper for validation)."""
    return set(mapping.keys())
