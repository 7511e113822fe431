"""The ``techbloc`` command (the only module of sim that imports analysis).

Heavy modules (pandas, Mesa, matplotlib) are imported inside the commands, so ``techbloc --help``
answers at once. Errors of techbloc's own kinds print one line without a traceback and exit 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from techbloc.sim import explore_cli  # light too: its commands import their modules when run
from techbloc.sim.errors import TechblocError, describe_os_error, did_you_mean  # light

EXIT_USAGE = 2


def _int_at_least(low: int, what: str):
    """An argparse type accepting integers >= ``low``, with a message naming ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected a {what}, got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1, "positive integer")
_seed = _int_at_least(0, "non-negative integer")


def _assignment(text: str) -> tuple[str, object]:
    from techbloc.sim.scenario import parse_value

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), parse_value(value, key.strip())
    except TechblocError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _overrides(parser: argparse.ArgumentParser) -> None:
    """The --set, --scale and --horizon options of the commands that resolve a scenario."""
    parser.add_argument("--set", dest="overrides", type=_assignment, action="append", default=[],
                        metavar="KEY=VALUE[@QUARTER]", help="hold a parameter at a value for the "
                        "whole horizon (the scenario's events on it are dropped, with a note), "
                        "e.g. us.ally_pressure=0.8; @2022Q1: from that quarter on (repeatable)")
    parser.add_argument("--scale", type=_assignment, action="append", default=[],
                        metavar="KEY=FACTOR", help="multiply the scenario's own trajectory of a "
                        "parameter, dates kept, e.g. us.ally_pressure=1.5 (repeatable)")
    parser.add_argument("--horizon", metavar="START:END",
                        help="another horizon, e.g. 2019Q1:2035Q4 (must start at 2019Q1)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="techbloc",
        description="Scenario simulator of tech-alliance dynamics: countries' Huawei policies "
                    "and operators' 5G vendor choices under sanctions and Belt & Road incentives.",
    )
    parser.add_argument("--scenarios", dest="search", action="append", default=[],
                        metavar="DIR", help="also look for scenario names in DIR (searched "
                        "first; also $TECHBLOC_SCENARIOS, ./scenarios, the shipped ones)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's replicates and write a run folder",
                         description="Run a named scenario (or a YAML file) and write "
                                     "manifest.json, model.parquet, countries.parquet and "
                                     "adoption.png into a run folder.")
    run.add_argument("scenario", metavar="NAME|PATH",
                     help="a shipped scenario (baseline, sanctions-2019) or a YAML file")
    run.add_argument("--replications", "-n", type=_positive_int, metavar="N",
                     help="number of replicates (default: the scenario's)")
    run.add_argument("--seed", type=_seed, metavar="S", help="base seed (default: the scenario's)")
    run.add_argument("--out", metavar="DIR",
                     help="run folder (default: results/<scenario>-<UTC timestamp>)")
    _overrides(run)
    run.add_argument("--no-plots", action="store_true", help="write tables only")
    run.add_argument("--overwrite", action="store_true",
                     help="replace the run already in --out (refused otherwise)")

    params = sub.add_parser("params", help="print the parameter tree",
                            description="Print every parameter with default, unit, range and "
                                        "role; --markdown prints docs/parameters.md.")
    params.add_argument("--markdown", action="store_true", help="print as Markdown")

    scen = sub.add_parser("scenarios", help="list the scenarios: name, title, parent, horizon",
                          description="List every scenario found on the search path; "
                                      "--markdown prints docs/scenarios.md.")
    scen.add_argument("--markdown", action="store_true",
                      help="print the shipped library as Markdown (docs/scenarios.md)")

    show = sub.add_parser("show", help="print a fully resolved scenario as YAML",
                          description="Print the resolved scenario (parents, overrides applied) "
                                      "as YAML that loads back; each parameter is annotated with "
                                      "where its value came from.")
    show.add_argument("scenario", metavar="NAME|PATH")
    _overrides(show)
    show.add_argument("--plain", action="store_true", help="no provenance comments")

    validate = sub.add_parser("validate", help="check scenario files and report every error",
                              description="Validate scenario files; print all errors of all "
                                          "files; exit 2 if any.")
    validate.add_argument("paths", nargs="+", metavar="PATH")

    cmp_ = sub.add_parser("compare", help="run scenarios with the same seeds and compare them",
                          description="Run (or load with --from) scenarios with common random "
                                      "numbers and write compare.png and compare.csv: each "
                                      "scenario's difference to the baseline with 90 % "
                                      "intervals paired by replicate.")
    cmp_.add_argument("scenarios", nargs="*", metavar="NAME|PATH")
    cmp_.add_argument("--baseline", help="the baseline (default: the first scenario)")
    cmp_.add_argument("--replications", "-n", type=_positive_int, metavar="N")
    cmp_.add_argument("--seed", type=_seed, metavar="S",
                      help="common base seed (default: the baseline's)")
    _overrides(cmp_)
    cmp_.add_argument("--from", dest="from_dirs", nargs="+", default=[], metavar="DIR",
                      help="reuse saved run folders instead of running")
    cmp_.add_argument("--out", metavar="DIR", help="output folder (default: results/compare-...)")

    plot = sub.add_parser("plot", help="draw a picture of a saved run",
                          description="Draw curves, policy, a map or the country table of a "
                                      "run folder.")
    plot.add_argument("run_dir", metavar="DIR")
    plot.add_argument("--kind", choices=("curves", "policy", "map", "countries", "heatmap"),
                      default="curves")
    plot.add_argument("--x", help="heatmap: parameter on the x axis (grid sweeps)")
    plot.add_argument("--y", help="heatmap: parameter on the y axis")
    plot.add_argument("--metric", default=None,
                      help="curves: china_share (default), device_share (handsets by maker, "
                           "from devices.parquet), enterprise_china_share (with --by: "
                           "GDP-weighted by group) or any model column such as "
                           "huawei_consumer_revenue_usd or own_os_share; heatmap: an outcome "
                           "summary (default share_china_2030)")
    plot.add_argument("--by", choices=("region", "bri", "alliance", "income_group", "vendor"),
                      help="one panel per group (curves, policy) or per vendor (curves)")
    plot.add_argument("--weight", choices=("sites", "population", "count"), default="sites",
                      help="how country shares are combined (curves)")
    plot.add_argument("--value", choices=("policy", "china_share"), default="policy",
                      help="what the map shows")
    plot.add_argument("--date", help="quarter of the map or table (default: the last)")
    plot.add_argument("-o", "--output", metavar="FILE",
                      help="output file (default: DIR/<kind>.png; .csv for countries)")

    report = sub.add_parser("report", help="write a self-contained HTML report of a run",
                            description="Write report.html: title, description, curves, map, "
                                        "country table, parameters and provenance.")
    report.add_argument("run_dir", metavar="DIR")
    report.add_argument("--date", help="quarter of the map and table (default: the last)")
    report.add_argument("-o", "--output", metavar="FILE")

    sw = sub.add_parser("sweep", help="run a parameter sweep (grid, LHS, Sobol, Morris)",
                        description="Run every (design point, replicate) of a sweep file, "
                                    "locally or on Dask, writing one file per finished run; "
                                    "--resume continues an interrupted sweep.")
    sw.add_argument("file", metavar="FILE", nargs="?", help="the sweep YAML file")
    sw.add_argument("--workers", "-w", type=_positive_int, default=None, metavar="N",
                    help="worker processes (default: the number of cores)")
    sw.add_argument("--backend", choices=("local", "dask"), default="local")
    sw.add_argument("--scheduler", metavar="ADDR",
                    help="an existing Dask scheduler, e.g. tcp://host:8786 (backend dask)")
    sw.add_argument("--out", metavar="DIR", help="sweep folder (default: results/sweep-...)")
    sw.add_argument("--resume", metavar="DIR", help="continue the sweep in DIR")
    _overrides(sw)
    sw.add_argument("--max-failures", type=_seed, default=0, metavar="K",
                    help="failed runs tolerated before stopping (default 0)")
    sw.add_argument("--max-runs", type=_positive_int, default=10**6, metavar="N",
                    help="refuse designs of more runs than N (default 1000000)")

    sens = sub.add_parser("sensitivity", help="Sobol or Morris indices of a finished sweep",
                          description="Sobol first-order and total indices (Sobol designs) or "
                                      "Morris mu*/sigma (Morris designs) with confidence "
                                      "intervals; writes sensitivity.csv and .png.")
    sens.add_argument("sweep_dir", metavar="DIR")
    sens.add_argument("--metric", default="share_china_2030",
                      help="outcome summary to analyse (default share_china_2030)")

    hc = sub.add_parser("hindcast", help="score the 2019-2024 record against the model",
                        description="Run the free-running historical scenario to 2024Q4, with "
                                    "every 5G launch modelled (rollout.observed_launches off), "
                                    "and score stances, vendor shares, markets and patterns "
                                    "P1-P7 against the observed record; writes hindcast.json, "
                                    "hindcast.png and markets.png.")
    hc.add_argument("--scenario", default="sanctions-2019",
                    help="the free-running historical scenario (default sanctions-2019)")
    hc.add_argument("--replications", "-n", type=_positive_int, default=50, metavar="N")
    hc.add_argument("--seed", type=_seed, metavar="S")
    hc.add_argument("--out", metavar="DIR", help="output folder (default: results/hindcast-...)")

    cal = sub.add_parser("calibrate", help="fit the unpinned weights to the 2019-2021 record",
                         description="Fit the policy and choice weights no study estimates to "
                                     "the 2019-2021 stances by differential evolution; report "
                                     "in-sample (2019-2021) and out-of-sample (2022-2024) skill "
                                     "and write the fitted set as a scenario.")
    cal.add_argument("--scenario", default="sanctions-2019")
    cal.add_argument("--trials", type=_positive_int, default=300, metavar="N")
    cal.add_argument("--replications", "-n", type=_positive_int, default=4, metavar="N")
    cal.add_argument("--seed", type=_seed, default=1, metavar="S")
    cal.add_argument("--ban-weight", type=float, default=0.0, metavar="W",
                     help="weight of the Brier score of P(ban) in the objective (default 0)")
    cal.add_argument("--out", metavar="FILE", default="scenarios/calibrated.yaml",
                     help="the scenario file to write (default scenarios/calibrated.yaml)")

    app = sub.add_parser("app", help="start the browser app on this machine",
                         description="Serve the interactive browser app (pick or upload a "
                                     "scenario, move the levers, run, inspect, compare, "
                                     "export) and print its address. Needs techbloc[app].")
    app.add_argument("--host", default="127.0.0.1",
                     help="interface to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=_positive_int, default=8765, help="port (default 8765)")
    app.add_argument("--scenario", default=None, metavar="NAME",
                     help="the scenario the page opens with (default sanctions-2019)")

    diff = sub.add_parser("diff", help="parameter and event differences of two scenarios",
                          description="Compare two resolved scenarios.")
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    explore_cli.add_commands(sub)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario and write its run folder."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from techbloc.sim.experiment import run
    from techbloc.sim.folders import safe_component
    from techbloc.sim.scenario import load_scenario

    console = Console(stderr=True)
    scenario = load_scenario(args.scenario, set=dict(args.overrides), horizon=args.horizon,
                             search=args.search, scale=dict(args.scale))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = safe_component(scenario.name, "run")  # one path component, whatever the file says
    out = Path(args.out) if args.out else Path("results") / f"{name}-{stamp}"
    n = args.replications or scenario.replications
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"{scenario.name}", total=n)
        res = run(scenario, replications=n, seed=args.seed, out=out, overwrite=args.overwrite,
                  progress=lambda done, total: bar.update(task, completed=done))
    if not args.no_plots:
        from techbloc.analysis.curves import adoption_figure
        from techbloc.analysis.maps import world_map

        title = scenario.title or scenario.name
        fig, _ = adoption_figure(res.model, res.countries, title=title)
        fig.savefig(out / "adoption.png", dpi=120)
        fig, _ = world_map(res.countries, str(scenario.horizon[1]), "policy")
        fig.savefig(out / "map.png", dpi=120)
    print(f"run folder: {out}")
    for line in res.summary():
        print(f"  {line}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter tree."""
    from techbloc.sim import params

    if args.markdown:
        sys.stdout.write(params.to_markdown())
        return 0
    for key, p in params.FLAT.items():
        rng = "true/false" if p.kind is bool else f"[{p.range[0]:g}, {p.range[1]:g}]"
        print(f"{key:38s} {p.default!s:>10} {rng:>14}  {p.role:11s} {p.unit}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenarios on the search path: name, title, parent, horizon."""
    from techbloc.sim.scenario import available, library_markdown, load_scenario

    if args.markdown:
        sys.stdout.write(library_markdown())
        return 0
    rows = []
    for name, path in available(args.search).items():
        try:
            s = load_scenario(path, search=args.search)
            rows.append((name, s.title, s.extends or "", f"{s.horizon[0]}-{s.horizon[1]}"))
        except TechblocError as e:
            rows.append((name, f"INVALID: {e}", "", ""))
    widths = [max(len(r[i]) for r in [("name", "title", "parent", "horizon"), *rows])
              for i in (0, 2, 3)]
    print(f"{'name':{widths[0]}}  {'parent':{widths[1]}}  {'horizon':{widths[2]}}  title")
    for name, title, parent, horizon in rows:
        print(f"{name:{widths[0]}}  {parent:{widths[1]}}  {horizon:{widths[2]}}  {title}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print a resolved scenario as YAML."""
    from techbloc.sim.scenario import load_scenario

    s = load_scenario(args.scenario, set=dict(args.overrides), horizon=args.horizon,
                      search=args.search, scale=dict(args.scale))
    sys.stdout.write(s.to_yaml(annotate=not args.plain))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate files; print every error."""
    from techbloc.sim.scenario import validate

    n_bad = 0
    for path in args.paths:
        errors = validate(path, args.search)
        for e in errors:
            print(f"{e}", file=sys.stderr)
        if errors:
            n_bad += 1
        else:
            print(f"ok: {path}")
    if n_bad:
        print(f"techbloc: {n_bad} of {len(args.paths)} files invalid", file=sys.stderr)
    return EXIT_USAGE if n_bad else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Run or load scenarios and compare them with paired intervals."""
    from techbloc.analysis.compare import compare, compare_figure
    from techbloc.sim.experiment import run
    from techbloc.sim.results import load_results
    from techbloc.sim.scenario import load_scenario

    runs = {}
    for d in args.from_dirs:
        res = load_results(d)
        runs[str(res.manifest["scenario"].get("name", Path(d).name))] = res
    names = list(args.scenarios)
    if not names and not runs:
        raise TechblocError("name at least one scenario, or saved runs with --from",
                            key="compare")
    scenarios = [load_scenario(n, horizon=args.horizon, search=args.search,
                               set=dict(args.overrides), scale=dict(args.scale)) for n in names]
    baseline = args.baseline or (scenarios[0].name if scenarios else next(iter(runs)))
    base_scen = next((s for s in scenarios if s.name == baseline), None)
    compared = [*runs, *(s.name for s in scenarios)]  # checked before anything runs
    if baseline not in compared:
        raise TechblocError(f"baseline {baseline!r} is not among the compared runs: "
                            + ", ".join(compared), key="--baseline",
                            hint="name it among the scenarios, or pick one of those")
    if len(set(compared)) < 2:
        raise TechblocError("need at least two different scenarios to compare", key="compare")
    seed = args.seed if args.seed is not None else (
        base_scen.seed if base_scen else runs[baseline].manifest.get("base_seed"))
    for s in scenarios:
        n = args.replications or (base_scen or s).replications
        print(f"running {s.name} ({n} replicates, seed {seed})", file=sys.stderr)
        runs[s.name] = run(s, replications=n, seed=seed)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else Path("results") / f"compare-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    table = compare(runs, baseline=baseline)
    table.to_csv(out / "compare.csv", index=False)
    fig, _ = compare_figure(runs, baseline=baseline)
    fig.savefig(out / "compare.png", dpi=120)
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_rows", 200):
        show = table[table["metric"].isin(["share_china", "n_ban", "world_split",
                                           "huawei_consumer_revenue_usd",
                                           "enterprise_china_share"])].copy()
        # USD columns in billions on screen (compare.csv keeps dollars).
        usd = show["metric"].str.endswith("_usd")
        cols = ["baseline", "value", "diff", "lo", "hi"]
        show.loc[usd, cols] = show.loc[usd, cols] / 1e9
        show.loc[usd, "metric"] = show.loc[usd, "metric"].str.replace("_usd", "_usd_bn")
        print(show[["scenario", "date", "metric", *cols]]
              .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"compare folder: {out} (compare.csv has all metrics and the unpaired intervals)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run or resume a sweep with a progress bar."""
    import os

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from techbloc.sim.sweeps import load_sweep, sweep

    if not args.file:
        raise TechblocError("name the sweep file (with --resume: the same file)", key="FILE")
    spec = load_sweep(args.file, set=dict(args.overrides), scale=dict(args.scale),
                      horizon=args.horizon)
    workers = args.workers or os.cpu_count() or 1
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed  {task.fields[rate]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    import time

    start = time.perf_counter()
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sweep", total=None, failed=0, rate="")
        first: list[int] = []

        def progress(done, total, failed):
            first.append(done) if not first else None
            ran = done - first[0] + 1
            rate = f"{ran / (time.perf_counter() - start):.1f} runs/s"
            bar.update(task, completed=done, total=total, failed=failed, rate=rate)

        try:
            res = sweep(spec, workers=workers, backend=args.backend, scheduler=args.scheduler,
                        out=args.out, resume=args.resume, max_failures=args.max_failures,
                        progress=progress, max_runs=args.max_runs)
        except KeyboardInterrupt:
            print("techbloc: interrupted; finished runs are kept: resume with --resume",
                  file=sys.stderr)
            return 130
    m = res.manifest
    print(f"sweep folder: {res.path}")
    print(f"  {m['n_complete']} of {m['n_runs']} runs complete ({m['n_points']} points x "
          f"{spec.replications} replicates), {len(m['failures'])} failed; "
          f"summary.parquet has {len(res.summary)} rows")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Sensitivity indices of a sweep."""
    from techbloc.analysis.sensitivity import sensitivity, sensitivity_figure
    from techbloc.sim.sweeps import load_sweep_result

    res = load_sweep_result(args.sweep_dir)
    table = sensitivity(res, args.metric)
    table.to_csv(res.path / "sensitivity.csv", index=False)
    fig, _ = sensitivity_figure(table, res.manifest["sweep"]["design"], args.metric)
    fig.savefig(res.path / "sensitivity.png", dpi=120)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {res.path / 'sensitivity.csv'} and sensitivity.png")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw a picture of a saved run or sweep."""
    from techbloc.analysis import adoption_curves, country_table, policy_curves, world_map
    from techbloc.analysis.load import load_run
    from techbloc.sim.folders import output_file

    if args.kind == "heatmap":
        from techbloc.analysis.sensitivity import heatmap
        from techbloc.sim.folders import read_sweep

        res = read_sweep(args.run_dir)  # a run folder is refused, saying what it supports
        if not (args.x and args.y):
            raise TechblocError("a heatmap needs --x and --y (parameters of the grid)",
                                key="--x/--y")
        fig, _ = heatmap(res, args.x, args.y, args.metric or "share_china_2030")
        out = output_file(args.output, Path(args.run_dir) / "heatmap.png")
        fig.savefig(out, dpi=120)
        print(f"wrote {out}")
        return 0
    res = load_run(args.run_dir)  # a sweep folder is refused, saying what it supports
    date = args.date or str(res.model["date"].iloc[-1])
    title = res.manifest.get("scenario", {}).get("title", "")
    if args.kind == "countries":
        table = country_table(res.countries, date)
        if args.output:
            table.to_csv(output_file(args.output, Path()), index=False)
            print(f"wrote {args.output}")
        else:
            print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        return 0
    if args.kind == "curves":
        metric = args.metric or "china_share"
        if metric == "device_share":
            df = res.devices
        elif metric == "enterprise_china_share" and args.by:
            df = res.countries
        elif args.by == "vendor" or metric != "china_share":
            df = res.model
        else:
            df = res.countries
        if metric not in ("china_share", "device_share", "enterprise_china_share") \
                and metric not in res.model.columns:
            raise TechblocError(f"unknown metric {metric!r}", key="--metric",
                                hint=did_you_mean(metric, [*res.model.columns, "device_share"]))
        fig, _ = adoption_curves(df, metric=metric, by=args.by, weight=args.weight, title=title)
    elif args.kind == "policy":
        if args.by == "vendor":
            raise TechblocError("policy curves group by countries, not vendors", key="--by")
        fig, _ = policy_curves(res.countries, by=args.by, title=title)
    else:
        fig, _ = world_map(res.countries, date, args.value, title=title)
    out = output_file(args.output, Path(args.run_dir) / f"{args.kind}.png")
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report of a run."""
    from techbloc.analysis.report import write_report
    from techbloc.sim.folders import output_file

    out = output_file(args.output, Path(args.run_dir) / "report.html")
    path = write_report(args.run_dir, out, args.date)
    print(f"wrote {path}")
    return 0


def cmd_hindcast(args: argparse.Namespace) -> int:
    """Score a 2019-2024 run against the observed record."""
    import json

    import pandas as pd
    from techbloc.analysis.hindcast import hindcast, hindcast_figure
    from techbloc.analysis.markets import format_table, markets_figure
    from techbloc.sim.experiment import run
    from techbloc.sim.observed import (
        OBSERVED,
        read_china_sites,
        read_contracts,
        read_huawei_segments,
        read_launch_record,
        read_ran_vendors,
        read_vendor_shares,
        stances,
    )

    print(f"running {args.scenario} to 2024Q4 ({args.replications} replicates)",
          file=sys.stderr)
    # Hindcast mode: no launch date after the run's start is an input (issue 17); launches come
    # from the roll-out rule and are scored against the observed record.
    res = run(args.scenario, replications=args.replications, seed=args.seed,
              horizon="2019Q1:2024Q4", search=args.search,
              set={"rollout.observed_launches": False})
    observed = stances()
    scores = hindcast(res.model, res.countries, observed, read_vendor_shares(),
                      pd.read_csv(OBSERVED / "europe_china_share.csv"), read_contracts(),
                      read_huawei_segments(), read_china_sites(), read_launch_record(),
                      read_ran_vendors())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else Path("results") / f"hindcast-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "hindcast.json").write_text(json.dumps(scores, indent=2, default=float) + "\n")
    fig, _ = hindcast_figure(res.countries, observed, 2024)
    fig.savefig(out / "hindcast.png", dpi=120)
    fig, _ = markets_figure(res.model, res.countries, read_vendor_shares(),
                            read_huawei_segments(), read_china_sites())
    fig.savefig(out / "markets.png", dpi=120)
    for year, s in scores["stances"].items():
        print(f"stances at end-{year} ({s['n_countries']} countries, "
              f"{s['observed_not_open']} not open):")
        for rule in ("model", "all_open", "treaty_ally"):
            m = s[rule]
            print(f"  {rule:12s} balanced accuracy {m['balanced_accuracy']:.2f}  ordinal "
                  f"accuracy {m['ordinal_accuracy']:.2f}  Brier {m['brier']:.3f}")
        worst = ", ".join(f"{w['iso3']} ({w['observed']}, P={w['p_not_open']:.2f})"
                          for w in s["most_wrong"][:5])
        print(f"  most wrong: {worst}")
    print(f"vendor shares: mean absolute error {scores['vendor_shares']['mae']:.3f}; Europe "
          f"China-bloc share error {scores['europe_china_share']['mae']:.3f}")
    claims = ", ".join(f"{r['vendor']} {r['claimed']} vs {r['model']:.0f} ({r['quarter']})"
                       for r in scores["contracts"]["rows"])
    print(f"5G contracts claimed vs operators under contract in the model: {claims}")
    ratios = ", ".join(f"{r['vendor']}/huawei {r['claimed_ratio']:.2f} vs {r['model_ratio']:.2f} "
                       f"({r['quarter']})" for r in scores["contracts"]["ratios"])
    if ratios:
        print(f"  ratios claimed vs model: {ratios}")
    for p in scores["patterns"]:
        print(f"  {'PASS' if p['pass'] else 'fail'}  {p['pattern']}: {p['measured']}")
    mk = scores["markets"]
    print("markets at each year's end, model median [5-95 %] and the record (markets.png):")
    print(format_table(mk))
    for name, c in mk["checks"].items():
        print(f"  {'PASS' if c['pass'] else 'fail'}  {name}: "
              + ", ".join(f"{k} {v}" for k, v in c.items() if k != "pass"))
    la = mk["launches"]
    print(f"5G launch year, mean absolute error ({la['n_countries']} countries): model "
          f"{la['mae_model']:.2f}, naive income-group rule {la['mae_naive']:.2f}; by region: "
          + "; ".join(f"{r} {v['model']:.2f} vs {v['naive']:.2f} (n={v['n']})"
                      for r, v in la["by_region"].items()))
    vb = mk["vendors_by_country"]
    print(f"5G RAN vendors by country: Chinese vendor present as recorded in "
          f"{vb['presence_accuracy']:.0%} of {vb['presence_n']} rows; China-bloc share mean "
          f"absolute error {vb['share_mae']:.2f} over {vb['share_n']} country shares")
    print(f"hindcast folder: {out}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate, score in and out of sample, write the fitted scenario."""
    from techbloc.analysis.hindcast import stance_skill
    from techbloc.sim.calibration import calibrate, scenario_yaml
    from techbloc.sim.experiment import run
    from techbloc.sim.observed import stances
    from techbloc.sim.scenario import load_scenario

    observed = stances()
    print(f"calibrating on 2019-2021 ({args.trials} trials x {args.replications} replicates)",
          file=sys.stderr)
    result = calibrate(args.scenario, observed, trials=args.trials,
                       replications=args.replications, seed=args.seed,
                       ban_weight=args.ban_weight)
    base = load_scenario(args.scenario, search=args.search)
    rows, stats = [], {}
    # "uncalibrated": the fitted weights at their defaults in sim/params.py (the scenario itself
    # may already extend an earlier calibration).
    from techbloc.sim.params import defaults

    prior = defaults()
    uncalibrated = base.with_params({k: prior[k] for k in result.values})
    for label, scen in (("uncalibrated", uncalibrated),
                        ("calibrated", base.with_params(result.values))):
        res = run(scen, replications=max(args.replications, 10), seed=args.seed,
                  horizon="2019Q1:2024Q4")
        for year in (2021, 2024):
            sk = stance_skill(res.countries, observed, year)
            sample = "in-sample" if year <= 2021 else "out-of-sample"
            for rule in ("model", "all_open", "treaty_ally"):
                if rule != "model" and label == "calibrated":
                    continue
                name = label if rule == "model" else rule
                m = sk[rule]
                rows.append(f"  {year} {sample:13s} {name:12s} balanced accuracy "
                            f"{m['balanced_accuracy']:.2f}  Brier {m['brier']:.3f}")
                if rule == "model":
                    stats[f"{label} {year} Brier"] = round(m["brier"], 4)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(scenario_yaml(result, args.scenario, stats) + "\n")
    print("fitted:", ", ".join(f"{k}={v:.3f}" for k, v in result.values.items()))
    print("\n".join(rows))
    print(f"wrote {out} (objective {result.objective:.4f}); extend it with 'extends: "
          f"{out.stem}' to use the fitted weights")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the browser app until interrupted."""
    from techbloc.app.server import configure, serve

    configure()  # Solara reads its settings when first imported
    try:
        import solara  # noqa: F401
    except ImportError:
        raise TechblocError("the browser app needs Solara, which is not installed", key="app",
                            hint="install it with: pip install 'techbloc[app]'") from None
    if args.scenario is not None:
        from techbloc.sim.scenario import find

        find(args.scenario, args.search)  # an unknown name fails here, with suggestions
    serve(host=args.host, port=args.port, scenario=args.scenario)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the differences between two resolved scenarios."""
    from techbloc.sim.scenario import load_scenario

    a = load_scenario(args.a, search=args.search)
    b = load_scenario(args.b, search=args.search)
    print(f"--- {a.name}\n+++ {b.name}")
    same = True
    for key in ("seed", "replications", "horizon"):
        va, vb = getattr(a, key), getattr(b, key)
        if va != vb:
            same = False
            fmt = (lambda h: f"{h[0]}-{h[1]}") if key == "horizon" else str
            print(f"{key}: {fmt(va)} -> {fmt(vb)}")
    for key in a.params:
        if a.params[key] != b.params[key]:
            same = False
            print(f"params.{key}: {a.params[key]} -> {b.params[key]}")
    ea = [e.to_dict() for e in a.events]
    eb = [e.to_dict() for e in b.events]
    for label, mine, other in (("-", ea, eb), ("+", eb, ea)):
        for e in mine:
            if e not in other:
                same = False
                print(f"{label} event {e['at']} {e['name']}: "
                      + ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("at", "name")))
    if same:
        print("no differences")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``techbloc`` console script."""
    explore_cli.print_notes()  # override notes (sim.overrides) as one stderr line each
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    commands = {"run": cmd_run, "params": cmd_params, "scenarios": cmd_scenarios,
                "show": cmd_show, "validate": cmd_validate, "diff": cmd_diff,
                "compare": cmd_compare, "plot": cmd_plot, "report": cmd_report,
                "sweep": cmd_sweep, "sensitivity": cmd_sensitivity, "hindcast": cmd_hindcast,
                "calibrate": cmd_calibrate, "app": cmd_app, **explore_cli.COMMANDS}
    try:
        return commands[args.command](args)
    except TechblocError as e:
        print(f"techbloc: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:  # permission, missing folder, disk full, not a directory: one line
        print(f"techbloc: error: {describe_os_error(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("techbloc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
