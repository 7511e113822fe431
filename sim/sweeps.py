"""Parameter sweeps: designs, local and Dask execution, crash-safe resume (DESIGN §3-4).

A sweep file (``scenarios/sweeps/NAME.yaml``) names a base scenario, a design (``grid``, ``lhs``,
``sobol`` or ``morris``), the parameters to vary, samples, replications, a seed and the outcome
metrics to keep. Every (point, replicate) is one *run*:

- its seed comes from ``SeedSequence(seed, spawn_key=(point,)).spawn(replications)``, so it does not
  depend on the number of workers, the backend, the order runs finish in, or a resume;
- it is written as soon as it finishes, atomically (temporary name, then rename), to
  ``runs/p<point>-r<replicate>.parquet``: its model table, with its one-row summary in the file's
  metadata, so the parent keeps only small summaries and a resume reads only metadata;
- a failing run is recorded (error and traceback) in the manifest and the sweep goes on until
  more than ``max_failures`` runs have failed.

``--resume DIR`` checks the sweep file's hash against the manifest, skips finished runs, retries
failed ones and ends with the same ``summary.parquet`` as an uninterrupted sweep.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim import overrides as ov
from techbloc.sim import params as params_mod
from techbloc.sim.errors import ScenarioError, SweepError, did_you_mean
from techbloc.sim.folders import SweepResult, locked, read_sweep, write_atomic
from techbloc.sim.folders import utc_now as _now
from techbloc.sim.overrides import MAX_SCALE, describe, held_in_sweep, warn
from techbloc.sim.procs import check_local_workers, exit_with_parent, interrupted, pool_context
from techbloc.sim.scenario import Scenario, _compose, _Reader, load_scenario
from techbloc.sim.sweep_runs import (
    check_resume,
    finished_runs,
    note_reused,
    run_file,
)
from techbloc.sim.sweep_summary import metric_names, summarise
from techbloc.sim.yamlread import other_kind, read_text

DESIGNS = ("grid", "lhs", "sobol", "morris")
TOP_KEYS = ("scenario", "design", "parameters", "scale", "set", "samples", "levels",
            "replications", "seed", "common_random_numbers", "metrics", "horizon", "threshold",
            "title", "description")
MAX_POOL_RESTARTS = 5  # worker deaths survived before a sweep gives up
MAX_RUNS = 10**6  # runs (points x replicates) a sweep may have unless max_runs is raised
SCALE_PREFIX = "scale:"  # a scale axis's name: "scale:us.ally_pressure"
FAULT_ENV = "TECHBLOC_FAULT"  # "point:replicate[:interrupt],..." runs that raise (for tests)


# --------------------------------------------------------------------------- the sweep file
@dataclass(frozen=True)
class Factor:
    """A varied parameter: grid values, or a sampled range or set of categorical values."""

    key: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None

    @property
    def scale(self) -> bool:
        """True for a ``scale:`` axis: a multiplier of the base's trajectory of the parameter."""
        return self.key.startswith(SCALE_PREFIX)

    @property
    def categorical(self) -> bool:
        """True when sampled designs pick among ``values`` rather than a range."""
        return self.low is None


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep.

    Attributes:
        base: the base scenario (horizon already applied).
        design: grid, lhs, sobol or morris.
        factors: the varied parameters, in file order.
        samples: sampled designs' size (lhs points, Sobol base samples, Morris trajectories).
        levels: Morris grid levels.
        replications: replicates per design point.
        seed: base seed of the whole sweep.
        common_random_numbers: give every point the same replicate seeds (the seeds of point
            0), so differences between points measure the parameters, not the noise; useful for
            sensitivity indices. Off by default: each point's seeds are keyed by its index.
        metrics: outcome summaries to keep (empty: all).
        threshold: China-bloc share whose first crossing from above is reported.
        source: the sweep file.
        digest: SHA-256 of the sweep file's bytes (resume checks it).
    """

    base: Scenario
    design: str
    factors: tuple[Factor, ...]
    samples: int = 0
    levels: int = 4
    replications: int = 1
    seed: int = 0
    common_random_numbers: bool = False
    metrics: tuple[str, ...] = ()
    threshold: float = 0.4
    source: str | None = None
    digest: str = ""
    title: str = ""

    @property
    def names(self) -> list[str]:
        """Keys of the varied parameters."""
        return [f.key for f in self.factors]

    def problem(self) -> dict:
        """The SALib problem definition (categorical factors as index ranges)."""
        bounds = [[f.low, f.high] if not f.categorical else [0.0, float(len(f.values))]
                  for f in self.factors]
        return {"num_vars": len(self.factors), "names": self.names, "bounds": bounds}

    def points(self) -> list[dict[str, float]]:
        """The design points, in a fixed order (the point index is the position)."""
        return design_points(self)

    def to_dict(self) -> dict:
        """JSON-ready description for the manifest."""
        return {"design": self.design, "samples": self.samples, "levels": self.levels,
                "replications": self.replications, "seed": self.seed,
                "common_random_numbers": self.common_random_numbers,
                "metrics": list(self.metrics), "threshold": self.threshold,
                "factors": [{"key": f.key, "values": list(f.values), "low": f.low,
                             "high": f.high} for f in self.factors],
                "scenario": self.base.to_dict(), "source": self.source, "digest": self.digest}


def load_sweep(path: str | Path, set: Mapping[str, object] | None = None,
               scale: Mapping[str, object] | None = None, **overrides) -> SweepSpec:
    """Read and validate a sweep file.

    ``parameters`` axes hold a parameter at the point's value all horizon (the base's events on it
    dropped); ``scale`` axes multiply the base's own trajectory (:mod:`sim.overrides`).

    Args:
        path: the YAML file.
        set: values held in the base at every point (over the file's ``set:``), as --set.
        scale: multipliers of the base scenario's trajectories at every point.
        **overrides: replace top-level values after validation (``samples=8``,
            ``replications=1``, ``horizon="2019Q1:2024Q4"``), for quick trials and tests.

    Raises:
        SweepError: naming file, line, column and key, with the nearest valid key.
    """
    if not isinstance(path, str | os.PathLike):
        raise SweepError(f"expected a sweep file path, found {type(path).__name__}", key="spec")
    path = Path(path)
    file = str(path)
    try:
        text = read_text(path, file, "sweep file")
        raw = text.encode("utf-8")  # the same bytes (UTF-8 round-trips): the sweep's digest
        node = _compose(text, file)
        reader = _Reader(file)
        doc = reader.convert(node) if node is not None else None
    except ScenarioError as e:
        raise SweepError(e.message, file=file, line=e.line, column=e.column, key=e.key) from None
    if not isinstance(doc, dict):
        raise SweepError("expected a mapping with scenario, design, parameters", file=file)
    doc.update({k: v for k, v in overrides.items() if v is not None})

    def fail(message, key, hint=None):
        line, column = reader.where.get(key, (None, None))
        return SweepError(message, file=file, line=line, column=column, key=key, hint=hint)

    for key in doc:
        if key not in TOP_KEYS:
            raise fail("unknown key", key, other_kind(doc, "sweep") or did_you_mean(key, TOP_KEYS))
    fixed = {"set": set or {}, "scale": scale or {}}
    held = held_in_sweep(doc, fail, fixed)
    for key in ("scenario", "design", "parameters"):
        if key not in doc:
            raise fail(f"'{key}' is required", key)
    design = doc["design"]
    if design not in DESIGNS:
        raise fail(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}", "design",
                   did_you_mean(str(design), DESIGNS))
    try:
        base = load_scenario(doc["scenario"], horizon=doc.get("horizon"),
                             search=[path.parent, path.parent.parent])
        base = base.with_overrides(set=held, origin="sweep file").with_overrides(**fixed)
    except ScenarioError as e:  # a dated hold of set: is checked here, and located at its line
        mine = e.key is not None and e.key.startswith("set ") and e.key[4:] in held
        raise fail(*((e.message, f"set.{e.key[4:]}", e.hint) if mine else
                     (f"base scenario: {e}", "scenario"))) from None
    if not isinstance(doc["parameters"], dict) or not doc["parameters"]:
        raise fail("expected a mapping of parameters to vary", "parameters")
    if "scale" in doc and (not isinstance(doc["scale"], dict) or not doc["scale"]):
        raise fail("expected a mapping of parameters to multipliers", "scale")
    axes = [("parameters", k, v) for k, v in doc["parameters"].items()]
    axes += [("scale", k, v) for k, v in (doc.get("scale") or {}).items()]
    factors = []
    for section, key, spec in axes:
        where = f"{section}.{key}"
        if key not in params_mod.FLAT:
            group, _, name = key.partition(".")
            options = params_mod.TREE.get(group, {})
            hint = did_you_mean(name, options) if options else did_you_mean(key, params_mod.FLAT)
            raise fail(f"unknown parameter '{key}'", where, hint)
        p = params_mod.FLAT[key]
        if section == "scale":
            if p.kind is bool:
                raise fail("a switch cannot be scaled; vary it under parameters", where)
            p = params_mod.Param(1.0, "multiplier", (0.0, MAX_SCALE), "", "")
            key = SCALE_PREFIX + key
        if design == "grid" or (isinstance(spec, dict) and "values" in spec):
            values = spec["values"] if isinstance(spec, dict) else spec
            if not isinstance(values, list) or not values:
                raise fail("expected a list of values (grid) or {values: [...]}", where)
            try:
                checked = tuple(p.check(where, v) for v in values)
            except ScenarioError as e:
                raise fail(e.message, where) from None
            if twice := [v for i, v in enumerate(checked) if v in checked[:i]]:
                raise fail(f"{twice[0]!r} is listed twice; each value makes one point", where)
            factors.append(Factor(key, checked))
            continue
        if not isinstance(spec, dict) or {*spec} != {"low", "high"}:
            raise fail("expected {low: ..., high: ...} or {values: [...]} for a sampled design",
                       where)
        if p.kind is bool:
            raise fail("a switch can only take {values: [true, false]}", where)
        try:
            low, high = p.check(where + ".low", spec["low"]), p.check(where + ".high",
                                                                       spec["high"])
        except ScenarioError as e:
            raise fail(e.message + f" (the parameter's own range is {p.range})", where) from None
        if not low < high:
            raise fail(f"low ({low}) must be below high ({high})", where)
        factors.append(Factor(key, (), low, high))

    def integer(key, default, lo, hi=10**7):
        v = doc.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise fail(f"expected an integer from {lo} to {hi}, found {v!r}", key)
        return v

    samples = integer("samples", 0, 0)
    if design != "grid" and samples < 2:
        raise fail(f"a {design} design needs 'samples' (at least 2)", "samples")
    if design == "sobol" and samples & (samples - 1):
        raise fail(f"Sobol samples must be a power of two, found {samples}", "samples",
                   f"try {1 << (samples.bit_length() - 1)} or {1 << samples.bit_length()}")
    levels = integer("levels", 4, 2, 100)
    reps = integer("replications", 1, 1, 10_000)
    seed = integer("seed", base.seed, 0, 2**63 - 1)
    crn = doc.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise fail(f"expected true or false, found {crn!r}", "common_random_numbers")
    threshold = doc.get("threshold", 0.4)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not (
            0 < threshold < 1):
        raise fail(f"expected a share in (0, 1), found {threshold!r}", "threshold")
    metrics = doc.get("metrics") or []
    if not isinstance(metrics, list):
        raise fail("expected a list of metric names", "metrics")
    known = metric_names(base.horizon[1].year)
    for m in metrics:
        if m not in known:
            raise fail(f"unknown metric {m!r}", "metrics", did_you_mean(str(m), known))
    return SweepSpec(base=base, design=design, factors=tuple(factors), samples=samples,
                     levels=levels, replications=reps, seed=seed, common_random_numbers=crn,
                     metrics=tuple(metrics), threshold=float(threshold), source=file,
                     digest=hashlib.sha256(raw + json.dumps(
                         {k: str(v) for k, v in sorted({"horizon": None, **overrides,
                                                        **fixed}.items())}
                         ).encode()).hexdigest(),
                     title=str(doc.get("title", "")))


def design_size(spec: SweepSpec) -> int:
    """Number of runs (design points x replicates), computed without building the design."""
    d = len(spec.factors)
    points = (math.prod(len(f.values) for f in spec.factors) if spec.design == "grid"
              else spec.samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[spec.design])
    return points * spec.replications


def design_points(spec: SweepSpec) -> list[dict[str, float]]:
    """The design's points (see :class:`SweepSpec`); sampled designs use ``spec.seed``."""
    if spec.design == "grid":
        return [dict(zip(spec.names, combo, strict=True))
                for combo in itertools.product(*(f.values for f in spec.factors))]
    problem = spec.problem()
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(spec.factors), seed=spec.seed).random(spec.samples)
        lo = np.array([b[0] for b in problem["bounds"]])
        hi = np.array([b[1] for b in problem["bounds"]])
        x = lo + unit * (hi - lo)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed)
    else:
        from SALib.sample import morris

        x = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
    points = []
    for row in x:
        point = {}
        for f, v in zip(spec.factors, row, strict=True):
            if f.categorical:
                point[f.key] = f.values[min(int(v), len(f.values) - 1)]
            else:
                point[f.key] = float(v)
        points.append(point)
    return points


