"""Patterns P1-P7 of the literature (lit. §4b): one definition of each figure and tolerance.

``PATTERNS`` holds, per pattern, what the literature file (``shared/reference/literature.md``)
reports, its confidence grade, the section it comes from, and the tolerance a 2019-2024 run must
meet, with the reason for the tolerance's width. :func:`evaluate` scores a run against it. Both
``techbloc hindcast`` (its printed pattern table) and ``tests/test_patterns.py`` read these
definitions, so the two cannot disagree.

Each pattern is a list of named checks; a check has a measured value, the bounds it must fall in
and a verdict. A pattern passes when all of its checks pass. The tolerances are derived from the
figures of the literature file (their ranges, the disagreement between two sources of the same
figure, the year a source dates an event), never from the model's output; docs/ODD.md §1.1
states each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from techbloc.analysis.load import groups
from techbloc.analysis.markets import CHINA_SHARE_2022
from techbloc.sim.observed import europe_iso3
from techbloc.sim.world import load_world

#: Dell'Oro's ranges of total telecom equipment revenue share, 2018-2023, in % (lit. §4b P1 and
#: the §3a table, grade [M]): the five vendors the model has.
P1_RANGES = {"huawei": (28.0, 31.0), "zte": (9.0, 11.0), "ericsson": (14.0, 16.0),
             "nokia": (14.0, 16.0), "samsung": (2.0, 3.0)}


def _p1_band() -> tuple[float, float]:
    """Huawei + ZTE over the five vendors, lowest and highest the P1 ranges allow."""
    west = ("ericsson", "nokia", "samsung")
    lo_cn = P1_RANGES["huawei"][0] + P1_RANGES["zte"][0]
    hi_cn = P1_RANGES["huawei"][1] + P1_RANGES["zte"][1]
    lo = lo_cn / (lo_cn + sum(P1_RANGES[v][1] for v in west))
    hi = hi_cn / (hi_cn + sum(P1_RANGES[v][0] for v in west))
    return round(lo, 3), round(hi, 3)


@dataclass(frozen=True)
class Pattern:
    """One validation pattern: the literature's figure, its source and the tolerance.

    Attributes:
        key: ``"P1"`` ... ``"P7"``.
        name: short name, printed by the hindcast.
        figure: what the literature file reports, with its confidence grade.
        source: the sections of the literature file (``lit. §3a``) the figure comes from.
        tolerance: the tolerance in words and where its width comes from.
        bounds: the numbers the checks use, by name (a pair is an inclusive ``(low, high)``).
    """

    key: str
    name: str
    figure: str
    source: str
    tolerance: str
    bounds: dict = field(default_factory=dict)


PATTERNS: dict[str, Pattern] = {p.key: p for p in (
    Pattern(
        "P1", "global vendor shares stable",
        "Huawei 28-31 %, Nokia and Ericsson 14-16 % each, ZTE 9-11 %, Samsung 2-3 % of total "
        "telecom equipment revenue 2018-2023, stable despite sanctions (Dell'Oro) [M]; China "
        "about 65 % of 5G infrastructure spending in 2020 (Omdia) [M], over 60 % of the "
        "world's 5G sites (MIIT, sim/data/observed)",
        "lit. §3a, §4b",
        "the China-bloc share of the five vendors' equipment revenue lies each year 2019-2023 "
        "in the band the five ranges allow ((28+9)/72 to (31+11)/72), and moves by no more "
        "than that band's width over the years; China holds 0.55-0.70 of the world's 5G "
        "sites at end-2022 (analysis/markets.py)",
        {"china_bloc_revenue_share": _p1_band(),
         "china_bloc_revenue_range": (0.0, round(_p1_band()[1] - _p1_band()[0], 3)),
         "china_site_share_2022": CHINA_SHARE_2022}),
    Pattern(
        "P2", "regional split",
        "Huawei first in Asia & Oceania, Middle East & Africa and Latin America, third in "
        "Europe, absent from North America's top 3, in 2023 (Omdia) [M]; China's market "
        "Huawei 58 % + ZTE 32 % in 1H2022 (Dell'Oro) [L], 86 % of China Mobile's 2020 5G "
        "tender (57.3 % + 28.7 %) [M]",
        "lit. §3a, §3b",
        "at end-2023: a first of five vendors holds more than 1/5, so the China-bloc share "
        "of East Asia & Pacific, MENA, Sub-Saharan Africa and Latin America is above 0.20; a "
        "third holds less than 1/3, plus ZTE's 7 % of European RAN (Strand 2020): Europe "
        "(EU, GBR, NOR, CHE) below 0.40 and below each of those regions; North America below "
        "0.03, Samsung's world share, the smallest of the top 5; China at end-2022 within "
        "0.90 ± 0.04, the gap between Dell'Oro's 0.90 and the tender's 0.86",
        {"first_region": (0.20, 1.0), "europe": (0.0, 0.40), "north_america": (0.0, 0.03),
         "china": (0.86, 0.94)}),
    Pattern(
        "P3", "slow European decline",
        "Chinese vendors' share in Europe: 51 % of users on 4G (2020), 41 % on 5G (2022) "
        "(Strand) [L/M], a crude 32 % of 5G sites (2024, unchanged since Q2 2022; Light "
        "Reading) [M]; Germany rose from 57 % (4G, 2020) to 59 % (5G RAN, 2022) [L/M]",
        "lit. §3b",
        "each year within 0.09 of the figure, the gap between the two measures of 2022 "
        "(Strand's 0.41 of users, Light Reading's 0.32 of sites), and lower in 2024 than in "
        "2020; Germany's 2022 share within 0.09 of 0.59 and not below its 2020 share",
        {"tolerance": 0.09, "europe": {2020: 0.51, 2022: 0.41, 2024: 0.32},
         "germany": {2020: 0.57, 2022: 0.59}}),
    Pattern(
        "P4", "policy cascade",
        "Australia, New Zealand, Japan, Taiwan and the US excluded Huawei by May 2019 "
        "[L/M]; the UK banned it in July 2020 [H/M]; 10 EU states had restricted high-risk "
        "suppliers by June 2023 (the Commission) [H/M]; stances follow security dependence "
        "on the US, not trade with the US (Christie et al. 2023, 70 states) [H, abstract]",
        "lit. §1c, §3d, §3i",
        "the early movers not open by the end of the quarter the source dates (2019Q2; the "
        "UK 2020Q4) in at least half of the replicates; the expected number of EU states not "
        "open at 2023Q2 between 10 (the Commission, unnamed) and 12 (the states the record "
        "names, sim/data/observed/SOURCES.md); Five Eyes above other US allies above the "
        "rest in P(not open) at 2024, each step above 0.1 (the literature gives the sign, "
        "not a size: the step is the earlier test's, kept), and exports to the US "
        "correlated below 0.3 with P(not open) among non-allies",
        {"early": {"USA": "2019Q2", "AUS": "2019Q2", "JPN": "2019Q2", "NZL": "2019Q2",
                   "GBR": "2020Q4"},
         "early_p": (0.5, 1.0), "eu_2023": (10.0, 12.0), "step": 0.1,
         "us_trade_corr": (-1.0, 0.3)}),
    Pattern(
        "P5", "devices vs networks",
        "Huawei 2021 over 2019 (annual reports): consumer revenue 243.4/467.3 = 0.52, "
        "carrier revenue 281.5/296.7 = 0.95 [M]; handsets 35M/240M = 0.15 (Omdia) [M]; "
        "2020 handsets 170M (TrendForce) or 190M (Omdia)",
        "lit. §3g",
        "each 2021/2019 ratio within 0.08 of the record: 20M of 2019's 240M handsets, the "
        "disagreement between the two sources of Huawei's 2020 handsets (the only device "
        "figure with two sources); consumer below carrier; Huawei's share relative to 2019 "
        "higher inside China than outside at the end",
        {"tolerance": round(20 / 240, 3),
         "observed": {"consumer": round(243.4 / 467.3, 3), "carrier": round(281.5 / 296.7, 3),
                      "smartphones": round(35 / 240, 3)}}),
    Pattern(
        "P6", "roll-out order",
        "East Asia and North America first, in 2019; Europe slower (5G penetration at end-2020 "
        "about 4 % in North America, 1 % in Europe) [M]; India from 2022 [H]; Sub-Saharan "
        "Africa below 1 % in 2023 [M]; mid-band 5G on about 25 % of the world's 4G sites in "
        "mid-2023 [H]",
        "lit. §3h",
        "the year each source dates: North America and East Asia & Pacific with 5G coverage by "
        "2019Q4; population-weighted coverage at 2020Q4 higher in both than in Europe & "
        "Central Asia, and there higher than in South Asia and Sub-Saharan Africa; India's "
        "first sites in 2022 (median replicate); Sub-Saharan Africa's coverage at 2023Q4 below "
        "the world's and below 0.25",
        {"india_first_year": (2022, 2022), "ssa_2023": (0.0, 0.25)}),
    Pattern(
        "P7", "cost of forced switching",
        "policy-driven swaps cost hundreds of millions to billions: UK up to £2bn [H/M], US "
        "$4.98bn needed (FCC) [H]; a whole-Europe ban €55bn (GSMA, interested party) [M]",
        "lit. §3d",
        "cumulative rip-and-replace cost by 2024Q4 (median replicate) between $1bn, the "
        "low end of the UK and US programmes, and $50bn, below GSMA's whole-Europe figure",
        {"cost_usd": (1e9, 5e10)}),
)}


def _check(name: str, value: float, lo: float, hi: float) -> dict:
    """One named check: ``lo <= value <= hi`` (NaN fails)."""
    value = float(value)
    return {"check": name, "value": round(value, 4) if np.isfinite(value) else value,
            "bounds": [lo, hi], "pass": bool(np.isfinite(value) and lo <= value <= hi)}


def _condition(name: str, ok: bool, value: str) -> dict:
    """One named direction check that has no single number (an ordering)."""
    return {"check": name, "value": value, "bounds": None, "pass": bool(ok)}


def europe_share(countries: pd.DataFrame, dates: list[str]) -> dict[str, float]:
    """Median over replicates of the site-weighted China-bloc share in Europe at each date.

    Europe is the EU (as of 2019) plus GBR, NOR and CHE, as in Strand Consult's series.
    """
    europe = europe_iso3()
    c = countries[countries["iso3"].astype(str).isin(europe)]
    out = {}
    for d in dates:
        at = c[c["date"] == d]
        per = at.assign(cn=at["china_share"] * at["sites"]).groupby("replicate")[
            ["cn", "sites"]].sum()
        out[d] = float((per["cn"] / per["sites"]).median()) if len(per) else float("nan")
    return out


def device_ratios(model: pd.DataFrame, start: int = 2019, end: int = 2021) -> dict[str, float]:
    """Huawei's consumer revenue, carrier revenue and handsets in ``end`` over ``start``.

    Yearly sums of the quarterly columns, per replicate, then the mean ratio over replicates.
    NaN where the table lacks the columns or the years.
    """
    cols = {"consumer": "huawei_consumer_revenue_usd", "carrier": "huawei_carrier_revenue_usd",
            "smartphones": "huawei_device_units"}
    if not set(cols.values()) <= set(model.columns):
        return dict.fromkeys(cols, float("nan"))
    year = model["date"].str[:4].astype(int)
    by = model.assign(year=year).groupby(["replicate", "year"])[list(cols.values())].sum()
    out = {}
    for name, col in cols.items():
        try:
            r = by[col].xs(end, level="year") / by[col].xs(start, level="year")
        except KeyError:
            r = pd.Series([float("nan")])
        out[name] = float(r.mean())
    return out


def _p_not_open(countries: pd.DataFrame, date: str) -> pd.Series:
    """Share of replicates in which each country is not open at ``date``."""
    at = countries[countries["date"] == date]
    return (at["policy"].astype(str) != "open").groupby(at["iso3"].astype(str)).mean()


def _region_share(countries: pd.DataFrame, date: str) -> pd.Series:
    """Site-weighted China-bloc share by World Bank region at ``date`` (all replicates)."""
    at = countries[countries["date"] == date]
    g = groups().astype({"iso3": str})[["iso3", "region"]]
    reg = at.assign(iso3=at["iso3"].astype(str), cn=at["china_share"] * at["sites"]).merge(
        g, on="iso3").groupby("region")[["cn", "sites"]].sum()
    return reg["cn"] / reg["sites"].where(reg["sites"] > 0)


def _country_share(countries: pd.DataFrame, iso: str, date: str) -> float:
    """Median over replicates of one country's China-bloc share at ``date``."""
    at = countries[(countries["date"] == date) & (countries["iso3"].astype(str) == iso)]
    return float(at["china_share"].median()) if len(at) else float("nan")


