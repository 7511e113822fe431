"""Adoption and policy curves over calendar time, median and 5-95 % band across replicates."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display needed; figures are saved by the caller
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from techbloc.analysis import style
from techbloc.analysis.bands import bands
from techbloc.analysis.load import table, with_groups

#: A group's share is shown once it has built this share of its final 5G site count: the first
#: handful of sites (one launch) would otherwise swing the curve from 0 to 1.
MIN_BUILT = 0.01
WEIGHTS = ("sites", "population", "count")
GROUP_BY = (None, "region", "bri", "alliance", "income_group", "vendor")
_GROUP_COLUMN = {"bri": "bri_group"}
POLICY_ORDER = ("open", "restrict", "ban")
#: Metrics computed from a table other than the model table: per-firm device shares from the
#: device table, enterprise shares from the countries table (GDP-weighted by group).
DEVICE_METRIC = "device_share"
ENTERPRISE_METRIC = "enterprise_china_share"
Y_LABEL = {"sites": "China-bloc share of 5G sites",
           "population": "China-bloc share (population-weighted)",
           "count": "share of countries on\nmajority China-bloc 5G"}


#: Model-table columns that identify a row rather than measure an outcome.
ROW_KEYS = ("scenario", "replicate", "seed", "step", "date")


def model_metrics(model: pd.DataFrame) -> list[str]:
    """The model-table columns :func:`adoption_curves` can draw (numeric outcomes)."""
    return [c for c in model.columns
            if c not in ROW_KEYS and pd.api.types.is_numeric_dtype(model[c])]


def curve_problem(metric: str, by: str | None, weight: str | None,
                  model: pd.DataFrame) -> tuple[str, str] | None:
    """Why :func:`adoption_curves` cannot draw a combination, before it tries.

    Args:
        metric: as for :func:`adoption_curves`.
        by: the grouping, or None.
        weight: the weight asked for, or None (the default).
        model: the run's model table (its columns are the other metrics).

    Returns:
        ``(option, message)`` naming the option at fault (``metric``, ``by``, ``weight``), or
        None when the combination draws what it says.
    """
    if metric == "china_share":
        if by == "vendor" and weight is not None:
            return "weight", ("--by vendor draws shares of 5G sites per vendor and takes no "
                              "--weight")
        if weight not in (None, *WEIGHTS):
            return "weight", f"adoption curves weigh by {', '.join(WEIGHTS)}, not {weight}"
        return None
    if metric == DEVICE_METRIC and by not in (None, "region"):
        return "by", f"device shares are by region or for the world, not by {by!r}"
    if metric == ENTERPRISE_METRIC and by == "vendor":
        return "by", "enterprise shares group by countries, not vendors"
    if metric not in (DEVICE_METRIC, ENTERPRISE_METRIC, *model_metrics(model)):
        return "metric", f"unknown metric {metric!r}"
    if metric not in (DEVICE_METRIC, ENTERPRISE_METRIC) and by is not None:
        return "by", (f"{metric} is a world total of the model table, with no groups (--by is "
                      f"for china_share, {DEVICE_METRIC} and {ENTERPRISE_METRIC})")
    if weight is not None:
        return "weight", f"{metric} takes no --weight (it is for china_share)"
    return None


def _built_enough(df: pd.DataFrame, keys: list[str], sites: str, min_built: float) -> pd.Series:
    final = df.groupby(keys, observed=True)[sites].transform("max")
    return (df[sites] > 0) & (df[sites] >= min_built * final)


def _column(by: str | None) -> str | None:
    if by not in GROUP_BY:
        raise ValueError(f"by must be one of {', '.join(map(str, GROUP_BY))}, got {by!r}")
    return _GROUP_COLUMN.get(by, by)


def group_shares(countries: pd.DataFrame, by: str | None = "region", weight: str = "sites",
                 min_built: float = MIN_BUILT) -> pd.DataFrame:
    """China-bloc share per (replicate, date[, group]).

    Args:
        countries: a countries table (groupings are joined if missing).
        by: ``None`` (world), ``region``, ``bri``, ``alliance`` or ``income_group``.
        weight: ``sites`` (share of the group's 5G sites), ``population`` (population-weighted
            mean of country shares over countries with 5G) or ``count`` (share of countries
            with 5G whose sites are majority China-bloc).
        min_built: a group enters once it has built this share of its final site count.

    Returns:
        Columns ``replicate, date, [group,] china_share, sites``.
    """
    countries = table(countries, "countries")
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be one of {', '.join(WEIGHTS)}, got {weight!r}")
    col = _column(by)
    if col == "vendor":
        raise ValueError("by='vendor' needs the model table; use adoption_curves(model, ...)")
    df = countries if (col is None or col in countries.columns) and (
        weight != "population" or "population" in countries.columns) else with_groups(countries)
    keys = ["replicate", "date"] + ([col] if col else [])
    built = df["sites"] > 0
    df = df.assign(
        cn_sites=df["china_share"] * df["sites"],
        pop_launched=np.where(built, df.get("population", 0.0), 0.0),
        cn_pop=np.where(built, df["china_share"] * df.get("population", 0.0), 0.0),
        launched=built.astype(float),
        majority=(built & (df["china_share"] > 0.5)).astype(float),
    )
    g = df.groupby(keys, observed=True)[["cn_sites", "sites", "cn_pop", "pop_launched",
                                         "launched", "majority"]].sum().reset_index()
    g = g[_built_enough(g, [k for k in keys if k != "date"], "sites", min_built)]
    share = {"sites": g["cn_sites"] / g["sites"],
             "population": g["cn_pop"] / g["pop_launched"],
             "count": g["majority"] / g["launched"]}[weight]
    g = g.assign(china_share=share.to_numpy())
    return g[[*keys, "china_share", "sites"]].reset_index(drop=True)



def _band(ax, df: pd.DataFrame, metric: str, colour: str, label: str | None,
          linestyle: str = "-", fill: bool = True) -> str | None:
    """Median line and 5-95 % band of ``metric`` by date; returns the first date drawn."""
    b = bands(df, metric, by="date")
    if b.empty:  # nothing built yet (a run in progress): an empty panel
        return None
    x = style.quarter_to_year(b["date"])
    if fill:
        ax.fill_between(x, b["lo"], b["hi"], color=colour, alpha=style.BAND_ALPHA, linewidth=0)
    one = len(b) == 1  # a one-quarter run: a point (a line of one point is not drawn)
    ax.plot(x, b["median"], color=colour, linewidth=1.8, label=label, linestyle=linestyle,
            marker="o" if one else None)
    if one:  # else matplotlib pads a lone x by 5 % of 2019: an axis from 1920 to 2130
        ax.set_xlim(float(x[0]) - 0.5, float(x[0]) + 0.5)
    return str(b["date"].iloc[0])


def _mark_entry(ax, first: str | None, start: float) -> None:
    """A dashed line and 'from 2020Q3' where a panel's curve begins after the axis does."""
    if first is None:
        return
    x0 = float(style.quarter_to_year([first])[0])
    if x0 - start < 0.5:  # the curve starts with the axis: nothing to explain
        return
    ax.axvline(x0, color="#777777", linewidth=0.7, linestyle="--")
    ax.annotate(f"from {first}", (x0, 0.97), xycoords=("data", "axes fraction"),
                xytext=(3, 0), textcoords="offset points", fontsize=7, color="#555555",
                va="top")


