"""Read run folders into tidy frames, with country groupings joined on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.results import Results, load_results
from sim.world import load_world

GROUP_COLUMNS = ("region", "income_group", "eu", "nato", "five_eyes", "us_treaty_ally", "g20",
                 "bri")


def with_groups(countries: pd.DataFrame, year: int = 2019) -> pd.DataFrame:
    """Join region, income group and memberships (as of ``year``) onto a countries table."""
    world = load_world()
    c = world.countries
    groups = pd.DataFrame({
        "iso3": c["iso3"].astype("string"),
        "region": c["region"], "income_group": c["income_group"],
        "eu": world.member("eu", year), "nato": world.member("nato", year),
        "five_eyes": c["five_eyes"] == 1, "us_treaty_ally": c["us_treaty_ally"] == 1,
        "g20": c["g20"] == 1, "bri": world.member("bri_mou_year", year),
        "population": c["population"], "gdp_usd": c["gdp_usd"],
    })
    return countries.merge(groups, on="iso3", how="left", validate="many_to_one")


def load(path: str | Path) -> Results:
    """A run folder as Results, its countries table carrying the groupings."""
    res = load_results(path)
    res.countries = with_groups(res.countries)
    return res
