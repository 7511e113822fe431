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

import fitset
import pandas as pd

FORMS = {"score": ("country.w_declaration", (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)),
         "cut": ("country.ban_shift_declaration", (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 13.0, 16.0,
                                                   20.0))}
SIGNED = ("ROU", "POL", "EST", "LVA", "CZE", "SVN", "SRB", "LTU", "SVK", "BGR", "MKD", "ALB")
BANS = {"GBR": 2020, "SWE": 2020, "EST": 2021, "LTU": 2021, "ROU": 2021, "CAN": 2021,
        "PRT": 2021, "DEU": 2021}


def report(df: pd.DataFrame) -> None:
    """Print the fit-set scores, the signatories' and bans' probabilities and the CV."""
    fitset.print_fit(df)
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
    fitset.verdict(df, FORMS)


if __name__ == "__main__":
    fitset.main(report, FORMS, "declarations")