def run_seeds(seed: int, point: int, replications: int, common: bool = False) -> list[int]:
    """Seeds of a point's replicates: independent of workers, backend, order and resume.

    With ``common`` every point gets point 0's seeds (common random numbers).
    """
    key = 0 if common else point
    children = np.random.SeedSequence(seed, spawn_key=(key,)).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) >> 1 for c in children]


# --------------------------------------------------------------------------- one run
def apply_point(base: Scenario, values: Mapping[str, object]) -> Scenario:
    """The base scenario at a design point: parameters held, ``scale:`` axes multiplied."""
    held = {k: v for k, v in values.items() if not k.startswith(SCALE_PREFIX)}
    scaled = {k[len(SCALE_PREFIX):]: v for k, v in values.items() if k.startswith(SCALE_PREFIX)}
    return base.with_overrides(set=held, scale=scaled, origin="sweep")


@dataclass(frozen=True)
class Task:
    """One run: a design point's parameters and one replicate seed."""

    point: int
    replicate: int
    seed: int
    values: Mapping[str, float] = field(default_factory=dict)


def _inject_fault(run: str, faults: list[str]) -> None:
    if run in faults:
        raise RuntimeError(f"injected fault in run {run}")
    if f"{run}:interrupt" in faults:  # as a numba kernel returns a Ctrl-C or SIGTERM
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as stop:
            raise SystemError(f"injected interrupt in run {run}") from stop


