"""Patterns P1-P7 of the literature (lit. §4b) as strict tests, on the figures of PATTERNS.

One free-running ``sanctions-2019`` run in hindcast mode (levers as enacted, no country forced,
no launch date after 2019Q1 an input: what ``techbloc hindcast`` runs), 20 replicates, seed 11,
scored by :func:`techbloc.analysis.patterns.evaluate`. Each test asserts one group of checks:
a direction and a tolerance, both defined once in ``PATTERNS`` with the literature section they
come from (``shared/reference/literature.md``) and printed the same way by the hindcast.

Where the model misses a check, the test is a strict xfail whose reason holds the measured value
(fixed seed): it fails loudly once the model meets the pattern, and the tolerance is not loosened
to make it pass.
"""

import dataclasses

import pandas as pd
import pytest
from techbloc.analysis.patterns import P1_RANGES, PATTERNS, evaluate, failing
from techbloc.sim import TechAllianceModel, run
from techbloc.sim.world import load_world

from tests.helpers import cached_run, short

#: The checks each test asserts, by name prefix; every check of evaluate() is in exactly one.
GROUPS = {
    "p1_revenue": ("P1", ("china_bloc_revenue",)),
    "p1_sites": ("P1", ("china_site_share",)),
    "p2_ranks": ("P2", ("first:", "europe_third", "north_america")),
    "p2_europe_last": ("P2", ("europe_below",)),
    "p2_china": ("P2", ("china_2022",)),
    "p3_europe": ("P3", ("europe",)),
    "p3_germany": ("P3", ("germany",)),
    "p4_early": ("P4", ("early:",)),
    "p4_eu": ("P4", ("eu_not_open",)),
    "p4_security": ("P4", ("security_dependence", "us_trade")),
    "p5_consumer": ("P5", ("consumer", "recovers")),
    "p5_carrier": ("P5", ("carrier",)),
    "p5_handsets": ("P5", ("smartphones",)),
    "p6_order": ("P6", ("covered", "coverage_order", "ssa")),
    "p6_india": ("P6", ("india",)),
    "p7_cost": ("P7", ("removal_cost",)),
}


@pytest.fixture(scope="module")
def results():
    res = cached_run("sanctions-2019", 20, 11, "2024Q4", rollout__observed_launches=False)
    return {r["key"]: r for r in evaluate(res.model, res.countries)}


def _checks(results: dict, group: str) -> list[dict]:
    key, prefixes = GROUPS[group]
    checks = [c for c in results[key]["checks"] if c["check"].startswith(prefixes)]
    assert checks, group
    return checks


def _assert_group(results: dict, group: str) -> None:
    bad = failing({"checks": _checks(results, group)})
    assert not bad, bad


def test_every_check_is_asserted_by_exactly_one_test(results):
    for key, r in results.items():
        for c in r["checks"]:
            owners = [g for g, (k, pre) in GROUPS.items() if k == key
                      and c["check"].startswith(pre)]
            assert len(owners) == 1, (key, c["check"], owners)


def test_the_tolerances_are_the_literature_s_arithmetic():
    # P1: Huawei + ZTE over the five vendors at the ends of the §4b ranges.
    assert P1_RANGES["huawei"] == (28.0, 31.0) and P1_RANGES["zte"] == (9.0, 11.0)
    assert PATTERNS["P1"].bounds["china_bloc_revenue_share"] == (round(37 / 72, 3),
                                                                 round(42 / 72, 3))
    # P3: Strand's 0.41 of users against Light Reading's 0.32 of sites, both 2022 (§3b).
    assert PATTERNS["P3"].bounds["tolerance"] == pytest.approx(0.41 - 0.32)
    # P5: the two sources of Huawei's 2020 handsets, 170M and 190M, over 2019's 240M (§3g).
    assert PATTERNS["P5"].bounds["tolerance"] == round((190 - 170) / 240, 3)
    assert PATTERNS["P5"].bounds["observed"]["consumer"] == round(243.4 / 467.3, 3)
    # P2: China's share between China Mobile's tender (0.573 + 0.287) and Dell'Oro's 0.90.
    lo, hi = PATTERNS["P2"].bounds["china"]
    assert lo == pytest.approx(0.573 + 0.287, abs=0.001) and (lo + hi) / 2 == pytest.approx(0.9)
    for p in PATTERNS.values():
        assert p.source.startswith("lit. §") and p.tolerance and p.figure


@pytest.mark.xfail(strict=True, reason="measured (seed 11, 20 replicates): China-bloc share of "
                   "equipment revenue 0.486 in 2023 (band 0.514-0.583; 2019-2022 inside; "
                   "after the refit and its posterior ensemble): the "
                   "model's 5G purchases grow to about $54bn in 2023, west-heavy as China's plan "
                   "nears its target, where Dell'Oro's RAN market fell in 2023")