def _panels(n: int, cols: int = 4, layout: str | None = "constrained"):
    cols = min(cols, n)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(cols * style.FIGSIZE_PANEL[0], rows * style.FIGSIZE_PANEL[1] + 0.6),
                 layout=layout)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def adoption_curves(df: pd.DataFrame, metric: str = "china_share", by: str | None = None,
                    weight: str = "sites", ax=None, title: str = ""):
    """China-bloc share over calendar dates: median line and 5-95 % band across replicates.

    Args:
        df: the countries table of a run (for ``by`` None or a grouping), the model table
            (for ``by="vendor"``, or ``metric`` a model column such as ``share_china``), or the
            device table (for ``metric="device_share"``).
        metric: ``china_share`` (computed from the countries table), ``device_share`` (one line
            per device maker, from the device table), ``enterprise_china_share`` with a
            countries table (GDP-weighted China-bloc share of adopting firms per group), or a
            model-table column (``huawei_consumer_revenue_usd``, ``own_os_share``, ...).
        by: ``None``, ``region``, ``bri``, ``alliance``, ``income_group`` (one panel per
            group) or ``vendor`` (one line per vendor, from the model table).
        weight: ``sites``, ``population`` or ``count`` (see :func:`group_shares`).
        ax: axes to draw on when the result is a single panel (a new figure if None).
        title: figure title.

    Returns:
        (fig, ax) for a single panel, (fig, axes) for one panel per group.
    """
    if not isinstance(df, pd.DataFrame):  # a run's Results: the table the metric is read from
        df = table(df, "devices" if metric == DEVICE_METRIC else "model" if by == "vendor"
                   or metric not in ("china_share", ENTERPRISE_METRIC) else "countries")
    col = _column(by)
    if metric == DEVICE_METRIC:
        return device_curves(df, by=by, ax=ax, title=title)
    if metric == ENTERPRISE_METRIC and "iso3" in df.columns:
        return enterprise_curves(df, by=by, ax=ax, title=title)
    if col == "vendor" or metric != "china_share":
        return _model_curves(df, metric, col == "vendor", ax, title)
    shares = group_shares(df, by=by, weight=weight)
    if col is None:
        fig, ax = _single(ax)
        _band(ax, shares, "china_share", style.CHINA, "China bloc (Huawei, ZTE)")
        _finish(ax, Y_LABEL[weight], half=True)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        fig.suptitle(title or "World", fontsize=11)
        return fig, ax
    groups = sorted(shares[col].unique())
    fig, axes = _panels(len(groups))
    start = float(style.quarter_to_year([df["date"].iloc[0]])[0])
    for a, g in zip(axes, groups, strict=False):
        first = _band(a, shares[shares[col] == g], "china_share", style.CHINA,
                      "China bloc (Huawei, ZTE)" if a is axes[0] else None)
        a.set_title(str(g), fontsize=9)
        _finish(a, Y_LABEL[weight] if a in axes[:: min(4, len(groups))] else None, half=True)
        _mark_entry(a, first, start)
    _bottom_labels(axes, len(groups))
    fig.legend(loc="outside lower center", fontsize=8, frameon=False)
    n = df["replicate"].nunique()
    fig.suptitle((title + " — " if title else "")
                 + f"median and 5-95 % band over {n} replicates", fontsize=11)
    return fig, axes


