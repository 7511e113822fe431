"""Speed of one default-world replicate and of the ``techbloc run baseline`` command.

Usage: python benchmarks/bench_model.py [--repeats N] [--phases] [--cli]

Prints medians (and quartiles) of:
- model time of one replicate, 2019Q1-2030Q4 (48 quarters), world data already loaded, split into
  construction (agents, operators) and the 48 steps;
- the replicate's tables (arrays -> tidy DataFrames);
- with --phases, the time per replicate in each phase of the step (vendors, countries,
  operators, devices, enterprises, and the record);
- with --cli, the wall time of ``techbloc --help`` and ``techbloc run baseline`` (default
  replications, with and without plots), end to end, imports included (a fresh process each
  time).
Quote medians and ratios: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_memory import positive_int
from techbloc.sim.model import TechAllianceModel
from techbloc.sim.results import countries_frame, model_frame
from techbloc.sim.scenario import load_scenario
from techbloc.sim.world import load_world


def _stats(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return f"median {statistics.median(xs) * 1e3:8.2f} ms  (IQR {q[0] * 1e3:.2f}-{q[2] * 1e3:.2f})"


def replicate_times(repeats: int, scenario: str = "baseline") -> dict[str, list[float]]:
    """Seconds of each phase of one replicate, ``repeats`` times (seeds 0..repeats-1).

    Returns:
        ``build``, ``steps``, ``total`` (build + steps: model time) and ``frames`` (the two
        result tables), one entry per repeat.
    """
    spec = load_scenario(scenario)
    world = load_world()
    TechAllianceModel(spec, seed=0, world=world).run_model()  # warm-up
    out: dict[str, list[float]] = {"build": [], "steps": [], "total": [], "frames": []}
    for i in range(repeats):
        t0 = time.perf_counter()
        m = TechAllianceModel(spec, seed=i, world=world)
        t1 = time.perf_counter()
        m.run_model()
        t2 = time.perf_counter()
        model_frame(m, scenario, 0)
        countries_frame(m, scenario, 0)
        t3 = time.perf_counter()
        out["build"].append(t1 - t0)
        out["steps"].append(t2 - t1)
        out["total"].append(t2 - t0)
        out["frames"].append(t3 - t2)
    return out


def techbloc_command() -> list[str]:
    """The installed ``techbloc`` console script next to this Python, else ``python -m``."""
    script = Path(sys.executable).with_name("techbloc")
    if script.exists():
        return [str(script)]
    found = shutil.which("techbloc")
    return [found] if found else [sys.executable, "-m", "techbloc"]


def cli_times(repeats: int, extra: tuple[str, ...] = ()) -> dict[str, list[float]]:
    """Wall seconds of ``techbloc --help`` and ``techbloc run baseline``, each a fresh process.

    Args:
        repeats: runs of each command.
        extra: more arguments of ``run baseline`` (``--no-plots``; by default the command's
            defaults: the scenario's replications, plots written).
    """
    cmd = techbloc_command()
    out: dict[str, list[float]] = {"help": [], "run_baseline": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--help"], check=True, capture_output=True)
        out["help"].append(time.perf_counter() - t0)
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            subprocess.run([*cmd, "run", "baseline", "--out", folder, *extra], check=True,
                           capture_output=True)
            out["run_baseline"].append(time.perf_counter() - t0)
    return out


def bench_replicate(repeats: int) -> None:
    t = replicate_times(repeats)
    m = TechAllianceModel(load_scenario("baseline"), seed=0)
    print(f"world: {m.n_countries} countries, {m.n_operators} operators, {m.n_vendors} vendors, "
          f"{m.n_steps} quarters; {repeats} repeats")
    print(f"replicate, model time (build + steps): {_stats(t['total'])}")
    print(f"  build:                               {_stats(t['build'])}")
    print(f"  {m.n_steps} steps:                            {_stats(t['steps'])}")
    print(f"tables (model + countries frames):     {_stats(t['frames'])}")


#: The phases of one quarter, in the order the step runs them: each layer's ``step``, then
#: ``record`` (TechAllianceModel._record: every layer's records).
PHASES = ("vendors", "countries", "operators", "devices", "enterprises", "record")


def phase_times(repeats: int, scenario: str = "baseline") -> dict[str, list[float]]:
    """Seconds per replicate spent in each phase of the step (a timer around each call).

    The layers' ``step`` methods and the model's ``_record`` are wrapped, on the instances of
    each replicate; the timers add well under a microsecond a call; ``build`` is the
    construction.
    """
    spec, world = load_scenario(scenario), load_world()
    spent = dict.fromkeys(PHASES, 0.0)

    def timed(name: str, method):
        def call(*args) -> None:
            t0 = time.perf_counter()
            method(*args)
            spent[name] += time.perf_counter() - t0
        return call

    def instrument(m: TechAllianceModel) -> TechAllianceModel:
        for name in PHASES[:-1]:
            layer = getattr(m.layers, name)
            layer.step = timed(name, layer.step)
        m._record = timed("record", m._record)
        return m

    instrument(TechAllianceModel(spec, seed=0, world=world)).run_model()  # warm-up
    out: dict[str, list[float]] = {"build": [], **{k: [] for k in PHASES}}
    for i in range(repeats):
        spent.update(dict.fromkeys(PHASES, 0.0))
        t0 = time.perf_counter()
        m = TechAllianceModel(spec, seed=i, world=world)
        out["build"].append(time.perf_counter() - t0)
        instrument(m).run_model()
        for k in PHASES:
            out[k].append(spent[k])
    return out


def bench_phases(repeats: int) -> None:
    t = phase_times(repeats)
    print("per replicate, by phase:")
    for k, xs in t.items():
        print(f"  {k:34s} {_stats(xs)}")


def bench_cli(repeats: int) -> None:
    for extra in (("--no-plots",), ()):
        t = cli_times(repeats, extra)
        if extra:
            print(f"{'techbloc --help':36s} {_stats(t['help'])}")
        label = " ".join(["techbloc run baseline", *extra])
        print(f"{label:36s} {_stats(t['run_baseline'])}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=positive_int, default=30)
    ap.add_argument("--cli", action="store_true", help="also time the command end to end")
    ap.add_argument("--phases", action="store_true",
                    help="also time each phase of the step (countries, operators, ...)")
    args = ap.parse_args()
    bench_replicate(args.repeats)
    if args.phases:
        bench_phases(args.repeats)
    if args.cli:
        bench_cli(max(3, args.repeats // 6))
