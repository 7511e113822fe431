"""Exploratory runs: tipping points and reversibility (``techbloc tipping``, ``reversibility``).

Both vary a scenario through the override rule of :mod:`sim.overrides` (a lever *held* at a value,
or its own trajectory *scaled*) and run every variant with the same replicate seeds (common
random numbers), so differences between variants are the lever's, not the noise's.

- :func:`tipping` finds the lever value at which an outcome crosses a target (a grid, then
  bisection of the bracketing interval on the mean over replicates) or, without a target, the
  grid step where the mean response is steepest. Each replicate's own crossing (or steepest
  step) gives the interval. The countries whose policy at the horizon switches within the
  bracketing grid step are named; the step is called a jump when it holds a quarter or more of
  the whole response.
- :func:`reversibility` lifts the measures (levers matching a pattern, held from the start of a
  year at the counterfactual's values) in each year of a range and measures, at the horizon, the
  share of the gap between the measures-as-enacted run and the counterfactual that is recovered:
  ``(lifted - measures) / (counterfactual - measures)``; 1 = fully reversed, 0 = locked in.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim import params as params_mod
from techbloc.sim.errors import ScenarioError, did_you_mean
from techbloc.sim.experiment import run_replicate
from techbloc.sim.folders import check_out_folder
from techbloc.sim.quarters import Quarter
from techbloc.sim.rng import replicate_seeds
from techbloc.sim.scenario import Scenario, load_scenario
from techbloc.sim.sweep_summary import metric_names, summarise
from techbloc.sim.world import REGION_SLUGS, load_world

SCALE_RANGE = (0.0, 2.0)  # default multipliers searched with --scale
#: The most grid points: a grid of 101 steps by 1 % of the range searched, 19 times finer than
#: the spread of the replicates' own crossings in the README's example (0.42-0.61 of 0-1), and
#: the bisection refines a bracket further; more points only resolve the replicates' noise.
MAX_POINTS = 101
#: The files each command writes in its --out folder (an earlier set there is not replaced).
TIPPING_FILES = ("tipping.csv", "tipping.json", "tipping.png", "tipping_switches.csv")
REVERSIBILITY_FILES = ("reversibility.csv", "reversibility_runs.csv", "reversibility.png")
BISECTIONS = 6  # halvings of the bracket after the grid
JUMP_SHARE = 0.25  # a bracket holding this share of the whole response is a jump
SWITCH_SHARE = 0.5  # a country "switches" if it does in at least half the replicates
REV_METRICS = ("share_china", "n_not_open", "n_ban", "world_split")


def numeric_params() -> list[str]:
    """Keys a tipping search can vary: the levers first, then the other numeric parameters."""
    keys = [k for k, p in params_mod.FLAT.items() if p.kind is float]
    return sorted(keys, key=lambda k: params_mod.FLAT[k].role != "lever")


def _integer(value, least: int, key: str) -> int:
    """A count given from Python (replicates, grid points), checked like the command's."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < least:
        raise ScenarioError(f"expected an integer of at least {least}, found {value!r}", key=key)
    return int(value)


def _pair(value, key: str) -> tuple[float, float]:
    """Two finite numbers (a range, or first and last years)."""
    if not (isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2
            and all(isinstance(v, Real) and not isinstance(v, bool) and np.isfinite(v)
                    for v in value)):
        raise ScenarioError(f"expected two numbers (low, high), found {value!r}", key=key)
    return value[0], value[1]


def _check_lever(lever: str) -> params_mod.Param:
    if not isinstance(lever, str):
        raise ScenarioError(f"expected a parameter name, found {lever!r}", key="--lever")
    if lever in params_mod.FLAT and params_mod.FLAT[lever].kind is bool:
        raise ScenarioError(f"{lever} is a switch (true or false); a tipping search varies a "
                            "number", key="--lever",
                            hint="compare the two settings: techbloc compare, or a sweep with "
                            f"{lever}: [true, false]")
    if lever not in params_mod.FLAT:
        levers = [k for k, p in params_mod.FLAT.items() if p.role == "lever"]
        hint = did_you_mean(lever, numeric_params())
        raise ScenarioError(f"unknown lever {lever!r}; the levers are {', '.join(levers)} "
                            "(any numeric parameter of techbloc params works too)",
                            key="--lever", hint=hint if hint and "mean" in hint else None)
    return params_mod.FLAT[lever]


