"""The bodies of the ``techbloc`` commands that draw, compare and fit, and the run's pictures.

The commands are ``compare``, ``sensitivity``, ``calibrate`` and ``params`` (``plot`` is in
:mod:`techbloc.sim.plot_command`).
:mod:`techbloc.sim.cli` parses the arguments and calls these; they live here so the parser stays
short (the pictures themselves come from :mod:`techbloc.analysis`). Every command that may take
more than a second shows a progress bar or a spinner on stderr (never on stdout, which stays
parseable).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from techbloc.sim.errors import TechblocError

#: ``--uncertainty`` modes as settings (docs/ODD.md §1.2, sim/posterior.py).
UNCERTAINTY = {
    "noise": {"uncertainty.parameters": False, "uncertainty.noise": True},
    "parameters": {"uncertainty.parameters": True, "uncertainty.noise": False},
    "both": {"uncertainty.parameters": True, "uncertainty.noise": True},
}

#: The hint for a missing optional dependency: techbloc is installed from a clone, not an index.
INSTALL_HINT = ("from the folder of your techbloc clone: .venv/bin/pip install -e '.[{extra}]' "
                "(techbloc is not on a package index)")


def int_at_least(low: int, what: str, high: int | None = None):
    """An argparse type accepting integers >= ``low`` (and <= ``high``), naming ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected a {what}, got {text!r}")
        return value

    return parse


positive_int = int_at_least(1, "positive integer")
nonnegative_int = int_at_least(0, "non-negative integer")
#: A number of replicates (sim.scenario.MAX_REPLICATIONS, not imported: this module stays light).
replicate_count = int_at_least(1, "number of replicates, an integer from 1 to 10000", 10_000)
#: A seed, as scenario and sweep files take it (a 63-bit integer).
seed_value = int_at_least(0, "seed, an integer from 0 to 2**63 - 1", 2**63 - 1)
#: Trials of a point fit: twenty times the 5,000 of the shipped country fit at most.
trial_count = int_at_least(1, "number of trials, an integer from 1 to 100000", 100_000)
#: ABC-SMC generations: each one took 1.4-1.6 times the evaluations of the one before in the
#: shipped fits (docs/ODD.md §1.2), so 30 already mean days of work.
generation_count = int_at_least(1, "number of generations, an integer from 1 to 30", 30)


def nonnegative_float(text: str) -> float:
    """An argparse type accepting finite numbers >= 0 (no NaN, no infinity)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def refuse_forced(scenario, what: str) -> None:
    """Refuse to score or fit a scenario that forces country policies in 2019-2024.

    A hindcast or a calibration compares the model's own decisions with the record; a scenario
    that imposes the record (``history``) would score it against itself.

    Raises:
        TechblocError: naming the scenario and the countries it forces.
    """
    forced = sorted({c.iso3 for e in scenario.events if e.at.year <= 2024
                     for c in e.country_policy})
    if forced:
        raise TechblocError(
            f"'{scenario.name}' forces the policy of {len(forced)} countries in 2019-2024 ("
            + ", ".join(forced) + f"); {what} scores the model's own decisions against the "
            "record, so its scenario must force none", key="--scenario",
            hint="use sanctions-2019 (the default) or a scenario without country_policy events "
            "before 2025")


def install_hint(extra: str) -> str:
    """The command that installs an optional extra (``app``, ``dask``) into a clone's venv."""
    return INSTALL_HINT.format(extra=extra)


