"""What the browser app does, without the browser.

Scenarios from text, lever settings as YAML, replicates stepped in lockstep, and the tables the
inspector shows.

Nothing here imports Solara, so every function is tested on its own (``tests/app``). The app's run
of a scenario *is* a ``techbloc run`` of the YAML :func:`scenario_yaml` writes: the app loads that
text back through :func:`sim.scenario.load_scenario` and gives replicate i the seed
:func:`sim.rng.replicate_seeds` gives the CLI, so both produce identical tables.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from techbloc.sim import params as params_mod
from techbloc.sim import rng
from techbloc.sim.errors import ScenarioError
from techbloc.sim.model import TechAllianceModel
from techbloc.sim.quarters import Quarter
from techbloc.sim.results import countries_frame, model_frame
from techbloc.sim.scenario import (
    MAX_END,
    WORLD_START,
    Scenario,
    load_scenario,
    validate,
)
from techbloc.sim.scenario_events import ACTIONS
from techbloc.sim.world import load_world

#: The levers the app shows as sliders (ODD §5.2), in the order of the page.
LEVERS = ("us.export_controls", "us.ally_pressure", "us.secondary_sanctions",
          "china.bri_discount", "china.cooperation", "china.retaliation", "operator.noise")
#: Short labels of the levers (the parameter tree has the long descriptions).
LEVER_LABELS = {
    "us.export_controls": "US export controls", "us.ally_pressure": "US ally pressure",
    "us.secondary_sanctions": "US secondary sanctions",
    "china.bri_discount": "Belt & Road discount", "china.cooperation": "China's cooperation",
    "china.retaliation": "China's retaliation", "operator.noise": "Market noise",
}
MAX_APP_REPLICATIONS = 50  # bands need a few; the page stays live up to about this many
HOLD_NAME = "app: levers held at their slider values"  # the events hold_events writes
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Lever:
    """A lever as a slider shows it: key, label, unit, range, step and meaning."""

    key: str
    label: str
    symbol: str
    unit: str
    low: float
    high: float
    step: float
    description: str


def levers() -> list[Lever]:
    """The app's levers with unit, range and description from :data:`sim.params.TREE`."""
    out = []
    for key in LEVERS:
        p = params_mod.FLAT[key]
        lo, hi = p.range
        out.append(Lever(key, LEVER_LABELS[key], p.symbol, p.unit, float(lo), float(hi),
                         _step(lo, hi), p.description))
    return out


def _step(lo: float, hi: float) -> float:
    """A slider step of about a hundredth of the range, rounded to 1, 2 or 5 times a power of 10."""
    raw = (hi - lo) / 100
    for s in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0):
        if s >= raw:
            return s
    return raw


def lever_events(scenario: Scenario) -> dict[str, list[str]]:
    """Per lever, the scenario's events that change it later (``"2019Q2: 0.4"``).

    An untouched slider leaves the scenario's trajectory (these events apply on their dates); a
    moved slider holds its lever for the whole horizon, as ``techbloc run --set`` does, and the
    page says which of these events it overrides.
    """
    out: dict[str, list[str]] = {k: [] for k in LEVERS}
    for ev in scenario.events:
        if ev.name == HOLD_NAME:  # the app's own holds (a re-loaded export) are not the scenario's
            continue
        for key, value in ev.set.items():
            if key in out:
                out[key].append(f"{ev.at}: {value:g}")
        for key, value in ev.ramp.items():
            if key in out:
                out[key].append(f"{ev.at}: ramp to {value:g} over {ev.over} q")
    return out


def quarters(start: Quarter = WORLD_START, end: Quarter = MAX_END) -> list[str]:
    """Quarter labels from ``start`` to ``end`` inclusive."""
    return [str(start + i) for i in range(end - start + 1)]


# --------------------------------------------------------------------------- scenarios as text
def flatten(tree: object, prefix: str = "") -> dict[str, object]:
    """Nested ``params`` (``{us: {ally_pressure: 0.5}}``) as dotted keys (``us.ally_pressure``)."""
    if not isinstance(tree, Mapping):
        return {prefix: tree}
    out: dict[str, object] = {}
    for key, value in tree.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def hold_events(scenario: Scenario, held: Mapping[str, float], end: str) -> list[dict]:
    """Events that hold levers against a scenario's own events, for a file that ``extends`` it.

    A file cannot drop its parent's events, so for each quarter in which the parent sets or
    ramps a held lever this adds a set back to the held value in the same quarter (a child's
    events apply after its parent's, and a set ends a running ramp): every quarter's value is the
    one ``--set`` gives (the rule of :mod:`sim.overrides`).
    """
    last = Quarter.parse(end)
    by_quarter: dict[Quarter, dict[str, float]] = {}
    for ev in scenario.events:
        for key in held:
            if (key in ev.set or key in ev.ramp) and ev.at <= last:
                by_quarter.setdefault(ev.at, {})[key] = float(held[key])
    return [{"at": str(q), "name": HOLD_NAME, "set": values}
            for q, values in sorted(by_quarter.items())]