def _check_metric(metric: str, scenario: Scenario) -> None:
    valid = metric_names(scenario.horizon[1].year)
    if metric not in valid:
        hint = did_you_mean(metric, valid)
        raise ScenarioError(f"unknown metric {metric!r}; valid: {', '.join(valid)}",
                            key="--metric", hint=hint if hint and "mean" in hint else None)


# --------------------------------------------------------------------------- tipping points
@dataclass
class Tipping:
    """A tipping-point search: every run, the point means, the value found and its interval."""

    scenario: str
    lever: str
    lever_label: str
    metric: str
    target: float | None
    runs: pd.DataFrame
    points: pd.DataFrame
    value: float | None
    low: float | None
    high: float | None
    bracket: tuple[float, float] | None
    grid_bracket: tuple[float, float] | None = None
    jump: bool = False
    switches: pd.DataFrame = field(default_factory=pd.DataFrame)
    uncrossed: int = 0
    above: int = 0  # of the uncrossed replicates, those above the target throughout
    path: Path | None = None

    def report(self) -> list[str]:
        """The lines ``techbloc tipping`` prints."""
        what = (f"crosses {self.target:g}" if self.target is not None
                else "changes fastest")
        if self.value is None:
            lines = [f"{self.metric} never {what} for {self.lever_label} in "
                     f"{self.points['value'].min():g}-{self.points['value'].max():g} "
                     f"(mean from {self.points['mean'].iloc[0]:.4g} to "
                     f"{self.points['mean'].iloc[-1]:.4g})"]
        else:
            lines = [f"{self.metric} {what} at {self.lever_label} = {self.value:.4g} "
                     f"(replicates: {self.low:.4g}-{self.high:.4g}, 5-95 %; "
                     f"{len(self.runs['replicate'].unique())} replicates, common seeds)"]
            if self.uncrossed:
                lines.append(f"  {self.uncrossed} replicates never cross in the range searched "
                             f"({self.above} above the target throughout, "
                             f"{self.uncrossed - self.above} below): the interval leaves them "
                             "out, the mean curve does not")
        if self.bracket is not None and self.target is not None:
            lines.append(f"  final bracket after bisection: {self.bracket[0]:.4g}-"
                         f"{self.bracket[1]:.4g}")
        if self.grid_bracket is not None:
            a, b = self.grid_bracket
            kind = (f"a jump ({JUMP_SHARE:.0%}+ of the whole response)" if self.jump
                    else "the grid step")
            lines.append(f"  {kind} {a:.4g}-{b:.4g}: countries whose policy at the horizon "
                         f"switches there (in {SWITCH_SHARE:.0%}+ of replicates): "
                         + (", ".join(f"{r.iso3} ({r.change}, {r.share:.0%})"
                                      for r in self.switches.itertuples()) or "none"))
        if self.path is not None:
            lines.append(f"written: {self.path / 'tipping.csv'}, {self.path / 'tipping.png'}")
        return lines


def _crossing(x: np.ndarray, y: np.ndarray, target: float) -> float | None:
    """The first x where the piecewise-linear y crosses target, or None."""
    d = y - target
    for i in range(len(x) - 1):
        if d[i] == 0:
            return float(x[i])
        if d[i] * d[i + 1] < 0:
            return float(x[i] + (x[i + 1] - x[i]) * d[i] / (d[i] - d[i + 1]))
    return float(x[-1]) if d[-1] == 0 else None


def _steepest(x: np.ndarray, y: np.ndarray) -> int:
    """Index i of the segment [x_i, x_i+1] with the largest change of y per unit x."""
    slope = np.abs(np.diff(y)) / np.diff(x)
    return int(np.argmax(slope))