def _single(ax):
    if ax is None:
        fig = Figure(figsize=(6.5, 3.6), layout="constrained")
        ax = fig.subplots()
    return ax.figure, ax


def _finish(ax, ylabel: str | None, ylim=(0, 1), half: bool = False) -> None:
    """Axis labels and date ticks; shares in per cent.

    A share axis (``ylim=(0, 1)``) is in per cent, with a little room
    below 0 so a curve lying at 0 is not hidden by the axis line; ``half`` draws the 50 % line
    (a majority of sites: meaningful for a bloc's share, not for one vendor's).
    """
    if ylim:
        pad = 0.02 * (ylim[1] - ylim[0])
        ax.set_ylim(ylim[0] - pad, ylim[1] + pad)
        if tuple(ylim) == (0, 1):
            style.percent_axis(ax)
    if half:
        ax.axhline(0.5, color="grey", linewidth=0.6, linestyle=":")
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xlabel("year", fontsize=8)
    style.date_axis(ax)


def built_model(model: pd.DataFrame, min_built: float = MIN_BUILT) -> pd.DataFrame:
    """The model table from the quarter each replicate has built ``min_built`` of its sites."""
    if "sites_total" not in model.columns:
        return model
    return model[_built_enough(model, ["replicate"], "sites_total", min_built)]