# ------------------------------------------------------------------------------ progress
@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator:
    """A rich progress bar on stderr; yields ``update(done, total=None, description=None)``.

    When stderr is not a terminal (a log file, a background job) a bar cannot redraw; a plain
    line is written instead each time another tenth of the total is done, once the task has run
    for 5 s, so a long run's log shows how far it got and a short command's stays clean.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _progress_lines(description, total)
        return
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total: int | None = None, description: str | None = None):
            bar.update(task, completed=done,
                       **({"total": total} if total is not None else {}),
                       **({"description": description} if description else {}))

        yield update


def _progress_lines(description: str, total: int | None, min_seconds: float = 5.0):
    """``update`` for a log: a line on stderr per tenth of ``total`` done after ``min_seconds``.

    No line without a total, nor before the task has run ``min_seconds``.
    """
    import time

    state = {"total": total, "description": description, "tenth": 0, "start": time.monotonic()}

    def update(done: int, total: int | None = None, description: str | None = None):
        state["total"] = total if total is not None else state["total"]
        state["description"] = description or state["description"]
        if not state["total"]:
            return
        tenth = int(10 * done / state["total"])
        if tenth > state["tenth"] and time.monotonic() - state["start"] >= min_seconds:
            state["tenth"] = tenth
            print(f"{state['description']}: {done}/{state['total']} "
                  f"({time.monotonic() - state['start']:.0f} s)", file=sys.stderr, flush=True)

    return update


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner on stderr while a step of unknown length (drawing, loading) runs."""
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def kernels_compiled() -> bool:
    """Whether this Python has the model's compiled kernels cached.

    Else the first replicate
    compiles them with Numba: about 5-15 s once per machine and Python version).
    """
    import glob

    from techbloc.sim import kernels

    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    cache = Path(kernels.__file__).parent / "__pycache__"
    return bool(glob.glob(str(cache / f"kernels.*.{tag}.nbi")))


COMPILING = ("compiling the model's kernels with Numba (first run with this Python only; "
             "cached after)")


# ------------------------------------------------------------------------------ run pictures
def run_pictures(res, out: Path, title: str, date: str,
                 only: tuple[str, ...] = ("adoption.png", "map.png")) -> list[Path]:
    """The pictures ``techbloc run`` writes (``only``: a subset of them).

    adoption.png (world and regions) and map.png (the most frequent policy beside P(not open)).
    """
    written = []
    if "adoption.png" in only:
        from techbloc.analysis.curves import adoption_figure

        fig, _ = adoption_figure(res.model, res.countries, title=title)
        fig.savefig(out / "adoption.png", dpi=120)
        written.append(out / "adoption.png")
    if "map.png" in only:
        from techbloc.analysis.maps import policy_maps

        fig, _ = policy_maps(res.countries, date, title=f"{title}, {date}")
        fig.savefig(out / "map.png", dpi=120)
        written.append(out / "map.png")
    return written


#: ``here`` draws a run's pictures in the command's own process; ``painter`` uses the painter
#: processes even on one CPU (the tests, so that they check the painter on any machine).
PICTURES_ENV = "TECHBLOC_PICTURES"


def _paint(conn, parents_end, out: Path, title: str, date: str) -> None:
    """The painter process: load the drawing code, wait for the tables, draw, report.

    The map is drawn by a fork of the painter (the drawing code already loaded) while the
    painter draws adoption.png, so the two pictures take the time of the longer one; if that
    fork fails, the painter draws the map itself.
    """
    import traceback

    parents_end.close()  # so that the command's death (even kill -9) ends recv() with EOFError
    try:
        import techbloc.analysis.curves  # noqa: F401  (loaded while the model runs)
        import techbloc.analysis.maps  # noqa: F401

        model, countries = conn.recv()
    except (EOFError, KeyboardInterrupt):  # the command ended before its run did
        return
    try:
        res = SimpleNamespace(model=model, countries=countries)
        pid = os.fork()
        if pid == 0:  # the map's painter: exit status 0 once map.png is written
            code = 1
            with contextlib.suppress(BaseException):
                run_pictures(res, out, title, date, only=("map.png",))
                code = 0
            os._exit(code)
        run_pictures(res, out, title, date, only=("adoption.png",))
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
            run_pictures(res, out, title, date, only=("map.png",))
        conn.send(("ok", [str(out / "adoption.png"), str(out / "map.png")]))
    except BaseException:  # noqa: BLE001  reported to the parent, which draws them itself
        conn.send(("error", traceback.format_exc()))


