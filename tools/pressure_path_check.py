"""Stage 1 of the eased-pressure candidate (ODD §1.2, stop 27): its refit against the shipped point.

``tools/sanctions-2019-eased.yaml`` is ``sanctions-2019`` with US ally pressure back at its 2019
level (0.4) from 2021-01-20. Its whole-record point is refitted by
``techbloc calibrate --countries --fit-through 2024 --trials 5000 -n 12 --seed 1 --scenario
tools/sanctions-2019-eased.yaml --out DIR``; this script scores that refit (``DIR/calibrated.yaml``)
beside the shipped point on ``sanctions-2019``, both on fresh replicates of the whole record:
free-running, emergent 5G launches, no posterior draws, as the fit runs. Per seed it prints the
RPS of the stances at the ends of 2019-2024, Europe's 2020 share and the objective (the RPS plus
half the share's gap to 0.51), then the registered verdict: the candidate passes if its RPS and
its objective are below the shipped point's on every seed.

Run: ``python tools/pressure_path_check.py DIR/calibrated.yaml [REPS] [SEEDS]`` (defaults 100 and
7,101,202).
"""

import argparse
import warnings
from pathlib import Path

import fitset
import pandas as pd
import yaml
from techbloc.sim.calibration import EUROPE_2020, launch_settings
from techbloc.sim.commands import replicate_count
from techbloc.sim.observed import stances
from techbloc.sim.posterior import rebase
from techbloc.sim.rng import replicate_seeds
from techbloc.sim.scenario import load_scenario
from techbloc.sim.world import load_world

HERE = Path(__file__).resolve().parent
fitset.YEARS = tuple(range(2019, 2025))


def candidate(refit: Path):
    """The eased scenario on the whole-record calibration with the refit's values held."""
    flat = yaml.safe_load(refit.read_text())["params"]  # dotted keys, as calibrate writes them
    scenario = rebase(load_scenario(HERE / "sanctions-2019-eased.yaml"), "calibrated")
    return scenario.with_horizon("2019Q1:2024Q4").with_params(
        {**launch_settings("emergent"), "uncertainty.parameters": False, **flat},
        origin="pressure_path_check")


def score(scenario, seed: int, reps: int, world, observed) -> tuple[float, float, float]:
    """(RPS 2019-2024, Europe's 2020 share, objective) on ``reps`` replicates of ``seed``."""
    rows = pd.DataFrame(fitset.scores(scenario, replicate_seeds(seed, reps), world, observed),
                        columns=["year", "iso3", "p_open", "p_ban", "rps", "europe"])
    rps, europe = float(rows["rps"].mean()), float(rows["europe"].iloc[0])
    return rps, europe, rps + 0.5 * abs(europe - EUROPE_2020)


def compare(refit, label: str, reps: int, seeds: list[int]) -> bool:
    """Score a refit scenario beside the shipped point, seed by seed (printed); True if its RPS
    and its objective are below the shipped point's on every seed."""
    world, observed = load_world(), stances().astype({"iso3": str})
    shipped = fitset.base_scenario("pressure_path_check")
    passed = True
    for seed in seeds:
        a = score(shipped, seed, reps, world, observed)
        b = score(refit, seed, reps, world, observed)
        passed &= b[0] < a[0] and b[2] < a[2]
        print(f"seed {seed}: shipped point RPS {a[0]:.4f}, Europe {a[1]:.3f}, objective "
              f"{a[2]:.4f}; {label} refit RPS {b[0]:.4f}, Europe {b[1]:.3f}, objective "
              f"{b[2]:.4f}", flush=True)
    return passed


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("refit", type=Path, help="the refit's calibrated.yaml")
    ap.add_argument("reps", nargs="?", type=replicate_count, default=100)
    ap.add_argument("seeds", nargs="?", type=fitset.seed_list, default=[7, 101, 202])
    args = ap.parse_args()
    if not args.refit.is_file():
        ap.exit(2, f"pressure_path_check: error: {args.refit}: no such file\n")
    passed = compare(candidate(args.refit), "eased", args.reps, args.seeds)
    print(f"verdict: {'passes' if passed else 'fails'} stage 1 (RPS and objective below the "
          "shipped point's on every seed)")
