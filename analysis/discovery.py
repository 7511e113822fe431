"""Scenario discovery on a finished sweep: PRIM boxes and a CART tree (``techbloc discover``).

Which combinations of levers and uncertain coefficients lead to an outcome of interest? The runs
of a sweep (any design: grid, LHS, Sobol, Morris) are classified as *cases* when a metric is below
(or above) a value, and two standard methods of exploratory modelling describe where the cases lie
in the space of the sweep's inputs (Bryant & Lempert 2010; Kwakkel 2017):

- PRIM (the ``prim`` package, the Project Platypus port of the EMA Workbench's implementation):
  the peeling trajectory of boxes from the whole space to small dense ones, each box with its
  *coverage* (share of all cases inside) and *density* (share of the box's runs that are cases);
  the chosen box is the one of highest coverage whose density reaches ``threshold`` (if none
  does, the densest box still covering half the cases), each restricted parameter with its
  quasi-p-value (the binomial probability of a box at least this dense if the restriction did
  nothing; small is significant). Restrictions with a quasi-p-value above 0.05 there are then
  dropped together (PRIM's ``drop_restriction``), as an analyst would, and the box's coverage
  and density recomputed, unless that lowers the density by more than a quarter (then the peeled
  box is kept and the report says so); if no restriction is significant, none is dropped.
- CART (scikit-learn's ``DecisionTreeClassifier``): a depth-limited tree of the same
  classification, each leaf with its run and case counts.

Failed runs (in the manifest) and runs where the metric is undefined are listed and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim.errors import SweepError
from techbloc.sim.folders import read_manifest, read_sweep

MIN_COVERAGE = 0.5  # the fallback box keeps at least half the cases
SIGNIFICANCE = 0.05  # restrictions with a larger quasi-p-value are dropped from the chosen box
KEEP_DENSITY = 0.75  # ... unless that costs more than a quarter of the box's density
NOT_METRICS = ("point", "replicate", "seed", "status", "error", "traceback")


@dataclass
class Discovery:
    """The result of :func:`discover` (the tables :file:`discover.csv` holds)."""

    path: Path
    metric: str
    rule: str
    n_runs: int
    n_cases: int
    trajectory: pd.DataFrame
    chosen: int
    box: pd.DataFrame
    coverage: float
    density: float
    leaves: pd.DataFrame
    tree_text: str
    dropped: list[str] = field(default_factory=list)
    peeled: tuple[float, float] = (np.nan, np.nan)
    failed: list[dict] = field(default_factory=list)
    dropped_nan: int = 0
    tree: object = None
    inputs: pd.DataFrame | None = None
    cases: np.ndarray | None = None
    note: str = ""

    def table(self) -> pd.DataFrame:
        """One tidy table: the box, the peeling trajectory, the tree's leaves, the failed runs."""
        box = self.box.assign(kind="box")
        traj = self.trajectory.assign(kind="trajectory", chosen=lambda d: d.index == self.chosen)
        leaves = self.leaves.assign(kind="leaf")
        failed = pd.DataFrame(self.failed).assign(kind="failed run") if self.failed else None
        parts = [box, traj.reset_index(names="step"), leaves] + ([failed] if failed is not None
                                                                 else [])
        out = pd.concat(parts, ignore_index=True)
        first = ["kind", "parameter", "low", "high", "qp_value", "sweep_low", "sweep_high",
                 "step", "coverage", "density", "mass", "restricted", "chosen", "leaf", "rule",
                 "runs", "cases"]
        return out[[c for c in first if c in out] + [c for c in out if c not in first]]

    def report(self) -> list[str]:
        """The lines ``techbloc discover`` prints."""
        lines = [f"{self.n_cases} of {self.n_runs} runs have {self.metric} {self.rule} "
                 f"({self.n_cases / self.n_runs:.0%})"]
        if self.failed:
            lines.append(f"left out: {len(self.failed)} failed runs: "
                         + ", ".join(f"p{f['point']}-r{f['replicate']}" for f in self.failed))
        if self.dropped_nan:
            lines.append(f"left out: {self.dropped_nan} runs where {self.metric} is undefined")
        lines.append(f"PRIM: peeled box at step {self.chosen} of {len(self.trajectory) - 1} "
                     f"(coverage {self.peeled[0]:.0%}, density {self.peeled[1]:.0%}{self.note})")
        if self.dropped:
            lines.append(f"  restrictions dropped (quasi-p > {SIGNIFICANCE}): "
                         + ", ".join(self.dropped))
        lines.append(f"PRIM box: coverage {self.coverage:.0%}, density {self.density:.0%}, "
                     f"{len(self.box)} parameters restricted:")
        for _, r in self.box.iterrows():
            lines.append(f"  {r['parameter']:<32} {r['low']:10.4g} .. {r['high']:<10.4g} "
                         f"(sweep {r['sweep_low']:.4g} .. {r['sweep_high']:.4g}; "
                         f"quasi-p {r['qp_value']:.2g})")
        lines.append("CART tree (runs, cases per leaf):")
        lines += ["  " + line for line in self.tree_text.splitlines()]
        lines.append(f"written: {self.path / 'discover.csv'}, {self.path / 'discover.png'}")
        return lines


