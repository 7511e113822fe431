"""Sweep throughput and parent memory.

Usage: python benchmarks/bench_sweep.py [--runs 1000] [--workers 1 2] [--memory 200 2000]

- Throughput: a grid sweep of the default world (sanctions-2019, 2019Q1-2030Q4) with ``--runs``
  runs, timed on each number of workers; prints runs per second, the parallel efficiency
  (1-worker time / 2-worker time) and the per-run overhead beyond model time (the median model
  time of one replicate is measured in the same process).
- Memory: peak RSS of the parent process for sweeps of each size in ``--memory``, on 2 workers:
  it should stay flat as the number of runs grows.

Every sweep runs in a fresh Python process (the parent of the sweep's workers), so its peak RSS
(VmHWM, see bench_memory.py) is the sweep's own, imports included; earlier sweeps cannot inflate
it.
Quote medians and ratios; these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_memory import peak_rss_mib, positive_int


def grid_file(folder: Path, runs: int) -> Path:
    """A grid sweep file of ``runs`` runs (us.ally_pressure × china.bri_discount, 25 × 40 for
    1,000: the largest divisor of ``runs`` up to its square root, times the other)."""
    side = max(d for d in range(1, math.isqrt(max(runs, 1)) + 1) if runs % d == 0)
    other = max(1, runs // side)
    a = [round(i / max(side - 1, 1), 6) for i in range(side)]
    b = [round(0.3 * i / max(other - 1, 1), 6) for i in range(other)]
    f = folder / "bench.yaml"
    f.write_text("scenario: sanctions-2019\ndesign: grid\nreplications: 1\nseed: 1\n"
                 f"parameters:\n  us.ally_pressure: {a}\n  china.bri_discount: {b}\n")
    return f


def model_time(repeats: int = 20) -> float:
    """Median seconds of one sanctions-2019 replicate (model time only)."""
    from techbloc.sim.model import TechAllianceModel
    from techbloc.sim.scenario import load_scenario
    from techbloc.sim.world import load_world

    s, w = load_scenario("sanctions-2019"), load_world()
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        TechAllianceModel(s, seed=i, world=w).run_model()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure_sweep(runs: int, workers: int) -> dict:
    """Run one grid sweep of about ``runs`` runs here and return its time and this process's peak.

    Call it in a fresh process (:func:`sweep_in_subprocess`): the peak RSS is the process's
    lifetime peak.
    """
    from techbloc.sim.sweeps import load_sweep, sweep

    with tempfile.TemporaryDirectory() as d:
        spec = load_sweep(grid_file(Path(d), runs))
        n = spec.replications * len(spec.points())
        t = time.perf_counter()
        res = sweep(spec, workers=workers, out=Path(d) / "s")
        elapsed = time.perf_counter() - t
    if len(res.summary) != n:
        raise RuntimeError(f"sweep returned {len(res.summary)} rows, expected {n}")
    return {"runs": n, "workers": workers, "seconds": elapsed,
            "peak_rss_mib": peak_rss_mib()}


def sweep_in_subprocess(runs: int, workers: int) -> dict:
    """:func:`measure_sweep` in a fresh Python process; its result as a dict."""
    out = subprocess.run([sys.executable, __file__, "--child", str(runs), str(workers)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=positive_int, default=1000)
    ap.add_argument("--workers", type=positive_int, nargs="+", default=[1, 2])
    ap.add_argument("--memory", type=int, nargs="*", default=[200, 2000])
    ap.add_argument("--child", type=int, nargs=2, metavar=("RUNS", "WORKERS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure_sweep(*args.child)))
        sys.exit(0)
    base = model_time()
    print(f"model time of one replicate (median): {base * 1e3:.1f} ms")
    times = {}
    for w in args.workers:
        r = sweep_in_subprocess(args.runs, w)
        times[w] = r["seconds"]
        print(f"{r['runs']} runs on {w} worker(s): {r['seconds']:.1f} s, "
              f"{r['runs'] / r['seconds']:.1f} runs/s, overhead per run beyond model time "
              f"{(r['seconds'] * w / r['runs'] - base) * 1e3:.1f} ms, "
              f"parent peak RSS {r['peak_rss_mib']:.0f} MiB")
    if 1 in times and 2 in times:
        print(f"parallel efficiency (1-worker time / 2-worker time): {times[1] / times[2]:.2f}")
    for size in args.memory:
        r = sweep_in_subprocess(size, 2)
        print(f"memory: {r['runs']} runs on 2 workers: parent peak RSS "
              f"{r['peak_rss_mib']:.0f} MiB ({r['seconds']:.1f} s)")
