"""Same scenario and seed give identical tables; seeds do not depend on how many replicates run."""

import pandas as pd
from techbloc.sim import run

from tests.helpers import short


def test_same_seed_gives_identical_tables():
    a = run(short("sanctions-2019", "2022Q4"), replications=2, seed=5)
    b = run(short("sanctions-2019", "2022Q4"), replications=2, seed=5)
    pd.testing.assert_frame_equal(a.model, b.model)
    pd.testing.assert_frame_equal(a.countries, b.countries)


def test_different_seeds_give_different_tables():
    a = run(short("baseline", "2022Q4"), replications=1, seed=5)
    b = run(short("baseline", "2022Q4"), replications=1, seed=6)
    assert not a.model["share_china"].equals(b.model["share_china"])


def test_replicate_does_not_depend_on_number_of_replicates():
    two = run(short("baseline", "2021Q4"), replications=2, seed=9)
    three = run(short("baseline", "2021Q4"), replications=3, seed=9)
    pd.testing.assert_frame_equal(two.model, three.model[three.model["replicate"] < 2])


def test_scenarios_share_random_draws_before_they_differ():
    """Common random numbers: before the first event, baseline and sanctions are identical."""
    base = run(short("baseline", "2020Q4"), replications=2, seed=3).countries
    sanc = run(short("sanctions-2019", "2020Q4"), replications=2, seed=3).countries
    cols = ["replicate", "seed", "iso3", "policy", "china_share", "sites", "alignment"]
    first = base["date"] == "2019Q1"
    pd.testing.assert_frame_equal(base.loc[first, cols].reset_index(drop=True),
                                  sanc.loc[sanc["date"] == "2019Q1", cols].reset_index(drop=True))
    later = base["date"] == "2020Q4"
    assert not base.loc[later, "china_share"].reset_index(drop=True).equals(
        sanc.loc[sanc["date"] == "2020Q4", "china_share"].reset_index(drop=True))
