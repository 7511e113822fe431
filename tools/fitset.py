"""The fit-set scores of one scenario, per country and year-end: what a single-term fit compares.

Shared by the tools that fit one switchable term alone on the 2019-2021 stances and
cross-validate it over countries (``ban_channel_fit.py``, ``declaration_fit.py``): every other
value is held at what ``sanctions-2019`` runs with (the point fit of ``scenarios/calibrated.yaml``,
no posterior draws, emergent 5G launches, as in ``techbloc calibrate``).
"""

from collections.abc import Iterator

import pandas as pd
from techbloc.sim.calibration import europe_share, launch_settings
from techbloc.sim.experiment import run_replicate
from techbloc.sim.scenario import load_scenario

YEARS = (2019, 2020, 2021)
CODES = {"open": 0, "restrict": 1, "ban": 2}


def base_scenario(origin: str):
    """``sanctions-2019`` to 2021Q4 at the calibrated point, in the fit's launch regime."""
    return load_scenario("sanctions-2019").with_horizon("2019Q1:2021Q4").with_params(
        {**launch_settings("emergent"), "uncertainty.parameters": False}, origin=origin)


def scores(scenario, replicate_seeds: list[int], world, observed: pd.DataFrame
           ) -> Iterator[tuple[int, str, float, float, float, float]]:
    """(year, iso3, P(open), P(ban), RPS, Europe's 2020 share) for each recorded stance.

    The replicates run on the given seeds (common to every value of a grid); the RPS is that of
    the three ordered levels against the record, as in the calibration's objective.
    """
    c = pd.concat([run_replicate(scenario, i, sd, world)[1]
                   for i, sd in enumerate(replicate_seeds)], ignore_index=True)
    europe = europe_share(c, "2020Q4")
    for year in YEARS:
        at = c[c["date"] == f"{year}Q4"]
        level = at["policy"].astype(str).map(CODES)
        iso = at["iso3"].astype(str)
        f0 = (level == 0).groupby(iso).mean()
        f1 = (level <= 1).groupby(iso).mean()
        ban = (level == 2).groupby(iso).mean()
        for r in observed[observed["year"] == year].itertuples():
            if r.iso3 not in f0.index:
                continue
            y = CODES[r.stance]
            rps = ((f0[r.iso3] - (y <= 0)) ** 2 + (f1[r.iso3] - (y <= 1)) ** 2) / 2
            yield year, r.iso3, f0[r.iso3], ban[r.iso3], rps, europe