def execute(task: Task, base: Scenario, runs_dir: str, metrics: tuple[str, ...],
            threshold: float) -> dict:
    """Run one task in a worker, write its table atomically, return its summary row.

    Errors are returned (not raised) with their traceback, so one failing run never stops a
    worker or the sweep; but an interrupt that compiled code wrapped (:func:`sim.procs.interrupted`)
    is raised in a main thread, where signals arrive (not in a Dask task's thread).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from techbloc.sim.experiment import run_replicate
    from techbloc.sim.world import load_world

    row = {"point": task.point, "replicate": task.replicate, "seed": task.seed,
           **{f"in:{k}": v for k, v in task.values.items()}}
    try:
        _inject_fault(f"{task.point}:{task.replicate}", os.environ.get(FAULT_ENV, "").split(","))
        world = load_world()  # cached: once per worker process
        scenario = apply_point(base, task.values)
        model, countries = run_replicate(scenario, task.replicate, task.seed, world)
        region = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
        summary = summarise(model, countries, region, threshold)
        if metrics:
            summary = {k: summary[k] for k in metrics}
        row |= {"status": "complete", **summary}
        table = pa.Table.from_pandas(model.assign(point=task.point), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"techbloc_summary"] = json.dumps(row).encode()
        target = run_file(Path(runs_dir), task.point, task.replicate)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, target)
        return row
    except Exception as e:  # noqa: BLE001 - a run's failure is data, recorded in the manifest
        if interrupted(e) and threading.current_thread() is threading.main_thread():
            raise KeyboardInterrupt from e  # Ctrl-C or SIGTERM that compiled code wrapped
        return row | {"status": "failed", "error": f"{type(e).__name__}: {e}",
                      "traceback": traceback.format_exc()}



# --------------------------------------------------------------------------- the sweep
def _write_json(path: Path, doc: dict) -> None:
    text = json.dumps(doc, indent=2, default=str) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text))


def sweep(spec: SweepSpec | str | Path, workers: int = 1, backend: str = "local",
          scheduler: str | None = None, out: str | Path | None = None,
          resume: str | Path | None = None, max_failures: int = 0,
          progress: Callable[[int, int, int], None] | None = None,
          set: Mapping[str, object] | None = None,
          scale: Mapping[str, object] | None = None,
          max_runs: int = MAX_RUNS) -> SweepResult:
    """Run a sweep (or resume one) and write its folder.

    Args:
        spec: a SweepSpec or the path of a sweep file.
        workers: worker processes (local) or workers of a new LocalCluster (dask).
        backend: ``local`` (a process pool) or ``dask`` (``dask.distributed``).
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``).
        out: the sweep folder (default: a new temporary one, ``res.path``; not ./results).
        resume: an interrupted sweep's folder: finished runs are kept, the rest run.
        max_failures: failed runs tolerated before the sweep stops with a SweepError.
        progress: called as ``progress(done, total, failed)``.
        set: values held in the base scenario at every point (see :mod:`sim.overrides`).
        scale: multipliers of the base scenario's trajectories at every point.
        max_runs: refuse a design of more runs than this (points x replicates).

    Returns:
        The SweepResult (``.summary``, ``.path``).

    Raises:
        SweepError: bad arguments, a design above ``max_runs``, a resume of another sweep file,
            or too many failures.
        DataError: the folder is damaged or written by another process.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec, set=set, scale=scale)
    elif set or scale:
        ov.check_given({"parameters": [f.key for f in spec.factors if not f.scale], "scale": [
            f.key.removeprefix(SCALE_PREFIX) for f in spec.factors if f.scale]}, {"set": set or {},
            "scale": scale or {}}, lambda message, key, hint: SweepError(message, key=key))
        spec = replace(spec, base=spec.base.with_overrides(set=set, scale=scale))
    n_runs = design_size(spec)
    if n_runs > max_runs:
        raise SweepError(f"the design has {n_runs:.3g} runs (points x replicates), more than "
                         f"the limit {max_runs:.3g}", file=spec.source,
                         key="parameters" if spec.design == "grid" else "samples",
                         hint="use fewer values or samples, or raise the limit with --max-runs")
    if backend not in ("local", "dask"):
        raise SweepError(f"unknown backend {backend!r}; expected local or dask", key="backend")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SweepError(f"workers must be a positive integer, found {workers!r}", key="workers")
    if not scheduler:  # local processes (a pool, or Dask's LocalCluster)
        check_local_workers(workers)
    if isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < 0:
        raise SweepError(f"expected an integer >= 0, found {max_failures!r}", key="max_failures")
    for key, folder in (("out", out), ("resume", resume)):
        if folder is not None and not isinstance(folder, str | os.PathLike):
            raise SweepError(f"expected a folder path, found {folder!r}", key=key)
    if resume is not None:
        path = Path(resume)
        check_resume(path, spec)
    else:
        import tempfile  # only for a sweep from Python without a folder
        name = Path(spec.source).stem if spec.source else "sweep"
        path = Path(out or tempfile.mkdtemp(prefix=f"techbloc-sweep-{name}-"))
        if (path / "manifest.json").exists():
            raise SweepError("folder already holds a sweep or a run; use --resume to continue "
                             "a sweep, or choose another --out", file=str(path))
    with locked(path):
        return _sweep(spec, path, workers, backend, scheduler, max_failures, progress,
                      reused=resume is None)