def without_keys(events: object, keys: Iterable[str]) -> object:
    """An uploaded file's events without their ``set``/``ramp`` of ``keys`` (sim.overrides' rule).

    A file may not act twice on one parameter in one quarter (sim.scenario refuses it), so the
    holds of moved sliders replace the upload's own actions on those levers instead of following
    them; an event left with no action is dropped. Anything malformed is left for the loader.
    """
    if not isinstance(events, list):
        return events
    keys, out = set(keys), []
    for ev in events:
        if isinstance(ev, Mapping):
            ev = dict(ev)
            for action in ("set", "ramp"):
                if isinstance(ev.get(action), Mapping):
                    ev[action] = {k: v for k, v in flatten(ev[action]).items() if k not in keys}
                    if not ev[action]:
                        del ev[action]
            if "ramp" not in ev:
                ev.pop("over", None)
            if not any(a in ev for a in ACTIONS):
                continue
        out.append(ev)
    return out


def scenario_yaml(base: str | None, levers: Mapping[str, float], seed: int, replications: int,
                  end: str, uploaded: Mapping | None = None, title: str = "",
                  held: Iterable[str] | None = None) -> str:
    """The app's settings as a scenario file that ``techbloc run`` runs to the same tables.

    Args:
        base: the named scenario the settings extend (``extends: base``); None for an upload.
        levers: slider values by dotted key; they become ``params`` (values at the start).
        held: the levers whose sliders were moved: they hold their value for the whole horizon
            (events added by :func:`hold_events`); the others follow the base's own events.
            Default: the levers whose value differs from the base's start value.
        seed: base seed of the replicates.
        replications: number of replicates.
        end: last quarter of the horizon (``2030Q4``).
        uploaded: an uploaded scenario's document; its content is kept (title, events, its own
            ``extends``) with seed, replications, horizon and the levers set over it.
        title: the title to write (default: the base's name); :func:`app_title` gives the one
            the page uses.

    Returns:
        YAML text; ``name`` is ``<base or upload name>-app``.
    """
    doc: dict = dict(uploaded) if uploaded is not None else {}
    own = flatten(doc.pop("params", None) or {}) if uploaded is not None else {}
    stem = str(doc.get("name", "uploaded")) if uploaded is not None else str(base)
    name = stem if stem.endswith("-app") else f"{stem}-app"
    head = {"name": name}
    if uploaded is None:
        head["title"] = title or str(base)
        head["description"] = (f"Written by techbloc app: {base} with the levers below as start "
                               f"values; {base}'s events still apply on their dates.")
        head["extends"] = base
    for key in ("title", "description", "extends"):
        if key in doc:
            head[key] = doc.pop(key)
    doc.pop("name", None)
    for key in ("seed", "replications", "horizon"):
        doc.pop(key, None)
    params = {**own, **{k: float(v) for k, v in levers.items()}}
    resolved = (load_scenario(base) if uploaded is None
                else load_text(yaml.safe_dump(dict(uploaded)), f"{stem}-resolve.yaml"))
    if held is None:
        held = [k for k, v in levers.items() if float(v) != float(resolved.params[k])]
    holds = hold_events(resolved, {k: levers[k] for k in held}, end)
    if holds and "events" in doc:  # the upload's own actions on a held lever go, as --set's do
        doc["events"] = without_keys(doc["events"], held)
    if holds:
        doc["events"] = [*(doc.get("events") or []), *holds]
    out = {**head, "seed": int(seed), "replications": int(replications),
           "horizon": {"start": str(WORLD_START), "end": str(end)}, "params": params, **doc}
    return yaml.safe_dump(out, sort_keys=False, width=100, allow_unicode=True)


def app_title(base: Scenario, levers: Mapping[str, float]) -> str:
    """The title of the app's settings: the base's own while no lever has moved.

    Else the base's title with the moved levers named (``...; levers moved: US ally pressure
    0.8``).
    """
    moved = [k for k in LEVERS if k in levers and float(levers[k]) != float(base.params[k])]
    title = base.title or base.name
    if not moved:
        return title
    return f"{title}; levers moved: " + ", ".join(
        f"{LEVER_LABELS[k]} {float(levers[k]):g}" for k in moved)


