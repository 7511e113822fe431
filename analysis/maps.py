"""World maps: a choropleth of policy or China-bloc share from the shipped Natural Earth geometry.

Matplotlib only (no geopandas at run time): polygons from ``sim/data/world_110m.geojson`` in plain
longitude/latitude; states too small for that file are drawn as points at their capital.
Countries without data at the date are grey.
"""

from __future__ import annotations

import functools
import json

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon
from techbloc.analysis import style
from techbloc.sim.errors import DataError
from techbloc.sim.world import DATA, load_world

NO_DATA = "#d9d9d9"
SHARE_CMAP = LinearSegmentedColormap.from_list("west_china", [style.WEST, "#f7f7f7", style.CHINA])
VALUES = ("policy", "china_share")


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
    """Per iso3 at ``date``: the most frequent policy, or the median China-bloc share.

    The median share is over the replicates in which the country has 5G sites (NaN if none).
    """
    if value not in VALUES:
        raise ValueError(f"value must be one of {', '.join(VALUES)}, got {value!r}")
    at = countries[countries["date"] == date]
    if at.empty:
        dates = countries["date"].unique()
        raise DataError(f"no rows at {date}; the run covers {dates[0]}-{dates[-1]}", key="date")
    if value == "policy":
        return at.groupby("iso3", observed=True)["policy"].agg(
            lambda s: s.value_counts().idxmax()).astype(str)
    built = at["sites"] > 0
    med = at.assign(share=at["china_share"].where(built)).groupby("iso3", observed=True)[
        "share"].median()
    return med


def world_map(countries: pd.DataFrame, date: str, value: str = "policy", ax=None, title: str = ""):
    """Choropleth of policy (modal across replicates) or China-bloc share (median) at ``date``.

    Args:
        countries: the countries table of a run.
        date: the quarter, e.g. ``"2030Q4"``.
        value: ``policy`` or ``china_share``.
        ax: axes to draw on (a new figure if None).
        title: title; the date is always added.

    Returns:
        (fig, ax).
    """
    vals = country_values(countries, date, value)
    if ax is None:
        fig = Figure(figsize=(10, 5.2), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    geom = _geometry()
    norm = Normalize(0, 1)

    def colour(iso):
        v = vals.get(iso)
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return NO_DATA
        return style.POLICY_COLOURS[v] if value == "policy" else SHARE_CMAP(norm(v))

    patches, colours = [], []
    for iso, rings in geom.items():
        for ring in rings:
            patches.append(Polygon(ring, closed=True))
            colours.append(colour(iso))
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="white",
                                      linewidths=0.3))
    c = load_world().countries
    small = c[~c["iso3"].isin(list(geom))]
    ax.scatter(small["lon"], small["lat"], s=14, c=[colour(i) for i in small["iso3"]],
               edgecolors="#555555", linewidths=0.4, zorder=3)
    ax.set_xlim(-170, 190)
    ax.set_ylim(-58, 84)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    if value == "policy":
        handles = [Patch(color=style.POLICY_COLOURS[p], label=p) for p in style.POLICY_COLOURS]
        handles.append(Patch(color=NO_DATA, label="no data"))
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False,
                  title="Huawei policy\n(most frequent)", title_fontsize=8)
        what = "Huawei policy"
    else:
        sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=SHARE_CMAP)
        cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.01)
        cb.set_label("China-bloc share of 5G sites (median)", fontsize=8)
        ax.legend(handles=[Patch(color=NO_DATA, label="no 5G yet / no data")],
                  loc="lower left", fontsize=8, frameon=False)
        what = "China-bloc share of 5G sites"
    n = countries["replicate"].nunique()
    ax.set_title(f"{title + ': ' if title else ''}{what}, {date} ({n} replicates)", fontsize=11)
    return fig, ax


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