class RunPictures:
    """Draw ``techbloc run``'s pictures in a second process, started before the model runs.

    The painter loads matplotlib and the drawing code while the model runs, then draws while the
    command reports; on a system other than Linux, a machine with one CPU, with threads already
    running, or with ``$TECHBLOC_PICTURES=here``, the command draws them itself after the run.
    Either way the files are the same, byte for byte (tested). If the painter fails, the command
    draws them itself, so an error shows as it would without the painter.

    Use as a context manager: ``with RunPictures(out, title, date) as pics:``, then
    ``pics.start(res)`` as soon as the tables exist and ``pics.finish(res)`` at the end.
    """

    def __init__(self, out: Path, title: str, date: str):
        self.args = (Path(out), title, date)
        self.proc = self.conn = None

    def _background(self) -> bool:
        import multiprocessing
        import threading

        mode = os.environ.get(PICTURES_ENV, "")
        # Linux only: macOS's system frameworks are not safe to use in a forked child.
        if (mode == "here" or not sys.platform.startswith("linux")
                or threading.active_count() > 1
                or "fork" not in multiprocessing.get_all_start_methods()):
            return False
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return mode == "painter" or (cpus or 1) > 1

    def __enter__(self) -> RunPictures:
        if self._background():
            import multiprocessing

            ctx = multiprocessing.get_context("fork")
            self.conn, theirs = ctx.Pipe()
            self.proc = ctx.Process(target=_paint, args=(theirs, self.conn, *self.args),
                                    daemon=True, name="techbloc-pictures")
            self.proc.start()
            theirs.close()
        return self

    def start(self, res) -> None:
        """Hand the painter the run's tables (it draws while the command writes the folder)."""
        if self.proc is not None:
            try:
                self.conn.send((res.model, res.countries))
            except OSError:  # the painter died: finish() draws here
                self._stop()

    def finish(self, res) -> list[Path]:
        """The pictures of ``res`` (adoption.png, map.png): the painter's, or drawn here."""
        if self.proc is not None:
            try:
                state, value = self.conn.recv()
                if state == "ok":
                    return [Path(f) for f in value]
            except (EOFError, OSError):
                pass
            finally:
                self._stop()
        return run_pictures(res, *self.args)

    def _stop(self) -> None:
        if self.proc is not None:
            self.conn.close()
            self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.terminate()
                self.proc.join()
            self.proc = None

    def __exit__(self, *exc) -> None:
        self._stop()