def _coverage(countries: pd.DataFrame, date: str) -> pd.Series:
    """Population-weighted 5G coverage by region at ``date``, with ``"World"`` added."""
    g = groups().astype({"iso3": str})[["iso3", "region", "population"]]
    at = countries[countries["date"] == date]
    at = at.assign(iso3=at["iso3"].astype(str)).merge(g, on="iso3")
    at = at.assign(w=at["coverage"] * at["population"])
    by = at.groupby("region")[["w", "population"]].sum()
    out = by["w"] / by["population"]
    out["World"] = float(by["w"].sum() / by["population"].sum()) if len(by) else np.nan
    return out


def _p1(model: pd.DataFrame, countries: pd.DataFrame, b: dict) -> list[dict]:
    vendors = list(P1_RANGES)
    m = model[model["date"].astype(str).str[:4].astype(int).between(2019, 2023)]
    year = m["date"].astype(str).str[:4].astype(int)
    rev = m.assign(year=year).groupby("year")[[f"revenue_share_{v}" for v in vendors]].mean()
    bloc = (rev["revenue_share_huawei"] + rev["revenue_share_zte"]) / rev.sum(axis=1)
    lo, hi = b["china_bloc_revenue_share"]
    out = [_check(f"china_bloc_revenue_share_{y}", v, lo, hi) for y, v in bloc.items()]
    out.append(_check("china_bloc_revenue_range", bloc.max() - bloc.min(),
                      *b["china_bloc_revenue_range"]))
    at = countries[countries["date"] == "2022Q4"]
    per = at.assign(cn=np.where(at["iso3"].astype(str) == "CHN", at["sites"], 0.0)).groupby(
        "replicate")[["cn", "sites"]].sum()
    chn = float((per["cn"] / per["sites"]).median()) if len(per) else float("nan")
    out.append(_check("china_site_share_2022", chn, *b["china_site_share_2022"]))
    return out