def _unit(metric: str) -> str | None:
    """The unit of a model column, from the results schema (exact name, then prefix)."""
    from techbloc.sim.results import MODEL_UNITS

    if metric in MODEL_UNITS:
        return MODEL_UNITS[metric]
    prefixes = [k for k in MODEL_UNITS if k.endswith("_") and metric.startswith(k)]
    return MODEL_UNITS[max(prefixes, key=len)] if prefixes else None


def _model_curves(model: pd.DataFrame, metric: str, per_vendor: bool, ax, title: str):
    # Shares of 5G sites are noise until enough is built; device, enterprise and revenue
    # columns are meaningful from the first quarter.
    if per_vendor or metric.startswith(("share_", "revenue_share_")) or metric in (
            "polarization", "world_split"):
        model = built_model(model)
    n = model["replicate"].nunique()
    if per_vendor:
        return _vendor_panels(model, title, n)
    fig, ax = _single(ax)
    if metric not in model.columns:
        raise KeyError(f"column {metric!r} not in the table")
    unit = (_unit(metric) or "").split(":")[0]  # the unit, not its explanation
    if metric.endswith("_usd"):  # billions read better than 1e10 on the axis
        model = model.assign(**{metric: model[metric] / 1e9})
        unit = unit.replace("USD", "USD bn", 1)
    name = style.model_label(metric)
    _band(ax, model, metric, style.CHINA if "china" in metric else style.WEST, name)
    bounded = "share" in metric or metric in ("coverage", "polarization", "world_split",
                                              "enterprise_adoption")
    label = "\n".join(textwrap.wrap(f"{name} ({unit})" if unit else name, 40))
    _finish(ax, label, ylim=(0, 1) if bounded else None, half=metric == "share_china")
    if not bounded:
        ax.set_ylim(0, None)
    fig.suptitle(f"{title or 'World'}\n{name}: median and 5-95 % band over {n} replicates",
                 fontsize=10)
    return fig, ax


def _vendor_panels(model: pd.DataFrame, title: str, n: int):
    """One panel per vendor (its median and band), the other vendors' medians in light grey."""
    vendors = [c.removeprefix("share_") for c in model.columns
               if c.startswith("share_") and c != "share_china"]
    if not vendors:
        raise KeyError("by='vendor' needs the model table (columns share_<vendor>)")
    fig, axes = _panels(len(vendors), cols=len(vendors))
    fig.set_size_inches(2.5 * len(vendors), 2.9)
    med = model.groupby("date", observed=True)[[f"share_{v}" for v in vendors]].median()
    x = style.quarter_to_year(med.index)
    top = float(model[[f"share_{v}" for v in vendors]].quantile(0.95).max())
    for a, v in zip(axes, vendors, strict=True):
        for other in vendors:
            if other != v:
                a.plot(x, med[f"share_{other}"], color="#bbbbbb", linewidth=0.8)
        _band(a, model, f"share_{v}", style.VENDOR_COLOURS.get(v, "grey"), None)
        a.set_title(style.VENDOR_NAMES.get(v, v), fontsize=10,
                    color=style.VENDOR_COLOURS.get(v, "black"), fontweight="bold")
        _finish(a, "share of world 5G sites" if a is axes[0] else None, ylim=None)
        a.set_ylim(0, min(1.0, 1.1 * top))
        style.percent_axis(a)
    fig.suptitle((title or "World 5G sites by vendor")
                 + f" — median and 5-95 % band over {n} replicates (grey: the other vendors)",
                 fontsize=10)
    return fig, axes


#: How countries are weighed in the policy chart: the default, population, reads as "the share
#: of the world's people whose networks fall under each policy" (what an analyst of a
#: technology split means by coverage); gdp weighs the markets; count counts governments.
POLICY_WEIGHTS = ("population", "gdp", "count")
_POLICY_WEIGHT_COLUMN = {"population": "population", "gdp": "gdp_usd"}
_POLICY_YLABEL = {"population": "share of population", "gdp": "share of GDP",
                  "count": "countries (mean over replicates)"}