def test_p1_china_bloc_revenue_share_stays_in_the_literature_band(results):
    """P1 (lit. §3a, §4b, [M]): Huawei 28-31 %, ZTE 9-11 %, Ericsson and Nokia 14-16 %,
    Samsung 2-3 % of equipment revenue, stable despite sanctions: the China-bloc share of the
    five lies each year 2019-2023 in 0.514-0.583 and varies by no more than that width."""
    _assert_group(results, "p1_revenue")


def test_p1_china_holds_most_of_the_world_s_5g_sites(results):
    """P1 (lit. §3a: China about 65 % of 5G infrastructure spending in 2020, [M]; MIIT over
    60 % of the world's sites): China holds 0.55-0.70 of the world's 5G sites at end-2022."""
    _assert_group(results, "p1_sites")


def test_p2_huawei_leads_the_south_trails_in_europe_and_is_absent_in_north_america(results):
    """P2 (lit. §3a Omdia 2023, [M]; §3b ZTE 7 % of European RAN): China-bloc share at end-2023
    above 0.20 in East Asia & Pacific, MENA, Sub-Saharan Africa and Latin America (a first of
    five holds over 1/5), Europe below 0.40 (a third holds under 1/3, plus ZTE) and below each
    of them (asserted apart, below), North America below 0.03 (Samsung's world share, the
    smallest of the top 5)."""
    _assert_group(results, "p2_ranks")


@pytest.mark.xfail(strict=True, reason="measured (seed 11, 20 replicates, the whole-record "
                   "calibration of stop 26): Europe 0.3495 against Latin America 0.3476 at "
                   "end-2023, a miss by 0.002 on the knife edge below (it passed with the "
                   "2019-2021 fit, Europe 0.347 against 0.348)")
def test_p2_europe_trails_every_region_huawei_leads(results):
    """P2 (lit. §3a Omdia 2023, [M]): Huawei is first in Asia & Oceania, MEA and Latin America
    and third in Europe, so Europe's China-bloc share at end-2023 lies below each of theirs.

    A knife edge (ODD §1.1): with the refitted posterior ensemble, Europe 0.347 against Latin
    America 0.348 at this seed; 0.37 against 0.35 (a miss) with the hindcast's seed.
    """
    _assert_group(results, "p2_europe_last")


def test_p2_china_s_own_market_is_about_nine_tenths_chinese(results):
    """P2 (lit. §3a: Dell'Oro 1H2022 Huawei 58 % + ZTE 32 %, [L]; China Mobile's 2020 tender
    86 %, [M]): China's China-bloc share at end-2022 within 0.90 ± 0.04.

    Not an independent test of the split awards (ODD §7.6): their shares come from the same
    tender as the band's lower end; Dell'Oro's 0.90 is the independent figure."""
    _assert_group(results, "p2_china")


def test_p3_europe_s_chinese_share_declines_slowly(results):
    """P3 (lit. §3b, [L/M] and [M]): Europe's China-bloc share within 0.09 of 0.51 (2020),
    0.41 (2022) and 0.32 (2024), 0.09 being the gap between the two 2022 measures, and lower
    in 2024 than in 2020."""
    _assert_group(results, "p3_europe")


@pytest.mark.xfail(strict=True, reason="measured (seed 11, 20 replicates): Germany's "
                   "China-bloc share falls from 0.62 (2020) to 0.43 (2022) against a rise to "
                   "0.59 ± 0.09: its operators switch as Huawei's supply reliability falls under "
                   "the 2019-2020 controls (0.64 in 2022 with supply risk off) and as Germany "
                   "restricts (not open at 2021Q4 in 70 % of replicates; 0.54 without β_P; these "
                   "causes measured before the consistent refit)")
def test_p3_germany_s_chinese_share_rises_to_2022(results):
    """P3 (lit. §3b, [L/M]): Germany rose from 57 % (2020) to 59 % (2022): the model's 2022
    share within 0.09 of 0.59 and not below its 2020 share."""
    _assert_group(results, "p3_germany")


def test_p4_the_early_movers_exclude_first(results):
    """P4 (lit. §3i, [L/M]; §3d, [H/M]): Australia, New Zealand, Japan and the US excluded by
    May 2019 (not open at 2019Q2), the UK by its July 2020 ban (2020Q4), each in at least half
    of the replicates."""
    _assert_group(results, "p4_early")


@pytest.mark.xfail(strict=True, reason="measured (seed 11, 20 replicates, the whole-record "
                   "calibration of stop 26, whose fit saw these stances): 9.45 EU states not "
                   "open at 2023Q2 against [10, 12]; the 2019-2021 fit gives 10.25 (techbloc "
                   "hindcast -n 20 --seed 11, ODD §1.2)")
def test_p4_about_ten_eu_states_restrict_by_mid_2023(results):
    """P4 (lit. §3i, the Commission's June 2023 report, [H/M]): 10 EU states had restricted
    high-risk suppliers; the record names 12 (sim/data/observed/SOURCES.md). The expected
    number of EU states not open at 2023Q2 lies in [10, 12]."""
    _assert_group(results, "p4_eu")