def tipping(scenario: str | Path | Scenario, lever: str, metric: str = "n_not_open_2030",
            target: float | None = None, scale: bool = False,
            bounds: tuple[float, float] | None = None, points: int = 9, replications: int = 6,
            seed: int | None = None, search: Iterable = (), out: str | Path | None = None,
            progress: Callable[[str], None] | None = None) -> Tipping:
    """Find where an outcome crosses a target (or is steepest) as a lever varies.

    Args:
        scenario: name, path or Scenario.
        lever: dotted key of a numeric parameter.
        metric: an outcome summary (:func:`sim.sweep_summary.metric_names`).
        target: the value to cross; None: the steepest point of the response.
        scale: vary a multiplier of the scenario's own trajectory instead of holding the lever.
        bounds: values searched (default: the parameter's range, or 0-2 with ``scale``).
        points: points of the first grid (3 to :data:`MAX_POINTS`).
        replications: replicates per value, the same seeds at every value.
        seed: base seed (default: the scenario's).
        search: extra directories for scenario names.
        out: a folder for tipping.csv and tipping.json (None: nothing written); the picture is
            :func:`analysis.explore_plots.tipping_figure`'s (``techbloc tipping`` draws it).
        progress: called with a line of text as the search goes.

    Raises:
        ScenarioError: unknown lever or metric (listing the valid ones), bad bounds, a target
            that is not a finite number.
        DataError: ``out`` is a file, or holds a run, a sweep or an earlier result.
    """
    check_out_folder(out, TIPPING_FILES)
    param = _check_lever(lever)
    points = _integer(points, 1, "--points")
    replications = _integer(replications, 1, "--replications")
    base = load_scenario(scenario, search=search)
    _check_metric(metric, base)
    lo, hi = _pair(bounds, "--range") if bounds is not None else (
        SCALE_RANGE if scale else param.range)
    limit = (0.0, 100.0) if scale else param.range
    if not limit[0] <= lo < hi <= limit[1]:
        raise ScenarioError(f"range {lo:g}:{hi:g} must lie within {limit[0]:g}:{limit[1]:g}",
                            key="--range")
    if not 3 <= points <= MAX_POINTS:
        raise ScenarioError(f"expected 3 to {MAX_POINTS} grid points, found {points}",
                            key="--points")
    if target is not None and (isinstance(target, bool) or not isinstance(target, Real)
                               or not np.isfinite(target)):
        raise ScenarioError(f"expected a finite number to cross, found {target!r}", key="--target")
    world = load_world()
    region = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
    seeds = replicate_seeds(base.seed if seed is None else seed, replications)
    end = str(base.horizon[1])
    rows: list[dict] = []
    policies: dict[float, pd.DataFrame] = {}

    def evaluate(v: float) -> float:
        over = {"scale": {lever: v}} if scale else {"set": {lever: v}}
        s = base.with_overrides(**over, origin="tipping")
        pol = []
        for i, sd in enumerate(seeds):
            model, countries = run_replicate(s, i, sd, world)
            rows.append({"value": v, "replicate": i, "seed": sd,
                         "metric": summarise(model, countries, region, 0.4)[metric]})
            at = countries[countries["date"] == end]
            pol.append(at[["iso3", "policy"]].assign(replicate=i))
        policies[v] = pd.concat(pol, ignore_index=True)
        return float(np.mean([r["metric"] for r in rows if r["value"] == v]))

    for v in np.linspace(lo, hi, points):
        evaluate(float(v))
    if progress:
        progress(f"grid of {points} values x {replications} replicates done")

    def means() -> pd.Series:
        return pd.DataFrame(rows).groupby("value")["metric"].mean().sort_index()

    bracket = grid_bracket = None
    # Bisection only towards a target: the steepest point is the grid's (finer steps would chase
    # the replicates' noise); more --points give a finer answer.
    for _ in range(BISECTIONS if target is not None else 0):
        m = means()
        x, y = m.index.to_numpy(), m.to_numpy()
        if target is not None:
            d = y - target
            cross = np.flatnonzero(d[:-1] * d[1:] < 0)
            if not cross.size:
                break
            i = int(cross[0])
        else:
            i = _steepest(x, y)
        bracket = (float(x[i]), float(x[i + 1]))
        grid_bracket = grid_bracket or bracket
        evaluate((bracket[0] + bracket[1]) / 2)
    m = means()
    x, y = m.index.to_numpy(), m.to_numpy()
    if target is not None:
        d = y - target
        cross = np.flatnonzero(d[:-1] * d[1:] < 0)
        bracket = (float(x[cross[0]]), float(x[cross[0] + 1])) if cross.size else None
        value = _crossing(x, y, target)
    else:
        i = _steepest(x, y)
        bracket = grid_bracket = (float(x[i]), float(x[i + 1]))
        value = (bracket[0] + bracket[1]) / 2
    runs = pd.DataFrame(rows).sort_values(["value", "replicate"], ignore_index=True)
    per_rep = []
    for _, g in runs.groupby("replicate"):
        xs, ys = g["value"].to_numpy(), g["metric"].to_numpy()
        if target is not None:
            per_rep.append(_crossing(xs, ys, target))
        else:
            j = _steepest(xs, ys)
            per_rep.append((xs[j] + xs[j + 1]) / 2)
    crossed = np.array([p for p in per_rep if p is not None])
    above = 0 if target is None else int(sum(
        p is None and (g["metric"] > target).all()
        for p, (_, g) in zip(per_rep, runs.groupby("replicate"), strict=True)))
    q_lo, q_hi = (np.quantile(crossed, [0.05, 0.95]) if crossed.size else (None, None))
    pts = runs.groupby("value")["metric"].agg(
        mean="mean", p05=lambda s: s.quantile(0.05), p95=lambda s: s.quantile(0.95)
    ).reset_index()
    span = float(pts["mean"].max() - pts["mean"].min())
    jump = False
    switches = pd.DataFrame()
    if grid_bracket is not None and value is not None:
        a, b = (policies[grid_bracket[0]], policies[grid_bracket[1]])
        both = a.merge(b, on=["iso3", "replicate"], suffixes=("_a", "_b"))
        moved = both[both["policy_a"] != both["policy_b"]]
        change = moved["policy_a"].astype(str) + "->" + moved["policy_b"].astype(str)
        counts = moved.assign(change=change).groupby(["iso3", "change"]).size()
        share = (counts / replications).rename("share").reset_index()
        switches = share[share["share"] >= SWITCH_SHARE].sort_values(
            ["share", "iso3"], ascending=[False, True], ignore_index=True)
        seg = abs(float(pts.loc[pts["value"] == grid_bracket[1], "mean"].iloc[0])
                  - float(pts.loc[pts["value"] == grid_bracket[0], "mean"].iloc[0]))
        jump = span > 0 and seg >= JUMP_SHARE * span
    label = (f"{lever}, multiple of its own trajectory" if scale
             else f"{lever}, held all horizon")
    res = Tipping(scenario=base.name, lever=lever, lever_label=label, metric=metric,
                  target=target, runs=runs, points=pts, value=value,
                  low=None if q_lo is None else float(q_lo),
                  high=None if q_hi is None else float(q_hi), bracket=bracket,
                  grid_bracket=grid_bracket, jump=jump,
                  switches=switches, uncrossed=int(len(per_rep) - crossed.size),
                  above=above)
    if out is not None:
        path = Path(out)
        path.mkdir(parents=True, exist_ok=True)
        runs.assign(lever=lever, mode="scale" if scale else "set", metric_name=metric).to_csv(
            path / "tipping.csv", index=False)
        if len(switches):
            switches.to_csv(path / "tipping_switches.csv", index=False)
        (path / "tipping.json").write_text(json.dumps({
            "scenario": base.name, "lever": lever, "scale": scale, "metric": metric,
            "target": target, "value": value, "interval_5_95": [res.low, res.high],
            "bracket": bracket, "grid_bracket": grid_bracket, "jump": jump,
            "switches": switches.to_dict(orient="records"), "replicates": replications,
            "seeds": [int(s) for s in seeds]}, indent=2) + "\n")
        res.path = path
    return res