def policy_shares(countries: pd.DataFrame, by: str | None = None,
                  weight: str = "population") -> pd.DataFrame:
    """Per date (and group): the weight under each policy, averaged over replicates.

    Args:
        countries: the countries table of a run.
        by: ``None`` or a grouping column.
        weight: ``population`` or ``gdp`` (shares of the group's total, 2019 values), or
            ``count`` (countries).

    Returns:
        Columns ``date, [group,] open, restrict, ban``: means over replicates, so the three add
        up to 1 (a weight) or to the number of countries (``count``).
    """
    if weight not in POLICY_WEIGHTS:
        raise ValueError(f"weight must be one of {', '.join(POLICY_WEIGHTS)}, got {weight!r}")
    col = _column(by)
    if col == "vendor":
        raise ValueError("policy curves group by countries, not vendors")
    wcol = _POLICY_WEIGHT_COLUMN.get(weight)
    need = [c for c in ([col] if col else []) + ([wcol] if wcol else [])
            if c not in countries.columns]
    df = with_groups(countries) if need else countries
    keys = ["date"] + ([col] if col else [])
    n_rep = df["replicate"].nunique()
    w = df[wcol].astype(float) if wcol else pd.Series(1.0, index=df.index)
    sums = df.assign(w=w).groupby([*keys, "policy"], observed=True)["w"].sum() / n_rep
    out = sums.unstack("policy", fill_value=0.0).reindex(columns=list(POLICY_ORDER),
                                                          fill_value=0.0)
    if wcol:
        out = out.div(out.sum(axis=1), axis=0)
    out.columns = out.columns.astype(str)
    return out.reset_index()


def policy_curves(countries: pd.DataFrame, by: str | None = None, ax=None, title: str = "",
                  weight: str = "population"):
    """Huawei policy over time, stacked: shares of population (default), of GDP, or countries.

    Means over replicates are stacked (not medians) so the layers add up to the whole.

    Args:
        countries: the countries table of a run.
        by: ``None`` or a grouping (one panel per group).
        ax: axes for the single-panel case.
        title: figure title.
        weight: ``population`` (default: how many people live under each policy; Tuvalu no
            longer weighs as much as the United States), ``gdp`` or ``count``.

    Returns:
        (fig, ax) or (fig, axes).
    """
    countries = table(countries, "countries")
    col = _column(by)
    counts = policy_shares(countries, by, weight)
    n_rep = countries["replicate"].nunique()
    n_countries = countries["iso3"].nunique()
    share = weight != "count"

    def draw(a, sub, legend):
        x = style.quarter_to_year(sub["date"])
        if len(sub) == 1:  # one quarter: a block a quarter wide (a stack at one x is not drawn)
            x, sub = np.array([x[0] - 0.125, x[0] + 0.125]), pd.concat([sub, sub])
        a.stackplot(x, *(sub[p] for p in POLICY_ORDER),
                    colors=[style.POLICY_COLOURS[p] for p in POLICY_ORDER],
                    labels=list(POLICY_ORDER) if legend else (), linewidth=0)
        a.set_ylim(0, 1 if share else float(sub[list(POLICY_ORDER)].sum(axis=1).max()))
        if share:
            style.percent_axis(a)
        a.set_xlabel("year", fontsize=8)
        style.date_axis(a)

    what = {"population": "population-weighted", "gdp": "GDP-weighted (2019)",
            "count": "countries counted"}[weight]
    note = f"{n_countries} countries, mean over {n_rep} replicates, {what}"
    if col is None:
        fig, ax = _single(ax)
        draw(ax, counts, True)
        ax.set_ylabel(_POLICY_YLABEL[weight].replace(" (", "\n("), fontsize=8)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
                  reverse=True, title="Huawei policy", title_fontsize=8)
        fig.suptitle(f"{title or 'Huawei policy of the world'}\n{note}", fontsize=10)
        return fig, ax
    groups = sorted(counts[col].unique())
    fig, axes = _panels(len(groups))
    for a, g in zip(axes, groups, strict=False):
        draw(a, counts[counts[col] == g], a is axes[0])
        a.set_title(str(g), fontsize=9)
    for a in axes[:: min(4, len(groups))]:
        a.set_ylabel(_POLICY_YLABEL[weight].split(" (")[0], fontsize=8)
    if not share:
        for a in axes:
            a.autoscale(axis="y")
    _bottom_labels(axes, len(groups))
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False, reverse=True)
    fig.suptitle(f"{title or 'Huawei policy by group'}\n{note}", fontsize=10)
    return fig, axes


