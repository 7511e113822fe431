"""Bans against the record: each recorded ban's P(ban) by its year, and bans in the large.

Issue 16 asks that bans emerge in free-running ``sanctions-2019``: at least half of the bans
decided in 2020-2024 get P(ban) >= 0.3 by the end of their year (docs/ODD.md §1.2). The bans are
read from the record (``sim/data/observed/stances.csv``): every country open in 2019Q1 whose
stance is ``ban`` at some year-end, with the first such year. Beside each ban's P(ban) this
module counts the bans the model makes by covariate group, the expected number of countries at
ban at each year-end (the sum of their P(ban)), against the record's count, and the
restrictions that became bans between consecutive year-ends. ``techbloc hindcast`` prints the
section, writes it to ``hindcast.json`` under ``bans`` and draws it (``bans.png``,
:func:`bans_figure`); ``tools/ban_rates.py`` uses it too.
"""

from __future__ import annotations

import math

import pandas as pd

#: The coarse covariate groups of the countries open in 2019Q1, in the order they are assigned.
GROUPS = ("frontline", "Fourteen Eyes", "other US allies", "rest")
#: P(ban) a recorded ban should reach by the end of its year (issue 16).
BAR = 0.3


def open_in_2019(world) -> list[str]:
    """The countries open at the run's start (2019Q1), in the world's order."""
    return [c for c, p in zip(world.codes(), world.policy0, strict=True) if p == 0]


def coarse_groups(world) -> pd.Series:
    """Each country open in 2019Q1 -> its coarse covariate group.

    A frontline state (``frontline.csv``), else a Fourteen Eyes member (``intel_sharing``), else
    a US treaty ally or NATO member, else the rest.
    """
    c = world.countries
    out = {}
    for i, iso in enumerate(world.codes()):
        if world.policy0[i] != 0:
            continue
        if world.frontline[i] > 0:
            out[iso] = GROUPS[0]
        elif c["intel_sharing"].iloc[i] == 1:
            out[iso] = GROUPS[1]
        elif c["us_treaty_ally"].iloc[i] == 1 or c["nato"].iloc[i] == 1:
            out[iso] = GROUPS[2]
        else:
            out[iso] = GROUPS[3]
    return pd.Series(out, name="group", dtype=str)


def recorded_bans(record: pd.DataFrame, world) -> dict[str, int]:
    """Countries open in 2019Q1 that the record shows at ban -> the first year-end at ban."""
    r = record.astype({"iso3": str})
    r = r[(r["stance"] == "ban") & r["iso3"].isin(open_in_2019(world))]
    first = r.groupby("iso3")["year"].min().sort_values(kind="stable")
    return {str(k): int(v) for k, v in first.items()}


def _year_ends(countries: pd.DataFrame) -> pd.DataFrame:
    c = countries[countries["date"].astype(str).str.endswith("Q4")]
    return c.assign(iso3=c["iso3"].astype(str), policy=c["policy"].astype(str),
                    year=c["date"].astype(str).str[:4].astype(int))


def _escalations(c: pd.DataFrame, rec: pd.DataFrame, years: list[int], reps: int,
                 open0: set[str]) -> dict:
    """Restrictions that became bans between consecutive year-ends.

    A run's mean count in the model and the record's count (``rec``: iso3 x year), over every
    country with a record and over those open in 2019Q1.
    """
    steps = list(zip(years[:-1], years[1:], strict=True))
    wide = c[c["iso3"].isin(rec.index)].pivot_table(
        index=["replicate", "iso3"], columns="year", values="policy", aggfunc="first")
    if not steps or wide.empty:
        return {"model": 0.0, "recorded": 0, "model_open_2019": 0.0, "recorded_open_2019": 0,
                "by_country": {}}
    hit = sum(((wide[a] == "restrict") & (wide[b] == "ban")).astype(int) for a, b in steps)
    per = hit.groupby(level="iso3").sum() / reps
    rec_hit = sum(((rec[a] == "restrict") & (rec[b] == "ban")).astype(int) for a, b in steps)
    return {"model": float(per.sum()), "recorded": int(rec_hit.sum()),
            "model_open_2019": float(per[per.index.isin(open0)].sum()),
            "recorded_open_2019": int(rec_hit[rec_hit.index.isin(open0)].sum()),
            "by_country": {str(k): float(v) for k, v in
                           per[per > 0].sort_values(ascending=False, kind="stable").items()}}


