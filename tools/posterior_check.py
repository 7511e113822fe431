"""A posterior predictive check of an ensemble on its calibration's own fit data.

For a posterior ensemble (default: the shipped one of the calibration), free-running
``sanctions-2019`` on that calibration runs to the last fitted year-end with the ensemble's
draws (the default ``--uncertainty both``) and, for comparison, at the calibration's point (no
draws). ``--through 2021`` (default) checks ``calibrated-2021`` on 2019-2021, ``--through 2024``
checks ``calibrated`` on the whole record. The script prints, per seed:

- the ranked probability score (RPS) of the three levels at the fitted year-ends (the figure
  the ensembles' adoption rules compare, ODD §1.2);
- for three groups of countries open in 2019Q1 (all of them; the Fourteen Eyes; the frontline
  states of ``frontline.csv``), the mean predicted P(not open) at each fitted year-end from 2020
  beside the recorded share not open, and the sum of the absolute gaps;
- their means over the seeds, last (the groups' predicted P(not open) too).

``--bans`` prints instead, for each ban the record decided in 2020-2024, P(not open) and P(ban)
by the end of its year: P(not open) is the most any ban form could give (ODD §1.2).

Only the calibration's fit years are read. Run:
``python tools/posterior_check.py [PARQUET|shipped] [REPS] [SEEDS] [--through 2021|2024]
[--bans] [--draws-only]`` (defaults: the shipped file, 100 replicates, seeds 5,7).
"""

import argparse
import warnings
from pathlib import Path

import fitset
import pandas as pd
import techbloc.sim.posterior as post
from techbloc.analysis.bans import bans_report
from techbloc.sim import run
from techbloc.sim.calibration import stance_rps
from techbloc.sim.calibrations import FITTED_THROUGH
from techbloc.sim.commands import replicate_count
from techbloc.sim.errors import TechblocError
from techbloc.sim.observed import stances
from techbloc.sim.scenario import load_scenario
from techbloc.sim.world import load_world

NAME = {year: name for name, year in FITTED_THROUGH.items()}


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


def countries(through: int, parameters: bool, reps: int, seed: int) -> pd.DataFrame:
    """The countries table of free-running ``sanctions-2019`` on the calibration to ``through``."""
    scenario = post.rebase(load_scenario("sanctions-2019"), NAME[through])
    c = run(scenario, replications=reps, seed=seed, horizon=f"2019Q1:{through}Q4",
            set={"uncertainty.parameters": parameters}).countries
    return c.assign(iso3=c["iso3"].astype(str), date=c["date"].astype(str))


def check(c: pd.DataFrame, record: pd.DataFrame, years: tuple[int, ...]
          ) -> tuple[float, float, list[tuple[str, int, int, float, float]]]:
    """The RPS, the sum of the groups' gaps, each group's (name, year, n, predicted, recorded)."""
    rps, gap, cells = stance_rps(c, record, years), 0.0, []
    for name, members in groups().items():
        for year in years[1:]:
            at = c[(c["date"] == f"{year}Q4") & c["iso3"].isin(members)]
            pred = (at["policy"].astype(str) != "open").groupby(at["iso3"]).mean()
            rec = record[(record["year"] == year) & record["iso3"].isin(pred.index)]
            obs = (rec["stance"] != "open").mean()
            p = pred[rec["iso3"]].mean()
            gap += abs(p - obs)
            cells.append((name, year, len(rec), p, obs))
    return rps, gap, cells


def lines(cells: list[tuple[str, int, int, float, float]]) -> list[str]:
    """One line per group and year: mean predicted P(not open) beside the recorded share."""
    return [f"  {name:15s} {year} (n={n:2d}): predicted {p:.2f}, recorded {obs:.2f}"
            for name, year, n, p, obs in cells]


def bans(c: pd.DataFrame, through: int) -> str:
    """P(not open) / P(ban) by the end of each recorded ban's year, the ceiling counted."""
    record = stances()
    s = bans_report(c, record[record["year"] <= through], load_world())
    cells = [f"{iso} {v['year']} {v['p_not_open']:.2f}/{v['p_ban']:.2f}"
             for iso, v in s["each"].items()]
    return f"{', '.join(cells)}; P(not open) >= 0.3 in {s['ceiling']} of {len(cells)}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parquet", nargs="?", default="shipped")
    ap.add_argument("reps", nargs="?", type=replicate_count, default=100)
    ap.add_argument("seeds", nargs="?", type=fitset.seed_list, default=[5, 7])
    ap.add_argument("--through", type=int, choices=sorted(NAME), default=2021)
    ap.add_argument("--bans", action="store_true")
    ap.add_argument("--draws-only", action="store_true",
                    help="skip the runs at the point (the same for every ensemble)")
    args = ap.parse_args(argv)
    name = NAME[args.through]
    if args.parquet != "shipped":
        given = Path(args.parquet)
        post.posterior_path = lambda _name: given
        post._shipped.cache_clear()
    try:
        post.read_draws(post.posterior_path(name))  # a missing or damaged ensemble: one line
    except TechblocError as exc:
        ap.exit(2, f"posterior_check: error: {exc}\n")
    seeds = args.seeds
    years = tuple(range(2019, args.through + 1))
    record = stances().astype({"iso3": str})
    record = record[record["year"].isin(years)]
    means: dict[bool, list] = {True: [], False: []}
    for seed in seeds:
        for parameters in (True,) if args.draws_only else (True, False):
            label = "draws" if parameters else "point"
            c = countries(args.through, parameters, args.reps, seed)
            if args.bans:
                print(f"{label} seed {seed}: {bans(c, args.through)}", flush=True)
                continue
            rps, gap, cells = check(c, record, years)
            means[parameters].append((rps, gap, cells))
            print("\n".join([f"{label} seed {seed}: RPS {years[0]}-{years[-1]} {rps:.4f}",
                             *lines(cells), f"  sum of absolute gaps {gap:.3f}"]), flush=True)
    for parameters, rows in means.items():
        if rows:
            rps, gap = (sum(r[i] for r in rows) / len(rows) for i in (0, 1))
            print(f"mean over seeds {','.join(map(str, seeds))}, "
                  f"{'draws' if parameters else 'point'}: RPS {rps:.4f}, sum of gaps {gap:.3f}")
            cells = [(*cell[:3], sum(r[2][k][3] for r in rows) / len(rows), cell[4])
                     for k, cell in enumerate(rows[0][2])]  # each group's year, over the seeds
            print("\n".join(lines(cells)))

if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main()