def adoption_figure(model: pd.DataFrame, countries: pd.DataFrame, title: str = "",
                    horizon: tuple[str, str] | None = None,
                    regions: Sequence[str] | None = None, figsize: tuple[float, float] | None
                    = None, cols: int = 4):
    """The run figure: world China-bloc share of 5G sites, then one panel per region.

    Args:
        model: the model table of a run.
        countries: the countries table of the same run.
        title: figure title (e.g. the scenario's).
        horizon: first and last quarter of the x axis (default: the table's); a run in
            progress passes its whole horizon so the curves grow across a fixed frame.
        regions: the regional panels (default: every region with 5G sites in the table); a run
            in progress passes them all so panels do not appear one by one.
        figsize: (width, height) in inches (default: 3.4 x 2.6 per panel, ``cols`` a row).
        cols: panels per row (a report page takes two, so its text stays legible).

    Returns:
        (fig, axes).
    """
    model, countries = table(model, "model"), table(countries, "countries")
    regional = group_shares(countries, by="region")
    world = built_model(model)
    regions = sorted(regional["region"].unique()) if regions is None else list(regions)
    n = 1 + len(regions)
    fig, axes = _panels(n, cols, layout=None)
    if figsize is not None:
        fig.set_size_inches(*figsize)
    _fixed_margins(fig)
    first_last = horizon if horizon is not None else model["date"].iloc[[0, -1]]
    start, end = (float(x) for x in style.quarter_to_year(list(first_last)))
    firsts = [_band(axes[0], world, "share_china", style.CHINA, "China bloc (Huawei, ZTE)")]
    # y=1.0: a fixed title place (matplotlib would measure each panel at every draw to find it)
    axes[0].set_title("World", fontsize=10, fontweight="bold", y=1.0)
    for ax, region in zip(axes[1:], regions, strict=False):
        firsts.append(_band(ax, regional[regional["region"] == region], "china_share",
                            style.CHINA, None))
        ax.set_title(region, fontsize=9, y=1.0)
    per_row = min(cols, n)
    for i, ax in enumerate(axes[:n]):
        _finish(ax, "China-bloc share\nof 5G sites" if i % per_row == 0 else None, half=True)
        ax.set_xlim(start - 0.125, end + 0.125)
        style.no_tick_at_right_edge(ax)
        _mark_entry(ax, firsts[i] if i < len(firsts) else None, start)
    _bottom_labels(axes, n, cols)
    if axes[0].get_legend_handles_labels()[0]:
        handles, labels = axes[0].get_legend_handles_labels()
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="#777777", linewidth=0.7, linestyle="--"))
        labels.append(f"a curve starts once {MIN_BUILT:.0%} of the final 5G sites are built")
        fig.legend(handles, labels, loc="lower center", fontsize=8, frameon=False, ncols=2)
    n_reps = model["replicate"].nunique()
    fig.suptitle(f"{title}  —  median and 5-95 % band over {n_reps} replicates".strip(" —"),
                 fontsize=11, y=1 - 0.1 / fig.get_size_inches()[1], va="top")
    return fig, axes


def _bottom_labels(axes, n: int, cols: int = 4) -> None:
    """The year axis on the lowest panel of each column only (ticks and label).

    A panel with no panel below it (the last row, or above an empty slot) shows its year
    ticks; the others lose the repeated 'year' label.
    """
    per_row = min(cols, n)
    for i, ax in enumerate(axes[:n]):
        if i + per_row < n:
            ax.set_xlabel("")
        else:
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("year", fontsize=8)