# ------------------------------------------------------------------------------ compare
def cmd_compare(args: argparse.Namespace) -> int:
    """Run or load scenarios and compare them with paired intervals."""
    from techbloc.analysis.compare import compare, compare_figure, pairing_problem
    from techbloc.sim.experiment import replicate_plan, run
    from techbloc.sim.folders import check_out_folder, new_results_folder
    from techbloc.sim.posterior import calibration_of
    from techbloc.sim.results import load_results
    from techbloc.sim.scenario import load_scenario

    check_out_folder(args.out, ("compare.csv", "compare.png"))
    saved = [(str(r.manifest["scenario"].get("name", Path(d).name)), f"--from {d}", r)
             for d in args.from_dirs for r in [load_results(d)]]
    runs = {name: r for name, _, r in saved}
    names = list(args.scenarios)
    if not names and not runs:
        raise TechblocError("name at least one scenario, or saved runs with --from",
                            key="compare")
    scenarios = [load_scenario(n, horizon=args.horizon, search=args.search,
                               set=dict(args.overrides), scale=dict(args.scale)) for n in names]
    given = [*((n, src) for n, src, _ in saved),
             *((s.name, str(n)) for s, n in zip(scenarios, names, strict=True))]
    twice = next((n for n, _ in given if [m for m, _ in given].count(n) > 1), None)
    if twice and len({src for n, src in given if n == twice}) > 1:  # one name, two sources
        raise TechblocError(f"'{twice}' is given twice (" + ", ".join(
            src for n, src in given if n == twice) + "): give the scenarios different names",
            key="compare")
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
    counts = [args.replications or (base_scen or s).replications for s in scenarios]
    plans = {name: (r.model.groupby("replicate")["seed"].first().tolist(),
                    list(r.model["date"].unique())) for name, r in runs.items()}
    plans.update({s.name: replicate_plan(s, n, seed)
                  for s, n in zip(scenarios, counts, strict=True)})
    problem = pairing_problem(plans, baseline)  # before anything runs
    if problem:
        seeds = ", ".join(f"{n} {r.manifest.get('base_seed')}" for n, _, r in saved)
        raise TechblocError(problem, key="compare",
                            hint=f"base seeds of the saved runs: {seeds}" if saved else None)
    calibrations = {name: r.manifest.get("calibration", "not recorded")
                    for name, r in runs.items()}
    calibrations.update({s.name: calibration_of(s) for s in scenarios})
    if len(set(calibrations.values())) > 1:  # a difference would hold the calibrations' too
        print("note: the runs' fitted weights come from different calibrations ("
              + ", ".join(f"{n}: {c or 'none'}" for n, c in calibrations.items())
              + "), so each difference includes the calibrations' (docs/ODD.md §1.2)",
              file=sys.stderr)
    if scenarios:
        first = "" if kernels_compiled() else f" ({COMPILING})"
        with progress_bar(f"{scenarios[0].name}{first}", sum(counts)) as update:
            done = 0
            for s, n in zip(scenarios, counts, strict=True):
                update(done, description=f"{s.name} ({n} replicates, seed {seed})"
                       if done else None)
                runs[s.name] = run(s, replications=n, seed=seed,
                                   progress=lambda k, _n, base=done: update(base + k))
                done += n
    out = Path(args.out) if args.out else new_results_folder("compare")
    out.mkdir(parents=True, exist_ok=True)
    with status("comparing and drawing compare.png"):
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
    print(f"compare folder: {out} (compare.png: each scenario and its paired difference to "
          f"{baseline}; compare.csv has all metrics and the unpaired intervals)")
    return 0


