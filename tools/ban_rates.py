"""What the bans criterion asks of a model, measured against the record's own group frequencies.

Issue 16 asks that at least half of the 8 bans decided in 2020-2024 get P(ban) >= 0.3 by their
year in free-running ``sanctions-2019``.

``record`` needs no run. It groups the countries open in 2019Q1 by covariates the model has and
gives each ban the share of its group that had banned by the end of the ban's year: the P(ban)
of a model calibrated to every group's outcome frequencies over the whole record, 2022-2024
included, that tells no two members of a group apart. It is a yardstick, not a ceiling (a model
can also pass by over-predicting bans within a group, at the cost of calibration) and not a
forecast (it reads the years it scores). Groupings:

- default, coarse: the frontline states (``frontline.csv``), the Fourteen Eyes
  (``intel_sharing``), the other US treaty allies and NATO members, the rest;
- ``--theatre``: the same, the frontline states split by theatre (Russia, China);
- ``--fine``: every combination of the model's step covariates, frontline, security tie s_i in
  2019 (Five Eyes 1.0, NATO or treaty ally 0.7, major non-NATO ally 0.4, none 0) and
  intelligence sharing; its groups are small (Sweden alone; the UK with Canada), and a group of
  one or two is its own record. Each group's members are printed.

``model`` prints :func:`techbloc.analysis.bans.bans_report` of free-running ``sanctions-2019``
on the calibration runs use, with the posterior's draws (the default) and at the point: the
expected number of countries at ban at each year-end by coarse group (the sum of each one's
share of replicates at ban) beside the record's count, and the restrictions that became bans
between consecutive year-ends, over every country with a record and over those open in 2019Q1.
``techbloc hindcast`` prints the same section for its own run.

Run: ``python tools/ban_rates.py record [--theatre | --fine]`` or
``python tools/ban_rates.py model [REPS] [SEEDS] [--draws-only] [--ensemble PARQUET]``
(defaults 100 replicates, seed 11, the country-pattern tests' run, the shipped ensemble).
"""

import argparse
import warnings
from pathlib import Path

import fitset
import pandas as pd
from posterior_check import countries
from techbloc.analysis.bans import bans_report, coarse_groups, recorded_bans
from techbloc.sim.commands import replicate_count
from techbloc.sim.observed import stances
from techbloc.sim.world import DATA, load_world, ties_from


def group_of(theatre: bool = False, fine: bool = False) -> pd.Series:
    """Each country open in 2019Q1 -> its covariate group: the coarse groups of
    :func:`techbloc.analysis.bans.coarse_groups`, the frontline split by theatre, or the fine
    combinations of frontline, security tie in 2019 and intelligence sharing."""
    w = load_world()
    groups = coarse_groups(w)
    if not (theatre or fine):
        return groups
    c = w.countries.assign(iso3=w.countries["iso3"].astype(str)).set_index("iso3")
    front = pd.read_csv(DATA / "frontline.csv").set_index("iso3")["theatre"]
    ties = pd.Series(ties_from(w.memberships(2019), c["region"])[0], index=c.index)
    if fine:
        return pd.Series({iso: f"frontline {int(iso in front.index)}, tie {ties[iso]:.1f}, "
                               f"intelligence {int(c.loc[iso, 'intel_sharing'])}"
                          for iso in groups.index}, name="group")
    return groups.where(~groups.index.isin(front.index),
                        [f"frontline ({front.get(i)})" for i in groups.index])


def recorded() -> pd.DataFrame:
    """The record's stances as a table iso3 x year (countries with a record)."""
    r = stances().astype({"iso3": str})
    return r.pivot(index="iso3", columns="year", values="stance")


def record_yardstick(theatre: bool, fine: bool) -> None:
    groups, rec = group_of(theatre, fine), recorded()
    groups = groups[groups.index.isin(rec.index)]
    bans = recorded_bans(stances(), load_world())
    reach = 0
    for iso, year in bans.items():
        members = groups.index[groups == groups[iso]]
        share = float((rec.loc[members, year] == "ban").mean())
        not_open = float((rec.loc[members, year] != "open").mean())
        reach += share >= 0.3
        print(f"{iso} {year}: {groups[iso]} ({len(members)} open in 2019Q1 with a record): "
              f"banned by then {share:.2f}, not open {not_open:.2f}"
              + (f" [{' '.join(members)}]" if fine else ""))
    print(f"share banned >= 0.3 for {reach} of {len(bans)} bans")


def model_counts(reps: int, seeds: list[int], draws_only: bool = False) -> None:
    for seed in seeds:
        for parameters in (True,) if draws_only else (True, False):
            s = bans_report(countries(2024, parameters, reps, seed), stances(), load_world())
            print(f"{'draws' if parameters else 'point'}, seed {seed}, {reps} replicates: "
                  "expected bans by year-end (recorded in brackets)")
            for name, g in s["in_the_large"].items():
                cells = ", ".join(f"{y} {v['model']:.2f} [{v['recorded']}]"
                                  for y, v in g["by_year"].items())
                print(f"  {name:16s} (n={g['n']:3d}): {cells}")
            e = s["escalations"]
            most = ", ".join(f"{k} {v:.2f}" for k, v in list(e["by_country"].items())[:5])
            print(f"  restrictions that became bans between consecutive year-ends, a run "
                  f"[recorded]: all {e['model']:.2f} [{e['recorded']}], open in 2019Q1 "
                  f"{e['model_open_2019']:.2f} [{e['recorded_open_2019']}]; most: {most}",
                  flush=True)


def use_ensemble(path: str) -> None:
    """Draw from the ensemble in ``path`` instead of the shipped one (as posterior_check)."""
    import techbloc.sim.posterior as post
    from techbloc.sim.errors import TechblocError

    given = Path(path)
    post.posterior_path = lambda _name: given
    post._shipped.cache_clear()
    try:
        post.read_draws(given)  # a missing or damaged ensemble: one line
    except TechblocError as exc:
        raise SystemExit(f"ban_rates: error: {exc}") from None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("record")
    how = r.add_mutually_exclusive_group()
    how.add_argument("--theatre", action="store_true")
    how.add_argument("--fine", action="store_true")
    m = sub.add_parser("model")
    m.add_argument("reps", nargs="?", type=replicate_count, default=100)
    m.add_argument("seeds", nargs="?", type=fitset.seed_list, default=[11])
    m.add_argument("--draws-only", action="store_true", help="skip the runs at the point")
    m.add_argument("--ensemble", metavar="PARQUET",
                   help="an ensemble file to draw from instead of the shipped one")
    args = ap.parse_args(argv)
    if args.what == "record":
        record_yardstick(args.theatre, args.fine)
    else:
        if args.ensemble:
            use_ensemble(args.ensemble)
        model_counts(args.reps, args.seeds, args.draws_only)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main()
