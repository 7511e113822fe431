"""Sweep analysis: Sobol and Morris sensitivity indices (SALib) and grid heatmaps."""

from __future__ import annotations

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from techbloc.analysis import style
from techbloc.sim.errors import SweepError
from techbloc.sim.folders import SweepResult


def point_means(res: SweepResult, metric: str) -> pd.Series:
    """The metric averaged over each design point's replicates, in point order.

    Raises:
        SweepError: the metric was not kept, or a point has no finished run.
    """
    if metric not in res.summary.columns:
        kept = [c for c in res.summary.columns if not c.startswith("in:")
                and c not in ("point", "replicate", "seed")]
        raise SweepError(f"metric {metric!r} not in this sweep's summary; kept: "
                         + ", ".join(kept), key="--metric")
    y = res.summary.groupby("point")[metric].mean()
    missing = set(range(res.manifest["n_points"])) - set(y.index)
    if missing:
        raise SweepError(f"{len(missing)} design points have no finished run; resume the sweep",
                         key="points")
    return y.sort_index()


def sensitivity(res: SweepResult, metric: str = "share_china_2030") -> pd.DataFrame:
    """Sobol (S1, ST with 95 % confidence half-widths) or Morris (mu*, sigma) indices.

    Args:
        res: a finished Sobol or Morris sweep.
        metric: the outcome summary (averaged over each point's replicates).

    Returns:
        One row per parameter, sorted by total effect (ST, or mu* for Morris).

    Raises:
        SweepError: not a Sobol or Morris design, or a metric that is undefined (NaN) at some
            design point or the same at every one (its indices would be reported as 0).
    """
    spec = res.manifest["sweep"]
    design = spec["design"]
    names = [f["key"] for f in spec["factors"]]
    bounds = [[f["low"], f["high"]] if f["low"] is not None else [0.0, float(len(f["values"]))]
              for f in spec["factors"]]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    y = point_means(res, metric).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise SweepError(f"{metric} is undefined (NaN) at {int(np.isnan(y).sum())} of {len(y)} "
                         "design points (e.g. a region with no 5G sites yet); the indices need a "
                         "value at every point: choose another metric", key="--metric")
    if design in ("sobol", "morris") and np.ptp(y) == 0:
        raise SweepError(f"{metric} is {y[0]:g} at every design point; the indices of an outcome "
                         "that does not vary are undefined: choose another metric", key="--metric")
    if design == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=spec["seed"])
        out = pd.DataFrame({"parameter": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                            "ST": si["ST"], "ST_conf": si["ST_conf"]})
        return out.sort_values("ST", ascending=False).reset_index(drop=True)
    if design == "morris":
        from SALib.analyze import morris

        x = np.array([[p[n] if not isinstance(p[n], str | bool) else float(p[n])
                       for n in names] for p in res.manifest["points"]], dtype=float)
        si = morris.analyze(problem, x, y, num_levels=spec["levels"], seed=spec["seed"])
        out = pd.DataFrame({"parameter": names, "mu_star": si["mu_star"],
                            "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})
        return out.sort_values("mu_star", ascending=False).reset_index(drop=True)
    raise SweepError(f"sensitivity indices need a sobol or morris design, this sweep is "
                     f"{design!r}", key="design")


def sensitivity_figure(table: pd.DataFrame, design: str, metric: str, n_runs: int | None = None):
    """Horizontal bars sorted by total effect (Sobol ST and S1, or Morris mu*), with CIs.

    Parameters are named with their unit (``sim.params``), the outcome in words, and the title
    gives the number of runs behind the indices when ``n_runs`` is known.
    """
    fig = Figure(figsize=(7.5, 0.4 * len(table) + 1.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(table))[::-1]
    what = style.summary_label(metric)
    if design == "sobol":
        ax.barh(y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], color=style.WEST,
                label="total effect ST")
        ax.barh(y - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], color=style.CHINA,
                label="first order S1")
        ax.set_xlabel("Sobol index (share of the outcome's variance), 95 % CI", fontsize=9)
    else:
        ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], color=style.WEST,
                label="mu* (mean |elementary effect|), 95 % CI")
        ax.set_xlabel("Morris mu*: mean absolute change of the outcome over a step of the "
                      "parameter's range", fontsize=9)
    ax.set_yticks(y, [style.param_label(k) for k in table["parameter"]], fontsize=8)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    runs = f" ({n_runs} runs)" if n_runs else ""
    # On the figure, not the axes: long parameter labels push the axes right, and an axes title
    # as long as this one ran off the figure's edge.
    fig.suptitle(f"Sensitivity of {what}{runs}", fontsize=11, wrap=True)
    ax.grid(True, axis="x", alpha=0.3)
    return fig, ax


