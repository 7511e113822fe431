"""Median and 5-95 % bands across replicates."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def bands(df: pd.DataFrame, value: str, by: str | Sequence[str] = "date",
          q: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """Median and quantile band of ``value`` across replicates, per group.

    Args:
        df: a tidy table with one row per replicate and group.
        value: the column to summarise.
        by: grouping column(s), typically ``date`` (and e.g. ``region``).
        q: lower and upper quantiles of the band.

    Returns:
        One row per group with columns ``median``, ``lo``, ``hi`` and ``n`` (replicates).
    """
    by = [by] if isinstance(by, str) else list(by)
    if value not in df.columns:
        raise KeyError(f"column {value!r} not in table; columns: {', '.join(df.columns)}")
    g = df.groupby(by, observed=True, sort=True)[value]
    out = pd.DataFrame({
        "median": g.median(),
        "lo": g.quantile(q[0]),
        "hi": g.quantile(q[1]),
        "n": g.size(),
    })
    return out.reset_index()
