"""Test a ban's lead time L, then the ban-form class π again with it, by the rule of ODD §7.5.

Every other value is held at the point of the calibration fitted on the same years
(``calibrated-2021`` for 2019-2021, ``calibrated`` for the whole record with ``--through 2024``),
no posterior draws, emergent 5G launches. L (``country.ban_lead_quarters``) is set from the
record's purchase-stop dates, not fitted: L = 1 quarter against L = 0. Then π
(``country.ban_form_share``, grid 0-0.6) with L = 1 held, against π = 0 with L = 1.

For each, the script prints the fit-set RPS and objective by seed, P(not open) and P(ban) of
the states that excluded outside the frontline by year-end, and the verdict of the rule fixed
before the run (``fitset.verdict``): at the term's value, RPS and objective below the term-off
model's on every seed, and the 5-fold held-out RPS below it on average on every seed.

Run: ``python tools/ban_lead_fit.py [REPS] [SEEDS] [--through YEAR]`` (defaults 200,
7,101,202 and 2021; run it with ``--through 2021`` and ``--through 2024``).
"""

import fitset

LEAD = {"ban_lead": ("country.ban_lead_quarters", (0.0, 1.0))}
FORM = {"ban_form": ("country.ban_form_share", (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6))}
SHOWN = ("GBR", "SWE", "CAN", "PRT", "DEU", "BEL", "FRA", "NLD")

if __name__ == "__main__":
    reps, seeds = fitset.parse_args()
    years = fitset.YEARS[1:]
    print(f"== the lead time L, {fitset.YEARS[0]}-{fitset.YEARS[-1]} ==", flush=True)
    fitset.report_states(fitset.grid(LEAD, reps, seeds, "ban lead"), LEAD, SHOWN, years)
    print(f"== the ban-form class π with L = 1 held, {fitset.YEARS[0]}-{fitset.YEARS[-1]} ==",
          flush=True)
    fitset.report_states(fitset.grid(FORM, reps, seeds, "ban form",
                                     held={"country.ban_lead_quarters": 1.0}),
                         FORM, SHOWN, years)