# --------------------------------------------------------------------------- reversibility
@dataclass
class Reversibility:
    """Share of the gap to the counterfactual recovered at the horizon, by year of lifting."""

    scenario: str
    counterfactual: str
    levers: list[str]
    end: str
    table: pd.DataFrame
    path: Path | None = None

    @property
    def levers_text(self) -> str:
        """The lifted levers, short."""
        return ", ".join(self.levers)

    def report(self) -> list[str]:
        """The lines ``techbloc reversibility`` prints."""
        lines = [f"{self.scenario}: levers {self.levers_text} lifted to {self.counterfactual}'s "
                 f"values at the start of each year; share of the gap recovered by {self.end} "
                 "(median, 5-95 % of replicates):"]
        for (metric, region), g in self.table.groupby(["metric", "region"], sort=False):
            cells = "  ".join(f"{int(r.lift_year)}: {r.recovered:.0%}"
                              for r in g.itertuples() if np.isfinite(r.recovered))
            gap = g["gap"].iloc[0]
            name = metric if region == "world" else f"{metric} {region}"
            lines.append(f"  {name} (gap {gap:+.3g}): {cells or 'no gap to recover'}")
        if self.path is not None:
            lines.append(f"written: {self.path / 'reversibility.csv'}, "
                         f"{self.path / 'reversibility.png'}")
        return lines


