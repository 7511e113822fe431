"""Fit the supply-assurance ban channel δ_a alone on 2019-2021 and cross-validate it over countries.

Every other value is held at what sanctions-2019 runs with (the point fit of
``scenarios/calibrated.yaml``, no posterior draws, emergent 5G launches, as in
``techbloc calibrate``). For each seed, each form η (``country.assurance_restricting``) and each
δ_a on a grid, ``REPS`` replicates run to 2021Q4 on common seeds; the script prints the fit-set
ranked probability score (RPS) of the three levels at the ends of 2019-2021, the calibration
objective (RPS + ½·|Europe's 2020 China-bloc share − 0.51|), P(ban) of the fit years' bans and of
the intelligence-sharing states, and a 5-fold cross-validation over countries (the folds of
``techbloc hindcast --cv``, seed 1): (η, δ_a) chosen on four folds' countries by their RPS, the
fifth scored, against δ_a = 0. Only 2019-2021 data are used (docs/ODD.md §1.2).

Run: ``python tools/ban_channel_fit.py [REPS] [SEEDS]`` (defaults 200 and 7,101,202; about ten
minutes on one core when the machine is quiet).
"""

import sys
import warnings

import fitset
import numpy as np
import pandas as pd
from techbloc.analysis.validation import folds
from techbloc.sim.calibration import EUROPE_2020
from techbloc.sim.observed import stances
from techbloc.sim.rng import replicate_seeds
from techbloc.sim.world import load_world

GRID = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 13.0, 16.0, 20.0)
FORMS = (1.0, 0.0)  # η: the argued form (restrictions re-decided) first, then new exclusions
SHOWN = {"GBR": 2020, "SWE": 2020, "EST": 2021, "LTU": 2021, "ROU": 2021, "BEL": 2021,
         "DEU": 2021, "DNK": 2021, "FRA": 2021, "ITA": 2021, "NLD": 2021, "CAN": 2021,
         "ESP": 2021, "NOR": 2021}


def per_country(reps: int, seeds: list[int]) -> pd.DataFrame:
    """One row per (seed, η, δ_a, year, country): P(open), P(ban), RPS; and Europe's 2020 share."""
    world = load_world()
    observed = stances().astype({"iso3": str})
    base = fitset.base_scenario("ban channel")
    rows = []
    for seed in seeds:
        replicate = replicate_seeds(seed, reps)
        for eta in FORMS:
            for delta in GRID:
                if delta == 0 and eta != FORMS[0]:
                    continue  # δ_a = 0 is the same model for every η
                s = base.with_params({"country.ban_shift_assurance": delta,
                                      "country.assurance_restricting": eta},
                                     origin="ban channel")
                for year, iso3, p_open, p_ban, rps, europe in fitset.scores(
                        s, replicate, world, observed):
                    rows.append((seed, eta, delta, year, iso3, p_open, p_ban, rps, europe))
                print(f"seed {seed} eta {eta} delta {delta} done", file=sys.stderr, flush=True)
    return pd.DataFrame(rows, columns=["seed", "eta", "delta", "year", "iso3", "p_open",
                                       "p_ban", "rps", "europe2020"])


def report(df: pd.DataFrame) -> None:
    """Print the fit-set scores, P(ban) and the cross-validation."""
    pd.set_option("display.width", 200)
    g = df.groupby(["eta", "delta", "seed"]).agg(rps=("rps", "mean"),
                                                 europe=("europe2020", "first"))
    g["objective"] = g["rps"] + 0.5 * (g["europe"] - EUROPE_2020).abs()
    print("fit-set RPS (2019-2021)\n", g["rps"].unstack("seed").round(4).to_string())
    print("objective\n", g["objective"].unstack("seed").round(4).to_string())
    shown = df[[SHOWN.get(i) == y for i, y in zip(df["iso3"], df["year"], strict=True)]]
    print("P(ban) at the end of 2020 (GBR, SWE) or 2021, mean over seeds\n",
          shown.groupby(["eta", "delta", "iso3"])["p_ban"].mean().unstack("iso3").round(2)
          .to_string())
    observed = stances().astype({"iso3": str})
    parts = folds(sorted(set(observed["iso3"])), observed, 5, 1)
    for label, form in (("eta chosen too", None), ("eta = 1", 1.0), ("eta = 0", 0.0)):
        for seed, d in df.groupby("seed"):
            if form is not None:
                d = d[(d["eta"] == form) | (d["delta"] == 0)]
            held, zero, chosen = [], [], []
            for test in parts:
                train = d[~d["iso3"].isin(test)].groupby(["eta", "delta"])["rps"].mean()
                scored = d[d["iso3"].isin(test)].groupby(["eta", "delta"])["rps"].mean()
                best = train.idxmin()
                held.append(scored[best])
                zero.append(scored.xs(0.0, level="delta").iloc[0])
                chosen.append(f"eta {best[0]:g} delta {best[1]:g}")
            print(f"CV ({label}), seed {seed}: held-out RPS {np.mean(held):.4f} "
                  f"(sd {np.std(held, ddof=1):.4f}) against {np.mean(zero):.4f} at delta_a = 0; "
                  f"lower in {sum(h < z for h, z in zip(held, zero, strict=True))} of 5 folds; "
                  f"chosen: {', '.join(chosen)}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seeds = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [7, 101, 202]
    report(per_country(reps, seeds))
