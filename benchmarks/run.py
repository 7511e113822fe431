"""All of techbloc's performance figures in one run, beside Mesa's own BoltzmannWealth.

Usage: python benchmarks/run.py [--quick] [--json]

Measures the five targets of issue 7 (see benchmarks/BASELINE.md for the last recorded figures):

1. ``replicate_ms``: model time of one default-world replicate (baseline, 2019Q1-2030Q4, all
   countries, operators and vendors), median over repeats, world data loaded.
2. ``agent_steps_per_s_1e5`` / ``_1e6``: throughput of the firm layers at 10^5 and 10^6 firms:
   the operator layer (the default world with its operators multiplied, every mechanism as in
   the model, benchmarks/bench_operators.py) and, once issue 8's device-maker and enterprise
   layers exist (benchmarks/bench_firms.py), theirs; the figure is the slower layer's. Also the
   cost per agent-step (slope of a line through 10^4, 10^5 and 10^6 firms) and
   ``mesa_boltzmann_agent_steps_per_s``: Mesa's BoltzmannWealth (``mesa.examples``) with
   1,000 agents, measured in the same run.
3. ``sweep_1000_s_1w`` / ``_2w``: a 1,000-run grid sweep of the default world to 2030 on one and
   two workers; ``sweep_parent_peak_mib_200`` / ``_2000``: the sweep parent's peak RSS for 200
   and 2,000 runs (each sweep in a fresh process).
4. ``run_baseline_s`` / ``help_s``: ``techbloc run baseline`` (its default replications, with
   plots) and ``techbloc --help``, end to end in fresh processes, medians.
5. ``peak_mib_1e6``: peak RSS of a whole 10^6-operator run (arrays, imports; the Mesa agents
   are made on first use and this run never asks for them).

``--quick`` (under 2 minutes) uses fewer repeats, fewer timed quarters and 100/50/200-run
sweeps, and estimates the 1,000-run sweep times from the 100-run ones; the output says so, and
the JSON lists the estimated keys under ``estimated``. Quote medians and ratios: these machines
are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_model import cli_times, replicate_times  # noqa: E402
from bench_operators import (  # noqa: E402
    linear_fit,
    mesa_boltzmann,
    operator_layer,
    operator_layer_in_subprocess,
)
from bench_sweep import measure_sweep, sweep_in_subprocess  # noqa: E402

try:  # issue 8's device-maker and enterprise layers (another branch until merged)
    from bench_firms import firm_layer_steps_per_s
except ImportError:
    firm_layer_steps_per_s = None

#: The keys of the JSON object (the issue's list).
KEYS = ("replicate_ms", "agent_steps_per_s_1e5", "agent_steps_per_s_1e6",
        "mesa_boltzmann_agent_steps_per_s", "sweep_1000_s_1w", "sweep_1000_s_2w",
        "sweep_parent_peak_mib_200", "sweep_parent_peak_mib_2000", "run_baseline_s", "help_s",
        "peak_mib_1e6")

#: Sizes of each mode. ``firms``: the first is the small point of the linear fit, then 10^5 and
#: 10^6 (the figures' sizes). ``in_process``: measure firms and sweeps here, not in fresh
#: processes (the tiny mode of the test: fast, memory figures then include the caller's).
SIZES = {
    "full": {"replicate_repeats": 30, "mesa_steps": 100, "mesa_repeats": 5,
             "firms": (10_000, 100_000, 1_000_000), "firm_steps": 20, "firm_warmup": 16,
             "sweep_runs": 1000, "memory_runs": (200, 2000), "cli_repeats": 5,
             "cli_args": (), "in_process": False},
    "quick": {"replicate_repeats": 10, "mesa_steps": 50, "mesa_repeats": 3,
              "firms": (10_000, 100_000, 1_000_000), "firm_steps": 4, "firm_warmup": 16,
              "sweep_runs": 100, "memory_runs": (50, 200), "cli_repeats": 2,
              "cli_args": (), "in_process": False},
    "tiny": {"replicate_repeats": 2, "mesa_steps": 3, "mesa_repeats": 1,
             "firms": (500, 1000, 2000), "firm_steps": 1, "firm_warmup": 1,
             "sweep_runs": 4, "memory_runs": (2, 4), "cli_repeats": 1,
             "cli_args": ("--replications", "1", "--no-plots"), "in_process": True},
}

#: The targets: key, comparison, limit, what it means.
TARGETS = (
    ("replicate_ms", "<=", 20.0, "1. one default-world replicate, model time (ms)"),
    ("agent_steps_per_s_1e5", ">=", 2e6, "2. firm layers at 10^5 firms (agent-steps/s)"),
    ("agent_steps_per_s_1e6", ">=", 2e6, "2. firm layers at 10^6 firms (agent-steps/s)"),
    ("ratio_to_mesa_1e6", ">=", 15.0, "2. ... at 10^6 / Mesa BoltzmannWealth (x)"),
    ("sweep_1000_s_2w", "<=", 60.0, "3. 1,000-run sweep on 2 workers (s)"),
    ("parallel_efficiency", ">=", 1.8, "3. 1-worker time / 2-worker time"),
    ("sweep_parent_peak_mib_2000", "<", 300.0, "3. sweep parent peak RSS, 2,000 runs (MiB)"),
    ("sweep_parent_growth", "<=", 1.1, "3. ... 2,000 runs / 200 runs (flat)"),
    ("run_baseline_s", "<", 5.0, "4. techbloc run baseline, end to end (s)"),
    ("help_s", "<", 0.5, "4. techbloc --help (s)"),
    ("peak_mib_1e6", "<", 2048.0, "5. peak RSS of a 10^6-firm run (MiB)"),
)


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def collect(mode: str = "full", quiet: bool = False) -> dict:
    """Measure every figure at the sizes of ``mode`` (``full``, ``quick`` or ``tiny``).

    Returns:
        The :data:`KEYS`, plus ``operator_steps_per_s_*``, ``firm_layer_steps_per_s_*`` (None
        while issue 8's layers are absent), the linear fit, the parallel efficiency, the
        ratios to Mesa, ``sizes``, ``estimated`` (keys scaled from a smaller sweep) and
        ``environment``.
    """
    z = SIZES[mode]
    out: dict = {"mode": mode, "sizes": dict(z), "estimated": []}

    _log("replicate ...", quiet)
    rep = replicate_times(z["replicate_repeats"])
    out["replicate_ms"] = statistics.median(rep["total"]) * 1e3
    out["replicate_build_ms"] = statistics.median(rep["build"]) * 1e3
    out["replicate_steps_ms"] = statistics.median(rep["steps"]) * 1e3

    _log("Mesa BoltzmannWealth ...", quiet)
    mesa = mesa_boltzmann(1000, z["mesa_steps"], z["mesa_repeats"])
    out["mesa_boltzmann_agent_steps_per_s"] = mesa["agent_steps_per_s"]

    _log("operator layer at scale ...", quiet)
    layer = operator_layer if z["in_process"] else operator_layer_in_subprocess
    ops = [layer(n, z["firm_steps"], z["firm_warmup"]) for n in z["firms"]]
    out["operator_layer"] = ops
    out["operator_fit"] = linear_fit([r["n_firms"] for r in ops],
                                     [r["seconds_per_step"] for r in ops])
    out["operator_steps_per_s_1e5"] = ops[1]["agent_steps_per_s"]
    out["operator_steps_per_s_1e6"] = ops[2]["agent_steps_per_s"]
    out["peak_mib_1e6"] = ops[2]["peak_rss_mib"]

    if firm_layer_steps_per_s is not None:
        _log("firm layers (bench_firms) ...", quiet)
        out["firm_layer_steps_per_s_1e5"] = firm_layer_steps_per_s(z["firms"][1],
                                                                   steps=z["firm_steps"])
        out["firm_layer_steps_per_s_1e6"] = firm_layer_steps_per_s(z["firms"][2],
                                                                   steps=z["firm_steps"])
    else:
        out["firm_layer_steps_per_s_1e5"] = out["firm_layer_steps_per_s_1e6"] = None
    for size in ("1e5", "1e6"):
        layers = [out[f"operator_steps_per_s_{size}"], out[f"firm_layer_steps_per_s_{size}"]]
        out[f"agent_steps_per_s_{size}"] = min(x for x in layers if x is not None)
        out[f"ratio_to_mesa_{size}"] = (out[f"agent_steps_per_s_{size}"]
                                        / out["mesa_boltzmann_agent_steps_per_s"])

    _log("sweeps ...", quiet)
    sweep = measure_sweep if z["in_process"] else sweep_in_subprocess
    runs = z["sweep_runs"]
    one, two = sweep(runs, 1), sweep(runs, 2)
    scale = 1000 / one["runs"]
    out["sweep_1000_s_1w"] = one["seconds"] * scale
    out["sweep_1000_s_2w"] = two["seconds"] * scale
    if one["runs"] != 1000:
        out["estimated"] += ["sweep_1000_s_1w", "sweep_1000_s_2w"]
    out["sweep_runs_measured"] = one["runs"]
    out["parallel_efficiency"] = one["seconds"] / two["seconds"]
    small, large = (sweep(n, 1 if z["in_process"] else 2) for n in z["memory_runs"])
    out["sweep_parent_peak_mib_200"] = small["peak_rss_mib"]
    out["sweep_parent_peak_mib_2000"] = large["peak_rss_mib"]
    out["sweep_memory_runs"] = [small["runs"], large["runs"]]
    out["sweep_parent_growth"] = large["peak_rss_mib"] / small["peak_rss_mib"]

    _log("command line ...", quiet)
    cli = cli_times(z["cli_repeats"], extra=z["cli_args"])
    out["help_s"] = statistics.median(cli["help"])
    out["run_baseline_s"] = statistics.median(cli["run_baseline"])

    out["environment"] = environment()
    return out


def environment() -> dict:
    """Machine and versions, for BASELINE.md."""
    from importlib import metadata

    import psutil

    versions = {"python": platform.python_version()}
    for pkg in ("techbloc", "mesa", "numpy", "pandas"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"versions": versions, "platform": platform.platform(),
            "processor": _cpu_name(), "cpus": psutil.cpu_count(),
            "load_average": list(psutil.getloadavg()),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _passes(value: float, op: str, limit: float) -> bool:
    return {"<": value < limit, "<=": value <= limit, ">=": value >= limit}[op]


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def table(res: dict) -> str:
    """The figures against their targets, and the operator layer's scaling, as text."""
    lines = []
    if res["mode"] != "full":
        lines.append(f"** {res['mode']} mode: smaller sizes than the targets' "
                     f"(sweeps of {res['sweep_runs_measured']} and {res['sweep_memory_runs']} "
                     f"runs; {res['sizes']['firm_steps']} timed quarters); "
                     f"estimated: {', '.join(res['estimated']) or 'none'} **")
    lines.append(f"{'target':48s} {'measured':>12s} {'limit':>10s}  ok")
    for key, op, limit, label in TARGETS:
        ok = _passes(res[key], op, limit)
        est = " (est.)" if key in res["estimated"] else ""
        lines.append(f"{label:48s} {_fmt(res[key]):>12s} {op + _fmt(limit):>10s}  "
                     f"{'yes' if ok else 'NO'}{est}")
    mesa = res["mesa_boltzmann_agent_steps_per_s"]
    lines.append(f"Mesa BoltzmannWealth, 1,000 agents (Mesa "
                 f"{res['environment']['versions']['mesa']}): {_fmt(mesa)} agent-steps/s")
    lines.append("operator layer (default world, operators multiplied; whole quarterly step):")
    for r in res["operator_layer"]:
        lines.append(f"  {r['n_firms']:>9,} operators: {_fmt(r['agent_steps_per_s']):>10s} "
                     f"agent-steps/s = {r['agent_steps_per_s'] / mesa:5.1f}x Mesa, "
                     f"{r['seconds_per_step'] * 1e3:8.1f} ms a quarter, "
                     f"peak RSS {r['peak_rss_mib']:.0f} MiB")
    fit = res["operator_fit"]
    lines.append(f"  cost linear in firms: {fit['slope_ns']:.0f} ns per agent-step + "
                 f"{fit['intercept_ms']:.1f} ms a quarter (R² {fit['r2']:.4f})")
    if res["firm_layer_steps_per_s_1e5"] is None:
        lines.append("firm layers of issue 8 (bench_firms.firm_layer_steps_per_s): not available "
                     "on this branch")
    else:
        for size in ("1e5", "1e6"):
            v = res[f"firm_layer_steps_per_s_{size}"]
            lines.append(f"firm layers at {size}: {_fmt(v)} agent-steps/s = {v / mesa:.1f}x Mesa")
    lines.append(f"replicate: build {res['replicate_build_ms']:.1f} ms + "
                 f"{res['replicate_steps_ms']:.1f} ms of steps; sweep on 1 worker "
                 f"{res['sweep_1000_s_1w']:.1f} s; parent peak "
                 f"{res['sweep_parent_peak_mib_200']:.0f} -> "
                 f"{res['sweep_parent_peak_mib_2000']:.0f} MiB")
    env = res["environment"]
    lines.append(f"machine: {env['processor']}, {env['cpus']} CPUs, {env['platform']}; "
                 f"load {env['load_average'][0]:.2f}; {env['date']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, under 2 minutes")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the test's sizes
    args = ap.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    res = collect(mode, quiet=args.json)
    if args.json:
        print(json.dumps(res, default=float))
    else:
        print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