def test_p4_exclusion_follows_security_dependence_not_us_trade(results):
    """P4 (lit. §1c, Christie et al. 2023, [H, abstract]): P(not open) at end-2024 falls from
    the Five Eyes to the other US allies to the rest, each step above 0.1 (the abstract gives
    the sign only; the step is the earlier test's, not loosened), and exports to the US
    correlate below 0.3 with it among non-allies."""
    _assert_group(results, "p4_security")


def test_p5_consumer_revenue_halves_and_recovers_in_china_first(results):
    """P5 (lit. §3g, [M]): Huawei's 2021 consumer revenue 0.52 of 2019's, within 0.08 (the
    two sources of its 2020 handsets, 170M and 190M of 240M), below the carrier ratio; its
    share relative to 2019 ends higher inside China than outside."""
    _assert_group(results, "p5_consumer")


def test_p5_carrier_revenue_holds(results):
    """P5 (lit. §3g, [M]): carrier revenue 281.5/296.7 = 0.95 of 2019's in 2021, within 0.08."""
    _assert_group(results, "p5_carrier")


@pytest.mark.xfail(strict=True, reason="measured (seed 11, 20 replicates): Huawei handsets "
                   "2021/2019 0.39 against 0.15 ± 0.08 (the model keeps Huawei's other consumer "
                   "devices at their 2019 level, so the revenue fit leaves too many phones)")
def test_p5_handsets_collapse(results):
    """P5 (lit. §3g, Omdia, [M]): 35M handsets in 2021 against 240M in 2019 (0.15), within 0.08."""
    _assert_group(results, "p5_handsets")


def test_p6_roll_out_order_by_region(results):
    """P6 (lit. §3h, [M]/[H]): North America and East Asia & Pacific with 5G coverage by
    2019Q4; at 2020Q4 both ahead of Europe & Central Asia, which is ahead of South Asia and
    Sub-Saharan Africa; Sub-Saharan Africa's 2023Q4 coverage below the world's and below 0.25
    (mid-band 5G on about a quarter of the world's 4G sites in mid-2023)."""
    _assert_group(results, "p6_order")


@pytest.mark.xfail(strict=True, reason="measured (seed 11, 20 replicates): India's first 5G "
                   "sites in 2023 (median replicate; 2023Q1-2024Q1) against 2022")
def test_p6_india_launches_in_2022(results):
    """P6 (lit. §3h, Ericsson Mobility Report, [H]): India launched 5G in 2022: the median
    replicate's first Indian sites fall in 2022."""
    _assert_group(results, "p6_india")


def test_p7_removal_costs_billions(results):
    """P7 (lit. §3d: UK up to £2bn, [H/M]; US $4.98bn, [H]; GSMA €55bn, [M]): the cumulative
    removal cost by 2024Q4 (median replicate) lies between $1bn and $50bn.

    Measured (seed 11, 20 replicates): $3.38bn, of which $3.15bn in every replicate is the US
    removal order (ODD §7.7: the FCC's ~8,400 locations at its cost per site, an input from the
    record); the bans decided in the run alone give $0.58bn, below the range."""
    _assert_group(results, "p7_cost")


def test_p7_the_us_order_adds_its_footprint_at_cost_per_site_in_every_replicate(results):
    # The split of P7: the run without the removal order (the same seeds otherwise) costs what
    # the bans decided in the run cost (measured, seed 11: median $0.58bn, below the range); the
    # order adds the covered US base at the cost per site, the same in every replicate.
    s = short("sanctions-2019", "2024Q4", rollout__observed_launches=False)
    plain = dataclasses.replace(s, events=tuple(e for e in s.events if not e.removal_order))
    with_order = cached_run("sanctions-2019", 20, 11, "2024Q4", rollout__observed_launches=False)
    without = run(plain, replications=20, seed=11)

    def cost(res):
        at = res.model[res.model["date"] == "2024Q4"]
        return at.set_index("replicate")["rip_replace_cost_usd"].sort_index()

    world = load_world()
    m = TechAllianceModel(s, seed=11, world=world)
    usa = world.codes().index("USA")
    expected = m.layers.operators.covered[usa] * m.values["country.removal_cost_per_site"]
    assert expected > 1e9
    assert (cost(with_order) - cost(without)).to_numpy() == pytest.approx(expected, rel=1e-9)


def test_a_check_fails_outside_its_tolerance():
    # Hand-made model tables: P7 passes at $2bn and fails at $0.5bn and at $60bn.
    def p7(cost):
        m = pd.DataFrame({"date": ["2024Q4"] * 3, "rip_replace_cost_usd": [cost] * 3})
        return evaluate(m, None, keys=("P7",))[0]

    assert p7(2e9)["pass"]
    assert not p7(5e8)["pass"] and not p7(6e10)["pass"]
    assert "FAILS removal_cost_usd_2024Q4" in p7(5e8)["measured"]
