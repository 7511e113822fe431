"""A sweep run's outcome summaries: the one-row table of each run that a sweep keeps.

:func:`metric_names` lists what a run can report for a horizon, :func:`summarise` computes it from
the run's model and countries tables (:func:`sim.sweeps.execute` stores the row in the run's file;
``techbloc tipping`` and ``reversibility`` read the same metrics, :mod:`sim.explore`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from techbloc.sim.world import REGION_SLUGS

#: The year-ends summarised besides the horizon's end, when the horizon reaches them.
SUMMARY_DATES = {"2025": "2025Q4", "2030": "2030Q4"}


def metric_names(end_year: int) -> list[str]:
    """Every outcome summary a run can report, for a horizon ending in ``end_year``."""
    dates = [k for k in SUMMARY_DATES if int(k) <= end_year] + ["end"]
    names = []
    for d in dates:
        names += [f"share_china_{d}", f"n_ban_{d}", f"n_restrict_{d}", f"n_not_open_{d}"]
        names += [f"share_china_{slug}_{d}" for slug in REGION_SLUGS.values()]
    names += ["first_year_below_threshold", "polarization_end", "world_split_end",
              "rip_replace_cost_usd_end", "quality_huawei_end"]
    return names


def summarise(model: pd.DataFrame, countries: pd.DataFrame, region: Mapping[str, str],
              threshold: float) -> dict[str, float]:
    """The outcome summaries of one run.

    NaN where a region has no 5G site yet; ``first_year_below_threshold`` is NaN if the world
    share never falls below the threshold once 1 % of the sites are built.
    """
    out: dict[str, float] = {}
    end = str(model["date"].iloc[-1])
    dates = {k: v for k, v in SUMMARY_DATES.items() if v <= end} | {"end": end}
    row = {d: i for i, d in enumerate(model["date"].tolist())}
    # Arrays rather than pandas groupbys (a sweep summarises every run): the same sums, row order.
    slugs = list(REGION_SLUGS.items())
    code = {reg: k for k, (reg, _) in enumerate(slugs)}
    reg = np.array([code.get(region.get(iso), -1) for iso in countries["iso3"].tolist()])
    c_date = countries["date"].to_numpy(dtype=object)
    sites, share = countries["sites"].to_numpy(float), countries["china_share"].to_numpy(float)
    for label, date in dates.items():
        i = row[date]
        for col in ("share_china", "n_ban", "n_restrict"):
            out[f"{col}_{label}"] = float(model[col].iat[i])
        out[f"n_not_open_{label}"] = out[f"n_ban_{label}"] + out[f"n_restrict_{label}"]
        at = (c_date == date) & (reg >= 0)
        cn = np.bincount(reg[at], share[at] * sites[at], minlength=len(slugs))
        total = np.bincount(reg[at], sites[at], minlength=len(slugs))
        for k, (_, slug) in enumerate(slugs):
            out[f"share_china_{slug}_{label}"] = (float(cn[k] / total[k]) if total[k] > 0
                                                  else np.nan)
    share = model["share_china"].to_numpy()
    built = model["sites_total"].to_numpy() > 0.01 * model["sites_total"].iloc[-1]
    below = np.flatnonzero(built & (share < threshold))
    out["first_year_below_threshold"] = (float(str(model["date"].iloc[below[0]])[:4])
                                         if below.size else np.nan)
    last = model.iloc[-1]
    out["polarization_end"] = float(last["polarization"])
    out["world_split_end"] = float(last["world_split"])
    out["rip_replace_cost_usd_end"] = float(last["rip_replace_cost_usd"])
    out["quality_huawei_end"] = float(last["quality_huawei"])
    return out
