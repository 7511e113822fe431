"""Fit the Five Eyes ban form δ_5 alone on 2019-2021 and cross-validate it over countries.

Every other value is held at what sanctions-2019 runs with: the point fit of
``scenarios/calibrated.yaml``, no posterior draws (``uncertainty.parameters: False``) and emergent
5G launches, as in ``techbloc calibrate``. The form (the ban cut-point of a Five Eyes state open
when it reviews falls by δ_5·e_i·g, ``country.ban_shift_five_eyes``) and the rule below were
argued in docs/ODD.md §7.5 and committed before any fit.

For each seed and each δ_5 on the grid (0 included), ``REPS`` replicates run to 2021Q4 on common
seeds. The script prints the fit-set ranked probability score (RPS) of the three levels at the
ends of 2019-2021, the calibration objective (RPS + ½·|Europe's 2020 China-bloc share − 0.51|),
P(not open) and P(ban) of the Five Eyes states open in 2019Q1 (GBR, CAN) at each year-end, and
a 5-fold cross-validation over countries (the folds of ``techbloc hindcast --cv``, seed 1).

Only 2019-2021 data are used. The rule, fixed before the run: the form earns its place only if,
at its fit-set value (the grid value with the lowest objective averaged over the seeds), the RPS
and the objective are both below δ_5 = 0's on every seed, and the held-out RPS is below
δ_5 = 0's on average over the folds, on every seed.

Run: ``python tools/five_eyes_fit.py [REPS] [SEEDS]`` (defaults 200 and 7,101,202).
"""

import fitset
import pandas as pd

FORMS = {"five_eyes": ("country.ban_shift_five_eyes",
                       (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 13.0, 16.0, 20.0))}
SHOWN = ("GBR", "CAN")


def report(df: pd.DataFrame) -> None:
    """Print the fit-set scores, the open Five Eyes states' probabilities and the CV."""
    fitset.report_states(df, FORMS, SHOWN)


if __name__ == "__main__":
    fitset.main(report, FORMS, "five eyes")
