"""Speed of one default-world replicate and of the ``techbloc run baseline`` command.

Usage: python benchmarks/bench_model.py [--repeats N] [--cli]

Prints medians (and quartiles) of:
- model time of one replicate, 2019Q1-2030Q4 (48 quarters), world data already loaded, split into
  construction (agents, operators) and the 48 steps;
- the replicate's tables (arrays -> tidy DataFrames);
- with --cli, the wall time of ``techbloc run baseline --no-plots`` and with plots, end to end,
  imports included (a fresh process each time).
Quote medians and ratios: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

from sim.model import TechAllianceModel
from sim.results import countries_frame, model_frame
from sim.scenario import load_scenario
from sim.world import load_world


def _stats(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=4)
    return f"median {statistics.median(xs) * 1e3:8.2f} ms  (IQR {q[0] * 1e3:.2f}-{q[2] * 1e3:.2f})"


def bench_replicate(repeats: int) -> None:
    scenario = load_scenario("baseline")
    world = load_world()
    TechAllianceModel(scenario, seed=0, world=world).run_model()  # warm-up
    build, steps, frames = [], [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        m = TechAllianceModel(scenario, seed=i, world=world)
        t1 = time.perf_counter()
        m.run_model()
        t2 = time.perf_counter()
        model_frame(m, "baseline", 0)
        countries_frame(m, "baseline", 0)
        t3 = time.perf_counter()
        build.append(t1 - t0)
        steps.append(t2 - t1)
        frames.append(t3 - t2)
    total = [a + b for a, b in zip(build, steps, strict=True)]
    print(f"world: {m.n_countries} countries, {m.n_operators} operators, {m.n_vendors} vendors, "
          f"{m.n_steps} quarters; {repeats} repeats")
    print(f"replicate, model time (build + steps): {_stats(total)}")
    print(f"  build:                               {_stats(build)}")
    print(f"  48 steps:                            {_stats(steps)}")
    print(f"tables (model + countries frames):     {_stats(frames)}")


def bench_cli(repeats: int) -> None:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", "--help"], check=True,
                       capture_output=True)
        times.append(time.perf_counter() - t0)
    print(f"{'techbloc --help':36s} {_stats(times)}")
    for extra in (["--no-plots"], []):
        times = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "sim.cli", "run", "baseline", "--out", out,
                                *extra], check=True, capture_output=True)
                times.append(time.perf_counter() - t0)
        label = " ".join(["techbloc run baseline", *extra])
        print(f"{label:36s} {_stats(times)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--cli", action="store_true", help="also time the command end to end")
    args = ap.parse_args()
    bench_replicate(args.repeats)
    if args.cli:
        bench_cli(max(3, args.repeats // 6))
