"""Fit the US 5G declaration term alone on 2019-2021 and cross-validate it over countries.

Every other value is held at what sanctions-2019 runs with: the point fit of
``scenarios/calibrated.yaml``, no posterior draws (``uncertainty.parameters: False``) and emergent
5G launches, as in ``techbloc calibrate``. Two forms, each argued in docs/ODD.md §7.5 before any
fit:

- ``score`` (argued first): w_d·d_i(t)·g in the policy score (``country.w_declaration``);
- ``cut`` (the alternative, second): the ban cut-point of a signatory open when it reviews falls
  by δ_d·d_i(t)·g (``country.ban_shift_declaration``).

For each seed, each form and each weight on its grid (0 included, shared by both forms),
``REPS`` replicates run to 2021Q4 on common seeds. The script prints:

- the fit-set ranked probability score (RPS) of the three levels at the ends of 2019-2021;
- the calibration objective (RPS + ½·|Europe's 2020 China-bloc share − 0.51|);
- P(not open) and P(ban) of the signatories in the record and of the bans of 2020-2024 (at the
  end of 2020 for GBR and SWE, of 2021 for the others; the runs stop there);
- a 5-fold cross-validation over countries (the folds of ``techbloc hindcast --cv``, seed 1): the
  weight is chosen on four folds' countries by their RPS, the fifth fold is scored on 2019-2021,
  and the result is compared with weight 0.

Only 2019-2021 data are used. The rule, fixed before the run: a form earns its place only if, at
its fit-set weight (the grid value with the lowest objective averaged over the seeds), the RPS and
the objective are both below weight 0 on every seed, and the held-out RPS of the
cross-validation is below weight 0's on average over the folds, on every seed.

Run: ``python tools/declaration_fit.py [REPS] [SEEDS]`` (defaults 200 and 7,101,202).
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

FORMS = {"score": ("country.w_declaration", (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)),
         "cut": ("country.ban_shift_declaration", (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 13.0, 16.0,
                                                   20.0))}
SIGNED = ("ROU", "POL", "EST", "LVA", "CZE", "SVN", "SRB", "LTU", "SVK", "BGR", "MKD", "ALB")
BANS = {"GBR": 2020, "SWE": 2020, "EST": 2021, "LTU": 2021, "ROU": 2021, "CAN": 2021,
        "PRT": 2021, "DEU": 2021}


def per_country(reps: int, seeds: list[int]) -> pd.DataFrame:
    """One row per (seed, form, weight, year, country): P(open), P(ban), RPS; Europe's share."""
    world = load_world()
    observed = stances().astype({"iso3": str})
    base = fitset.base_scenario("declarations")
    rows = []
    for seed in seeds:
        replicate = replicate_seeds(seed, reps)
        for form, (key, grid) in FORMS.items():
            for weight in grid:
                if weight == 0 and form != "score":
                    continue  # weight 0 is the same model for both forms
                s = base.with_params({key: weight}, origin="declarations")
                for year, iso3, p_open, p_ban, rps, europe in fitset.scores(
                        s, replicate, world, observed):
                    rows.append((seed, form, weight, year, iso3, p_open, p_ban, rps, europe))
                print(f"seed {seed} {form} {weight} done", file=sys.stderr, flush=True)
    df = pd.DataFrame(rows, columns=["seed", "form", "weight", "year", "iso3", "p_open",
                                     "p_ban", "rps", "europe2020"])
    zero = df[df["weight"] == 0]
    return pd.concat([df] + [zero.assign(form=f) for f in FORMS if f != "score"],
                     ignore_index=True)


def report(df: pd.DataFrame) -> None:
    """Print the fit-set scores, the signatories' and bans' probabilities and the CV."""
    pd.set_option("display.width", 220)
    g = df.groupby(["form", "weight", "seed"]).agg(rps=("rps", "mean"),
                                                   europe=("europe2020", "first"))
    g["objective"] = g["rps"] + 0.5 * (g["europe"] - EUROPE_2020).abs()
    print("fit-set RPS (2019-2021)\n", g["rps"].unstack("seed").round(4).to_string())
    print("objective\n", g["objective"].unstack("seed").round(4).to_string())
    end = df[df["year"] == 2021]
    signed = end[end["iso3"].isin(SIGNED)].assign(p_not_open=lambda d: 1 - d["p_open"])
    print("signatories at the end of 2021, mean over seeds: P(not open)\n",
          signed.groupby(["form", "weight", "iso3"])["p_not_open"].mean().unstack("iso3")
          .round(2).to_string())
    print("signatories at the end of 2021, mean over seeds: P(ban)\n",
          signed.groupby(["form", "weight", "iso3"])["p_ban"].mean().unstack("iso3")
          .round(2).to_string())
    bans = df[[BANS.get(i) == y for i, y in zip(df["iso3"], df["year"], strict=True)]]
    bans = bans.assign(p_not_open=1 - bans["p_open"])
    for col in ("p_not_open", "p_ban"):
        print(f"bans of 2020-2024, {col} at the end of 2020 (GBR, SWE) or 2021, mean over "
              "seeds\n", bans.groupby(["form", "weight", "iso3"])[col].mean().unstack("iso3")
              .round(2).to_string())
    observed = stances().astype({"iso3": str})
    parts = folds(sorted(set(observed["iso3"])), observed, 5, 1)
    for form in FORMS:
        objective = g.loc[form, "objective"].groupby("weight").mean()
        best = float(objective.idxmin())
        at, zero = g.loc[(form, best)], g.loc[(form, 0.0)]
        fit_ok = bool((at["rps"] < zero["rps"]).all() and
                      (at["objective"] < zero["objective"]).all())
        cv_ok = True
        for seed, d in df[df["form"] == form].groupby("seed"):
            held, base, chosen = [], [], []
            for test in parts:
                train = d[~d["iso3"].isin(test)].groupby("weight")["rps"].mean()
                scored = d[d["iso3"].isin(test)].groupby("weight")["rps"].mean()
                pick = float(train.idxmin())
                held.append(scored[pick])
                base.append(scored[0.0])
                chosen.append(f"{pick:g}")
            cv_ok &= bool(np.mean(held) < np.mean(base))
            print(f"CV ({form}), seed {seed}: held-out RPS {np.mean(held):.4f} "
                  f"(sd {np.std(held, ddof=1):.4f}) against {np.mean(base):.4f} at weight 0; "
                  f"lower in {sum(h < z for h, z in zip(held, base, strict=True))} of 5 folds; "
                  f"chosen: {', '.join(chosen)}")
        print(f"form {form}: fit-set weight {best:g} (lowest mean objective); fit set "
              f"{'better' if fit_ok else 'not better'} on every seed; CV "
              f"{'better' if cv_ok else 'not better'} on average; "
              f"{'EARNS ITS PLACE' if fit_ok and cv_ok else 'rejected'}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seeds = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [7, 101, 202]
    report(per_country(reps, seeds))
