"""World maps: a choropleth of policy or China-bloc share from the shipped Natural Earth geometry.

Matplotlib only (no geopandas at run time): polygons from ``sim/data/world_110m.geojson`` in plain
longitude/latitude; states too small for that file are drawn as points at their capital.
Countries without data at the date (or, on the share map, without 5G yet) are hatched grey, so
they never read as a value of the colour scale.
"""

from __future__ import annotations

import functools
import json

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon
from techbloc.analysis import style
from techbloc.analysis.load import table
from techbloc.sim.errors import DataError
from techbloc.sim.world import DATA, POLICIES, load_world

NO_DATA = "#cfcfcf"
NO_DATA_HATCH = "////"
SHARE_CMAP = LinearSegmentedColormap.from_list("west_china", [style.WEST, "#f7f7f7", style.CHINA])
#: P(not open): white (every replicate open) to the ban colour (none open).
RISK_CMAP = LinearSegmentedColormap.from_list("not_open", ["#ffffff", style.POLICY_COLOURS[
    "restrict"], style.POLICY_COLOURS["ban"]])
VALUES = ("policy", "china_share", "p_not_open")


@functools.lru_cache(maxsize=1)
def _geometry() -> dict[str, list[np.ndarray]]:
    """iso3 -> list of exterior rings (arrays of lon, lat)."""
    doc = json.loads((DATA / "world_110m.geojson").read_text())
    out: dict[str, list[np.ndarray]] = {}
    for f in doc["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        out.setdefault(f["properties"]["iso3"], []).extend(np.asarray(p[0]) for p in polys)
    return out


def country_values(countries: pd.DataFrame, date: str, value: str = "policy") -> pd.Series:
    """Per iso3 at ``date``: modal policy, median China-bloc share or P(not open).

    The most frequent policy, the median China-bloc share, or
    P(not open), the share of replicates in which the country restricts or bans.

    The median share is over the replicates in which the country has 5G sites (NaN if none).
    """
    countries = table(countries, "countries")
    if value not in VALUES:
        raise ValueError(f"value must be one of {', '.join(VALUES)}, got {value!r}")
    at = countries[countries["date"] == date]
    if at.empty:
        dates = countries["date"].unique()
        raise DataError(f"no rows at {date}; the run covers {dates[0]}-{dates[-1]}", key="date")
    if value == "policy":
        # Counts per (country, policy) in policy order; ties go to the first (the milder).
        counts = pd.crosstab(at["iso3"].astype(str), at["policy"].astype(str))
        counts = counts.reindex(columns=[p for p in POLICIES if p in counts.columns])
        return counts.idxmax(axis=1).astype(str)
    if value == "p_not_open":
        return (at["policy"].astype(str) != "open").groupby(at["iso3"], observed=True).mean()
    built = at["sites"] > 0
    med = at.assign(share=at["china_share"].where(built)).groupby("iso3", observed=True)[
        "share"].median()
    return med


def world_map(countries: pd.DataFrame, date: str, value: str = "policy", ax=None, title: str = ""):
    """A choropleth of the world at ``date``.

    It shows the policy (modal across replicates), the China-bloc share
    (median) or P(not open) (share of replicates restricting or banning).

    Args:
        countries: the countries table of a run.
        date: the quarter, e.g. ``"2030Q4"``.
        value: ``policy``, ``china_share`` or ``p_not_open``.
        ax: axes to draw on (a new figure if None).
        title: title; the date and the number of replicates are always added.

    Returns:
        (fig, ax).
    """
    countries = table(countries, "countries")
    vals = country_values(countries, date, value)
    if ax is None:
        fig = Figure(figsize=(10, 5.2), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    geom = _geometry()
    norm = Normalize(0, 1)
    cmap = SHARE_CMAP if value == "china_share" else RISK_CMAP

    def colour(iso):
        v = vals.get(iso)
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        return style.POLICY_COLOURS[v] if value == "policy" else cmap(norm(v))

    patches, colours, missing = [], [], []
    for iso, rings in geom.items():
        c = colour(iso)
        for ring in rings:
            if c is None:
                missing.append(Polygon(ring, closed=True))
            else:
                patches.append(Polygon(ring, closed=True))
                colours.append(c)
    # Borders in grey where the scale starts at white (P(not open) = 0), else white.
    edge = "#a0a0a0" if value == "p_not_open" else "white"
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors=edge,
                                      linewidths=0.3))
    ax.add_collection(PatchCollection(missing, facecolors=NO_DATA, edgecolors="#9a9a9a",
                                      linewidths=0.3, hatch=NO_DATA_HATCH))
    c = load_world().countries
    small = c[~c["iso3"].isin(list(geom))]
    dots = [colour(i) for i in small["iso3"]]
    ax.scatter(small["lon"], small["lat"], s=14, c=[d if d is not None else NO_DATA
                                                     for d in dots],
               edgecolors="#555555", linewidths=0.4, zorder=3)
    ax.set_xlim(-170, 190)
    ax.set_ylim(-58, 84)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    n = countries["replicate"].nunique()
    no_data = Patch(facecolor=NO_DATA, edgecolor="#9a9a9a", hatch=NO_DATA_HATCH,
                    label="no 5G yet / no data" if value == "china_share" else "no data")
    if value == "policy":
        handles = [Patch(color=style.POLICY_COLOURS[p], label=p) for p in style.POLICY_COLOURS]
        handles.append(no_data)
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False,
                  title=f"Huawei policy\n(most frequent\nof {n} replicates)", title_fontsize=8)
        what = "most frequent Huawei policy"
    else:
        sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
        cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.01)
        cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        cb.set_label("China-bloc share of 5G sites (median)" if value == "china_share" else
                     f"P(not open): share of the {n} replicates\nrestricting or banning",
                     fontsize=8)
        ax.legend(handles=[no_data], loc="lower left", fontsize=8, frameon=False)
        what = ("China-bloc share of 5G sites" if value == "china_share" else
                "probability of restricting or banning Huawei")
    ax.set_title(f"{title + ': ' if title else ''}{what}, {date} ({n} replicates)", fontsize=11,
                 y=1.0)  # a fixed place: no measuring of the axes at each draw
    return fig, ax


