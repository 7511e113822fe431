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

``model`` gives the expected number of countries banning by each year-end, by coarse group, in
free-running ``sanctions-2019`` on the calibration runs use (the sum over a group's countries of
each one's share of replicates at ban), with the posterior's draws (the default) and at the
point, beside the record's count; and the restrictions that became bans between consecutive
year-ends, over every country with a record and over those open in 2019Q1, beside the record's.

Run: ``python tools/ban_rates.py record [--theatre | --fine]`` or
``python tools/ban_rates.py model [REPS] [SEEDS]`` (defaults 100 replicates, seed 11, the
country-pattern tests' run).
"""

import argparse
import warnings

import fitset
import pandas as pd
from posterior_check import BANS, countries
from techbloc.sim.commands import replicate_count
from techbloc.sim.observed import stances
from techbloc.sim.world import DATA, load_world, ties_from

YEARS = (2020, 2021, 2022, 2023, 2024)


def group_of(theatre: bool = False, fine: bool = False) -> pd.Series:
    """Each country open in 2019Q1 -> its covariate group (frontline first: the sets are disjoint
    except by that order)."""
    w = load_world()
    c = w.countries.assign(iso3=w.countries["iso3"].astype(str))
    front = pd.read_csv(DATA / "frontline.csv").set_index("iso3")["theatre"]
    ties, _ = ties_from(w.memberships(2019), c["region"])
    out = {}
    for i, row in enumerate(c.itertuples()):
        if w.policy0[i] != 0:
            continue
        if fine:
            out[row.iso3] = (f"frontline {int(row.iso3 in front.index)}, tie {ties[i]:.1f}, "
                             f"intelligence {int(row.intel_sharing)}")
        elif row.iso3 in front.index:
            out[row.iso3] = f"frontline ({front[row.iso3]})" if theatre else "frontline"
        elif row.intel_sharing == 1:
            out[row.iso3] = "Fourteen Eyes"
        elif row.us_treaty_ally == 1 or row.nato == 1:
            out[row.iso3] = "other US allies"
        else:
            out[row.iso3] = "rest"
    return pd.Series(out, name="group")


def recorded() -> pd.DataFrame:
    """The record's stances as a table iso3 x year (countries with a record)."""
    r = stances().astype({"iso3": str})
    return r.pivot(index="iso3", columns="year", values="stance")


def record_yardstick(theatre: bool, fine: bool) -> None:
    groups, rec = group_of(theatre, fine), recorded()
    groups = groups[groups.index.isin(rec.index)]
    reach = 0
    for iso, year in BANS.items():
        members = groups.index[groups == groups[iso]]
        share = float((rec.loc[members, year] == "ban").mean())
        not_open = float((rec.loc[members, year] != "open").mean())
        reach += share >= 0.3
        print(f"{iso} {year}: {groups[iso]} ({len(members)} open in 2019Q1 with a record): "
              f"banned by then {share:.2f}, not open {not_open:.2f}"
              + (f" [{' '.join(members)}]" if fine else ""))
    print(f"share banned >= 0.3 for {reach} of {len(BANS)} bans")


def model_counts(reps: int, seeds: list[int]) -> None:
    groups, rec = group_of(), recorded()
    for seed in seeds:
        for parameters in (True, False):
            full = countries(2024, parameters, reps, seed)
            full = full[full["date"].str.endswith("Q4")]
            full = full.assign(year=full["date"].str[:4].astype(int),
                               policy=full["policy"].astype(str))
            c, every = full[full["iso3"].isin(groups.index)], full[full["iso3"].isin(rec.index)]
            p_ban = (c["policy"] == "ban").groupby([c["iso3"], c["year"]]).mean().unstack()
            label = "draws" if parameters else "point"
            print(f"{label}, seed {seed}, {reps} replicates: expected bans by year-end "
                  f"(recorded in brackets)")
            for name in [*sorted(groups.unique()), "all"]:
                members = groups.index if name == "all" else groups.index[groups == name]
                have = members[members.isin(rec.index)]
                cells = [f"{y} {p_ban.loc[members, y].sum():.2f} "
                         f"[{int((rec.loc[have, y] == 'ban').sum())}]" for y in YEARS]
                print(f"  {name:16s} (n={len(members):3d}): {', '.join(cells)}")
            print(f"  restrictions that became bans between consecutive year-ends, a run "
                  f"[recorded]: {escalations(every, rec, reps)}", flush=True)


def escalations(c: pd.DataFrame, rec: pd.DataFrame, reps: int) -> str:
    """Restrict at one year-end, ban at the next: per run in the model and in the record, over
    every country with a record and over those open in 2019Q1, with the model's countries."""
    steps = list(zip((2019, *YEARS[:-1]), YEARS, strict=True))
    wide = c.pivot_table(index=["replicate", "iso3"], columns="year", values="policy",
                         aggfunc="first")
    hit = sum(((wide[a] == "restrict") & (wide[b] == "ban")) for a, b in steps)
    by_country = hit.groupby(level="iso3").sum() / reps
    rec_hit = sum(((rec[a] == "restrict") & (rec[b] == "ban")).astype(int) for a, b in steps)
    open0 = set(group_of().index)
    top = by_country[by_country > 0].sort_values(ascending=False).head(5)
    return (f"all {by_country.sum():.2f} [{int(rec_hit.sum())}], "
            f"open in 2019Q1 {by_country[by_country.index.isin(open0)].sum():.2f} "
            f"[{int(rec_hit[rec_hit.index.isin(open0)].sum())}]; most: "
            + ", ".join(f"{i} {v:.2f}" for i, v in top.items()))


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
    args = ap.parse_args(argv)
    if args.what == "record":
        record_yardstick(args.theatre, args.fine)
    else:
        model_counts(args.reps, args.seeds)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main()