def _sweep(spec, path, workers, backend, scheduler, max_failures, progress,
           reused=False) -> SweepResult:
    runs_dir = path / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    for stale in runs_dir.glob(".*.tmp"):  # partial writes of runs in flight at a crash
        stale.unlink(missing_ok=True)

    from techbloc.sim.results import environment

    points = spec.points()
    tasks = [Task(i, r, s, dict(pt)) for i, pt in enumerate(points)
             for r, s in enumerate(run_seeds(spec.seed, i, spec.replications,
                                             spec.common_random_numbers))]
    finished = finished_runs(runs_dir, tasks)  # each checked: never another sweep's runs
    if reused and finished:  # a new sweep's --out already held runs of this sweep
        note_reused(path, len(finished))
    todo = [t for t in tasks if (t.point, t.replicate) not in finished]
    # What the overrides do to the base's events: the same at every point (values differ).
    notes = describe(apply_point(spec.base, points[0]).overrides if points
                     else spec.base.overrides)
    warn(spec.base, notes)
    manifest = {"techbloc_sweep": 1, "status": "running", "started": _now(), "finished": None,
                "sweep": spec.to_dict(), "n_points": len(points), "n_runs": len(tasks),
                "points": points, "workers": workers, "backend": backend,
                "overrides": notes,
                "failures": [], **environment()}
    _write_json(path / "manifest.json", manifest)

    summaries = dict(finished)
    failures: list[dict] = []
    total = len(tasks)
    try:
        stats = {"worker_restarts": 0}
        for row in _execute(todo, spec, runs_dir, workers, backend, scheduler, stats):
            if row["status"] == "complete":
                # Rows arrive unpickled, each with its own copies of the column names; sharing
                # one copy keeps the parent's memory nearly flat in the number of runs.
                summaries[(row["point"], row["replicate"])] = {
                    sys.intern(k): v for k, v in row.items()}
            else:
                failures.append({k: row[k] for k in ("point", "replicate", "seed", "error",
                                                     "traceback")})
                if len(failures) > max_failures:
                    manifest.update(status="failed", failures=failures, finished=_now())
                    _write_json(path / "manifest.json", manifest)
                    raise SweepError(f"{len(failures)} runs failed (more than --max-failures "
                                     f"{max_failures}); first: {failures[0]['error']}",
                                     file=str(path / "manifest.json"), key="failures",
                                     hint=f"fix the cause, then --resume {path}")
            if progress:
                progress(len(summaries), total, len(failures))
    except KeyboardInterrupt:
        manifest.update(status="interrupted", failures=failures, finished=_now())
        _write_json(path / "manifest.json", manifest)
        raise
    summary = pd.DataFrame([summaries[k] for k in sorted(summaries)])
    summary = summary.drop(columns=[c for c in ("status",) if c in summary.columns])
    write_atomic(path / "summary.parquet", lambda tmp: summary.to_parquet(tmp, index=False))
    manifest.update(status="complete" if not failures else "complete with failures",
                    failures=failures, finished=_now(), n_complete=len(summaries), **stats)
    _write_json(path / "manifest.json", manifest)
    return SweepResult(path, summary, manifest)


