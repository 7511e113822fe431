"""Where the time of ``techbloc run baseline`` goes: start-up, imports, model, the rest.

Usage: python benchmarks/bench_cli.py [--repeats N]

Prints medians over N fresh processes (default 5) of:
- Python's own start-up (``python -c pass``);
- the imports the command needs: the run (``techbloc.sim.cli``, ``techbloc.sim.experiment``)
  and, with plots, the drawing (``techbloc.analysis.curves``, ``.maps``, which load matplotlib);
- the model time of the baseline's replicates in one warm process (``sim.experiment.run``
  without an output folder: the model and its tables);
- ``techbloc run baseline`` end to end, with and without plots (writing the folder included);
and the ratio of the end-to-end time to start-up + imports + model time (the target is at most
1.5). The kernels are compiled and cached before any timing (a warm-up run).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import positive_int, techbloc_command  # noqa: E402

RUN_IMPORTS = "import techbloc.sim.cli, techbloc.sim.experiment, techbloc.analysis.commands"
PLOT_IMPORTS = RUN_IMPORTS + ", techbloc.analysis.curves, techbloc.analysis.maps"


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def _median(f, repeats: int) -> float:
    return statistics.median(f() for _ in range(repeats))


def model_seconds(repeats: int, scenario: str = "baseline") -> float:
    """Median seconds of the scenario's default replicates in this (warm) process."""
    from techbloc.sim.experiment import run

    run(scenario, replications=1)  # compile or load the kernels, read the world once

    def once() -> float:
        t0 = time.perf_counter()
        run(scenario)
        return time.perf_counter() - t0

    return _median(once, repeats)


def split(repeats: int) -> dict[str, float]:
    """The medians, in seconds: startup, imports (run; run and plots), model, end to end."""
    py = sys.executable
    cmd = techbloc_command()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([*cmd, "run", "baseline", "--out", folder], check=True,
                       capture_output=True)  # warm-up: kernels cached, files in the OS cache
    out = {"startup": _median(lambda: _wall([py, "-c", "pass"]), repeats)}
    out["imports_run"] = _median(lambda: _wall([py, "-c", RUN_IMPORTS]), repeats) - out["startup"]
    out["imports_plots"] = (_median(lambda: _wall([py, "-c", PLOT_IMPORTS]), repeats)
                            - out["startup"])
    out["model"] = model_seconds(repeats)
    for label, extra in (("end_to_end_no_plots", ["--no-plots"]), ("end_to_end", [])):
        def once(extra=extra) -> float:
            with tempfile.TemporaryDirectory() as folder:
                return _wall([*cmd, "run", "baseline", "--out", folder, *extra])
        out[label] = _median(once, repeats)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=positive_int, default=5)
    args = ap.parse_args()
    t = split(args.repeats)
    base_plots = t["startup"] + t["imports_plots"] + t["model"]
    base_run = t["startup"] + t["imports_run"] + t["model"]
    print(f"techbloc run baseline (10 replicates), medians of {args.repeats} fresh processes")
    print(f"  Python start-up                        {t['startup']:6.2f} s")
    print(f"  imports of the run                     {t['imports_run']:6.2f} s")
    print(f"  imports of the run and the plots       {t['imports_plots']:6.2f} s")
    print(f"  model time (10 replicates and tables)  {t['model']:6.2f} s")
    print(f"  end to end, --no-plots                 {t['end_to_end_no_plots']:6.2f} s"
          f"   = {t['end_to_end_no_plots'] / base_run:.2f} x (start-up + imports + model)")
    print(f"  end to end, with plots                 {t['end_to_end']:6.2f} s"
          f"   = {t['end_to_end'] / base_plots:.2f} x (start-up + imports + model)")


if __name__ == "__main__":
    main()