def policy_maps(countries: pd.DataFrame, date: str, title: str = ""):
    """The most frequent policy beside P(not open): what the run shows and how sure it is.

    Returns:
        (fig, (ax_modal, ax_probability)).
    """
    countries = table(countries, "countries")
    fig = Figure(figsize=(15, 3.9), layout="constrained")
    ax_m, ax_p = fig.subplots(1, 2)
    world_map(countries, date, "policy", ax=ax_m)
    world_map(countries, date, "p_not_open", ax=ax_p)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig, (ax_m, ax_p)


def country_at(lon: float, lat: float, dot_km: float = 150.0, max_km: float = 400.0) -> str | None:
    """The iso3 of the country drawn at (lon, lat) on :func:`world_map`, or None (sea).

    States too small for the geometry are dots at their capital, drawn on top: a point within
    ``dot_km`` of one is that state. Otherwise a point inside a polygon is that country, and a
    point at sea within ``max_km`` of a dot is the dot's state.
    """
    from matplotlib.path import Path as MplPath

    geom = _geometry()
    c = load_world().countries
    small = c[~c["iso3"].isin(list(geom))]
    nearest, km = None, np.inf
    if not small.empty:
        # Equirectangular distance: enough to pick the dot under a click.
        dx = np.radians(small["lon"].to_numpy() - lon) * np.cos(np.radians(lat))
        dy = np.radians(small["lat"].to_numpy() - lat)
        dist = 6371.0 * np.hypot(dx, dy)
        i = int(np.argmin(dist))
        nearest, km = str(small["iso3"].iloc[i]), float(dist[i])
    if km <= dot_km:
        return nearest
    for iso, rings in geom.items():
        for ring in rings:
            lo, hi = ring.min(axis=0), ring.max(axis=0)
            if lo[0] <= lon <= hi[0] and lo[1] <= lat <= hi[1] and MplPath(ring).contains_point(
                    (lon, lat)):
                return iso
    return nearest if km <= max_km else None