def _p2(countries: pd.DataFrame, b: dict) -> list[dict]:
    share = _region_share(countries, "2023Q4")
    europe = europe_share(countries, ["2023Q4"])["2023Q4"]
    first = ("East Asia & Pacific", "Middle East & North Africa", "Sub-Saharan Africa",
             "Latin America & Caribbean")
    out = [_check(f"first: {r}", share.get(r, np.nan), *b["first_region"]) for r in first]
    out.append(_check("europe_third", europe, *b["europe"]))
    out.append(_condition("europe_below_each_first_region",
                          all(europe < share.get(r, 0.0) for r in first),
                          f"Europe {europe:.2f} vs "
                          + ", ".join(f"{r} {share.get(r, np.nan):.2f}" for r in first)))
    out.append(_check("north_america", share.get("North America", np.nan),
                      *b["north_america"]))
    out.append(_check("china_2022", _country_share(countries, "CHN", "2022Q4"), *b["china"]))
    return out


def _p3(countries: pd.DataFrame, b: dict) -> list[dict]:
    tol = b["tolerance"]
    europe = europe_share(countries, [f"{y}Q4" for y in b["europe"]])
    out = [_check(f"europe_{y}", europe[f"{y}Q4"], round(v - tol, 3), round(v + tol, 3))
           for y, v in b["europe"].items()]
    out.append(_condition("europe_2024_below_2020", europe["2024Q4"] < europe["2020Q4"],
                          f"{europe['2024Q4']:.2f} < {europe['2020Q4']:.2f}"))
    de = {y: _country_share(countries, "DEU", f"{y}Q4") for y in b["germany"]}
    out.append(_check("germany_2022", de[2022], round(b["germany"][2022] - tol, 3),
                      round(b["germany"][2022] + tol, 3)))
    out.append(_condition("germany_2022_not_below_2020", de[2022] >= de[2020],
                          f"{de[2022]:.2f} >= {de[2020]:.2f}"))
    return out


