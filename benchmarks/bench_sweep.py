"""Sweep throughput and parent memory.

Usage: python benchmarks/bench_sweep.py [--runs 1000] [--workers 1 2] [--memory 200 2000]

- Throughput: a grid sweep of the default world (sanctions-2019, 2019Q1-2030Q4) with ``--runs``
  runs, timed on each number of workers; prints runs per second, the parallel efficiency
  (1-worker time / 2-worker time) and the per-run overhead beyond model time (the median model
  time of one replicate is measured in the same process).
- Memory: peak RSS of the parent process (psutil, sampled every 50 ms in a thread) for sweeps of
  each size in ``--memory``, on 2 workers: it should stay flat as the number of runs grows.
Quote medians and ratios; these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

from sim.model import TechAllianceModel
from sim.scenario import load_scenario
from sim.sweeps import load_sweep, sweep
from sim.world import load_world


def grid_file(folder: Path, runs: int) -> Path:
    side = max(1, int(math.sqrt(runs)))
    other = max(1, runs // side)
    a = [round(i / max(side - 1, 1), 6) for i in range(side)]
    b = [round(0.3 * i / max(other - 1, 1), 6) for i in range(other)]
    f = folder / "bench.yaml"
    f.write_text("scenario: sanctions-2019\ndesign: grid\nreplications: 1\nseed: 1\n"
                 f"parameters:\n  us.ally_pressure: {a}\n  china.bri_discount: {b}\n")
    return f


def model_time(repeats: int = 20) -> float:
    s, w = load_scenario("sanctions-2019"), load_world()
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        TechAllianceModel(s, seed=i, world=w).run_model()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def timed_sweep(spec, workers: int) -> tuple[float, int]:
    peak = [0]
    proc = psutil.Process()
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        res = sweep(spec, workers=workers, out=Path(out) / "s")
        elapsed = time.perf_counter() - t
    stop.set()
    th.join()
    assert len(res.summary) == spec.replications * len(spec.points())
    return elapsed, peak[0]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--memory", type=int, nargs="*", default=[200, 2000])
    args = ap.parse_args()
    base = model_time()
    print(f"model time of one replicate (median): {base * 1e3:.1f} ms")
    with tempfile.TemporaryDirectory() as d:
        spec = load_sweep(grid_file(Path(d), args.runs))
        n = len(spec.points())
        times = {}
        for w in args.workers:
            elapsed, rss = timed_sweep(spec, w)
            times[w] = elapsed
            print(f"{n} runs on {w} worker(s): {elapsed:.1f} s, {n / elapsed:.1f} runs/s, "
                  f"overhead per run beyond model time {(elapsed * w / n - base) * 1e3:.1f} ms, "
                  f"parent peak RSS {rss / 2**20:.0f} MiB")
        if 1 in times and 2 in times:
            print(f"parallel efficiency (1-worker time / 2-worker time): "
                  f"{times[1] / times[2]:.2f}")
        for size in args.memory:
            spec = load_sweep(grid_file(Path(d), size))
            elapsed, rss = timed_sweep(spec, 2)
            print(f"memory: {len(spec.points())} runs on 2 workers: parent peak RSS "
                  f"{rss / 2**20:.0f} MiB ({elapsed:.1f} s)")