def _fixed_margins(fig) -> None:
    """Margins in inches instead of the constrained layout engine.

    The run figure is drawn on every ``techbloc run`` and every redraw of the app; its panels
    have the same labels each time, so fixed margins look the same and save the engine's cost
    (about a third of the figure's drawing time).
    """
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=0.85 / w, right=1 - 0.15 / w, bottom=0.85 / h, top=1 - 0.7 / h,
                        wspace=0.08, hspace=0.3)


def enterprise_shares(countries: pd.DataFrame, by: str | None = "region") -> pd.DataFrame:
    """GDP-weighted China-bloc share of adopting enterprises per (replicate, date[, group]).

    Each country counts with its GDP times its adoption share (the firms that use 5G-era
    services), so a group's share is the China-bloc share of its adopting firms' economy.

    Returns:
        Columns ``replicate, date, [group,] enterprise_china_share, adoption``.
    """
    col = _column(by)
    if col == "vendor":
        raise ValueError("enterprise shares group by countries, not vendors")
    if "enterprise_china_share" not in countries.columns:
        raise KeyError("the countries table has no enterprise_china_share (an old run folder?)")
    need = [c for c in ([col] if col else []) + ["gdp_usd"] if c not in countries.columns]
    df = with_groups(countries) if need else countries
    keys = ["replicate", "date"] + ([col] if col else [])
    w = df["gdp_usd"] * df["enterprise_adoption"]
    g = df.assign(w=w, cn=w * df["enterprise_china_share"], gdp=df["gdp_usd"]).groupby(
        keys, observed=True)[["w", "cn", "gdp"]].sum().reset_index()
    g = g[g["w"] > 0]
    return g.assign(enterprise_china_share=g["cn"] / g["w"], adoption=g["w"] / g["gdp"])[
        [*keys, "enterprise_china_share", "adoption"]].reset_index(drop=True)


def enterprise_curves(countries: pd.DataFrame, by: str | None = None, ax=None, title: str = ""):
    """China-bloc share of adopting enterprises over time, world or one panel per group.

    Returns:
        (fig, ax) for the world, (fig, axes) for one panel per group.
    """
    col = _column(by)
    shares = enterprise_shares(countries, by)
    label = "China-bloc share of\nadopting firms (GDP-weighted)"
    if col is None:
        fig, ax = _single(ax)
        _band(ax, shares, "enterprise_china_share", style.CHINA, "China-bloc services")
        _finish(ax, label)
        fig.suptitle(title or "Enterprises: world", fontsize=11)
        return fig, ax
    groups = sorted(shares[col].unique())
    fig, axes = _panels(len(groups))
    for a, g in zip(axes, groups, strict=False):
        _band(a, shares[shares[col] == g], "enterprise_china_share", style.CHINA, None)
        a.set_title(str(g), fontsize=9)
        _finish(a, label if a in axes[:: min(4, len(groups))] else None)
    _bottom_labels(axes, len(groups))
    fig.suptitle(title or "Enterprises: China-bloc share of adopters", fontsize=11)
    return fig, axes