#: The largest scenario file the app accepts (the shipped ones are under 10 kB).
MAX_UPLOAD_BYTES = 1 << 20
#: The most errors the page lists of an upload (``techbloc validate FILE`` lists them all);
#: thousands of them would become thousands of elements of the page.
MAX_UPLOAD_ERRORS = 50
#: The longest uploaded file name kept, in characters (ASCII after :func:`file_name`): file systems
#: allow 255 bytes, and the name is shown in every message.
MAX_NAME = 100


def _workdir() -> tempfile.TemporaryDirectory:
    """A temporary folder for one load, removed when the ``with`` block ends."""
    return tempfile.TemporaryDirectory(prefix="techbloc-app-")


def file_name(name: str) -> str:
    """A safe file name for an uploaded scenario (``my future.yaml`` -> ``my_future.yaml``)."""
    stem = _NAME.sub("_", Path(name).name)
    stem = stem.removesuffix(".yaml").removesuffix(".yml")[:MAX_NAME - 5] or "scenario"
    return f"{stem}.yaml"


def load_text(text: str, name: str = "scenario.yaml") -> Scenario:
    """Load a scenario from YAML text as ``techbloc run`` loads the same file.

    Raises:
        ScenarioError: naming ``name``, the line and the key, as the CLI does.
    """
    fname = file_name(name)
    with _workdir() as work:
        path = Path(work) / fname
        path.write_text(text, encoding="utf-8")
        try:
            return load_scenario(path)
        except ScenarioError as e:
            raise ScenarioError(e.message, file=fname, line=e.line, column=e.column, key=e.key,
                                hint=e.hint) from None


@dataclass
class Upload:
    """An uploaded scenario file: its text, document and validation errors."""

    name: str
    text: str
    errors: list[str] = field(default_factory=list)
    doc: dict | None = None
    scenario: Scenario | None = None


def shown_errors(up: Upload) -> list[str]:
    """The errors of an upload the page lists: the first ones, then a line counting the rest."""
    rest = len(up.errors) - MAX_UPLOAD_ERRORS
    return up.errors if rest <= 0 else [*up.errors[:MAX_UPLOAD_ERRORS], (
        f"{up.name}: and {rest} more errors (techbloc validate {up.name} lists them all)")]


def check_upload(name: str, data: bytes | str, size: int | None = None) -> Upload:
    """Validate an uploaded file with the CLI's validator (``techbloc validate``).

    Every error is kept, each as the CLI prints it: ``file.yaml:LINE:COLUMN: key: message``
    (the page shows :func:`shown_errors`).
    A file over :data:`MAX_UPLOAD_BYTES` (``size`` as the browser reports it, or the data's own
    length) is refused with a message. An uploaded file may extend only a named scenario of the
    library, and its messages name it as uploaded, never a server path.
    """
    fname = file_name(name)
    try:
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate: text no browser sends for a file
        return Upload(fname, "", [f"{fname}: cannot read scenario (not UTF-8: {e.reason})"])
    n = max(size or 0, len(raw))
    if n > MAX_UPLOAD_BYTES:
        return Upload(fname, "", [f"{fname}: file too large ({n / 2**20:.1f} MiB); a scenario "
                                  f"file may have at most {MAX_UPLOAD_BYTES // 2**10} KiB"])
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            return Upload(fname, "", [f"{fname}: cannot read scenario (not UTF-8: {e})"])
    else:
        text = data
    with _workdir() as work:
        path = Path(work) / fname
        path.write_text(text, encoding="utf-8")
        # Messages name the file as uploaded, not the temporary folder it was checked in.
        errors = [str(e).replace(str(path), fname).replace(str(work), "")
                  for e in validate(path)]
        if errors:
            return Upload(fname, text, errors)
        scenario = load_scenario(path)
    doc = yaml.safe_load(text)
    return Upload(fname, text, [], doc, scenario)


