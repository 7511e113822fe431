"""Scenario comparison: differences to a baseline with intervals paired by replicate seed.

Scenarios run with the same seed share their random draws (common random numbers, DESIGN §6), so
replicate i of scenario A and replicate i of the baseline differ only by the levers. The paired
difference d_i = A_i − base_i then has far less variance than an unpaired comparison, and its
interval is narrower; :func:`compare` reports both so the gain is visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from techbloc.sim.results import Results

METRICS = ("share_china", "n_ban", "n_restrict", "world_split", "polarization",
           "rip_replace_cost_usd", "huawei_consumer_revenue_usd", "huawei_carrier_revenue_usd",
           "own_os_share", "enterprise_adoption", "enterprise_china_share")


def default_dates(model: pd.DataFrame | Sequence[str]) -> list[str]:
    """2025Q4, 2030Q4 and the horizon's end, where the run (or list of dates) covers them."""
    dates = list(model["date"].unique()) if isinstance(model, pd.DataFrame) else list(model)
    return list(dict.fromkeys(d for d in ("2025Q4", "2030Q4", dates[-1]) if d in dates))


def pairing_problem(plans: Mapping[str, tuple[Sequence[int], Sequence[str]]],
                    baseline: str) -> str | None:
    """Why runs cannot be compared with ``baseline`` replicate by replicate, or None.

    Checked before a comparison runs anything (``techbloc compare``): :func:`compare` pairs the
    replicates of equal index, which must have equal seeds, at the baseline's
    :func:`default_dates`, which every run must cover.

    Args:
        plans: each run's replicate seeds (in replicate order) and dates, made or to be made.
        baseline: the run the others are compared with.
    """
    seeds, dates = plans[baseline]
    for name, (other, covered) in plans.items():
        n = min(len(other), len(seeds))
        if name != baseline and list(other[:n]) != list(seeds[:n]):
            return (f"{name!r} and {baseline!r} were run with different seeds, so no "
                    "replicate pairs with another; run them with the same --seed")
        missing = [d for d in default_dates(dates) if d not in covered]
        if missing:
            return (f"{name!r} ends at {covered[-1]}, before {missing[-1]} (compared in the "
                    f"baseline {baseline!r}, which ends at {dates[-1]}); compare runs of one "
                    "horizon (--horizon)")
    return None


def _interval(x: np.ndarray, level: float) -> tuple[float, float]:
    from scipy import stats

    if len(x) < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean() - half), float(x.mean() + half)


def _welch(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float]:
    from scipy import stats

    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    d = a.mean() - b.mean()
    return float(d - half), float(d + half)