def _execute(todo: list[Task], spec: SweepSpec, runs_dir: Path, workers: int, backend: str,
             scheduler: str | None, stats: dict) -> Iterable[dict]:
    """Yield each task's summary row as it finishes, on the chosen backend."""
    args = (spec.base, str(runs_dir), spec.metrics, spec.threshold)
    if not todo:
        return
    if backend == "dask":
        yield from _execute_dask(todo, args, workers, scheduler)
        return
    if workers == 1:
        for t in todo:
            yield execute(t, *args)
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = pool_context(["techbloc.sim.sweeps", "techbloc.sim.experiment"])
    from concurrent.futures.process import BrokenProcessPool

    queue = iter(todo)
    inflight: dict = {}  # future -> task
    restarts = 0
    watch = (os.getpid(),)  # workers exit when this process dies (see _warm)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm,
                               initargs=watch)
    try:
        for t in itertools.islice(queue, workers * 4):  # bounded in flight: flat memory
            inflight[pool.submit(execute, t, *args)] = t
        while inflight:
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                task = inflight.pop(fut)
                try:
                    row = fut.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                yield row
                nxt = next(queue, None)
                if nxt is not None:
                    inflight[pool.submit(execute, nxt, *args)] = nxt
            if broken:
                # A worker died (killed, out of memory): only the runs in flight are lost;
                # start a new pool and run them again.
                restarts += 1
                stats["worker_restarts"] = restarts
                if restarts > MAX_POOL_RESTARTS:
                    raise SweepError(f"worker processes died {restarts} times; stopping",
                                     key="workers", hint="finished runs are kept; --resume")
                lost = broken + list(inflight.values())
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                           initializer=_warm, initargs=watch)
                inflight = {pool.submit(execute, t, *args): t for t in lost}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _warm(parent: int | None = None) -> None:
    """Worker initializer: load the world once; exit when ``parent`` dies (see sim.procs)."""
    from techbloc.sim.world import load_world

    if parent is not None:
        exit_with_parent(parent)
    load_world()


def _execute_dask(todo, args, workers, scheduler):
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SweepError("the dask backend needs dask.distributed", key="backend", hint="in "
                         "your clone: .venv/bin/pip install -e '.[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # silence_logs: a Ctrl-C's cancelled tasks are not worth a warning each on stderr
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        client.run(_warm)
        base = client.scatter(args[0], broadcast=True)
        queue = iter(todo)
        futures = as_completed([client.submit(execute, t, base, *args[1:], pure=False)
                                for t in itertools.islice(queue, workers * 8)])
        for fut in futures:
            yield fut.result()
            nxt = next(queue, None)
            if nxt is not None:
                futures.add(client.submit(execute, nxt, base, *args[1:], pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def load_sweep_result(path: str | Path) -> SweepResult:
    """Read a finished sweep folder, validated (:func:`techbloc.sim.folders.read_sweep`).

    Raises:
        DataError: not a sweep folder, not finished, or damaged.
    """
    return read_sweep(path)


__all__ = ["SweepResult", "SweepSpec", "load_sweep", "load_sweep_result", "sweep"]
