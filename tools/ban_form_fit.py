"""Fit the ban-form class π alone on 2019-2021 and cross-validate it over countries.

Every other value is held at what sanctions-2019 runs with: the point fit of
``scenarios/calibrated.yaml``, no posterior draws (``uncertainty.parameters: False``) and emergent
5G launches, as in ``techbloc calibrate``. The term (each country, once per replicate, is with
probability π = ``country.ban_form_share`` one whose new exclusion takes the ban form) and the
rule below were argued in docs/ODD.md §7.5 and committed before any fit.

For each seed and each π on the grid (0 included), ``REPS`` replicates run to 2021Q4 on common
seeds. The script prints the fit-set ranked probability score (RPS) of the three levels at the
ends of 2019-2021, the calibration objective (RPS + ½·|Europe's 2020 China-bloc share − 0.51|),
P(not open) and P(ban) of the Fourteen Eyes states that excluded in 2020-2021 (GBR and SWE
banned; BEL, FRA, NLD, DEU restricted) and of Canada at each year-end, and a 5-fold
cross-validation over countries (the folds of ``techbloc hindcast --cv``, seed 1).

Only 2019-2021 data are used. The rule, fixed before the run: the term earns its place only if,
at its fit-set value (the grid value with the lowest objective averaged over the seeds), the RPS
and the objective are both below π = 0's on every seed, and the held-out RPS is below π = 0's on
average over the folds, on every seed.

Run: ``python tools/ban_form_fit.py [REPS] [SEEDS] [--through YEAR]`` (defaults 200, 7,101,202
and 2021). With ``--through 2024`` the same rule is applied on the whole record 2019-2024 (the
calibration runs use, docs/ODD.md §1.2, stop 26).
"""

import fitset
import pandas as pd

FORMS = {"ban_form": ("country.ban_form_share", (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6))}
SHOWN = ("GBR", "SWE", "BEL", "FRA", "NLD", "DEU", "CAN", "PRT")


def report(df: pd.DataFrame) -> None:
    """Print the fit-set scores, the shown states' probabilities (2020-2021) and the CV."""
    fitset.report_states(df, FORMS, SHOWN, years=fitset.YEARS[1:])


if __name__ == "__main__":
    fitset.main(report, FORMS, "ban form")
