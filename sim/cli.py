"""The ``techbloc`` command: its parser and the commands' dispatch.

The longer commands' bodies live in :mod:`sim.commands`, :mod:`sim.plot_command` and
:mod:`sim.hindcast_command`, imported when they run.
Heavy modules (pandas, Mesa, matplotlib) are imported inside the commands, so ``techbloc --help``
answers at once. Errors of techbloc's own kinds print one line without a traceback and exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from techbloc.sim import explore_cli  # light too: its commands import their modules when run
from techbloc.sim.calibrations import CALIBRATIONS, FITTED_THROUGH  # light
from techbloc.sim.commands import (  # light at import
    UNCERTAINTY,
    generation_count,
    int_at_least,
    nonnegative_float,
    nonnegative_int,
    positive_int,
    replicate_count,
    seed_value,
    trial_count,
)
from techbloc.sim.errors import TechblocError, describe_os_error  # light

EXIT_USAGE = 2




def _folder(text: str) -> str:
    """An existing folder (--scenarios): a misspelt one would otherwise be passed over silently."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{'not a folder' if path.exists() else 'no such folder'}"
                                         f": {text!r}")
    return text


def _assignment(text: str) -> tuple[str, object]:
    from techbloc.sim.scenario import parse_value

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    if value.strip().startswith("@"):
        raise argparse.ArgumentTypeError(f"{key.strip()}: expected a value before '@' "
                                         f"(KEY=VALUE@2022Q1), got {text!r}")
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
    parser.add_argument("--scenarios", dest="search", type=_folder, action="append", default=[],
                        metavar="DIR", help="also look for scenario names in DIR (searched "
                        "first; also $TECHBLOC_SCENARIOS, ./scenarios, the shipped ones)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's replicates and write a run folder",
                         description="Run a named scenario (or a YAML file) and write "
                                     "manifest.json, model.parquet, countries.parquet and "
                                     "adoption.png into a run folder.")
    run.add_argument("scenario", metavar="NAME|PATH",
                     help="a shipped scenario (baseline, sanctions-2019) or a YAML file")
    run.add_argument("--replications", "-n", type=replicate_count, metavar="N",
                     help="number of replicates (default: the scenario's)")
    run.add_argument("--seed", type=seed_value, metavar="S",
                     help="base seed (default: the scenario's)")
    run.add_argument("--out", metavar="DIR",
                     help="run folder (default: results/<scenario>-<UTC timestamp>)")
    _overrides(run)
    run.add_argument("--no-plots", action="store_true", help="write tables only")
    run.add_argument("--overwrite", action="store_true",
                     help="replace the run already in --out (refused otherwise)")
    run.add_argument("--uncertainty", choices=UNCERTAINTY,
                     help="what varies between replicates: noise (the random numbers, "
                          "weights at the calibrated point), parameters (each replicate's "
                          "calibrated weights drawn from the posterior ensemble, one seed) or "
                          "both (default: the scenario's uncertainty.* settings)")
    run.add_argument("--calibration", choices=CALIBRATIONS,
                     help="run on this shipped calibration and its posterior ensemble instead "
                          "of the one the scenario extends: calibrated, fitted on the whole "
                          "2019-2024 record (what every shipped scenario extends), or "
                          "calibrated-2021, fitted on 2019-2021 only, the one techbloc "
                          "hindcast scores (docs/ODD.md §1.2); values the scenario or --set "
                          "gives are kept")

    params = sub.add_parser("params", help="print the parameter tree",
                            description="Print every parameter with its default, the "
                                        "calibrated value runs use where one was fitted, range, "
                                        "role and unit; --markdown prints docs/parameters.md.")
    params.add_argument("--markdown", action="store_true", help="print as Markdown")
    params.add_argument("--scenario", metavar="NAME|PATH",
                        help="also show the values this scenario starts with")

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
                                          "files; exit 2 if any. A sweep file is checked as a "
                                          "sweep (its first error).")
    validate.add_argument("paths", nargs="+", metavar="PATH")

    cmp_ = sub.add_parser("compare", help="run scenarios with the same seeds and compare them",
                          description="Run (or load with --from) scenarios with common random "
                                      "numbers and write compare.png and compare.csv: each "
                                      "scenario's difference to the baseline with 90 % "
                                      "intervals paired by replicate.")
    cmp_.add_argument("scenarios", nargs="*", metavar="NAME|PATH")
    cmp_.add_argument("--baseline", help="the baseline (default: the first scenario)")
    cmp_.add_argument("--replications", "-n", type=replicate_count, metavar="N")
    cmp_.add_argument("--seed", type=seed_value, metavar="S",
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
    plot.add_argument("--weight", choices=("sites", "population", "gdp", "count"),
                      help="how countries are weighed: curves by sites (default), population "
                           "or count; policy by population (default), gdp or count")
    plot.add_argument("--value", choices=("policy", "china_share", "p_not_open"),
                      help="what the map shows (policy, the default: the most frequent "
                      "policy beside P(not open))")
    plot.add_argument("--date", help="quarter of the map or table (default: the last)")
    plot.add_argument("-o", "--output", metavar="FILE",
                      help="output file (default: DIR/<kind>-<options>.png, e.g. "
                           "map-policy-2030Q4.png; countries-<date>.csv for countries)")

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
    sw.add_argument("--workers", "-w", type=positive_int, default=None, metavar="N",
                    help="worker processes (default: the number of cores)")
    sw.add_argument("--backend", choices=("local", "dask"), default="local")
    sw.add_argument("--scheduler", metavar="ADDR",
                    help="an existing Dask scheduler, e.g. tcp://host:8786 (backend dask)")
    sw.add_argument("--out", metavar="DIR", help="sweep folder (default: results/sweep-...)")
    sw.add_argument("--resume", metavar="DIR", help="continue the sweep in DIR")
    _overrides(sw)
    sw.add_argument("--max-failures", type=nonnegative_int, default=0, metavar="K",
                    help="failed runs tolerated before stopping (default 0)")
    sw.add_argument("--max-runs", type=positive_int, default=10**6, metavar="N",
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
                                    "and score stances, vendor shares, markets, bans and "
                                    "patterns P1-P7 against the observed record; writes "
                                    "hindcast.json, hindcast.png, markets.png and bans.png.")
    hc.add_argument("--scenario", default="sanctions-2019",
                    help="the free-running historical scenario (default sanctions-2019); one "
                         "that forces a country's policy before 2025 (history) is refused")
    hc.add_argument("--replications", "-n", type=replicate_count, default=50, metavar="N")
    hc.add_argument("--seed", type=seed_value, metavar="S")
    hc.add_argument("--calibration", choices=CALIBRATIONS,
                    default="calibrated-2021",
                    help="the shipped calibration the runs use in place of the one the "
                         "scenario extends, with its posterior ensemble: calibrated-2021, "
                         "fitted on 2019-2021 only, so 2022-2024 are out of sample (default; "
                         "the validation protocol, docs/ODD.md §1.2), or calibrated, fitted on "
                         "the whole record 2019-2024 (the one every other command runs; "
                         "every score is then in sample)")
    hc.add_argument("--out", metavar="DIR", help="output folder (default: results/hindcast-...)")
    hc.add_argument("--uncertainty", choices=UNCERTAINTY,
                    help="what varies between the replicates of the hindcast's runs and its "
                         "forecast (as for run; noise scores the calibrated point estimate; "
                         "default: the scenario's uncertainty.* settings); the --cv folds run "
                         "their own fitted point with noise")
    hc.add_argument("--forecast-replicates", type=replicate_count, default=200, metavar="P",
                    help="replicates of the free-running run whose paths condition the "
                         "temporal forecast from the end of 2021 on each country's 2019-2021 "
                         "record (docs/ODD.md §1.2; default 200; the hindcast's own run is "
                         "used when -n is at least as large)")
    hc.add_argument("--cv", type=int, default=0, metavar="K",
                    help="also run K-fold cross-validation over countries, refitting the "
                         "weights on the other folds' 2019-2021 stances alone (no Europe-wide "
                         "share term, no value fitted on every country; launches emergent in "
                         "the fits as in the scoring; docs/ODD.md §1.2) (default 0: skip; "
                         "5 takes minutes)")
    hc.add_argument("--cv-trials", type=trial_count, metavar="N",
                    help="calibration trials per fold (default 240)")
    hc.add_argument("--cv-fit", choices=("countries", "legacy"),
                    help="what each fold refits: the country weights by ranked probability "
                         "score (countries, as calibrate --countries) or the earlier eight "
                         "weights by Brier score (legacy, as calibrate without --countries)")

    cal = sub.add_parser("calibrate", help="fit the unpinned weights to the stance record",
                         description="Fit the policy and choice weights no study estimates to "
                                     "the recorded stances by differential evolution (the whole "
                                     "2019-2024 record, or 2019-2021 with --fit-through 2021, "
                                     "the validation protocol's fit); report the skill at the "
                                     "ends of 2021 and 2024 (out of sample for years after "
                                     "--fit-through) and write the fitted set as a scenario.")
    cal.add_argument("--scenario", default="sanctions-2019",
                     help="the free-running scenario fitted (default sanctions-2019); one that "
                          "forces a country's policy before 2025 (history) is refused")
    cal.add_argument("--trials", type=trial_count, metavar="N",
                     help="trials of the point fit (default 300)")
    cal.add_argument("--replications", "-n", type=replicate_count, metavar="N",
                     help="replicates per trial of the point fit (default 4)")
    cal.add_argument("--seed", type=seed_value, default=1, metavar="S")
    cal.add_argument("--ban-weight", type=nonnegative_float, metavar="W",
                     help="weight of the Brier score of P(ban) in the objective (default 0)")
    cal.add_argument("--countries", action="store_true",
                     help="fit the country-decision weights of docs/ODD.md §7.5 (cut-points, "
                          "frontline, Belt & Road damping, disposition) by ranked probability "
                          "score instead of the eight weights by Brier score")
    cal.add_argument("--posterior", type=int, default=0, metavar="POP",
                     help="with --countries, also fit a posterior ensemble by ABC-SMC with POP "
                          "particles per generation (needs pyabc: pip install "
                          "'techbloc[calibrate]') and write it beside the scenario as "
                          "<name>_posterior.parquet, with a picture of its marginals")
    cal.add_argument("--launches", choices=("emergent", "observed"), default="emergent",
                     help="5G launches in the fit and scoring runs: from the roll-out rule, as "
                          "techbloc hindcast scores them (emergent, the default), or the "
                          "recorded dates of sim/data/launch_5g.csv (observed, the regime "
                          "scenarios/calibrated.yaml was fitted in)")
    cal.add_argument("--generations", type=generation_count, metavar="G",
                     help="ABC-SMC generations of --posterior (default 4)")
    cal.add_argument("--abc-replications", type=replicate_count, metavar="R",
                     help="replicates per ABC evaluation (default 2, as the shipped ensemble): "
                          "more make the distance less noisy and each evaluation slower")
    cal.add_argument("--abc-score", choices=("fair", "plain"),
                     help="the ABC distance's stance score: the plain RPS of the replicates' "
                          "shares (default, as the shipped ensemble), which few replicates "
                          "bias toward parameters whose runs rarely differ, or the fair RPS, "
                          "unbiased for any --abc-replications (at least 2); an ensemble "
                          "fitted with it was tried and not adopted (docs/ODD.md §1.2)")
    cal.add_argument("--abc-europe-band", type=nonnegative_float, metavar="B",
                     help="a gap of Europe's 2020 China-bloc share to Strand Consult's 0.51 up "
                          "to B costs the ABC distance nothing, only the excess counts (default "
                          "0, the whole gap, as the shipped ensemble; 0.09 is the record's own "
                          "spread, pattern P3's tolerance)")
    cal.add_argument("--abc-floor", action="store_true",
                     help="never let the ABC tolerance fall below the distance's median at the "
                          "point values (measured first on fresh replicates), and stop after "
                          "the first generation at it: below it the sampler selects parameter "
                          "sets by their replicates' luck")
    cal.add_argument("--posterior-only", action="store_true",
                     help="with --countries --posterior, skip the point fit and fit only the "
                          "ensemble, around the scenario's own (calibrated) values")
    cal.add_argument("--fit-through", type=int, choices=sorted(FITTED_THROUGH.values()),
                     default=FITTED_THROUGH["calibrated"],
                     metavar="YEAR",
                     help="the last year-end of the record fitted: 2024 (default, the whole "
                          "record: scenarios/calibrated.yaml, which runs use) or 2021 (the "
                          "validation protocol's fit, written as calibrated-2021.yaml, which "
                          "techbloc hindcast scores; docs/ODD.md §1.2)")
    cal.add_argument("--out", metavar="DIR", help="a new folder for calibrated.yaml and "
                     "trials.csv (default results/calibrate-<UTC timestamp>); nothing else "
                     "changes: adopting the fit is a separate step the command prints")

    app = sub.add_parser("app", help="start the browser app on this machine",
                         description="Serve the interactive browser app (pick or upload a "
                                     "scenario, move the levers, run, inspect, compare, "
                                     "export) and print its address. Needs the app extra.")
    app.add_argument("--host", default="127.0.0.1",
                     help="interface to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=int_at_least(1, "port from 1 to 65535", 65535), default=8765,
                     help="port (default 8765)")
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
    from techbloc.sim.commands import COMPILING, RunPictures, kernels_compiled, progress_bar
    from techbloc.sim.experiment import run
    from techbloc.sim.folders import new_results_folder, safe_component
    from techbloc.sim.scenario import load_scenario

    if args.overwrite and not args.out:  # a new folder is made; nothing would be replaced
        raise TechblocError("replaces the run in --out DIR; without --out a new folder is made",
                            key="--overwrite")
    overrides = dict(args.overrides)
    if args.uncertainty:
        both = sorted(set(overrides) & set(UNCERTAINTY[args.uncertainty]))
        if both:  # the option would replace the --set value silently
            raise TechblocError(f"--set {both[0]} and --uncertainty both set it; give one",
                                key="--uncertainty")
        overrides.update(UNCERTAINTY[args.uncertainty])
    if args.calibration:  # onto the calibration first, so --set and --scale act on its values
        from techbloc.sim.posterior import rebase

        scenario = rebase(load_scenario(args.scenario, horizon=args.horizon, search=args.search),
                          args.calibration).with_overrides(set=overrides, scale=dict(args.scale))
    else:
        scenario = load_scenario(args.scenario, set=overrides, horizon=args.horizon,
                                 search=args.search, scale=dict(args.scale))
    name = safe_component(scenario.name, "run")  # one path component, whatever the file says
    out = Path(args.out) if args.out else new_results_folder(name)
    n = args.replications or scenario.replications
    first = "" if kernels_compiled() else f" ({COMPILING})"
    title, date = scenario.title or scenario.name, str(scenario.horizon[1])
    with contextlib.ExitStack() as stack:
        # A painter process loads the drawing code while the model runs (sim.commands).
        pictures = None if args.no_plots else stack.enter_context(RunPictures(out, title, date))
        with progress_bar(f"{scenario.name}{first}", n) as update:
            try:  # the run marks its folder failed or interrupted itself (sim.experiment.run)
                res = run(scenario, replications=n, seed=args.seed, out=out,
                          overwrite=args.overwrite,
                          on_tables=pictures.start if pictures else None,
                          progress=lambda done, total: update(done, description=scenario.name))
            except KeyboardInterrupt:
                print(f"techbloc: interrupted; the partial run folder {out} is marked "
                      "interrupted (rerun the command to get a complete one)", file=sys.stderr)
                return 130
        if pictures is not None:
            from techbloc.sim.commands import status

            with status("drawing adoption.png and map.png"):
                pictures.finish(res)
    print(f"run folder: {out}")
    for line in res.summary():
        print(f"  {line}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenarios on the search path: name, title, parent, horizon."""
    from techbloc.sim.library import library_markdown
    from techbloc.sim.scenario import available, load_scenario

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
    from techbloc.sim.sweeps import load_sweep
    from techbloc.sim.yamlread import OtherKind

    n_bad = 0
    for path in args.paths:
        errors = validate(path, args.search)
        if len(errors) == 1 and isinstance(errors[0], OtherKind):  # a sweep file: check it as one
            try:
                spec = load_sweep(path)
                print(f"ok: {path} (a sweep file: {len(spec.points())} points x "
                      f"{spec.replications} replicate{'s' if spec.replications > 1 else ''})")
                continue
            except TechblocError as e:
                errors = [e]
        for e in errors:
            print(f"{e}", file=sys.stderr)
        if errors:
            n_bad += 1
        else:
            print(f"ok: {path}")
    if n_bad:
        print(f"techbloc: {n_bad} of {len(args.paths)} files invalid", file=sys.stderr)
    return EXIT_USAGE if n_bad else 0


@contextlib.contextmanager
def _terminate_as_interrupt(came: list[int]):
    """Within the block, SIGTERM (a batch system's time limit, ``kill``) stops as Ctrl-C does.

    The sweep then records itself as interrupted and says how to resume; the signal's number is
    appended to ``came`` when it comes.
    """
    import signal
    import threading

    def stop(signum, frame):
        came.append(signum)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
    from techbloc.sim.folders import new_results_folder
    from techbloc.sim.sweeps import load_sweep, sweep

    if not args.file:
        raise TechblocError("name the sweep file (with --resume: the same file)", key="FILE")
    if args.scheduler and args.backend != "dask":  # else ignored: the local pool runs it
        raise TechblocError("names a Dask scheduler; add --backend dask", key="--scheduler")
    if args.resume and args.out:  # else ignored: a sweep resumes in its own folder
        raise TechblocError("a resumed sweep continues in its own folder (--resume DIR); "
                            "drop --out", key="--out")
    spec = load_sweep(args.file, set=dict(args.overrides), scale=dict(args.scale),
                      horizon=args.horizon)
    workers = args.workers or os.cpu_count() or 1
    out = args.resume or args.out or new_results_folder(f"sweep-{Path(args.file).stem}")
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

        stopped: list[int] = []
        try:
            with _terminate_as_interrupt(stopped):
                res = sweep(spec, workers=workers, backend=args.backend,
                            scheduler=args.scheduler, out=None if args.resume else out,
                            resume=args.resume, max_failures=args.max_failures,
                            progress=progress, max_runs=args.max_runs)
        except KeyboardInterrupt:
            print(f"techbloc: {'terminated' if stopped else 'interrupted'}; finished runs are "
                  f"kept in {out}: resume with techbloc sweep {args.file} --resume {out}",
                  file=sys.stderr)
            return 128 + (stopped[0] if stopped else 2)
    m = res.manifest
    print(f"sweep folder: {res.path}")
    print(f"  {m['n_complete']} of {m['n_runs']} runs complete ({m['n_points']} points x "
          f"{spec.replications} replicates), {len(m['failures'])} failed; "
          f"summary.parquet has {len(res.summary)} rows")
    return 0


def _analysis(name: str, module: str = "commands"):
    """A command whose body lives in :mod:`techbloc.sim.commands` (imported when run)."""

    def command(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(f"techbloc.sim.{module}"), name)(args)

    command.__doc__ = f"See techbloc.sim.{module}.{name}."
    return command


cmd_params, cmd_compare, cmd_sensitivity, cmd_calibrate = (
    _analysis(n) for n in ("cmd_params", "cmd_compare", "cmd_sensitivity", "cmd_calibrate"))
cmd_plot = _analysis("cmd_plot", "plot_command")


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report of a run."""
    from techbloc.analysis.report import write_report
    from techbloc.sim.commands import status
    from techbloc.sim.folders import output_file

    out = output_file(args.output, Path(args.run_dir) / "report.html")
    with status(f"writing the report of {args.run_dir}"):
        path = write_report(args.run_dir, out, args.date)
    print(f"wrote {path}")
    return 0


cmd_hindcast = _analysis("cmd_hindcast", "hindcast_command")


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the browser app until interrupted."""
    from techbloc.app.server import check_listen, configure, serve
    from techbloc.sim.commands import install_hint
    from techbloc.sim.scenario import find, search_path

    search_path(args.search)  # a missing $TECHBLOC_SCENARIOS folder fails here, not in a page
    if args.scenario is not None:
        find(args.scenario, args.search)  # an unknown name fails here, with suggestions
    check_listen(args.host, args.port)  # a taken port fails here, in seconds, not in uvicorn
    configure()  # Solara reads its settings when first imported
    print("techbloc app: starting (loading Solara takes a few seconds)", file=sys.stderr,
          flush=True)
    try:
        import solara  # noqa: F401
    except ImportError:
        raise TechblocError("the browser app needs Solara, which is not installed", key="app",
                            hint=install_hint("app")) from None
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


def _once_each(args: argparse.Namespace) -> None:
    """Refuse a parameter given twice to --set or --scale (the last would win silently)."""
    for option, pairs in (("--set", getattr(args, "overrides", None) or []),
                          ("--scale", getattr(args, "scale", None) or [])):
        keys = [k for k, _ in pairs]
        twice = next((k for k in keys if keys.count(k) > 1), None)
        if twice is not None:
            raise TechblocError(f"{twice} is given twice; give each parameter once",
                                key=f"{option} {twice}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``techbloc`` console script."""
    explore_cli.print_notes()  # override notes (sim.overrides) as one stderr line each
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # as parse_args would, with the one misplacement a hint can fix
        late = "--scenarios" in unknown or any(u.startswith("--scenarios=") for u in unknown)
        parser.error(f"unrecognized arguments: {' '.join(unknown)}" + (
            f" (--scenarios is an option of techbloc itself and goes before the command: "
            f"techbloc --scenarios DIR {args.command} ...)" if late else ""))
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    commands = {"run": cmd_run, "params": cmd_params, "scenarios": cmd_scenarios,
                "show": cmd_show, "validate": cmd_validate, "diff": cmd_diff,
                "compare": cmd_compare, "plot": cmd_plot, "report": cmd_report,
                "sweep": cmd_sweep, "sensitivity": cmd_sensitivity, "hindcast": cmd_hindcast,
                "calibrate": cmd_calibrate, "app": cmd_app, **explore_cli.COMMANDS}
    try:
        _once_each(args)
        return commands[args.command](args)
    except TechblocError as e:
        print(f"techbloc: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader of stdout left (`techbloc scenarios | head -3`)
        import os

        # Quietly, as a Unix filter does: stdout to /dev/null so the exit's flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a filter cut off by its reader
    except OSError as e:  # permission, missing folder, disk full, not a directory: one line
        print(f"techbloc: error: {describe_os_error(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("techbloc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
