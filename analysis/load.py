"""Read run folders into tidy frames, with country groupings joined on.

Groupings (as of 2019, the world data's year): World Bank ``region`` and ``income_group``;
memberships ``eu``, ``nato``, ``five_eyes``, ``us_treaty_ally``, ``g20``, ``bri`` (a Belt & Road
MoU signed by 2019); and two labels for faceting: ``alliance`` (Five Eyes / NATO or US treaty ally /
other) and ``bri_group`` (BRI MoU / no BRI MoU).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim.errors import DataError
from techbloc.sim.folders import SweepResult
from techbloc.sim.results import Results, load_folder, load_results
from techbloc.sim.world import load_world

GROUPINGS = ("region", "income_group", "alliance", "bri_group", "eu", "nato", "five_eyes",
             "us_treaty_ally", "g20", "bri")


def groups(year: int = 2019) -> pd.DataFrame:
    """One row per country: iso3, name, the groupings, population and GDP."""
    world = load_world()
    c = world.countries
    member = world.memberships(year)
    five_eyes = member["five_eyes"]
    allied = member["nato"] | member["us_treaty_ally"]
    return pd.DataFrame({
        "iso3": c["iso3"].astype("string"), "name": c["name"],
        "region": c["region"], "income_group": c["income_group"],
        "alliance": np.where(five_eyes, "Five Eyes",
                             np.where(allied, "NATO / US treaty ally", "other")),
        "bri_group": np.where(member["bri"], "BRI MoU", "no BRI MoU"),
        "eu": member["eu"], "nato": member["nato"], "five_eyes": five_eyes,
        "us_treaty_ally": member["us_treaty_ally"], "g20": c["g20"].to_numpy() == 1,
        "bri": member["bri"],
        "population": c["population"], "gdp_usd": c["gdp_usd"],
    })


def table(obj, name: str) -> pd.DataFrame:
    """``obj`` if it is a table; the table ``name`` of a run's Results (``res.countries``) if not.

    Raises:
        DataError: ``obj`` is neither a pandas DataFrame nor Results, naming the table expected.
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, Results) and isinstance(getattr(obj, name, None), pd.DataFrame):
        return getattr(obj, name)
    raise DataError(f"expected the {name} table of a run (a pandas DataFrame such as "
                    f"res.{name}) or the run's Results, found {type(obj).__name__}", key=name)


def with_groups(countries: pd.DataFrame, year: int = 2019) -> pd.DataFrame:
    """Join the groupings onto a countries table.

    Raises:
        DataError: an iso3 in the table is not in the world data.
    """
    countries = table(countries, "countries")
    g = groups(year)
    # The distinct codes first: iterating every row of an Arrow-backed column is slow.
    codes = set(countries["iso3"].drop_duplicates().astype(str))
    unknown = sorted(codes - set(g["iso3"].astype(str)))
    if unknown:
        raise DataError(f"{len(unknown)} iso3 codes not in the world data: "
                        + ", ".join(unknown[:10]), key="iso3")
    cols = [c for c in g.columns if c == "iso3" or c not in countries.columns]
    return countries.merge(g[cols], on="iso3", how="left", validate="many_to_one")


def load(path: str | Path):
    """A run folder as Results (countries with groupings), or a sweep folder as a SweepResult.

    For a sweep, ``.summary`` is one tidy row per run: ``point, replicate, seed``, the inputs
    (``in:<parameter>``) and the outcome summaries. Both are read and checked by
    :func:`techbloc.sim.results.load_folder` (analysis reads tables, never the sweep runner).

    Raises:
        DataError: not a run or sweep folder, an unfinished run or sweep, or a damaged folder
            (naming the file, what is wrong and what to do).
    """
    res = load_folder(path)
    if isinstance(res, SweepResult):
        return res
    res.countries = with_groups(res.countries)
    return res


def load_run(path: str | Path):
    """A run folder as Results with groupings; a sweep folder is refused with what it supports.

    Raises:
        DataError: as :func:`load`, or a sweep folder.
    """
    res = load_results(path)
    res.countries = with_groups(res.countries)
    return res