def device_curves(devices: pd.DataFrame, by: str | None = None, ax=None, title: str = ""):
    """Handset unit shares by maker: the world (``by=None``) or one panel per region.

    Args:
        devices: the device table of a run (``region, firm, unit_share`` per step).
        by: ``None`` (the world row) or ``region`` (one panel per handset market).
        ax: axes for the world panel.
        title: figure title.

    Returns:
        (fig, ax) or (fig, axes).
    """
    if by not in (None, "region"):
        raise ValueError(f"device shares are by region or for the world, not by {by!r}")
    if devices.empty:
        raise KeyError("the run has no device table (an old run folder?)")
    firms = list(dict.fromkeys(devices["firm"].astype(str)))
    n = devices["replicate"].nunique()

    def draw(a, sub, legend):
        for f in firms:
            _band(a, sub[sub["firm"] == f], "unit_share", style.DEVICE_COLOURS.get(f, "grey"),
                  style.DEVICE_NAMES.get(f, f) if legend else None,
                  linestyle="--" if f in style.DEVICE_DASHED else "-")
        _finish(a, None, ylim=None)
        a.set_ylim(0, None)
        style.percent_axis(a)

    note = (f"median and 5-95 % band over {n} replicates; solid: Chinese makers, "
            "dashed: the others")
    if by is None:
        fig, ax = _single(ax)
        fig.set_size_inches(7.5, 3.8)
        draw(ax, devices[devices["region"].astype(str) == "World"], True)
        ax.set_ylabel("share of handsets sold\nthis quarter", fontsize=8)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        fig.suptitle(f"{title or 'Handsets by maker: world'}\n{note}", fontsize=10)
        return fig, ax
    regions = [r for r in devices["region"].cat.categories if r != "World"] \
        if hasattr(devices["region"], "cat") else sorted(set(devices["region"]) - {"World"})
    fig, axes = _panels(len(regions))
    for i, (a, r) in enumerate(zip(axes, regions, strict=False)):
        draw(a, devices[devices["region"].astype(str) == r], i == 0)
        a.set_title(r, fontsize=9)
    top = float(devices["unit_share"].max())
    for i, a in enumerate(axes[: len(regions)]):
        a.set_ylim(0, min(1.0, 1.05 * top))
        if i % 4 == 0:
            a.set_ylabel("share of handsets\nsold this quarter", fontsize=8)
    _bottom_labels(axes, len(regions))
    fig.legend(loc="outside lower center", ncols=5, fontsize=7, frameon=False)
    fig.suptitle(f"{title or 'Handsets by maker and market'}\n{note}", fontsize=10)
    return fig, axes


def country_figure(countries: pd.DataFrame, iso3: str, horizon: tuple[str, str] | None = None,
                   title: str = ""):
    """One country's history: its policy across replicates and its China-bloc share of 5G sites.

    Args:
        countries: the countries table of a run.
        iso3: the country.
        horizon: first and last quarter of the x axis (default: the table's).
        title: figure title (default: the iso3 code).

    Returns:
        (fig, (ax_policy, ax_share)): the top panel stacks the share of replicates holding each
        policy per quarter; the bottom one shows the median and 5-95 % band of the China-bloc
        share of the country's sites over the replicates that have sites.

    Raises:
        KeyError: ``iso3`` is not in the table.
    """
    rows = countries[countries["iso3"] == iso3]
    if rows.empty:
        raise KeyError(f"country {iso3!r} not in the table")
    n_rep = rows["replicate"].nunique()
    share = (rows.groupby(["date", "policy"], observed=True).size() / n_rep).unstack(
        "policy", fill_value=0.0).reindex(columns=list(POLICY_ORDER), fill_value=0.0)
    fig = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax_p, ax_s = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.3))
    x = style.quarter_to_year(share.index)
    ax_p.stackplot(x, *(share[p] for p in POLICY_ORDER),
                   colors=[style.POLICY_COLOURS[p] for p in POLICY_ORDER],
                   labels=list(POLICY_ORDER), linewidth=0)
    ax_p.set_ylim(0, 1)
    style.percent_axis(ax_p)
    ax_p.set_ylabel("share of\nreplicates", fontsize=8)
    ax_p.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
                reverse=True, title="policy", title_fontsize=8)
    _band(ax_s, rows[rows["sites"] > 0], "china_share", style.CHINA, "China bloc")
    _finish(ax_s, "China-bloc share\nof its 5G sites")
    first_last = horizon if horizon is not None else (rows["date"].iloc[0], rows["date"].iloc[-1])
    start, end = (float(v) for v in style.quarter_to_year(list(first_last)))
    ax_s.set_xlim(start - 0.125, end + 0.125)
    style.date_axis(ax_p)
    fig.suptitle(f"{title or iso3}: policy and vendors over {n_rep} replicates", fontsize=11)
    return fig, (ax_p, ax_s)
