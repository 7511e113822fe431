"""Hand-calibration check: baseline and sanctions-2019 against the P1 and P3 figures.

Usage: python tools/calibration_check.py [group.name=value ...]

Runs 8 replicates of each scenario (with the overrides given) and prints, at 2019Q4-2030Q4, the
global vendor shares, policy counts, coverage, split, polarization and rip-and-replace cost
(medians), the site-weighted China-bloc share of 5G sites in Europe (EU members at any time, plus
GBR, NOR, CHE; lit. §3b) and by region, and the countries not open / banning in at least half the
replicates at 2024Q4. docs/ODD.md §1.2 quotes its output.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from techbloc.sim import run  # noqa: E402
from techbloc.sim.observed import europe_iso3  # noqa: E402
from techbloc.sim.world import load_world  # noqa: E402

DATES = ["2019Q4", "2020Q4", "2022Q4", "2024Q4", "2030Q4"]
COLUMNS = ["share_china", "share_huawei", "share_zte", "share_ericsson", "share_nokia",
           "n_restrict", "n_ban", "coverage", "world_split", "polarization",
           "rip_replace_cost_usd"]


def site_weighted(df: pd.DataFrame) -> float:
    """China-bloc share of the 5G sites in ``df`` (0 if none)."""
    sites = df["sites"].sum()
    return float((df["china_share"] * df["sites"]).sum() / sites) if sites > 0 else 0.0


def report(name: str, overrides: dict, countries: pd.DataFrame) -> None:
    t0 = time.perf_counter()
    res = run(name, replications=8, set=overrides)
    print(f"== {name} ({time.perf_counter() - t0:.2f} s)")
    medians = res.model.groupby("date").median(numeric_only=True)
    print(medians.loc[DATES, COLUMNS].round(3).to_string())
    cc = res.countries.merge(countries, on="iso3")
    europe = cc["iso3"].isin(europe_iso3())
    for date in ("2020Q4", "2022Q4", "2024Q4"):
        at = cc["date"] == date
        eu = cc[at & europe].groupby("replicate")[["china_share", "sites"]].apply(site_weighted)
        regions = {r: round(site_weighted(g), 2) for r, g in cc[at].groupby("region")}
        print(date, "Europe", round(float(eu.median()), 3), regions)
    end = cc[cc["date"] == "2024Q4"]
    for label, mask in (("not open", end["policy"] != "open"), ("ban", end["policy"] == "ban")):
        p = mask.groupby(end["iso3"]).mean()
        print(f"P({label}) >= 0.5 at 2024Q4:", " ".join(sorted(p[p >= 0.5].index)))


if __name__ == "__main__":
    overrides = {}
    for arg in sys.argv[1:]:
        key, _, value = arg.partition("=")
        overrides[key] = float(value)
    c = load_world().countries[["iso3", "region", "eu"]].astype({"iso3": "string"})
    for scenario in ("baseline", "sanctions-2019"):
        report(scenario, overrides, c)