# ------------------------------------------------------------------------------ sensitivity
def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Sensitivity indices of a sweep."""
    from techbloc.analysis.sensitivity import sensitivity, sensitivity_figure
    from techbloc.sim.sweeps import load_sweep_result

    res = load_sweep_result(args.sweep_dir)
    with status("computing the indices and drawing sensitivity.png"):
        table = sensitivity(res, args.metric)
        table.to_csv(res.path / "sensitivity.csv", index=False)
        fig, _ = sensitivity_figure(table, res.manifest["sweep"]["design"], args.metric,
                                    n_runs=len(res.summary))
        fig.savefig(res.path / "sensitivity.png", dpi=120)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {res.path / 'sensitivity.csv'} and sensitivity.png")
    return 0


# ------------------------------------------------------------------------------ params
def cmd_params(args: argparse.Namespace) -> int:
    """Every parameter: default, calibrated value and a scenario's value.

    The calibrated value where one was fitted, and (with
    ``--scenario``) the value that scenario runs.
    """
    from techbloc.sim import params
    from techbloc.sim.scenario import load_scenario

    if args.markdown and args.scenario:  # else ignored: the Markdown documents the tree
        raise TechblocError("--markdown prints the parameter tree (docs/parameters.md), not a "
                            "scenario's values; drop one of the two", key="--scenario")
    if args.markdown:
        sys.stdout.write(params.to_markdown())
        return 0
    calibrated = load_scenario("calibrated", search=args.search)
    fitted = {k for k, v in calibrated.params.items() if v != params.FLAT[k].default}
    scen = load_scenario(args.scenario, search=args.search) if args.scenario else None
    head = f"{'parameter':38s} {'default':>10} {'calibrated':>10}"
    head += f" {scen.name[:12]:>12}" if scen else ""
    print(f"{head} {'range':>14}  {'role':11s} unit")
    for key, p in params.FLAT.items():
        rng = "true/false" if p.kind is bool else f"[{p.range[0]:g}, {p.range[1]:g}]"
        cal = f"{calibrated.params[key]:.4g}" if key in fitted else ""
        line = f"{key:38s} {p.default!s:>10} {cal:>10}"
        if scen is not None:
            v = scen.params[key]
            line += f" {(f'{v:.4g}' if not isinstance(v, bool) else str(v)):>12}"
        print(f"{line} {rng:>14}  {p.role:11s} {p.unit}")
    print(f"\n{len(fitted)} weights are calibrated (scenarios/calibrated.yaml, fitted to the "
          "whole 2019-2024 record; techbloc hindcast scores calibrated-2021, fitted to 2019-2021 "
          "only, docs/ODD.md §1.2). Every shipped scenario extends baseline, which extends "
          "calibrated, so runs use the calibrated value where there is one, else the default, "
          "unless the scenario or --set changes it; a scenario file that extends neither runs "
          "the defaults. 'techbloc params --scenario NAME' shows the values a scenario starts "
          "with; 'techbloc show NAME' says where each comes from.")
    return 0


# ------------------------------------------------------------------------------ calibrate
def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate into a new folder, score in and out of sample.

    Adopting the fit is a separate, explicit step (docs/ODD.md, 'Calibration'). With
    ``--countries`` the country-decision weights are fitted by ranked probability score, and with
    ``--posterior N`` an ABC-SMC ensemble of them is fitted too (:func:`write_posterior`).
    """
    from techbloc.analysis.hindcast import stance_skill
    from techbloc.sim.calibration import (
        COUNTRY_BOUNDS,
        DEFAULT_BOUNDS,
        calibrate,
        calibration_name,
        launch_settings,
        scenario_yaml,
    )
    from techbloc.sim.experiment import run
    from techbloc.sim.folders import check_out_folder, new_results_folder
    from techbloc.sim.observed import stances
    from techbloc.sim.params import defaults
    from techbloc.sim.posterior import calibration_of, rebase
    from techbloc.sim.scenario import load_scenario

    if args.posterior and not args.countries:
        raise TechblocError("--posterior fits the country weights: add --countries",
                            key="--posterior")
    # The local proposal estimates each particle's covariance from its nearest half, which must
    # hold well more particles than there are parameters (with 4 particles the importance
    # weights came out zero inside pyabc): twice as many, 24 neighbours for 11 weights.
    fewest = 4 * (len(COUNTRY_BOUNDS) + 1)
    if args.posterior and args.posterior < fewest:
        raise TechblocError(f"--posterior needs at least {fewest} particles for the "
                            f"{len(COUNTRY_BOUNDS)} country weights, not {args.posterior}",
                            key="--posterior")
    if args.posterior_only and not args.posterior:
        raise TechblocError("--posterior-only needs --posterior POP", key="--posterior-only")
    # An option the chosen fit does not use is refused, not ignored (then the defaults).
    unused = ([("--trials", args.trials), ("--replications", args.replications),
               ("--ban-weight", args.ban_weight)] if args.posterior_only else []) + (
        [] if args.posterior else [("--generations", args.generations),
                                   ("--abc-replications", args.abc_replications),
                                   ("--abc-score", args.abc_score),
                                   ("--abc-europe-band", args.abc_europe_band),
                                   ("--abc-floor", args.abc_floor or None)])
    for option, given in unused:
        if given is not None:
            raise TechblocError("is not used by " + ("--posterior-only (no point fit)"
                                if args.posterior_only else "a fit without --posterior POP"),
                                key=option)
    for key, default in (("trials", 300), ("replications", 4), ("ban_weight", 0.0),
                         ("generations", 4), ("abc_replications", 2), ("abc_score", "plain"),
                         ("abc_europe_band", 0.0)):
        setattr(args, key, default if getattr(args, key) is None else getattr(args, key))
    if args.posterior:  # before the point fit, which takes minutes
        try:
            import pyabc  # noqa: F401
        except ImportError:
            raise TechblocError("the posterior ensemble needs pyabc, which is not installed",
                                key="--posterior", hint=install_hint("calibrate")) from None
    if args.posterior and args.abc_score == "fair" and args.abc_replications < 2:
        raise TechblocError("the fair RPS of --abc-score fair needs at least 2 replicates per "
                            f"evaluation, not {args.abc_replications}",
                            key="--abc-replications", hint="--abc-replications 2, or "
                            "--abc-score plain")
    out = Path(args.out) if args.out else new_results_folder("calibrate")
    if out.suffix in (".yaml", ".yml"):
        raise TechblocError("--out names a folder (calibrated.yaml is written into it); "
                            "adopting a fit is a separate step", key="--out",
                            hint=f"techbloc calibrate --out {out.with_suffix('')}")
    # before the fit, which takes minutes: a run or sweep folder, or an earlier fit
    name = calibration_name(args.fit_through)
    args.fit_years = tuple(range(2019, args.fit_through + 1))
    check_out_folder(out, (f"{name}.yaml", "trials.csv", f"{name}_posterior.parquet",
                           f"{name}_posterior.png"))
    # the fitted scenario runs around the calibration of the same years (its values that are
    # not refitted, and its ensemble), not the one runs use
    base = load_scenario(args.scenario, search=args.search)
    base = rebase(base, name) if calibration_of(base) else base
    refuse_forced(base, "a calibration")
    observed = stances()
    if args.posterior_only:
        out.mkdir(parents=True, exist_ok=True)
        write_posterior(args, base, observed, base.params, out / f"{name}.yaml")
        return 0
    with progress_bar(f"calibrating on 2019-{args.fit_through} (x {args.replications} "
                      "replicates; best "
                      "objective shown as it improves)", args.trials) as update:
        def on_trial(done: int, best: float) -> None:
            update(min(done, args.trials), description=f"calibrating: best objective "
                   f"{best:.4f}")

        result = calibrate(base, observed,
                           bounds=COUNTRY_BOUNDS if args.countries else DEFAULT_BOUNDS,
                           trials=args.trials, replications=args.replications, seed=args.seed,
                           ban_weight=args.ban_weight,
                           score="rps" if args.countries else "brier", progress=on_trial,
                           launches=args.launches, fit_years=args.fit_years)
    rows, stats = [], {"5G launches": f"{args.launches} (as in the fit and the scoring runs)"}
    # "uncalibrated": the fitted weights at their defaults in sim/params.py (the scenario itself
    # may already extend an earlier calibration).
    prior = defaults()
    uncalibrated = base.with_params({k: prior[k] for k in result.values})
    n = max(args.replications, 10)
    with progress_bar("scoring 2019-2024, uncalibrated then calibrated", 2 * n) as update:
        for i, (label, scen) in enumerate((("uncalibrated", uncalibrated),
                                           ("calibrated", base.with_params(result.values)))):
            res = run(scen, replications=n, seed=args.seed, horizon="2019Q1:2024Q4",
                      set=launch_settings(args.launches),
                      progress=lambda k, _n, i=i: update(i * n + k))
            for year in (2021, 2024):
                sk = stance_skill(res.countries, observed, year)
                sample = "in-sample" if year <= args.fit_through else "out-of-sample"
                for rule in ("model", "all_open", "treaty_ally"):
                    if rule != "model" and label == "calibrated":
                        continue
                    shown = label if rule == "model" else rule
                    m = sk[rule]
                    rows.append(f"  {year} {sample:13s} {shown:12s} balanced accuracy "
                                f"{m['balanced_accuracy']:.2f}  Brier {m['brier']:.3f}")
                    if rule == "model":
                        stats[f"{label} {year} Brier"] = round(m["brier"], 4)
    out.mkdir(parents=True, exist_ok=True)
    # The shipped calibration's values that this fit does not refit are kept, so the written
    # file can replace the shipped one whole.
    shipped = load_scenario(name)  # its origins name exactly the keys its file sets
    keep = {k: shipped.params[k] for k in shipped.origins if k not in result.values}
    (out / f"{name}.yaml").write_text(
        scenario_yaml(result, args.scenario, stats, keep, args.fit_through) + "\n")
    result.trials.to_csv(out / "trials.csv", index=False)
    print("fitted:", ", ".join(f"{k}={v:.3f}" for k, v in result.values.items()))
    print("\n".join(rows))
    if args.posterior:
        write_posterior(args, base, observed, {**base.params, **result.values},
                        out / f"{name}.yaml")
    extra = (f" (and {out / f'{name}_posterior.parquet'} beside it)" if args.posterior
             else "")
    use = ("for every shipped scenario (they extend baseline, which extends calibrated)"
           if name == "calibrated" else "for techbloc hindcast --calibration " + name)
    print(f"calibration folder: {out} ({name}.yaml, trials.csv; objective "
          f"{result.objective:.4f}). Nothing else changed. To adopt the fit {use}, copy it "
          f"over the shipped file in your clone: cp {out / f'{name}.yaml'} "
          f"scenarios/{name}.yaml{extra}")
    return 0