def bans_report(countries: pd.DataFrame, record: pd.DataFrame, world) -> dict:
    """The bans section of a 2019-2024 run's scores, JSON-ready.

    Only the year-ends both the run and the record reach are read (``years`` of the result);
    the record is taken as complete, one stance per country and year-end, as
    :func:`techbloc.sim.observed.read_stances` checks.

    Args:
        countries: the run's countries table (``replicate, date, iso3, policy``), one run.
        record: the stance record (``iso3, year, stance``).
        world: the world the run used (start stances, frontline states, memberships).
    """
    c = _year_ends(countries)
    reps = int(c["replicate"].nunique())
    years = sorted(set(c["year"]) & set(record["year"].astype(int)))
    bans = {iso: y for iso, y in recorded_bans(record, world).items() if y in years}
    each = {}
    for iso, year in bans.items():
        at = c[(c["year"] == year) & (c["iso3"] == iso)]["policy"]
        each[iso] = {"year": year, "p_not_open": float((at != "open").mean()),
                     "p_ban": float((at == "ban").mean())}
    groups = coarse_groups(world)
    p_ban = (c["policy"] == "ban").groupby([c["iso3"], c["year"]]).mean().unstack(fill_value=0.0)
    rec = record.astype({"iso3": str}).pivot(index="iso3", columns="year", values="stance")
    later = [y for y in years if y >= 2020]
    large = {}
    for name in (*GROUPS, "all"):
        members = groups.index if name == "all" else groups.index[groups == name]
        model = p_ban.reindex(index=members, columns=later, fill_value=0.0).sum()
        recorded = (rec.reindex(index=members, columns=later) == "ban").sum()
        large[name] = {"n": int(len(members)), "by_year": {
            str(y): {"model": float(model[y]), "recorded": int(recorded[y])} for y in later}}
    return {"bar": BAR, "asked": math.ceil(len(each) / 2), "replicates": reps,
            "years": later,
            "reach": sum(v["p_ban"] >= BAR for v in each.values()),
            "ceiling": sum(v["p_not_open"] >= BAR for v in each.values()),
            "each": each, "in_the_large": large,
            "escalations": _escalations(c, rec, years, reps, set(groups.index))}


def span(section: dict) -> str:
    """The year-ends the section covers, as ``2020-2024``."""
    years = section["years"]
    return f"{years[0]}-{years[-1]}" if years else "no year-end from 2020"


def report_lines(section: dict) -> list[str]:
    """The bans section as printed by ``techbloc hindcast``."""
    each = ", ".join(f"{iso} {v['year']} {v['p_ban']:.2f}/{v['p_not_open']:.2f}"
                     for iso, v in section["each"].items())
    lines = [f"bans of {span(section)} (free-running, {section['replicates']} replicates; "
             f"docs/ODD.md §1.2): P(ban)/P(not open) by the end of each ban's year: {each}",
             f"  P(ban) >= {section['bar']:g} for {section['reach']} of {len(section['each'])} "
             f"(issue 16 asks {section['asked']}); P(not open) >= {section['bar']:g}, the most "
             f"a ban form could give, for {section['ceiling']}"]
    last = max(section["in_the_large"]["all"]["by_year"], default=None)
    if last is not None:
        cells = ", ".join(f"{name} {g['by_year'][last]['model']:.2f} "
                          f"[{g['by_year'][last]['recorded']}]"
                          for name, g in section["in_the_large"].items() if name != "all")
        a = section["in_the_large"]["all"]["by_year"][last]
        lines.append(f"  countries open in 2019Q1 at ban by end-{last}, expected [recorded]: "
                     f"{a['model']:.2f} [{a['recorded']}]; {cells}")
    e = section["escalations"]
    most = ", ".join(f"{k} {v:.2f}" for k, v in list(e["by_country"].items())[:4])
    lines.append(f"  restrictions that became bans between year-ends, a run [recorded]: "
                 f"{e['model']:.2f} [{e['recorded']}]" + (f" (most: {most})" if most else ""))
    return lines


def bans_figure(section: dict, title: str = ""):
    """The bans section as a picture (``bans.png`` of ``techbloc hindcast``).

    Left, each recorded ban's P(not open) and P(ban) by its year against issue 16's bar; right,
    the countries at ban at each year-end, the model's expected count against the record's, for
    all countries open in 2019Q1, the frontline states and the Fourteen Eyes.
    """
    from matplotlib.figure import Figure
    from techbloc.analysis import style

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.1, 1))
    each = section["each"]
    x = list(range(len(each)))
    p_not = [v["p_not_open"] for v in each.values()]
    p_ban = [v["p_ban"] for v in each.values()]
    left.bar(x, p_not, 0.7, color=style.POLICY_COLOURS["restrict"],
             label="P(not open): the most a ban form could give")
    left.bar(x, p_ban, 0.45, color=style.POLICY_COLOURS["ban"], label="P(ban)")
    left.axhline(section["bar"], color="black", linestyle="--", linewidth=1,
                 label=f"issue 16's bar ({section['bar']:g}; half must reach it)")
    left.set_xticks(x, [f"{iso}\n{v['year']}" for iso, v in each.items()], fontsize=8)
    left.set_ylim(0, 1)
    left.set_ylabel("probability by the end of the ban's year", fontsize=8)
    left.set_title(f"each recorded ban: {section['reach']} of {len(each)} reach the bar "
                   f"(asked: {section['asked']})", fontsize=9)
    left.legend(fontsize=7, loc="upper left", frameon=False)
    colours = {"all": "black", "frontline": "#8c564b", "Fourteen Eyes": style.WEST}
    for name, colour in colours.items():
        by = section["in_the_large"][name]["by_year"]
        years = [int(y) for y in by]
        right.plot(years, [v["model"] for v in by.values()], color=colour, marker="o",
                   label=f"{name}, model (expected)")
        right.plot(years, [v["recorded"] for v in by.values()], color=colour, marker="s",
                   linestyle=":", markerfacecolor="white", label=f"{name}, record")
    right.set_ylabel("countries at ban at the year's end\n(of those open in 2019Q1)", fontsize=8)
    right.xaxis.get_major_locator().set_params(integer=True)
    right.set_ylim(0, 1.45 * max(1.0, *(v for g in section["in_the_large"].values()
                                           for y in g["by_year"].values() for v in
                                           (y["model"], y["recorded"]))))
    right.set_title("bans in the large, by group", fontsize=9)
    right.legend(fontsize=7, loc="upper left", frameon=False, ncols=2)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