def _lever_keys(pattern: str) -> list[str]:
    levers = [k for k, p in params_mod.FLAT.items() if p.role == "lever"]
    keys = []
    for part in (p.strip() for p in pattern.split(",") if p.strip()):
        hit = [k for k in levers if fnmatch.fnmatchcase(k, part)]
        if not hit:
            raise ScenarioError(f"no lever matches {part!r}; the levers are {', '.join(levers)}",
                                key="--levers")
        keys += [k for k in hit if k not in keys]
    return keys


def _value_at(scenario: Scenario, key: str, at: Quarter) -> float:
    """A parameter's value in quarter ``at`` of a scenario (its start value, then its events)."""
    value = float(scenario.params[key])
    for ev in scenario.events:
        if ev.at > at:
            break
        if key in ev.set:
            value = float(ev.set[key])
        if key in ev.ramp:
            k = min(ev.over, at - ev.at + 1)
            value = value + (float(ev.ramp[key]) - value) * k / ev.over
    return value


def _outcomes(model: pd.DataFrame, countries: pd.DataFrame, region: dict, metrics) -> dict:
    end = str(model["date"].iloc[-1])
    last = model.iloc[-1]
    out = {}
    for m in metrics:
        if m == "share_china":
            out[("share_china", "world")] = float(last["share_china"])
            at = countries[countries["date"] == end]
            reg = at["iso3"].map(region)
            for name, slug in REGION_SLUGS.items():
                c = at[reg == name]
                sites = c["sites"].sum()
                out[("share_china", slug)] = (float((c["china_share"] * c["sites"]).sum()
                                                    / sites) if sites > 0 else np.nan)
        elif m == "n_not_open":
            out[(m, "world")] = float(last["n_restrict"] + last["n_ban"])
        else:
            out[(m, "world")] = float(last[m])
    return out