def _edges(v: np.ndarray) -> np.ndarray:
    """Cell edges around grid values: halfway between neighbours; a lone value gets a width.

    matplotlib's ``nearest`` shading gave a lone value none, so a one-value axis drew no cells.
    """
    if len(v) == 1:
        half = 0.5 * (abs(v[0]) or 1.0)
        return np.array([v[0] - half, v[0] + half])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def heatmap(res: SweepResult, x: str, y: str, metric: str = "share_china_2030"):
    """Median of ``metric`` across replicates over a grid of two parameters.

    The colour scale spans the medians found (a sweep whose outcomes lie in 45-54 % gets its
    full range of colour); each cell is labelled with its median; shares diverge around 50 %
    when the grid straddles it, else use a sequential scale. Axes name the parameters with
    their units. No contour is drawn: between replicate noise and a coarse grid an
    interpolated 50 % line is mostly noise; the cell labels show where the outcome crosses it.
    """
    from matplotlib.colors import Normalize, TwoSlopeNorm

    spec = res.manifest["sweep"]
    if spec["design"] != "grid":
        raise SweepError("heatmaps need a grid design", key="design")
    s = res.summary
    for k in (x, y):
        if f"in:{k}" not in s.columns:
            varied = [c.removeprefix("in:") for c in s.columns if c.startswith("in:")]
            raise SweepError(f"{k!r} is not varied in this sweep; varied: {', '.join(varied)}",
                             key="--x/--y")
    if metric not in s.columns:
        raise SweepError(f"metric {metric!r} not in the summary", key="--metric")
    g = s.groupby([f"in:{y}", f"in:{x}"])[metric]
    table = g.median().unstack()
    n_reps = int(g.size().min())
    values = table.to_numpy(float)
    fig = Figure(figsize=(7, 5.4), layout="constrained")
    ax = fig.subplots()
    xs, ys = table.columns.to_numpy(float), table.index.to_numpy(float)
    share = "share" in metric or metric.startswith("world_split")
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if hi == lo:
        lo, hi = lo - 0.01, hi + 0.01
    if share and lo < 0.5 < hi:
        norm, cmap = TwoSlopeNorm(0.5, lo, hi), "RdBu_r"
    else:
        norm, cmap = Normalize(lo, hi), ("Reds" if share and lo >= 0.5 else
                                         "Blues_r" if share else "viridis")
    im = ax.pcolormesh(_edges(xs), _edges(ys), values, shading="flat", cmap=cmap, norm=norm)
    fmt = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:.3g}")
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            continue
        r, gr, b, _ = im.cmap(norm(v))
        dark = 0.299 * r + 0.587 * gr + 0.114 * b < 0.5
        ax.text(xs[j], ys[i], fmt(v), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    cb = fig.colorbar(im, ax=ax)
    what = style.summary_label(metric)
    if share:
        cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    cb.set_label(f"{what}\n(median of {n_reps} replicates per cell)", fontsize=8)
    ax.set_xticks(xs, [f"{v:g}" for v in xs])
    ax.set_yticks(ys, [f"{v:g}" for v in ys])
    ax.set_xlabel(style.param_label(x))
    ax.set_ylabel(style.param_label(y))
    ax.set_title(f"{what}\nover {len(xs)} x {len(ys)} grid points; colours span "
                 f"{fmt(lo)}-{fmt(hi)}", fontsize=10)
    return fig, ax
