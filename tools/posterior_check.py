"""A posterior predictive check of the ensemble on the fit set (2019-2021 stances only).

For a posterior ensemble of the 2019-2021 fit (default: the shipped
``scenarios/calibrated-2021_posterior.parquet``), free-running ``sanctions-2019`` on the
calibration ``calibrated-2021`` runs to 2021Q4 with the ensemble's draws (the default
``--uncertainty both``) and, for comparison, at that calibration's point (no draws). The script
prints, per seed:

- the fit-set ranked probability score (RPS) of the three levels at the ends of 2019-2021 (the
  figure the ensembles' adoption rules compare, ODD §1.2);
- for three groups of countries open in 2019Q1 (all of them; the Fourteen Eyes; the frontline
  states of ``frontline.csv``), the mean predicted P(not open) at the ends of 2020 and 2021
  beside the recorded share not open, and the sum of the absolute gaps.

Only 2019-2021 data are used. Run: ``python tools/posterior_check.py [PARQUET] [REPS] [SEEDS]``
(defaults: the shipped file, 100 replicates, seeds 5,7).
"""

import sys
import warnings
from pathlib import Path

import pandas as pd
import techbloc.sim.posterior as post
from techbloc.sim import run
from techbloc.sim.calibration import stance_rps
from techbloc.sim.errors import TechblocError
from techbloc.sim.observed import stances
from techbloc.sim.scenario import load_scenario
from techbloc.sim.world import load_world

YEARS = (2019, 2020, 2021)


def groups() -> dict[str, list[str]]:
    """The countries open in 2019Q1: all, the Fourteen Eyes among them, the frontline ones."""
    w = load_world()
    codes = pd.Series(w.codes())
    open0 = w.policy0 == 0
    intel = w.countries["intel_sharing"].to_numpy() == 1
    front = w.frontline > 0
    return {"open in 2019Q1": list(codes[open0]),
            "Fourteen Eyes": list(codes[open0 & intel]),
            "frontline": list(codes[open0 & front])}


def check(parameters: bool, reps: int, seed: int, record: pd.DataFrame) -> list[str]:
    """Lines of the fit-set RPS and the groups' predicted and recorded P(not open)."""
    scenario = post.rebase(load_scenario("sanctions-2019"), "calibrated-2021")
    c = run(scenario, replications=reps, seed=seed, horizon="2019Q1:2021Q4",
            set={"uncertainty.parameters": parameters}).countries
    label = "draws" if parameters else "point"
    lines = [f"{label} seed {seed}: fit-set RPS {stance_rps(c, record, YEARS):.4f}"]
    c = c.assign(iso3=c["iso3"].astype(str), date=c["date"].astype(str))
    gap = 0.0
    for name, members in groups().items():
        for year in (2020, 2021):
            at = c[(c["date"] == f"{year}Q4") & c["iso3"].isin(members)]
            pred = (at["policy"].astype(str) != "open").groupby(at["iso3"]).mean()
            rec = record[(record["year"] == year) & record["iso3"].isin(pred.index)]
            obs = (rec["stance"] != "open").mean()
            p = pred[rec["iso3"]].mean()
            gap += abs(p - obs)
            lines.append(f"  {name:15s} {year} (n={len(rec):2d}): predicted {p:.2f}, "
                         f"recorded {obs:.2f}")
    lines.append(f"  sum of absolute gaps {gap:.3f}")
    return lines


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    if len(sys.argv) > 1 and sys.argv[1] != "shipped":
        given = Path(sys.argv[1])
        post.posterior_path = lambda name: given
        post._shipped.cache_clear()
    try:
        post.read_draws(post.posterior_path("calibrated-2021"))  # a missing or damaged
        # ensemble: one line, before any run
    except TechblocError as exc:
        sys.exit(f"posterior_check: error: {exc}")
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    seeds = [int(s) for s in sys.argv[3].split(",")] if len(sys.argv) > 3 else [5, 7]
    record = stances().astype({"iso3": str})
    record = record[record["year"].isin(YEARS)]
    for seed in seeds:
        for parameters in (True, False):
            print("\n".join(check(parameters, reps, seed, record)), flush=True)