def _p4(countries: pd.DataFrame, b: dict) -> list[dict]:
    out = []
    for iso, date in b["early"].items():
        p = _p_not_open(countries, date)
        out.append(_check(f"early: {iso} by {date}", p.get(iso, np.nan), *b["early_p"]))
    g = groups().astype({"iso3": str}).set_index("iso3")
    eu = list(g.index[g["eu"]])
    out.append(_check("eu_not_open_2023Q2",
                      _p_not_open(countries, "2023Q2").reindex(eu).fillna(0.0).sum(),
                      *b["eu_2023"]))
    p = _p_not_open(countries, "2024Q4").reindex(g.index).fillna(0.0)
    allied = g["us_treaty_ally"] | g["nato"] | g["five_eyes"]
    five = float(p[g["five_eyes"]].mean())
    allies = float(p[allied & ~g["five_eyes"]].mean())
    rest = float(p[~allied].mean())
    out.append(_condition("security_dependence_order",
                          five > allies + b["step"] and allies > rest + b["step"],
                          f"Five Eyes {five:.2f}, other allies {allies:.2f}, rest {rest:.2f}"))
    c = load_world().countries.assign(iso3=lambda d: d["iso3"].astype(str)).set_index("iso3")
    x = c["exports_to_us_share"].reindex(g.index)[~allied].to_numpy(float)
    y = p[~allied].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    r = float(np.corrcoef(x[ok], y[ok])[0, 1]) if ok.sum() > 2 and y[ok].std() > 0 else 0.0
    out.append(_check("us_trade_correlation", r, *b["us_trade_corr"]))
    return out


