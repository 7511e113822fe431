"""What the bans criterion asks of a model that cannot tell apart the countries of a group.

Issue 16 asks that at least half of the 8 bans decided in 2020-2024 get P(ban) >= 0.3 by their
year in free-running ``sanctions-2019``. The model's country covariates separate a few groups
of the countries open in 2019Q1: the frontline states (``frontline.csv``), the Fourteen Eyes
(``intel_sharing``), the other US treaty allies and NATO members, and the rest. Within a group
only continuous terms (trade, size, alignment, Belt & Road, peers) differ.

``record`` needs no run. It gives each ban the share of its group that had banned by the end of
the ban's year: the P(ban) of a model that knows every group's outcome frequencies in the whole
record, 2022-2024 included, and nothing finer. It is a yardstick, not a forecast: it reads the
years it scores. ``--theatre`` splits the frontline states by theatre (Russia, China).

``model`` gives the expected number of countries banning by each year-end, by group, in
free-running ``sanctions-2019`` on the calibration runs use (the sum over a group's countries of
each one's share of replicates at ban), with the posterior's draws (the default) and at the
point, beside the record's count; and the expected number of restrictions that became bans.

Run: ``python tools/ban_rates.py record [--theatre]`` or
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
from techbloc.sim.world import DATA, load_world

YEARS = (2020, 2021, 2022, 2023, 2024)


def group_of(theatre: bool = False) -> pd.Series:
    """Each country open in 2019Q1 -> its covariate group (frontline first: the sets are disjoint
    except by that order)."""
    w = load_world()
    c = w.countries.assign(iso3=w.countries["iso3"].astype(str))
    front = pd.read_csv(DATA / "frontline.csv").set_index("iso3")["theatre"]
    out = {}
    for i, row in enumerate(c.itertuples()):
        if w.policy0[i] != 0:
            continue
        if row.iso3 in front.index:
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


def record_yardstick(theatre: bool) -> None:
    groups, rec = group_of(theatre), recorded()
    groups = groups[groups.index.isin(rec.index)]
    reach = 0
    for iso, year in BANS.items():
        members = groups.index[groups == groups[iso]]
        share = float((rec.loc[members, year] == "ban").mean())
        not_open = float((rec.loc[members, year] != "open").mean())
        reach += share >= 0.3
        print(f"{iso} {year}: {groups[iso]} ({len(members)} open in 2019Q1 with a record): "
              f"banned by then {share:.2f}, not open {not_open:.2f}")
    print(f"share banned >= 0.3 for {reach} of {len(BANS)} bans")


def model_counts(reps: int, seeds: list[int]) -> None:
    groups, rec = group_of(), recorded()
    for seed in seeds:
        for parameters in (True, False):
            c = countries(2024, parameters, reps, seed)
            c = c[c["date"].str.endswith("Q4") & c["iso3"].isin(groups.index)]
            c = c.assign(year=c["date"].str[:4].astype(int), policy=c["policy"].astype(str))
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
            # restrictions that became bans: a country restricting at some year-end and banning
            # at a later one, per replicate
            wide = c.pivot_table(index=["replicate", "iso3"], columns="year", values="policy",
                                 aggfunc="first")
            escal = sum(((wide[a] == "restrict") & (wide[b] == "ban")).sum()
                        for a, b in zip((2019, *YEARS[:-1]), YEARS, strict=True))
            rec_escal = sum(((rec[a] == "restrict") & (rec[b] == "ban")).sum()
                            for a, b in zip((2019, *YEARS[:-1]), YEARS, strict=True))
            print(f"  restrictions that became bans 2019-2024: {escal / reps:.2f} a run "
                  f"[{int(rec_escal)}]", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("record")
    r.add_argument("--theatre", action="store_true")
    m = sub.add_parser("model")
    m.add_argument("reps", nargs="?", type=replicate_count, default=100)
    m.add_argument("seeds", nargs="?", type=fitset.seed_list, default=[11])
    args = ap.parse_args(argv)
    if args.what == "record":
        record_yardstick(args.theatre)
    else:
        model_counts(args.reps, args.seeds)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main()
