"""Replications of a scenario (DESIGN §3): seeds, runs, tables.

Replicate seeds come from one SeedSequence (:func:`sim.rng.replicate_seeds`), so replicate i has the
same seed and the same tables however many replicates run and in whatever order. Parameter sweeps
and parallel or Dask execution build on :func:`run_replicate`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from numbers import Integral
from pathlib import Path

import pandas as pd
from techbloc.sim import overrides, rng
from techbloc.sim.errors import ScenarioError, TechblocError
from techbloc.sim.folders import claim_run_folder, utc_now
from techbloc.sim.model import TechAllianceModel
from techbloc.sim.posterior import calibration_of, check_drawable, for_replicate
from techbloc.sim.results import (
    COUNTRY_UNITS,
    DEVICE_UNITS,
    MODEL_UNITS,
    Results,
    countries_frame,
    devices_frame,
    environment,
    model_frame,
    write_manifest,
)
from techbloc.sim.scenario import MAX_REPLICATIONS, Scenario, load_scenario
from techbloc.sim.world import World, load_world


def run_replicate(scenario: Scenario, replicate: int, seed: int,
                  world: World | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one replicate to the end of the horizon and return its (model, countries) frames."""
    return replicate_tables(scenario, replicate, seed, world, devices=False)


def replicate_tables(scenario: Scenario, replicate: int, seed: int,
                     world: World | None = None, devices: bool = True) -> tuple[pd.DataFrame, ...]:
    """Run one replicate and return its (model, countries, devices) frames.

    With ``devices`` false the devices frame is not built (sweeps do not keep it).
    """
    model = TechAllianceModel(scenario, seed=seed, world=world)
    model.run_model()
    frames = (model_frame(model, scenario.name, replicate),
              countries_frame(model, scenario.name, replicate))
    return (*frames, devices_frame(model, scenario.name, replicate)) if devices else frames


def replicate_plan(scenario: Scenario, n: int, seed: int | None = None
                   ) -> tuple[list[int], list[str]]:
    """The seed each of ``n`` replicates would record and the quarters the run would cover.

    What :func:`run` would write in the tables' ``seed`` and ``date`` columns, known before it
    runs (``techbloc compare`` checks that runs pair before running them).
    """
    seeds = rng.replicate_seeds(scenario.seed if seed is None else seed, n)
    start, end = scenario.horizon
    return ([for_replicate(scenario, s)[1] for s in seeds],
            [str(start + i) for i in range(end - start + 1)])


def run(
    scenario: str | Path | Scenario,
    replications: int | None = None,
    seed: int | None = None,
    set: Mapping[str, object] | None = None,
    horizon: str | None = None,
    scale: Mapping[str, object] | None = None,
    search: tuple = (),
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    world: World | None = None,
    overwrite: bool = False,
    on_tables: Callable[[Results], None] | None = None,
) -> Results:
    """Run a scenario's replicates and return their tables.

    Args:
        scenario: a shipped scenario name, a path to a YAML file, or a Scenario.
        replications: number of replicates (default: the scenario's).
        seed: base seed (default: the scenario's).
        set: parameter values with dotted keys (``{"us.ally_pressure": 0.8}``), held for the
            whole horizon: the scenario's events on those keys are dropped, with a note
            (``"0.8@2022Q1"``: held from that quarter on). See :mod:`sim.overrides`.
        horizon: another horizon, ``"2019Q1:2035Q4"``.
        scale: multipliers of the scenario's own trajectories (``{"us.ally_pressure": 1.5}``),
            clipped to each parameter's range.
        search: extra directories to look for scenario names in.
        out: if given, a run folder to write; its manifest says ``running`` until the run ends.
            The folder is claimed for this run alone; one holding a run is refused.
        progress: called as ``progress(done, total)`` after each replicate.
        world: the world (default: the shipped data).
        overwrite: replace a run already in ``out`` (deliberately).
        on_tables: called with the Results once every replicate is done, before ``out`` is
            written (``techbloc run`` hands them to its painter process then).

    Returns:
        Results with ``model`` and ``countries`` DataFrames and the manifest.

    Example:
        >>> from techbloc.sim import run
        >>> res = run("baseline", replications=2)
        >>> sorted(res.model["replicate"].unique().tolist())
        [0, 1]
    """
    scenario = load_scenario(scenario, set=set, horizon=horizon, search=search, scale=scale)
    check_drawable(scenario)  # the ensemble, before any folder exists (sim.posterior)
    overrides.warn(scenario)
    n = scenario.replications if replications is None else replications
    if isinstance(n, bool) or not isinstance(n, Integral) or not 1 <= n <= MAX_REPLICATIONS:
        raise ScenarioError(f"replications must be an integer from 1 to {MAX_REPLICATIONS}, "
                            f"found {n!r}", key="replications")
    base_seed = scenario.seed if seed is None else seed
    if isinstance(base_seed, bool) or not isinstance(base_seed, Integral) or base_seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer, found {base_seed!r}",
                            key="seed")
    n, base_seed = int(n), int(base_seed)  # numpy integers as Python's, for the manifest
    world = world if world is not None else load_world()  # data errors before any folder exists
    seeds = rng.replicate_seeds(base_seed, n)
    manifest = {
        "techbloc_run": 1, "status": "running", "started": utc_now(), "finished": None,
        # The scenario block as run: the seed and replicate count given here replace the file's.
        "scenario": {**scenario.to_dict(), "seed": base_seed, "replications": n},
        "base_seed": base_seed, "replications": n,
        "overrides": overrides.describe(scenario.overrides),
        # the shipped calibration the fitted weights (and their draws) come from, if any
        "calibration": calibration_of(scenario),
        "units": {"model": MODEL_UNITS, "countries": COUNTRY_UNITS, "devices": DEVICE_UNITS},
        "replicates": [{"replicate": i, "seed": s, "status": "pending"}
                       for i, s in enumerate(seeds)],
        **environment(),
    }
    if out is None:
        return _run(scenario, seeds, world, manifest, None, progress, on_tables)
    if not isinstance(out, str | Path):
        raise TechblocError(f"out must be a folder path, found {type(out).__name__}", key="out")
    with claim_run_folder(out, overwrite) as out_path:
        write_manifest(out_path, manifest)
        try:
            return _run(scenario, seeds, world, manifest, out_path, progress, on_tables)
        except BaseException as e:  # leave no folder that looks complete, and say why
            interrupted = isinstance(e, KeyboardInterrupt)
            manifest.update(status="interrupted" if interrupted else "failed",
                            error=f"{type(e).__name__}: {e}")
            with contextlib.suppress(OSError):
                write_manifest(out_path, manifest)
            raise


def _run(scenario, seeds, world, manifest, out_path, progress, on_tables=None) -> Results:
    n = len(seeds)
    models, countries, devices = [], [], []
    for i, s in enumerate(seeds):
        m, c, d = replicate_tables(scenario, i, s, world)
        models.append(m)
        countries.append(c)
        devices.append(d)
        manifest["replicates"][i]["status"] = "complete"
        if progress:
            progress(i + 1, n)
    manifest["finished"] = utc_now()
    res = Results(pd.concat(models, ignore_index=True), pd.concat(countries, ignore_index=True),
                  manifest, devices=pd.concat(devices, ignore_index=True))
    if on_tables is not None:
        on_tables(res)
    if out_path is not None:
        res.save(out_path)
    else:
        manifest["status"] = "complete"
    return res