def _p5(model: pd.DataFrame, b: dict) -> list[dict]:
    sim = device_ratios(model)
    tol = b["tolerance"]
    out = [_check(f"{k}_2021_over_2019", sim[k], round(v - tol, 3), round(v + tol, 3))
           for k, v in b["observed"].items()]
    out.append(_condition("consumer_below_carrier", sim["consumer"] < sim["carrier"],
                          f"{sim['consumer']:.2f} < {sim['carrier']:.2f}"))
    rel = {}
    for where in ("china", "outside_china"):
        col = f"huawei_share_{where}"
        if col in model.columns:
            first = model[model["step"] == 0][col].mean()
            last = model[model["date"] == model["date"].max()][col].mean()
            rel[where] = float(last / first) if first > 0 else float("nan")
        else:
            rel[where] = float("nan")
    out.append(_condition("recovers_in_china_first", rel["china"] > rel["outside_china"],
                          f"China {rel['china']:.2f} > outside {rel['outside_china']:.2f}"))
    return out


def _p6(countries: pd.DataFrame, b: dict) -> list[dict]:
    c19, c20, c23 = (_coverage(countries, d) for d in ("2019Q4", "2020Q4", "2023Q4"))
    out = [_check(f"covered by 2019Q4: {r}", c19.get(r, np.nan), 1e-9, 1.0)
           for r in ("North America", "East Asia & Pacific")]
    europe = c20.get("Europe & Central Asia", np.nan)
    first = min(c20.get("North America", 0.0), c20.get("East Asia & Pacific", 0.0))
    last = max(c20.get("Sub-Saharan Africa", 1.0), c20.get("South Asia", 1.0))
    out.append(_condition("coverage_order_2020Q4", first > europe > last,
                          ", ".join(f"{k} {v:.2f}" for k, v in c20.items())))
    ind = countries[(countries["iso3"].astype(str) == "IND") & (countries["sites"] > 0)]
    first_q = ind.groupby("replicate")["date"].min().astype(str)
    year = float(first_q.str[:4].astype(int).median()) if len(first_q) else float("nan")
    out.append(_check("india_first_sites_year", year, *b["india_first_year"]))
    ssa = c23.get("Sub-Saharan Africa", np.nan)
    out.append(_check("ssa_coverage_2023Q4", ssa, *b["ssa_2023"]))
    out.append(_condition("ssa_below_world_2023Q4", ssa < c23["World"],
                          f"{ssa:.2f} < {c23['World']:.2f}"))
    return out


