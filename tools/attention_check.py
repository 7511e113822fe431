"""The attention candidate (ODD §1.2 and §7.5, stop 28): its registered stages, one subcommand each.

Attention (``country.review_attention`` α) makes a government review its policy when its case
changes, with chance 1 − (1 − ψ)·exp(−α·|ΔS̄|), and at ψ (``country.review_prob``) while it
holds. The candidate fits ψ and α with the country block of ``techbloc calibrate --countries``
(bounds below); everything else is the shipped procedure.

- ``fit DIR``: stage 1's refit of the whole-record point (5000 trials, 12 replicates, seed 1,
  RPS of the stances at the ends of 2019-2024 plus half Europe's 2020 share gap, emergent
  launches: the shipped fit's settings) on ``sanctions-2019``; writes ``DIR/calibrated.yaml``.
- ``score DIR/calibrated.yaml [REPS] [SEEDS]``: stage 1's fresh replicates, the refit beside the
  shipped point (``pressure_path_check.compare``), and the verdict: the candidate passes if (i) the
  objective ``fit`` wrote is below the shipped fit's 0.0619 and (ii) its RPS 2019-2024 and its
  objective are below the shipped point's on every seed.
- ``cv shipped|candidate [--out FILE]``: stage 2, the protocol's spatial check (5 folds, seed 1,
  800 trials a fold, 4 replicates a trial, 20 scoring replicates; fits on the training
  countries' 2019-2021 stances, scores the held-out ones at the ends of 2021 and 2024), the folds
  refitting the shipped procedure's values, or those and ψ, α. Prints the held-out model scores,
  mean ± sd over folds.

Run: ``python tools/attention_check.py fit DIR`` etc.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import fitset
import pandas as pd
import yaml
from pressure_path_check import compare
from techbloc.analysis import validation
from techbloc.sim.calibration import COUNTRY_BOUNDS, calibrate, launch_settings
from techbloc.sim.commands import replicate_count
from techbloc.sim.observed import stances
from techbloc.sim.posterior import rebase
from techbloc.sim.scenario import load_scenario

fitset.YEARS = tuple(range(2019, 2025))  # the whole record: fitset scores calibrated's years
#: The shipped whole-record fit's objective on its 12 common-seed replicates (calibrated.yaml)
SHIPPED_OBJECTIVE = 0.0619
#: What the candidate fits besides the shipped country block: ψ and α, inside their ranges.
ATTENTION_BOUNDS = {"country.review_prob": (0.01, 0.5), "country.review_attention": (0.0, 10.0)}


def whole_record_base():
    """``sanctions-2019`` around the whole-record calibration, as ``techbloc calibrate`` fits it."""
    return rebase(load_scenario("sanctions-2019"), "calibrated")


def fit(out: Path) -> None:
    """Stage 1: refit the whole-record point with ψ and α; write ``out/calibrated.yaml``."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bounds = {**COUNTRY_BOUNDS, **ATTENTION_BOUNDS}
    result = calibrate(whole_record_base(), stances(), bounds=bounds, trials=5000,
                       replications=12, seed=1, ban_weight=0.0, score="rps",
                       launches="emergent", fit_years=tuple(range(2019, 2025)))
    minutes = (time.perf_counter() - started) / 60
    (out / "calibrated.yaml").write_text(
        f"# tools/attention_check.py fit: objective {result.objective:.4f} ({minutes:.0f} min)\n"
        + yaml.safe_dump({"params": {k: round(float(v), 4) for k, v in result.values.items()}},
                         sort_keys=False))
    result.trials.to_csv(out / "trials.csv", index=False)
    print(f"objective {result.objective:.4f} in {minutes:.1f} min; values "
          f"{ {k: round(float(v), 3) for k, v in result.values.items()} }")


def candidate(refit: Path):
    """``sanctions-2019`` on the whole-record calibration with the refit's values held."""
    flat = yaml.safe_load(refit.read_text())["params"]
    return whole_record_base().with_horizon("2019Q1:2024Q4").with_params(
        {**launch_settings("emergent"), "uncertainty.parameters": False, **flat},
        origin="attention_check")


def refit_objective(refit: Path) -> float | None:
    """The objective in the refit's first line, as ``fit`` and ``techbloc calibrate`` write it
    (None if it is not there)."""
    first = refit.read_text().splitlines()[:1]
    words = first[0].split() if first else []
    try:
        return float(words[words.index("objective") + 1].rstrip(".;,"))
    except (ValueError, IndexError):
        return None


def fresh(refit: Path, reps: int, seeds: list[int]) -> bool:
    """Stage 1: (i) the refit's objective, then (ii) fresh replicates, seed by seed; the verdict."""
    objective = refit_objective(refit)
    first = objective is not None and objective < SHIPPED_OBJECTIVE
    print(f"(i) refit objective {objective if objective is not None else 'unknown'} against the "
          f"shipped fit's {SHIPPED_OBJECTIVE}: {'holds' if first else 'fails'}")
    passed = compare(candidate(refit), "attention", reps, seeds)
    print(f"(ii) RPS and objective below the shipped point's on every seed: "
          f"{'holds' if passed else 'fails'}")
    print(f"verdict: {'passes' if first and passed else 'fails'} stage 1")
    return first and passed


def cv(which: str, out: Path | None) -> dict:
    """Stage 2: the spatial check with the shipped procedure's folds or the candidate's."""
    spec = rebase(load_scenario("sanctions-2019"), "calibrated-2021")
    bounds = validation.fold_bounds(spec)
    if which == "candidate":
        bounds = {**bounds, **ATTENTION_BOUNDS}
    started = time.perf_counter()
    runner = validation.refit_runner(spec, 800, 4, 1, 20, bounds=bounds, score="rps")
    result = validation.spatial(runner, stances(), validation.initial_stances(), k=5, seed=1,
                                progress=lambda done, k: print(f"  fold {done}/{k} done",
                                                               flush=True))
    minutes = (time.perf_counter() - started) / 60
    for year in ("2021", "2024"):
        m = result["summary"][year]["model"]
        print(f"{which}: held out at end-{year}: " + " / ".join(
            f"{m[s]['mean']:.3f}±{m[s]['sd']:.3f}" for s in ("balanced_accuracy", "brier", "rps"))
            + " (balanced accuracy / Brier / RPS, mean ± sd over 5 folds)")
    print(f"{which}: {minutes:.0f} min")
    if out:
        out.write_text(json.dumps({"which": which, "minutes": minutes, "bounds": bounds,
                                   "summary": result["summary"],
                                   "per_fold": result["per_fold"]}, indent=1, default=str))
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="stage 1: refit the whole-record point with ψ and α")
    f.add_argument("out", type=Path, help="folder for calibrated.yaml and trials.csv")
    s = sub.add_parser("score", help="stage 1: fresh replicates against the shipped point")
    s.add_argument("refit", type=Path, help="the refit's calibrated.yaml")
    s.add_argument("reps", nargs="?", type=replicate_count, default=100)
    s.add_argument("seeds", nargs="?", type=fitset.seed_list, default=[7, 101, 202])
    c = sub.add_parser("cv", help="stage 2: the spatial check")
    c.add_argument("which", choices=("shipped", "candidate"))
    c.add_argument("--out", type=Path, help="write the folds' scores as JSON")
    args = ap.parse_args(argv)
    if args.command == "fit":
        fit(args.out)
    elif args.command == "score":
        if not args.refit.is_file():
            ap.exit(2, f"attention_check: error: {args.refit}: no such file\n")
        fresh(args.refit, args.reps, args.seeds)
    else:
        cv(args.which, args.out)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 120)
    main()
