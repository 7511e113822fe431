"""Per-country tables across replicates."""

from __future__ import annotations

import pandas as pd
from techbloc.analysis.load import table, with_groups
from techbloc.analysis.maps import country_values


def country_table(countries: pd.DataFrame, date: str) -> pd.DataFrame:
    """Per country at ``date``: median China-bloc share and the probability of each policy.

    Returns:
        One row per country, sorted by region then name: ``iso3, name, region, china_share``
        (median over replicates with 5G sites; NaN if none), ``p_open, p_restrict, p_ban``
        (shares of replicates) and ``sites`` (median).
    """
    countries = table(countries, "countries")
    at = countries[countries["date"] == date]
    share = country_values(countries, date, "china_share")
    p = pd.crosstab(at["iso3"], at["policy"].astype(str), normalize="index")
    p = p.reindex(columns=["open", "restrict", "ban"], fill_value=0.0).add_prefix("p_")
    sites = at.groupby("iso3", observed=True)["sites"].median()
    out = pd.concat([share.rename("china_share"), p, sites.rename("sites")], axis=1)
    out.index.name = "iso3"
    out = with_groups(out.reset_index().astype({"iso3": "string"}))
    return out[["iso3", "name", "region", "china_share", "p_open", "p_restrict", "p_ban",
                "sites"]].sort_values(["region", "name"]).reset_index(drop=True)