def _p7(model: pd.DataFrame, b: dict) -> list[dict]:
    at = model[model["date"] == "2024Q4"]
    cost = float(at["rip_replace_cost_usd"].median()) if len(at) else float("nan")
    return [_check("removal_cost_usd_2024Q4", cost, *b["cost_usd"])]


def _measured(checks: list[dict]) -> str:
    """The checks as one line: failing ones first, each with its value and bounds."""
    def one(c):
        v = c["value"]
        text = f"{v:.4g}" if isinstance(v, float) else str(v)
        if c["bounds"] is not None:
            lo, hi = c["bounds"]
            text += f" in [{lo:.4g}, {hi:.4g}]"
        return f"{'' if c['pass'] else 'FAILS '}{c['check']} {text}"

    return "; ".join(one(c) for c in sorted(checks, key=lambda c: c["pass"]))


def evaluate(model: pd.DataFrame, countries: pd.DataFrame | None,
             keys: tuple[str, ...] = tuple(PATTERNS)) -> list[dict]:
    """Score a 2019-2024 run (model and countries tables) on P1-P7.

    Args:
        model: the run's model table (every quarter 2019Q1-2024Q4, one row per replicate).
        countries: the run's countries table over the same quarters (not read by P5 and P7).
        keys: the patterns to score, in :data:`PATTERNS` order by default.

    Returns:
        One dict per pattern, in order: ``key``, ``pattern`` (``"P1 global vendor shares
        stable"``), ``pass`` (all checks pass), ``checks`` (name, value, bounds, pass),
        ``measured`` (the checks as one line, failing ones first), ``n_checks``, ``n_pass``,
        ``tolerance`` and ``source``.
    """
    runs = {"P1": lambda b: _p1(model, countries, b), "P2": lambda b: _p2(countries, b),
            "P3": lambda b: _p3(countries, b), "P4": lambda b: _p4(countries, b),
            "P5": lambda b: _p5(model, b), "P6": lambda b: _p6(countries, b),
            "P7": lambda b: _p7(model, b)}
    out = []
    for key in keys:
        pat = PATTERNS[key]
        checks = runs[key](pat.bounds)
        out.append({"key": key, "pattern": f"{key} {pat.name}",
                    "pass": all(c["pass"] for c in checks), "checks": checks,
                    "measured": _measured(checks), "n_checks": len(checks),
                    "n_pass": sum(c["pass"] for c in checks), "tolerance": pat.tolerance,
                    "source": pat.source})
    return out


def failing(result: dict) -> list[dict]:
    """The failing checks of one pattern's result (for test messages)."""
    return [c for c in result["checks"] if not c["pass"]]
