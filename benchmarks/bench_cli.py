"""Where the time of ``techbloc run baseline`` goes: start-up, imports, model, the rest.

Usage: python benchmarks/bench_cli.py [--repeats N] [--other PYTHON]

Prints medians over N fresh processes (default 5) of:
- Python's own start-up (``python -c pass``);
- the imports the command needs: the run (``techbloc.sim.cli``, ``.experiment``, rich)
  and, with plots, the drawing (``techbloc.analysis.curves``, ``.maps``, which load matplotlib);
- the model time of the baseline's replicates in a warm process (``sim.experiment.run``
  without an output folder: the model and its tables);
- ``techbloc run baseline`` end to end, with and without plots (writing the folder included),
  and with plots drawn in the command's own process (``TECHBLOC_PICTURES=here``) instead of
  its painter processes;
and the ratio of the end-to-end time to start-up + imports + model time (the target is at most
1.5). The kernels are compiled and cached before any timing (a warm-up run).

``--other PYTHON`` measures a second install (e.g. a venv of main) the same way, each
measurement alternating between the two, so a before/after comparison on a shared machine sees
the same load. With this install's ``sim.commands``, a fresh process is also timed step by
step (imports, world data, model and writing, plot imports, pictures).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_memory import positive_int  # noqa: E402

RUN_IMPORTS = "import techbloc.sim.cli, techbloc.sim.experiment, rich.progress"
PLOT_IMPORTS = RUN_IMPORTS + ", techbloc.analysis.curves, techbloc.analysis.maps"

#: A warm process's model time: the baseline's replicates and tables, median of 3.
MODEL = """
import statistics, time
from techbloc.sim.experiment import run
run("baseline", replications=1)
xs = []
for _ in range(3):
    t0 = time.perf_counter(); run("baseline"); xs.append(time.perf_counter() - t0)
print(statistics.median(xs))
"""

#: One fresh process doing what ``techbloc run baseline`` does, with a clock between the steps.
PHASES = """
import json, sys, time
t = [time.perf_counter()]
import techbloc.sim.cli, techbloc.sim.experiment, rich.progress
t.append(time.perf_counter())
from techbloc.sim.world import load_world
load_world()
t.append(time.perf_counter())
from techbloc.sim.experiment import run
res = run("baseline", out=sys.argv[1] + "/run")
t.append(time.perf_counter())
from techbloc.sim.commands import run_pictures
import techbloc.analysis.curves, techbloc.analysis.maps
t.append(time.perf_counter())
from pathlib import Path
run_pictures(res, Path(sys.argv[1]) / "run", "baseline", "2030Q4")
t.append(time.perf_counter())
names = ["imports", "world data", "model, tables and writing them", "plot imports", "pictures"]
print(json.dumps({n: b - a for n, a, b in zip(names, t, t[1:])}))
"""


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True,
                   env=None if env is None else {**os.environ, **env})
    return time.perf_counter() - t0


def _command(python: str) -> list[str]:
    script = Path(python).with_name("techbloc")
    return [str(script)] if script.exists() else [python, "-m", "techbloc"]


def _run(python: str, *extra: str, env: dict[str, str] | None = None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        return _wall([*_command(python), "run", "baseline", "--out", folder, *extra], env)


def measure(python: str) -> dict[str, float]:
    """One of each measurement for the install of ``python`` (seconds)."""
    out = {"startup": _wall([python, "-c", "pass"])}
    out["imports_run"] = _wall([python, "-c", RUN_IMPORTS]) - out["startup"]
    out["imports_plots"] = _wall([python, "-c", PLOT_IMPORTS]) - out["startup"]
    out["model"] = float(subprocess.run([python, "-c", MODEL], check=True, capture_output=True,
                                        text=True).stdout.split()[-1])
    out["end_to_end_no_plots"] = _run(python, "--no-plots")
    out["end_to_end"] = _run(python)
    out["end_to_end_here"] = _run(python, env={"TECHBLOC_PICTURES": "here"})
    return out


def phases(python: str) -> dict[str, float]:
    """Seconds of each step of a run in a fresh process (see :data:`PHASES`)."""
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run([python, "-c", PHASES, folder], check=True, capture_output=True,
                             text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _has_run_pictures(python: str) -> bool:
    """Whether that install has ``sim.commands.run_pictures`` (not before issue 18)."""
    code = "import importlib.util as u; print(u.find_spec('techbloc.sim.commands'))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True).stdout
    return "None" not in out


def report(label: str, runs: list[dict[str, float]], steps: list[dict[str, float]]) -> None:
    t = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    base_plots = t["startup"] + t["imports_plots"] + t["model"]
    base_run = t["startup"] + t["imports_run"] + t["model"]
    print(f"{label}: techbloc run baseline (10 replicates), medians of {len(runs)} fresh "
          "processes")
    print(f"  Python start-up                        {t['startup']:6.2f} s")
    print(f"  imports of the run                     {t['imports_run']:6.2f} s")
    print(f"  imports of the run and the plots       {t['imports_plots']:6.2f} s")
    print(f"  model time (10 replicates and tables)  {t['model']:6.2f} s")
    print(f"  end to end, --no-plots                 {t['end_to_end_no_plots']:6.2f} s"
          f"   = {t['end_to_end_no_plots'] / base_run:.2f} x (start-up + imports + model)")
    print(f"  end to end, with plots                 {t['end_to_end']:6.2f} s"
          f"   = {t['end_to_end'] / base_plots:.2f} x (start-up + imports + model)")
    print(f"    the same, pictures drawn in the command's process {t['end_to_end_here']:6.2f} s"
          f"   = {t['end_to_end_here'] / base_plots:.2f} x")
    if steps:
        print("  one fresh process, step by step (medians):")
        for k in steps[0]:
            print(f"    {k:36s} {statistics.median(s[k] for s in steps):6.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=positive_int, default=5)
    ap.add_argument("--other", metavar="PYTHON", help="a second install to measure alongside")
    args = ap.parse_args()
    pythons = {"this install": sys.executable}
    if args.other:
        pythons["other install"] = args.other
    for python in pythons.values():
        _run(python)  # warm-up: kernels compiled or loaded, files in the OS cache
    runs: dict[str, list] = {k: [] for k in pythons}
    steps: dict[str, list] = {k: [] for k in pythons}
    stepwise = {k: _has_run_pictures(p) for k, p in pythons.items()}
    for _ in range(args.repeats):
        for label, python in pythons.items():  # alternate: both see the same load
            runs[label].append(measure(python))
            if stepwise[label]:
                steps[label].append(phases(python))
    for label, python in pythons.items():
        report(f"{label} ({python})", runs[label], steps[label])


if __name__ == "__main__":
    main()