def compare(runs: Mapping[str, Results | pd.DataFrame], baseline: str,
            dates: Sequence[str] | None = None, metrics: Sequence[str] = METRICS,
            level: float = 0.90) -> pd.DataFrame:
    """Differences of each scenario to ``baseline`` at the given dates, with intervals.

    Args:
        runs: scenario name -> Results (or its model table).
        baseline: the name of the baseline in ``runs``.
        dates: quarters to compare at (default: 2025Q4, 2030Q4 and the horizon's end).
        metrics: model-table columns.
        level: interval level (0.90: a 90 % interval for the mean difference).

    Returns:
        One row per (scenario, date, metric): ``baseline``, ``value`` (means), ``diff`` (mean
        paired difference), ``lo``/``hi`` (paired t interval), ``unpaired_lo``/``unpaired_hi``
        (Welch interval ignoring the pairing) and ``n`` (pairs).

    Raises:
        KeyError: the baseline is missing, or a metric or date is not in the tables.
        ValueError: the runs were not made with the same replicate seeds (no pairing).
    """
    requested = set() if metrics is METRICS else set(metrics)
    tables = {k: (v.model if isinstance(v, Results) else v) for k, v in runs.items()}
    if baseline not in tables:
        raise KeyError(f"baseline {baseline!r} not among the runs: {', '.join(tables)}")
    base = tables[baseline]
    dates = list(dates) if dates is not None else default_dates(base)
    rows = []
    for name, model in tables.items():
        if name == baseline:
            continue
        for date in dates:
            a = model[model["date"] == date].set_index("replicate")
            b = base[base["date"] == date].set_index("replicate")
            if a.empty or b.empty:
                raise KeyError(f"date {date} not in the runs of {name!r} and {baseline!r}")
            common = a.index.intersection(b.index)
            if not (a.loc[common, "seed"] == b.loc[common, "seed"]).all():
                raise ValueError(f"{name!r} and {baseline!r} were run with different seeds; "
                                 "rerun them with the same --seed to pair replicates")
            for metric in metrics:
                if metric not in a.columns:
                    if metric not in requested:  # a default metric an old run lacks
                        continue
                    raise KeyError(f"metric {metric!r} not in the model table")
                x, y = a.loc[common, metric].to_numpy(), b.loc[common, metric].to_numpy()
                d = x - y
                lo, hi = _interval(d, level)
                ulo, uhi = _welch(x, y, level)
                rows.append({"scenario": name, "date": date, "metric": metric,
                             "baseline": y.mean(), "value": x.mean(), "diff": d.mean(),
                             "lo": lo, "hi": hi, "unpaired_lo": ulo, "unpaired_hi": uhi,
                             "n": len(common)})
    return pd.DataFrame(rows)