def write_posterior(args: argparse.Namespace, base, observed, point, out: Path) -> None:
    """Fit the ABC-SMC ensemble, write it beside ``out`` and report its marginals.

    Its final tolerance is printed beside the distance's median at ``point`` (a mapping of
    parameter values holding the country weights: the point fit, or with ``--posterior-only``
    the scenario's own values) on as many fresh replicates: a tolerance below it accepts
    parameter sets mostly when their replicates were lucky.
    """
    from techbloc.analysis.posterior import marginals_figure, summary_lines
    from techbloc.sim.calibration import COUNTRY_BOUNDS, distance_at_point, fit_posterior

    score = {"fair": "fair_rps", "plain": "rps"}[args.abc_score]
    band = args.abc_europe_band

    def at_point() -> float:
        return distance_at_point(base, observed, {k: point[k] for k in COUNTRY_BOUNDS},
                                 replications=args.abc_replications, seed=args.seed,
                                 launches=args.launches, score=score, europe_band=band,
                                 fit_years=args.fit_years)

    floor = at_point() if args.abc_floor else 0.0
    print(f"posterior: ABC-SMC, {args.posterior} particles x {args.generations} generations "
          f"of {args.abc_replications} replicates, {args.abc_score} RPS"
          + (f", Europe's share free within {band:g} of 0.51" if band else "")
          + (f", tolerance floored at the point's median distance {floor:.4f}" if floor else ""),
          file=sys.stderr)
    draws = fit_posterior(base, observed, COUNTRY_BOUNDS, population=args.posterior,
                          generations=args.generations, seed=args.seed,
                          replications=args.abc_replications,
                          progress=lambda line: print("  " + line, file=sys.stderr),
                          launches=args.launches, score=score, europe_band=band, floor=floor,
                          fit_years=args.fit_years)
    noise = floor or at_point()
    print(f"final tolerance {draws['epsilon'].iloc[0]:.4f}; the distance's median at the point "
          f"values, {args.abc_replications} fresh replicates: {noise:.4f}"
          + (" (the tolerance is below it: the last generations accept lucky replicates as "
             "much as good values, so read the bands as indicative)"
             if draws["epsilon"].iloc[0] < noise else ""))
    path = out.with_name(f"{out.stem}_posterior.parquet")
    draws.to_parquet(path, index=False)
    fig = marginals_figure(draws, COUNTRY_BOUNDS, f"2019-{args.fit_through}")
    png = out.with_name(f"{out.stem}_posterior.png")
    fig.savefig(png, dpi=110)
    print("\n".join(summary_lines(draws)))
    print(f"wrote {path} ({len(draws)} draws) and {png}")
