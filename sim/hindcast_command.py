"""The ``techbloc hindcast`` command: a 2019-2024 run scored against the record.

The body of the command (``sim.cli`` registers it and imports this module when it runs): the
free-running run, the record's scores (:mod:`techbloc.analysis.hindcast`, markets, bans), the
validation protocol of docs/ODD.md §1.2 (the temporal forecast from the end of 2021 and the
spatial folds of :mod:`techbloc.analysis.validation`), the pictures and the printed summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from techbloc.sim.calibrations import FITTED_THROUGH
from techbloc.sim.commands import UNCERTAINTY
from techbloc.sim.errors import TechblocError


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
    from techbloc.analysis.bans import bans_figure, span

    bans_figure(scores["bans"], f"bans of {span(scores['bans'])}, free-running {args.scenario} on "
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
