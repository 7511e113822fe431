"""Adoption curves: the China-bloc share of 5G sites over time, median and 5-95 % band."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display needed; figures are saved by the caller
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import style
from analysis.bands import bands
from analysis.load import with_groups

#: A group's share is shown once it has built this share of its final 5G site count: the first
#: handful of sites (one launch) would otherwise swing the curve from 0 to 1.
MIN_BUILT = 0.01


def _built_enough(df: pd.DataFrame, keys: list[str], sites: str, min_built: float) -> pd.Series:
    final = df.groupby(keys, observed=True)[sites].transform("max")
    return (df[sites] > 0) & (df[sites] >= min_built * final)


def region_shares(countries: pd.DataFrame, by: str = "region",
                  min_built: float = MIN_BUILT) -> pd.DataFrame:
    """Site-weighted China-bloc share per (replicate, date, group).

    A group enters at the first date it has built ``min_built`` of its final 5G site count
    (before that its share is undefined or rests on a handful of sites).
    """
    df = countries if by in countries.columns else with_groups(countries)
    df = df.assign(cn_sites=df["china_share"] * df["sites"])
    g = df.groupby(["replicate", "date", by], observed=True)[["cn_sites", "sites"]].sum()
    g = g.reset_index()
    g = g[_built_enough(g, ["replicate", by], "sites", min_built)]
    g = g.assign(china_share=g["cn_sites"] / g["sites"])
    return g[["replicate", "date", by, "china_share", "sites"]]


def adoption_curves(df: pd.DataFrame, metric: str = "share_china", ax=None, label: str = "",
                    colour: str = style.CHINA):
    """Plot the median and 5-95 % band of ``metric`` across replicates over calendar dates.

    Args:
        df: a table with ``replicate``, ``date`` and ``metric`` columns (the model table, or
            :func:`region_shares` for one group).
        metric: the column to plot.
        ax: axes to draw on (a new figure if None).
        label: legend label for the median line.
        colour: line and band colour.

    Returns:
        (fig, ax).
    """
    if ax is None:
        fig = Figure(figsize=(6, 3.5))
        ax = fig.subplots()
    fig = ax.figure
    b = bands(df, metric, by="date")
    x = style.quarter_to_year(b["date"])
    ax.fill_between(x, b["lo"], b["hi"], color=colour, alpha=style.BAND_ALPHA, linewidth=0)
    ax.plot(x, b["median"], color=colour, linewidth=1.8, label=label or None)
    style.date_axis(ax)
    return fig, ax


def adoption_figure(model: pd.DataFrame, countries: pd.DataFrame, title: str = ""):
    """The run figure: world China-bloc share of 5G sites, then one panel per region.

    Args:
        model: the model table of a run.
        countries: the countries table of the same run.
        title: figure title (e.g. the scenario's).

    Returns:
        (fig, axes).
    """
    regional = region_shares(countries)
    regions = sorted(regional["region"].unique())
    n = 1 + len(regions)
    cols = 4
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(cols * style.FIGSIZE_PANEL[0], rows * style.FIGSIZE_PANEL[1]),
                 layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    n_reps = model["replicate"].nunique()
    world = model[_built_enough(model, ["replicate"], "sites_total", MIN_BUILT)]
    adoption_curves(world, "share_china", ax=axes[0], label="China bloc (Huawei, ZTE)")
    axes[0].set_title("World", fontsize=10, fontweight="bold")
    for ax, region in zip(axes[1:], regions, strict=False):
        adoption_curves(regional[regional["region"] == region], "china_share", ax=ax)
        ax.set_title(region, fontsize=9)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[:n]:
        ax.set_ylim(0, 1)
        ax.axhline(0.5, color="grey", linewidth=0.6, linestyle=":")
    for ax in axes[::cols]:
        ax.set_ylabel("China-bloc share\nof 5G sites", fontsize=8)
    axes[0].legend(fontsize=7, loc="upper left", frameon=False)
    fig.suptitle(f"{title}  —  median and 5-95 % band over {n_reps} replicates".strip(" —"),
                 fontsize=11)
    start, end = (float(x) for x in style.quarter_to_year(model["date"].iloc[[0, -1]]))
    for ax in axes[:n]:
        ax.set_xlim(start - 0.125, end + 0.125)
    return fig, axes
