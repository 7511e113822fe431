"""Pictures of the exploratory commands: discover, tipping, reversibility."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure
from techbloc.analysis import style


def discovery_figure(d) -> Figure:
    """PRIM's peeling trajectory, the chosen box's ranges and the CART tree, side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import plot_tree

    fig = Figure(figsize=(15, 5.2), layout="constrained")
    FigureCanvasAgg(fig)  # plot_tree measures text with the canvas's renderer
    gs = fig.add_gridspec(1, 3, width_ratios=[1, 1.15, 1.9])
    ax = fig.add_subplot(gs[0])
    tr = d.trajectory
    sc = ax.scatter(tr["coverage"], tr["density"], c=tr["restricted"], cmap="viridis", s=18)
    ax.plot(tr["coverage"], tr["density"], color="#999999", linewidth=0.6, zorder=0)
    ax.scatter([d.peeled[0]], [d.peeled[1]], s=110, facecolors="none", edgecolors=style.CHINA,
               linewidths=1.6, label=f"peeled box (step {d.chosen})")
    if d.dropped:
        ax.scatter([d.coverage], [d.density], s=90, marker="*", color=style.CHINA,
                   label="final box (insignificant\nrestrictions dropped)")
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    ax.set_xlabel("coverage (share of all cases in the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3, linewidth=0.5)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(f"PRIM peeling: {d.metric} {d.rule}", fontsize=10)

    ax = fig.add_subplot(gs[1])
    box = d.box.iloc[::-1].reset_index(drop=True)
    span = (box["sweep_high"] - box["sweep_low"]).replace(0, 1)
    lo = (box["low"] - box["sweep_low"]) / span
    hi = (box["high"] - box["sweep_low"]) / span
    ax.barh(np.arange(len(box)), hi - lo, left=lo, color=style.WEST, alpha=0.7, height=0.6)
    for i, r in box.iterrows():
        ax.text(1.02, i, f"{r['low']:.3g}-{r['high']:.3g}  qp {r['qp_value']:.1g}",
                va="center", fontsize=7)
    ax.set_yticks(np.arange(len(box)), box["parameter"], fontsize=8)
    ax.set_xlim(0, 1.55)
    ax.set_xticks([0, 0.5, 1], ["sweep low", "", "sweep high"])
    ax.axvline(0, color="#555555", linewidth=0.5)
    ax.axvline(1, color="#555555", linewidth=0.5)
    ax.set_title(f"final box: coverage {d.coverage:.0%}, density {d.density:.0%}\n"
                 f"(bar: the box's range within the sweep's; qp: quasi-p-value)", fontsize=9)

    ax = fig.add_subplot(gs[2])
    plot_tree(d.tree, feature_names=list(d.inputs.columns), class_names=["other", "case"],
              filled=True, impurity=False, proportion=False, rounded=True, fontsize=6, ax=ax)
    ax.set_title(f"CART (depth {d.tree.get_depth()}): {d.n_cases} cases of {d.n_runs} runs",
                 fontsize=10)
    return fig


def tipping_figure(t) -> Figure:
    """The response of the metric to the lever: replicates, mean, target and tipping point."""
    fig = Figure(figsize=(7, 4.4), layout="constrained")
    ax = fig.add_subplot()
    pts = t.points.sort_values("value")
    for _, grp in t.runs.groupby("replicate"):
        g = grp.sort_values("value")
        ax.plot(g["value"], g["metric"], color="#bbbbbb", linewidth=0.7, zorder=1)
    ax.fill_between(pts["value"], pts["p05"], pts["p95"], color=style.WEST, alpha=style.BAND_ALPHA,
                    label="5-95 % of replicates")
    ax.plot(pts["value"], pts["mean"], color=style.WEST, marker="o", markersize=3,
            label="mean over replicates")
    if t.target is not None:
        ax.axhline(t.target, color="#555555", linestyle="--", linewidth=0.8,
                   label=f"target {t.target:g}")
    if t.value is not None:
        what = "crossing" if t.target is not None else "steepest step, midpoint"
        ax.axvline(t.value, color=style.CHINA, linewidth=1.2, label=f"{what} {t.value:.3g}")
        if t.low is not None and t.high is not None:
            ax.axvspan(t.low, t.high, color=style.CHINA, alpha=0.12,
                       label=f"replicates' own, 5-95 %: {t.low:.3g}-{t.high:.3g}")
    ax.set_xlabel(t.lever_label)
    ax.set_ylabel(t.metric)
    ax.grid(True, alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{t.scenario}: {t.metric} against {t.lever_label}", fontsize=10)
    return fig


def reversibility_figure(r) -> Figure:
    """Share of the gap to the counterfactual recovered by the horizon, by year of lifting."""
    table = r.table
    groups = list(dict.fromkeys(zip(table["metric"], table["region"], strict=True)))
    n = len(groups)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.2 * cols, 3.3 * rows), layout="constrained")
    for k, (metric, region) in enumerate(groups):
        ax = fig.add_subplot(rows, cols, k + 1)
        d = table[(table["metric"] == metric) & (table["region"] == region)]
        ax.fill_between(d["lift_year"], d["recovered_p05"], d["recovered_p95"],
                        color=style.WEST, alpha=style.BAND_ALPHA, label="5-95 % of replicates")
        ax.plot(d["lift_year"], d["recovered"], color=style.WEST, marker="o", markersize=3,
                label="median")
        ax.axhline(1, color="#555555", linestyle="--", linewidth=0.7)
        ax.axhline(0, color="#555555", linewidth=0.7)
        ax.set_ylim(min(-0.1, float(d["recovered_p05"].min()) - 0.05),
                    max(1.1, float(d["recovered_p95"].max()) + 0.05))
        ax.set_xlabel("year the measures are lifted (start of year)")
        ax.set_ylabel(f"gap recovered by {r.end}")
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.grid(True, alpha=0.3, linewidth=0.5)
        from techbloc.sim.world import REGION_SLUGS

        names = {slug: name for name, slug in REGION_SLUGS.items()}
        ax.set_title(f"{metric}" + (f", {names.get(region, region)}" if region != "world"
                                    else ", world"), fontsize=10)
        if k == 0:
            ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(f"{r.scenario}: measures ({r.levers_text}) lifted, against {r.counterfactual}",
                 fontsize=10)
    return fig
