"""Sweep analysis: Sobol and Morris sensitivity indices (SALib) and grid heatmaps."""

from __future__ import annotations

import matplotlib

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
    """
    spec = res.manifest["sweep"]
    design = spec["design"]
    names = [f["key"] for f in spec["factors"]]
    bounds = [[f["low"], f["high"]] if f["low"] is not None else [0.0, float(len(f["values"]))]
              for f in spec["factors"]]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    y = point_means(res, metric).to_numpy()
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


def sensitivity_figure(table: pd.DataFrame, design: str, metric: str):
    """Horizontal bars sorted by total effect (Sobol ST and S1, or Morris mu*), with CIs."""
    fig = Figure(figsize=(7, 0.35 * len(table) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(table))[::-1]
    if design == "sobol":
        ax.barh(y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], color=style.WEST,
                label="total effect ST")
        ax.barh(y - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], color=style.CHINA,
                label="first order S1")
        ax.set_xlabel("Sobol index (share of output variance), 95 % CI")
    else:
        ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], color=style.WEST,
                label="mu* (mean |elementary effect|)")
        ax.set_xlabel(f"Morris mu* ({metric} per unit range)")
    ax.set_yticks(y, table["parameter"], fontsize=8)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.set_title(f"Sensitivity of {metric}", fontsize=11)
    ax.grid(True, axis="x", alpha=0.3)
    return fig, ax


def heatmap(res: SweepResult, x: str, y: str, metric: str = "share_china_2030"):
    """Median of ``metric`` across replicates over a grid of two parameters.

    Shares get the 0.5 contour: where the outcome crosses 50 %.
    """
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
    table = s.groupby([f"in:{y}", f"in:{x}"])[metric].median().unstack()
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.subplots()
    xs, ys = table.columns.to_numpy(float), table.index.to_numpy(float)
    share = "share" in metric
    im = ax.pcolormesh(xs, ys, table.to_numpy(), shading="nearest",
                       cmap="RdBu_r" if share else "viridis",
                       vmin=0 if share else None, vmax=1 if share else None)
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(f"{metric} (median over replicates)", fontsize=8)
    if share and len(xs) > 1 and len(ys) > 1:
        cs = ax.contour(xs, ys, table.to_numpy(), levels=[0.5], colors="black", linewidths=1.2)
        ax.clabel(cs, fmt={0.5: "50 %"}, fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{metric} over {x} x {y}", fontsize=10)
    return fig, ax