def _load(sweep_dir: str | Path):
    path = Path(sweep_dir)
    if (path / "manifest.json").is_file():
        m = read_manifest(path)  # a damaged manifest is a DataError naming it
        status = m.get("status")
        if status == "running" and not (path / "summary.parquet").exists():
            done = len(list((path / "runs").glob("p*-r*.parquet")))
            raise SweepError(f"the sweep is still running ({done} of {m.get('n_runs')} runs "
                             "done); discover needs it finished", file=str(path), key="status",
                             hint=f"wait for it, or if it was stopped: techbloc sweep FILE "
                                  f"--resume {path}")
    return read_sweep(path)


def discover(sweep_dir: str | Path, metric: str, below: float | None = None,
             above: float | None = None, threshold: float = 0.8, depth: int = 3,
             write: bool = True) -> Discovery:
    """PRIM and CART on a finished sweep's runs.

    Args:
        sweep_dir: a finished sweep folder.
        metric: an outcome summary of the sweep (a column of summary.parquet).
        below: the cases are runs with ``metric < below`` ...
        above: ... or with ``metric > above`` (give exactly one).
        threshold: PRIM's box is the one of highest coverage with density >= threshold.
        depth: the tree's maximum depth.
        write: write discover.csv and discover.png into the sweep folder.

    Raises:
        SweepError: not a finished sweep (still running: says so), unknown metric (lists the
            valid ones), no case or only cases.
    """
    import prim
    from sklearn.tree import DecisionTreeClassifier, export_text

    if (below is None) == (above is None):
        raise SweepError("give exactly one of --below and --above", key="--below")
    if not 0 < threshold <= 1:
        raise SweepError(f"the density threshold is a share in (0, 1], found {threshold}",
                         key="--threshold")
    res = _load(sweep_dir)
    s = res.summary
    valid = [c for c in s.columns if not c.startswith("in:") and c not in NOT_METRICS]
    if metric not in valid:
        raise SweepError(f"unknown metric {metric!r}; this sweep has: {', '.join(valid)}",
                         key="--metric")
    failed = [{k: f[k] for k in ("point", "replicate", "error")}
              for f in res.manifest.get("failures", [])]
    y_raw = s[metric].to_numpy(float)
    ok = np.isfinite(y_raw)
    x = s.loc[ok, [c for c in s.columns if c.startswith("in:")]].rename(columns=lambda c: c[3:])
    x = x.astype({c: float for c in x.columns if x[c].dtype == bool})
    y = (y_raw[ok] < below) if below is not None else (y_raw[ok] > above)
    rule = f"< {below:g}" if below is not None else f"> {above:g}"
    if not y.any() or y.all():
        raise SweepError(f"{'no' if not y.any() else 'every'} run has {metric} {rule} "
                         f"(it ranges from {np.nanmin(y_raw):.4g} to {np.nanmax(y_raw):.4g}); "
                         "choose another value", key="--below" if below is not None else "--above")
    p = prim.Prim(x.reset_index(drop=True), y, threshold=threshold, threshold_type=">")
    box = p.find_box()
    traj = box.peeling_trajectory.rename(columns={"res dim": "restricted"})
    traj = traj[["coverage", "density", "mass", "restricted"]].reset_index(drop=True)
    reach = traj.index[traj["density"] >= threshold]
    note = ""
    if len(reach):
        chosen = int(traj.loc[reach, "coverage"].idxmax())
    else:
        wide = traj[traj["coverage"] >= MIN_COVERAGE]
        chosen = int(wide["density"].idxmax())
        note = f"; no box reaches density {threshold:.0%}: the densest covering half the cases"
    box.select(chosen)
    peeled = (float(traj.loc[chosen, "coverage"]), float(traj.loc[chosen, "density"]))
    qp = box.limits["qp values"].astype(float)
    dropped = [str(k) for k in qp.index[qp > SIGNIFICANCE]] if (qp <= SIGNIFICANCE).any() else []
    for name in dropped:  # each appends the wider box to PRIM's trajectory and selects it
        box.drop_restriction(name)
    final = box.peeling_trajectory.iloc[-1] if dropped else traj.loc[chosen]
    if dropped and final["density"] < KEEP_DENSITY * peeled[1]:
        note += (f"; dropping {', '.join(dropped)} would lower the density to "
                 f"{final['density']:.0%}, so they are kept")
        box.select(chosen)
        dropped, final = [], traj.loc[chosen]
    limits = box.limits.reset_index(names="parameter")
    lims = pd.DataFrame({
        "parameter": limits["parameter"], "low": limits["min"].astype(float),
        "high": limits["max"].astype(float), "qp_value": limits["qp values"].astype(float),
        "sweep_low": [float(x[k].min()) for k in limits["parameter"]],
        "sweep_high": [float(x[k].max()) for k in limits["parameter"]]})
    lims = lims.sort_values("qp_value", ignore_index=True)

    leaf = max(5, len(y) // 50)
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf, random_state=0)
    tree.fit(x.to_numpy(), y)
    t = tree.tree_
    leaf_ids = np.flatnonzero(t.children_left == -1)
    ids = tree.apply(x.to_numpy())
    rules = _leaf_rules(tree, list(x.columns))
    leaves = pd.DataFrame({"leaf": leaf_ids, "rule": [rules[i] for i in leaf_ids],
                           "runs": [int((ids == i).sum()) for i in leaf_ids],
                           "cases": [int(y[ids == i].sum()) for i in leaf_ids]})
    leaves["density"] = leaves["cases"] / leaves["runs"]
    text = _tree_text(export_text(tree, feature_names=list(x.columns), decimals=3), tree, ids, y)
    out = Discovery(path=res.path, metric=metric, rule=rule, n_runs=int(len(y)),
                    n_cases=int(y.sum()), trajectory=traj, chosen=chosen, box=lims,
                    coverage=float(final["coverage"]), density=float(final["density"]),
                    dropped=dropped, peeled=peeled, leaves=leaves, tree_text=text,
                    failed=failed, dropped_nan=int((~ok).sum()), tree=tree, inputs=x,
                    cases=y, note=note)
    if write:
        from techbloc.analysis.explore_plots import discovery_figure

        out.table().to_csv(res.path / "discover.csv", index=False)
        fig = discovery_figure(out)
        fig.savefig(res.path / "discover.png", dpi=120)
    return out


def _leaf_rules(tree, names: list[str]) -> dict[int, str]:
    """Each node's path from the root as ``a <= 1 and b > 2``."""
    t = tree.tree_
    out = {0: "all runs"}
    stack = [(0, [])]
    while stack:
        node, path = stack.pop()
        out[node] = " and ".join(path) or "all runs"
        if t.children_left[node] != -1:
            name, v = names[t.feature[node]], t.threshold[node]
            stack.append((t.children_left[node], [*path, f"{name} <= {v:.4g}"]))
            stack.append((t.children_right[node], [*path, f"{name} > {v:.4g}"]))
    return out


def _tree_text(text: str, tree, ids: np.ndarray, y: np.ndarray) -> str:
    """scikit-learn's text tree with each leaf's run and case counts instead of its class."""
    lines, leaves = [], iter(np.flatnonzero(tree.tree_.children_left == -1))
    for line in text.splitlines():
        if "class:" in line:
            i = next(leaves)
            n, k = int((ids == i).sum()), int(y[ids == i].sum())
            line = line.split("class:")[0] + f"{n} runs, {k} cases ({k / n:.0%})"
        lines.append(line)
    return "\n".join(lines)