# --------------------------------------------------------------------------- the run
class Ensemble:
    """The replicates of one run, stepped a quarter at a time in lockstep.

    Replicate i is ``TechAllianceModel(scenario, seed=replicate_seeds(seed, n)[i])``, as in
    :func:`sim.experiment.run`; :meth:`frames` gives the tables ``techbloc run`` writes, up to
    the quarter reached. A lock makes a quarter's step and a read of the tables exclusive, so
    the page may read while a background thread steps.

    Args:
        yaml_text: the scenario as text (what the app exports).
        seed: base seed.
        replications: number of replicates.
        name: file name the text is loaded under (error messages name it).
    """

    def __init__(self, yaml_text: str, seed: int, replications: int,
                 name: str = "app.yaml") -> None:
        self.yaml = yaml_text
        self.scenario = load_text(yaml_text, name)
        self.seed, self.replications = int(seed), int(replications)
        self.seeds = rng.replicate_seeds(self.seed, self.replications)
        world = load_world()
        self.models = [TechAllianceModel(self.scenario, seed=s, world=world) for s in self.seeds]
        self.lock = threading.Lock()
        self._frames: tuple[int, pd.DataFrame, pd.DataFrame] | None = None
        self.paused = False            # set by Pause: no quarter starts after it
        self.error: str | None = None  # an exception of the background loop, for the page
        self.drawn_at = 0.0            # when the page last redrew the run (perf_counter)
        self.draw_seconds = 0.0        # how long that redraw took

    @property
    def t(self) -> int:
        """Quarters completed."""
        return self.models[0].t

    @property
    def n_steps(self) -> int:
        """Quarters in the horizon."""
        return self.models[0].n_steps

    @property
    def running(self) -> bool:
        """Whether quarters remain."""
        return self.models[0].running

    @property
    def date(self) -> str:
        """The last quarter simulated (the start before the first step)."""
        return str(self.scenario.horizon[0] + max(self.t - 1, 0))

    def step(self) -> None:
        """Simulate one quarter of every replicate."""
        with self.lock:
            for m in self.models:
                m.step()

    def run_quarter(self) -> bool:
        """Simulate one quarter unless paused or finished; whether a quarter ran.

        The check and the step hold the lock together, so once :meth:`pause` has returned no
        quarter starts and none is half done.
        """
        with self.lock:
            if self.paused or not self.running:
                return False
            for m in self.models:
                m.step()
            return True

    def pause(self) -> None:
        """Stop the background loop after the quarter in progress (waits for it to land)."""
        self.paused = True
        with self.lock:
            pass

    def due(self, now: float, every: int, shown: int) -> bool:
        """Whether the page should redraw the run.

        It should once the run is ``every`` quarters past the one ``shown`` (or at its end),
        and no sooner after the last redraw than that redraw took, so drawing takes at most
        about half the time while a run plays.
        """
        if self.t == shown:
            return False
        if self.running and self.t - shown < every:
            return False
        return not self.running or now - self.drawn_at >= self.draw_seconds

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(model, countries) tables of all replicates up to the quarter reached."""
        with self.lock:
            if self._frames is None or self._frames[0] != self.t:
                name = self.scenario.name
                mf = pd.concat([model_frame(m, name, i) for i, m in enumerate(self.models)],
                               ignore_index=True)
                cf = pd.concat([countries_frame(m, name, i) for i, m in enumerate(self.models)],
                               ignore_index=True)
                self._frames = (self.t, mf, cf)
            return self._frames[1], self._frames[2]

    def decision_terms(self, iso3: str, replicate: int = 0) -> dict:
        """The terms of a country's policy score this quarter in one replicate."""
        with self.lock:
            return self.models[replicate].decision_terms(iso3)

    def operators(self, iso3: str, replicate: int = 0) -> pd.DataFrame:
        """A country's operators in one replicate: see :func:`operator_table`."""
        with self.lock:
            return operator_table(self.models[replicate], iso3)


def operator_table(model: TechAllianceModel, iso3: str) -> pd.DataFrame:
    """A country's operators: market share, 5G sites, vendor mix of sites and of the contract.

    Returns:
        One row per operator: ``operator``, ``market_share``, ``sites``, then ``sites_<vendor>``
        (share of the operator's 5G sites) and ``contract_<vendor>`` (share of its current
        award) for each vendor; shares are 0 where nothing is built or awarded.
    """
    country = model.country(iso3)
    market_share = model.layers.operators.ops.market_share
    rows = []
    for op in model.operators:
        if op.country is not country:
            continue
        sites = op.sites
        total = sum(sites.values())
        row = {"operator": op.name, "market_share": float(market_share[op.index]),
               "sites": total}
        contract = op.contract
        for v in model.world.vendors.ids:
            row[f"sites_{v}"] = sites[v] / total if total > 0 else 0.0
        for v in model.world.vendors.ids:
            row[f"contract_{v}"] = contract.get(v, 0.0)
        rows.append(row)
    return pd.DataFrame(rows)
