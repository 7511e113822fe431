"""The posterior ensemble of the country weights, summarised (sim/posterior.py, ODD §1.2)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from techbloc.sim.posterior import META


def parameters(draws: pd.DataFrame) -> list[str]:
    """The parameter columns of an ensemble."""
    return [c for c in draws.columns if c not in META]


def summary_lines(draws: pd.DataFrame) -> list[str]:
    """Median and 5-95 % interval of each marginal, and the strongest correlations."""
    keys = parameters(draws)
    lines = [f"posterior ensemble: {len(draws)} draws, tolerance "
             f"{float(draws['epsilon'].iloc[0]):.4f} after {int(draws['evaluations'].iloc[0])} "
             "evaluations"]
    for k in keys:
        q = np.quantile(draws[k], [0.05, 0.5, 0.95])
        lines.append(f"  {k:30s} median {q[1]:7.3f}   5-95 % {q[0]:7.3f} to {q[2]:7.3f}")
    corr = draws[keys].corr().to_numpy()
    pairs = sorted(((abs(corr[i, j]), keys[i], keys[j], corr[i, j])
                    for i in range(len(keys)) for j in range(i + 1, len(keys))
                    if np.isfinite(corr[i, j])), reverse=True)[:5]
    if pairs:
        lines.append("  strongest correlations: " + "; ".join(
            f"{a.split('.')[-1]} ~ {b.split('.')[-1]} {r:+.2f}" for _, a, b, r in pairs))
    return lines


def marginals_figure(draws: pd.DataFrame, bounds: Mapping[str, tuple[float, float]],
                     years: str = "2019-2024"):
    """One histogram per parameter over its prior bounds (the prior is uniform on them).

    ``years`` names the stances fitted, for the title.
    """
    keys = parameters(draws)
    cols = 4
    rows = int(np.ceil(len(keys) / cols))
    fig = Figure(figsize=(10, 2.3 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, k in zip(axes, keys, strict=False):
        lo, hi = bounds.get(k, (float(draws[k].min()), float(draws[k].max())))
        ax.hist(draws[k], bins=np.linspace(lo, hi, 21), color="#4C72B0")
        ax.set_xlim(lo, hi)
        ax.set_title(k.split(".", 1)[-1], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    fig.suptitle(f"Posterior of the country weights (ABC-SMC on the {years} stances; "
                 "x-axis = prior range)", fontsize=9)
    return fig
