"""Country-level patterns of the literature (lit. §4b) and the record, with stated tolerances.

Free-running ``sanctions-2019`` (no country forced) and ``baseline`` with the calibrated weights.
Each test asserts a direction and a tolerance taken from ``shared/reference/literature.md`` or
the observed record (``sim/data/observed``), never a number read off the model.
"""

import numpy as np
import pandas as pd
import pytest
from techbloc.analysis.load import groups
from techbloc.analysis.validation import initial_stances
from techbloc.sim import run

LEVEL = {"open": 0, "restrict": 1, "ban": 2}


@pytest.fixture(scope="module")
def history():
    return run("sanctions-2019", replications=20, seed=11, horizon="2019Q1:2024Q4")


def _p_not_open(countries: pd.DataFrame, date: str) -> pd.Series:
    at = countries[countries["date"] == date]
    return (at["policy"].astype(str) != "open").groupby(at["iso3"].astype(str)).mean()


def test_p4_cascade_five_eyes_and_japan_first(history):
    # P4: "Five Eyes and Japan moved first (2018-2019)"; the UK decided in 2020. By end-2020
    # each of them excludes in at least half of the replicates.
    p = _p_not_open(history.countries, "2020Q4")
    for iso in ("USA", "AUS", "JPN", "NZL", "GBR"):
        assert p[iso] >= 0.5, iso


def test_p4_about_ten_eu_states_restrict_by_2023(history):
    # P4: "By 2023, 10 EU states had restrictions" (the Commission's June 2023 count; the
    # record names 12, sim/data/observed/SOURCES.md): expected number of EU states not open at
    # end-2023 within 10 ± 3.
    g = groups().astype({"iso3": str}).set_index("iso3")
    eu = [c for c in g.index[g["eu"]]]
    p = _p_not_open(history.countries, "2023Q4")
    expected = float(p.reindex(eu).fillna(0).sum())
    assert 7 <= expected <= 13, expected


def test_p4_exclusion_follows_security_dependence_not_us_trade(history):
    # P4 / Christie et al. 2023: stances follow security dependence on the US: mean P(not open)
    # at end-2024 falls from the Five Eyes to the other treaty allies to the rest, each step by
    # more than 0.1; and exports to the US do not separate excluders (correlation below 0.3).
    g = groups().astype({"iso3": str}).set_index("iso3")
    p = _p_not_open(history.countries, "2024Q4").reindex(g.index).fillna(0)
    five = p[g["five_eyes"]].mean()
    allies = p[(g["us_treaty_ally"] | g["nato"]) & ~g["five_eyes"]].mean()
    rest = p[~(g["us_treaty_ally"] | g["nato"] | g["five_eyes"])].mean()
    assert five > allies + 0.1 and allies > rest + 0.1, (five, allies, rest)
    from techbloc.sim.world import load_world

    c = load_world().countries.set_index("iso3")
    non_allies = ~(g["us_treaty_ally"] | g["nato"] | g["five_eyes"])
    x = c["exports_to_us_share"].reindex(g.index)[non_allies].to_numpy(float)
    r = np.corrcoef(x, p[non_allies].to_numpy())[0, 1]
    assert r < 0.3, r


@pytest.mark.xfail(strict=True, reason="known misfit (ODD §1.2): the cut-point fitted on "
                   "2019-2021 (θ_2 ≈ 8) is out of reach, so no ban emerges after 2019")
def test_bans_emerge_free_running(history):
    # Issue 16: of the bans decided in 2020-2024 (record: GBR, SWE 2020; EST, LTU, ROU 2021;
    # CAN 2022; PRT 2023; DEU 2024), at least half get P(ban) >= 0.3 by the end of their year.
    bans = {"GBR": 2020, "SWE": 2020, "EST": 2021, "LTU": 2021, "ROU": 2021, "CAN": 2022,
            "PRT": 2023, "DEU": 2024}
    c = history.countries
    hit = 0
    for iso, year in bans.items():
        at = c[(c["date"] == f"{year}Q4") & (c["iso3"].astype(str) == iso)]
        hit += (at["policy"].astype(str) == "ban").mean() >= 0.3
    assert hit >= len(bans) / 2, hit


@pytest.mark.xfail(strict=True, reason="known misfit (ODD §1.2): without new bans there is "
                   "no forced removal, so the cost stays near zero")
def test_p7_removal_costs_billions(history):
    # P7: forced swaps cost "hundreds of millions to billions" (UK up to £2bn, US $4.98bn):
    # the cumulative removal cost by 2024Q4 lies between $1bn and $50bn (median replicate), the
    # bounds the hindcast's P7 uses (the UK's programme alone is about $2.5bn).
    m = history.model
    cost = float(m[m["date"] == "2024Q4"]["rip_replace_cost_usd"].median())
    assert 1e9 <= cost <= 5e10, cost


def test_baseline_keeps_the_2019_exclusions():
    # Issue 16: no exclusion in force at the start lapses by 2030 in more than 10 % of the
    # replicates of the baseline (no new measures): none was lifted in 2019-2024.
    res = run("baseline", replications=20, seed=5, horizon="2019Q1:2030Q4")
    at = res.countries[res.countries["date"] == "2030Q4"]
    for iso, stance in initial_stances().items():
        rows = at[at["iso3"].astype(str) == iso]["policy"].astype(str).map(LEVEL)
        lapsed = float((rows < LEVEL[stance]).mean())
        assert lapsed <= 0.1, (iso, lapsed)
