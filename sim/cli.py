"""The ``techbloc`` command (the only module of sim that imports analysis).

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


#: ``--uncertainty`` modes as settings (docs/ODD.md §1.2, sim/posterior.py).
UNCERTAINTY = {
    "noise": {"uncertainty.parameters": False, "uncertainty.noise": True},
    "parameters": {"uncertainty.parameters": True, "uncertainty.noise": False},
    "both": {"uncertainty.parameters": True, "uncertainty.noise": True},
}


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


def cmd_hindcast(args: argparse.Namespace) -> int:
    """Score a 2019-2024 run against the observed record."""
    import json

    import pandas as pd
    from techbloc.analysis.hindcast import hindcast, hindcast_figure
    from techbloc.analysis.markets import format_table, markets_figure
    from techbloc.sim.commands import progress_bar, refuse_forced
    from techbloc.sim.experiment import run
    from techbloc.sim.folders import check_out_folder, new_results_folder
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

    if args.cv == 1 or args.cv < 0:
        raise TechblocError(f"--cv must be 0 (skip) or at least 2 folds, not {args.cv}",
                            key="--cv")
    for option, given in (("--cv-trials", args.cv_trials), ("--cv-fit", args.cv_fit)):
        if given is not None and not args.cv:  # else ignored: the folds are not run
            raise TechblocError("belongs to the cross-validation; add --cv K (K >= 2 folds) or "
                                "drop it", key=option)
    args.cv_trials = args.cv_trials or 240
    args.cv_fit = args.cv_fit or "countries"
    if args.cv > (n_countries := stances()["iso3"].nunique()):
        raise TechblocError(f"--cv {args.cv} folds is more than the {n_countries} countries of "
                            "the record; each fold needs at least one", key="--cv")
    check_out_folder(args.out, ("hindcast.json", "hindcast.png", "markets.png", "bans.png"))
    from techbloc.sim.posterior import calibration_of, rebase
    from techbloc.sim.scenario import load_scenario

    # loaded once, with the search path, before anything runs: the forecast's and the folds'
    # runs use it too, so a scenario found only in --scenarios DIR cannot fail after the runs.
    # It extends the calibration runs use (the whole record); the protocol scores the
    # 2019-2021 fit, so 2022-2024 stay out of sample (docs/ODD.md §1.2). A scenario that
    # extends no calibration is scored on its own values.
    args.spec = load_scenario(args.scenario, search=args.search)
    if calibration_of(args.spec):
        args.spec = rebase(args.spec, args.calibration)
    else:
        args.calibration = "none"
    refuse_forced(args.spec, "a hindcast")  # the record imposed would be scored against itself
    fitted = FITTED_THROUGH.get(args.calibration)  # the last year-end its weights were fitted to
    print(f"hindcast of {args.scenario} on the calibration {args.calibration}"
          + (f" (fitted on 2019-{fitted})" if fitted else " (it extends none: its own values)"),
          file=sys.stderr)
    # Hindcast mode: no launch date after the run's start is an input (issue 17); launches come
    # from the roll-out rule and are scored against the observed record. The calibration and
    # the cross-validation's refits run in the same regime (sim.calibration.launch_settings).
    with progress_bar(f"{args.scenario} to 2024Q4", args.replications) as update:
        res = run(args.spec, replications=args.replications, seed=args.seed,
                  horizon="2019Q1:2024Q4", set=hindcast_settings(args),
                  progress=lambda done, total: update(done))
    observed = stances()
    scores = hindcast(res.model, res.countries, observed, read_vendor_shares(),
                      pd.read_csv(OBSERVED / "europe_china_share.csv"), read_contracts(),
                      read_huawei_segments(), read_china_sites(), read_launch_record(),
                      read_ran_vendors())
    forecast = temporal_forecast(args, res.countries, observed)
    scores["validation"] = stance_validation(args, res.countries, observed, forecast)
    scores["calibration"] = args.calibration
    out = Path(args.out) if args.out else new_results_folder("hindcast")
    out.mkdir(parents=True, exist_ok=True)
    (out / "hindcast.json").write_text(json.dumps(scores, indent=2, default=float) + "\n")
    fig, ax = hindcast_figure(res.countries, observed, 2024, forecast=forecast[0])
    ax.set_title(f"{ax.get_title()}\nweights: " + (
        f"{args.calibration}, fitted on 2019-{fitted}"
        + (" (2022-2024 out of sample)" if fitted == 2021 else " (all in sample)")
        if fitted else "the scenario's own (no calibration)"), fontsize=10)
    fig.savefig(out / "hindcast.png", dpi=120)
    fig, _ = markets_figure(res.model, res.countries, read_vendor_shares(),
                            read_huawei_segments(), read_china_sites())
    fig.savefig(out / "markets.png", dpi=120)
    from techbloc.analysis.bans import bans_figure

    bans_figure(scores["bans"], f"bans of 2020-2024, free-running {args.scenario} on "
                f"{args.calibration}").savefig(out / "bans.png", dpi=120)
    if fitted == 2024:
        print(f"note: the weights ({args.calibration}) were fitted on 2019-{fitted}: every "
              "score of the run and the temporal forecast below is in sample, the 'out of "
              "sample' labels included (the --cv folds refit their own weights either way)")
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
    print("patterns P1-P7 (figures and tolerances: techbloc.analysis.patterns.PATTERNS, "
          "docs/ODD.md §1.1):")
    for p in scores["patterns"]:
        print(f"  {'PASS' if p['pass'] else 'fail'}  {p['pattern']} ({p['source']}; "
              f"{p['n_pass']}/{p['n_checks']} checks): {p['measured']}")
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
    from techbloc.analysis import bans
    from techbloc.analysis.validation import report_lines

    print("\n".join(bans.report_lines(scores["bans"])))
    print("\n".join(report_lines(scores["validation"])))
    print(f"hindcast folder: {out}")
    return 0


def hindcast_settings(args: argparse.Namespace) -> dict:
    """What every hindcast run holds: emergent launches (issue 17) and ``--uncertainty``."""
    from techbloc.sim.calibration import launch_settings

    return {**launch_settings("emergent"),
            **(UNCERTAINTY[args.uncertainty] if args.uncertainty else {})}


def temporal_forecast(args: argparse.Namespace, countries, observed):
    """The model's forecast of 2024 from the end of 2021 (docs/ODD.md §1.2).

    Conditioned on each country's 2019-2021 record by the paths of ``--forecast-replicates``
    free-running replicates (the hindcast's own run when it has as many), with the run that
    imposes the record to 2021 for countries too few paths match.
    """
    from techbloc.analysis import validation
    from techbloc.sim.commands import progress_bar
    from techbloc.sim.experiment import run

    n = args.forecast_replicates
    common = {"seed": args.seed, "horizon": "2019Q1:2024Q4", "set": hindcast_settings(args)}
    if args.replications >= n:  # the hindcast's own run has as many paths: use them all
        particles, n = countries, args.replications
    else:
        with progress_bar("forecast: free-running paths", n) as update:
            particles = run(args.spec, replications=n, **common,
                            progress=lambda done, total: update(done)).countries
    origin = validation.origin_scenario(args.spec, observed)
    with progress_bar("forecast: record imposed to 2021", args.replications) as update:
        imposed = run(origin, replications=args.replications, **common,
                      progress=lambda done, total: update(done)).countries
    p, info = validation.conditioned_forecast(particles, imposed, observed)
    return p, info, n


def stance_validation(args: argparse.Namespace, countries, observed, forecast=None) -> dict:
    """The validation protocol of docs/ODD.md §1.2: temporal always, spatial with --cv K.

    Args:
        args: the hindcast's arguments.
        countries: the free-running run's country table.
        observed: the record.
        forecast: (probabilities, per-country info, paths used) of :func:`temporal_forecast`,
            or None to score the free-running run at 2024.
    """
    from techbloc.analysis import validation

    initial = validation.initial_stances()
    out = {"temporal": validation.temporal(countries, observed, initial,
                                           forecast=None if forecast is None else forecast[0])}
    if forecast is not None:
        info, paths = forecast[1], forecast[2]
        out["temporal"]["forecast"] = {
            "method": "each country conditioned on its 2019-2021 record by the paths of "
                      f"{paths} free-running replicates; the run with the "
                      "record imposed to 2021 where fewer than "
                      f"{validation.MIN_MATCHES} paths match",
            "from_imposed_run": sorted(c for c, v in info.items() if v["source"] == "imposed"),
            "matches": {c: v["matches"] for c, v in sorted(info.items())}}
    if args.cv:
        seed = 1 if args.seed is None else args.seed
        from techbloc.sim.calibration import DEFAULT_BOUNDS

        legacy = args.cv_fit == "legacy"
        fit = validation.refit_runner(args.spec, args.cv_trials, 4, seed,
                                      args.replications,
                                      bounds=(DEFAULT_BOUNDS if legacy
                                              else validation.fold_bounds(args.spec)),
                                      score="brier" if legacy else "rps")

        def progress(done: int, k: int) -> None:
            print(f"  cross-validation fold {done}/{k} done", file=sys.stderr)

        out["spatial"] = validation.spatial(fit, observed, initial, k=args.cv, seed=seed,
                                            progress=progress)
        out["spatial"]["refit"] = {
            "fitted": "legacy" if legacy else "countries", "trials": args.cv_trials,
            "objective": "Brier of the training countries' 2019-2021 stances" if legacy else
                         "RPS of the training countries' 2019-2021 stances",
            "europe_share_term": False, "launches": "emergent", "posterior_draws": False,
            "other_calibrated_values": "parameter defaults"}
    return out


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