def reversibility(scenario: str | Path | Scenario, lift: tuple[int, int] = (2021, 2030),
                  levers: str = "us.*", metrics: Sequence[str] = ("share_china",),
                  counterfactual: str | Path | Scenario = "baseline",
                  horizon: str = "2019Q1:2035Q4", replications: int = 6,
                  seed: int | None = None, search: Iterable = (),
                  out: str | Path | None = None,
                  progress: Callable[[str], None] | None = None) -> Reversibility:
    """Lift the measures in each year and measure how much of the split reverses by the horizon.

    Args:
        scenario: the scenario with the measures (e.g. sanctions-2019).
        lift: first and last year of lifting (measures lifted at the start of each year).
        levers: the levers lifted: a shell pattern or a comma list (``us.*``).
        metrics: share_china (world and each region), n_not_open, n_ban, world_split.
        counterfactual: the no-measures scenario (its lever values replace the measures').
        horizon: horizon of every run.
        replications: replicates, the same seeds in every run.
        seed: base seed (default: the scenario's).
        search: extra directories for scenario names.
        out: a folder for reversibility.csv (None: nothing written); the picture is
            :func:`analysis.explore_plots.reversibility_figure`'s.
        progress: called with a line of text as runs finish.

    Raises:
        ScenarioError: unknown metric or lever pattern (listing the valid ones), years outside
            the horizon.
        DataError: ``out`` is a file, or holds a run, a sweep or an earlier result.
    """
    check_out_folder(out, REVERSIBILITY_FILES)
    replications = _integer(replications, 1, "--replications")
    first, last = _pair(lift, "--lift")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)  # one name, or several
    for m in metrics:
        if m not in REV_METRICS:
            raise ScenarioError(f"unknown metric {m!r}", key="--metric",
                                hint=did_you_mean(str(m), REV_METRICS))
    keys = _lever_keys(levers)
    measures = load_scenario(scenario, search=search, horizon=horizon)
    cf = load_scenario(counterfactual, search=search, horizon=horizon)
    if (measures.params, measures.events) == (cf.params, cf.events):
        raise ScenarioError(f"'{measures.name}' and its counterfactual '{cf.name}' have the same "
                            "values and events: nothing to lift", key="--counterfactual",
                            hint="give a scenario with measures (sanctions-2019) and the "
                            "no-measures one as --counterfactual (baseline)")
    if not measures.horizon[0].year < first <= last <= measures.horizon[1].year:
        raise ScenarioError(f"lift years {first}-{last} must lie after 2019 and within the "
                            f"horizon ({measures.horizon[0]}-{measures.horizon[1]})", key="--lift")
    world = load_world()
    region = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
    seeds = replicate_seeds(measures.seed if seed is None else seed, replications)

    def outcomes(s: Scenario) -> pd.DataFrame:
        rows = []
        for i, sd in enumerate(seeds):
            o = _outcomes(*run_replicate(s, i, sd, world), region, metrics)
            rows += [{"replicate": i, "metric": k[0], "region": k[1], "value": v}
                     for k, v in o.items()]
        return pd.DataFrame(rows)

    base_m, base_c = outcomes(measures), outcomes(cf)
    if progress:
        progress(f"measures and counterfactual run ({replications} replicates each)")
    ref = base_m.merge(base_c, on=["replicate", "metric", "region"],
                       suffixes=("_measures", "_counterfactual"))
    parts = []
    for year in range(first, last + 1):
        at = Quarter(year, 1)
        held = {k: (_value_at(cf, k, at), str(at)) for k in keys}
        lifted = measures.with_overrides(set=held, origin=f"lifted in {year}")
        o = outcomes(lifted).merge(ref, on=["replicate", "metric", "region"])
        parts.append(o.assign(lift_year=year))
        if progress:
            progress(f"lifted in {year}: done")
    runs = pd.concat(parts, ignore_index=True)
    gap = runs["value_counterfactual"] - runs["value_measures"]
    runs["recovered"] = np.where(np.abs(gap) > 1e-9, (runs["value"] - runs["value_measures"])
                                 / gap.where(np.abs(gap) > 1e-9), np.nan)
    table = runs.groupby(["metric", "region", "lift_year"], sort=False).agg(
        recovered=("recovered", "median"),
        recovered_p05=("recovered", lambda s: s.quantile(0.05)),
        recovered_p95=("recovered", lambda s: s.quantile(0.95)),
        lifted=("value", "mean"), measures=("value_measures", "mean"),
        counterfactual=("value_counterfactual", "mean")).reset_index()
    table["gap"] = table["counterfactual"] - table["measures"]
    res = Reversibility(scenario=measures.name, counterfactual=cf.name, levers=keys,
                        end=str(measures.horizon[1]), table=table)
    if out is not None:
        path = Path(out)
        path.mkdir(parents=True, exist_ok=True)
        table.to_csv(path / "reversibility.csv", index=False)
        runs.to_csv(path / "reversibility_runs.csv", index=False)
        res.path = path
    return res