def compare_figure(runs: Mapping[str, Results], metric: str = "share_china",
                   baseline: str | None = None, title: str = ""):
    """Levels above, paired differences to the baseline below (what the comparison is about).

    The top panel shows each scenario's median with its 5-95 % band drawn as an outline (so no
    band hides another); the bottom one each scenario's paired difference to the baseline,
    replicate by replicate on the same seeds, with its 5-95 % band and the zero line.

    Args:
        runs: scenario name -> Results, run with the same seeds.
        metric: a model-table column.
        baseline: the scenario the others are compared with (default: the first).
        title: figure title.

    Returns:
        (fig, (ax_levels, ax_differences)).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from techbloc.analysis import style
    from techbloc.analysis.bands import bands
    from techbloc.analysis.curves import _finish, built_model

    baseline = baseline or next(iter(runs))
    fig = Figure(figsize=(8.5, 6.2), layout="constrained")
    ax, ax_d = fig.subplots(2, 1, sharex=True, height_ratios=(1.2, 1))
    what = style.model_label(metric)
    colours = {}
    others = [n for n in runs if n != baseline]
    for i, name in enumerate([baseline, *others]):
        colour = "black" if name == baseline else style.SCENARIO_COLOURS[
            (i - 1) % len(style.SCENARIO_COLOURS)]
        colours[name] = colour
        b = bands(built_model(runs[name].model), metric, by="date")
        x = style.quarter_to_year(b["date"])
        label = f"{name} (reference of the differences)" if name == baseline else name
        ax.plot(x, b["median"], color=colour, linewidth=1.8, label=label)
        for edge in ("lo", "hi"):
            ax.plot(x, b[edge], color=colour, linewidth=0.6, linestyle="--", alpha=0.8)
    bounded = "share" in metric or metric in ("world_split", "polarization")
    _finish(ax, f"{what}\n(median; dashed: 5-95 %)", ylim=(0, 1) if bounded else None,
            half=metric == "share_china")
    ax.set_xlabel("")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    diffs = paired_differences(runs, baseline, metric)
    if metric.startswith("share_"):  # shares of sites are noise until 1 % of them are built
        built = set(built_model(runs[baseline].model)["date"])
        diffs = diffs[diffs["date"].isin(built)]
    for name in others:
        sub = bands(diffs[diffs["scenario"] == name], "diff", by="date")
        x = style.quarter_to_year(sub["date"])
        ax_d.fill_between(x, sub["lo"], sub["hi"], color=colours[name], alpha=0.12,
                          linewidth=0)
        for edge in ("lo", "hi"):  # outlined, so one band never hides another
            ax_d.plot(x, sub[edge], color=colours[name], linewidth=0.6, linestyle="--")
        ax_d.plot(x, sub["median"], color=colours[name], linewidth=1.8,
                  label=f"{name} − {baseline}")
    ax_d.axhline(0, color="black", linewidth=0.8)
    if bounded:
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        # Steps of 1, 2 or 5 times a power of ten, labelled as exactly as they fall (matplotlib's
        # default 2.5 steps once printed -2.5 pp as "-2 pp").
        ax_d.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax_d.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _: f"{f'{100 * v:+.2f}'.rstrip('0').rstrip('.')} pp"
            if abs(v) > 1e-9 else "0"))
    ax_d.set_ylabel("paired difference\n(percentage points)" if bounded
                    else "paired difference", fontsize=8)
    ax_d.set_xlabel("year", fontsize=8)
    style.date_axis(ax_d)
    ax_d.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    n = runs[baseline].model["replicate"].nunique()
    ax.set_title(f"{what}: each scenario", fontsize=10)
    ax_d.set_title(f"difference to {baseline}, replicate by replicate on the same seeds: "
                   "median and 5-95 % band", fontsize=10)
    fig.suptitle(title or f"{what}: {len(runs)} scenarios, {n} replicates each (common random "
                 "numbers)", fontsize=11)
    return fig, (ax, ax_d)


def paired_differences(runs: Mapping[str, Results], baseline: str,
                       metric: str = "share_china") -> pd.DataFrame:
    """Per scenario, replicate and date: the paired difference of ``metric`` to the baseline.

    Returns:
        Columns ``scenario, replicate, date, diff``.

    Raises:
        KeyError: the baseline or the metric is missing.
        ValueError: the runs were not made with the same replicate seeds.
    """
    if baseline not in runs:
        raise KeyError(f"baseline {baseline!r} not among the runs: {', '.join(runs)}")
    keys = ["replicate", "date"]
    base = runs[baseline].model.set_index(keys)
    out = []
    for name, res in runs.items():
        if name == baseline:
            continue
        a = res.model.set_index(keys)
        common = a.index.intersection(base.index)
        if not (a.loc[common, "seed"] == base.loc[common, "seed"]).all():
            raise ValueError(f"{name!r} and {baseline!r} were run with different seeds; "
                             "rerun them with the same --seed to pair replicates")
        if metric not in a.columns:
            raise KeyError(f"metric {metric!r} not in the model table")
        d = (a.loc[common, metric] - base.loc[common, metric]).rename("diff").reset_index()
        out.append(d.assign(scenario=name))
    cols = ["scenario", "replicate", "date", "diff"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def difference_figure(runs: Mapping[str, Results], baseline: str, metric: str = "share_china",
                      title: str = ""):
    """Each scenario's paired difference to the baseline over time: median and 5-95 % band.

    Returns:
        (fig, ax).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from techbloc.analysis import style
    from techbloc.analysis.curves import _band

    diffs = paired_differences(runs, baseline, metric)
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    names = [n for n in runs if n != baseline]
    for i, name in enumerate(names):
        colour = style.SCENARIO_COLOURS[(i + 1) % len(style.SCENARIO_COLOURS)]
        _band(ax, diffs[diffs["scenario"] == name], "diff", colour, f"{name} − {baseline}")
    ax.axhline(0, color="black", linewidth=0.8)
    what = "China-bloc share of 5G sites" if metric == "share_china" else metric
    ax.set_ylabel(f"difference in\n{what}", fontsize=8)
    ax.set_xlabel("year", fontsize=8)
    style.date_axis(ax)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.suptitle(title or f"Paired difference to {baseline} (same seeds): median and 5-95 % "
                 "band", fontsize=11)
    return fig, ax
