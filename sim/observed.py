"""The observed record 2019-2024 (``sim/data/observed``): stances, vendor shares, contracts.

Read and validated here for the hindcast and calibration (issue 6); sources and codings are in
``sim/data/observed/SOURCES.md``. A malformed file raises :class:`~sim.errors.DataError` naming
the file, line and column.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim.csvread import _fail, _read_csv
from techbloc.sim.world import DATA, POLICIES, load_world

OBSERVED = DATA / "observed"
YEARS = tuple(range(2019, 2025))
#: Non-EU countries in Strand Consult's European series (lit. §3b), besides the EU of 2019.
EUROPE_EXTRA = ("GBR", "NOR", "CHE")
CONFIDENCE = ("H", "M", "L")


def read_stances(path: Path | None = None) -> pd.DataFrame:
    """Country stances at the end of each year 2019-2024, validated.

    Checks: known iso3, stance in open/restrict/ban, every year once per country, confidence
    grade, and ``first_measure_year`` equal to the first year not open (empty if none).

    Returns:
        Columns ``iso3, year, stance`` (ordered categorical), ``first_measure_year``,
        ``confidence``, ``source``, ``note``.
    """
    path = Path(path) if path else OBSERVED / "stances.csv"
    df = _read_csv(path, ("iso3", "year", "stance", "first_measure_year", "confidence", "source",
                          "note"), dtype=str, keep_default_na=False)
    known = set(load_world().countries["iso3"])
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in known:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r}")
        if r.stance not in POLICIES:
            raise _fail(path, row, "stance", f"expected one of {', '.join(POLICIES)}, "
                        f"found {r.stance!r}")
        if r.confidence not in CONFIDENCE:
            raise _fail(path, row, "confidence", f"expected H, M or L, found {r.confidence!r}")
        if not r.year.isdigit() or int(r.year) not in YEARS:
            raise _fail(path, row, "year", f"expected a year 2019-2024, found {r.year!r}")
    df["year"] = df["year"].astype(int)
    dup = np.flatnonzero(df.duplicated(["iso3", "year"]))
    if dup.size:
        i = int(dup[0])
        raise _fail(path, i, "year", f"{df['iso3'].iloc[i]} {df['year'].iloc[i]} given twice")
    for iso, g in df.groupby("iso3", sort=False):
        if sorted(g["year"]) != list(YEARS):
            raise _fail(path, int(g.index[0]), "year", f"{iso}: expected each year 2019-2024")
        not_open = g.loc[g["stance"] != "open", "year"]
        first = str(not_open.min()) if len(not_open) else ""
        stated = set(g["first_measure_year"])
        # A measure before 2019 (Australia 2018) shows as not open from 2019 on.
        ok = stated == {first} or (first == "2019" and len(stated) == 1
                                   and stated.pop() <= "2019")
        if not ok:
            raise _fail(path, int(g.index[0]), "first_measure_year",
                        f"{iso}: first_measure_year must match the first year not open ({first})")
    df["stance"] = pd.Categorical(df["stance"], categories=list(POLICIES), ordered=True)
    return df


def read_vendor_shares(path: Path | None = None) -> pd.DataFrame:
    """Dell'Oro total telecom equipment shares by year and vendor (fractions)."""
    path = Path(path) if path else OBSERVED / "vendor_shares.csv"
    df = _read_csv(path, ("year", "vendor", "share"))
    vendors = set(load_world().vendors.ids)
    for row, r in enumerate(df.itertuples(index=False)):
        if r.vendor not in vendors:
            raise _fail(path, row, "vendor", f"unknown vendor {r.vendor!r}")
        if not 0 <= r.share <= 1:
            raise _fail(path, row, "share", f"expected a fraction, found {r.share!r}")
    return df


def read_contracts(path: Path | None = None) -> pd.DataFrame:
    """Commercial 5G contracts claimed by vendors (lit. §3e), validated.

    Returns:
        Columns ``date`` (datetime), ``quarter`` (e.g. ``2019Q2``), ``vendor``, ``contracts``
        (int), ``source``, ``confidence``, ``note``.
    """
    path = Path(path) if path else OBSERVED / "contracts.csv"
    df = _read_csv(path, ("date", "vendor", "contracts", "source", "confidence", "note"),
                   dtype=str, keep_default_na=False)
    vendors = set(load_world().vendors.ids)
    dates = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    for row, r in enumerate(df.itertuples(index=False)):
        if pd.isna(dates.iloc[row]):
            raise _fail(path, row, "date", f"expected an ISO date YYYY-MM-DD, found {r.date!r}")
        if r.vendor not in vendors:
            raise _fail(path, row, "vendor", f"unknown vendor {r.vendor!r}; expected one of "
                        + ", ".join(sorted(vendors)))
        if not r.contracts.isdigit() or int(r.contracts) <= 0:
            raise _fail(path, row, "contracts",
                        f"expected a positive whole number, found {r.contracts!r}")
        if r.confidence not in CONFIDENCE:
            raise _fail(path, row, "confidence", f"expected H, M or L, found {r.confidence!r}")
    df["date"] = dates
    df["quarter"] = [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in dates]
    df["contracts"] = df["contracts"].astype(int)
    return df


def europe_iso3() -> set[str]:
    """The countries of the observed European Chinese-vendor series: EU (2019), GBR, NOR, CHE."""
    world = load_world()
    eu = world.memberships(2019)["eu"]
    return set(world.countries["iso3"][eu]) | set(EUROPE_EXTRA)


@functools.lru_cache(maxsize=1)
def stances() -> pd.DataFrame:
    """The shipped stances, read once per process."""
    return read_stances()


def read_huawei_segments(path: Path | None = None) -> pd.DataFrame:
    """Huawei's consumer and carrier segment revenue and smartphone units (pattern P5).

    Returns:
        Columns ``year, consumer_cny_bn, carrier_cny_bn, smartphones_m, confidence, source``,
        one row per reported year.

    Raises:
        DataError: a missing file or column, a non-positive figure or a repeated year, naming the
            file, line and column.
    """
    path = Path(path) if path else OBSERVED / "huawei_segments.csv"
    cols = ["year", "consumer_cny_bn", "carrier_cny_bn", "smartphones_m", "confidence", "source"]
    df = _read_csv(path, cols, dtype={"source": str, "confidence": str})
    # Consumer revenue is in every row; the carrier segment (merged into "ICT infrastructure"
    # from 2023) and smartphone units may be empty where not reported apart.
    for c in cols[1:4]:
        values = pd.to_numeric(df[c], errors="coerce")
        missing = df[c].isna() if c != "consumer_cny_bn" else np.zeros(len(df), bool)
        bad = np.flatnonzero(~(values > 0) & ~missing)
        if bad.size:
            raise _fail(path, int(bad[0]), c, f"expected a positive number, found "
                        f"{df[c].iloc[int(bad[0])]!r}")
        df[c] = values
    dup = np.flatnonzero(df["year"].duplicated())
    if dup.size:
        raise _fail(path, int(dup[0]), "year", f"year {df['year'].iloc[int(dup[0])]} given twice")
    return df[cols]


def _check_grades(path: Path, df: pd.DataFrame) -> None:
    known = set(load_world().countries["iso3"])
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in known:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        if r.confidence not in CONFIDENCE:
            raise _fail(path, row, "confidence", f"expected H, M or L, found {r.confidence!r}")


def read_launch_record(path: Path | None = None) -> pd.DataFrame:
    """Observed commercial 5G launch quarters (``launches_5g.csv``), validated.

    Returns:
        Columns ``iso3, launch`` (``2022Q4``, or empty when no launch by end-2024), ``year``
        (float, NaN if none), ``first_operator, confidence, source``; one row per country.

    Raises:
        DataError: unknown country, bad quarter or grade, or a country given twice.
    """
    from techbloc.sim.quarters import Quarter

    path = Path(path) if path else OBSERVED / "launches_5g.csv"
    df = _read_csv(path, ("iso3", "launch", "first_operator", "confidence", "source"),
                   dtype=str, keep_default_na=False)
    _check_grades(path, df)
    years = []
    for row, r in enumerate(df.itertuples(index=False)):
        if not r.launch:
            years.append(np.nan)
            continue
        try:
            q = Quarter.parse(r.launch)
        except ValueError:
            raise _fail(path, row, "launch", f"expected a quarter like 2022Q4 or empty, found "
                        f"{r.launch!r}") from None
        years.append(q.year + (q.q - 1) / 4)
    dup = np.flatnonzero(df["iso3"].duplicated())
    if dup.size:
        raise _fail(path, int(dup[0]), "iso3", f"{df['iso3'].iloc[int(dup[0])]} given twice")
    df["year"] = years
    return df


def read_ran_vendors(path: Path | None = None) -> pd.DataFrame:
    """5G RAN suppliers by country and operator (``ran_vendors.csv``), validated.

    A row with an empty ``operator`` describes a whole country; ``china_share`` (the China-bloc
    share of its RAN, a fraction) may be empty where only the suppliers are known.

    Returns:
        Columns ``iso3, operator, year, vendors`` (a list of vendor ids), ``china_share``
        (float, NaN if unknown), ``china`` (True if a China-bloc vendor is among the
        suppliers), ``confidence, source``.

    Raises:
        DataError: unknown country or vendor, a share outside [0, 1], a bad year or grade.
    """
    path = Path(path) if path else OBSERVED / "ran_vendors.csv"
    df = _read_csv(path, ("iso3", "operator", "year", "vendors", "china_share", "confidence",
                          "source"), dtype=str, keep_default_na=False)
    _check_grades(path, df)
    world = load_world()
    ids, china = list(world.vendors.ids), world.vendors.china
    lists, shares, has_cn = [], [], []
    for row, r in enumerate(df.itertuples(index=False)):
        if not r.year.isdigit() or not 2018 <= int(r.year) <= 2024:
            raise _fail(path, row, "year", f"expected a year 2018-2024, found {r.year!r}")
        vs = [v.strip() for v in r.vendors.split(";") if v.strip()]
        for v in vs:
            if v not in ids:
                raise _fail(path, row, "vendors", f"unknown vendor {v!r}; expected ids of "
                            "vendors.yaml separated by ';': " + ", ".join(ids))
        if not vs:
            raise _fail(path, row, "vendors", "expected at least one vendor")
        share = float("nan")
        if r.china_share:
            try:
                share = float(r.china_share)
            except ValueError:
                share = -1.0
            if not 0 <= share <= 1:
                raise _fail(path, row, "china_share", f"expected a fraction in [0, 1] or empty, "
                            f"found {r.china_share!r}")
        lists.append(vs)
        shares.append(share)
        has_cn.append(any(china[ids.index(v)] for v in vs))
    df["year"] = df["year"].astype(int)
    df["vendors"], df["china_share"], df["china"] = lists, shares, has_cn
    return df


def read_china_sites(path: Path | None = None) -> pd.DataFrame:
    """China's 5G base stations at each year's end (MIIT) and its stated share of the world's.

    Returns:
        Columns ``year, sites, world_share`` (NaN where none is stated),
        ``world_share_measure, confidence, source``.
    """
    path = Path(path) if path else OBSERVED / "china_5g_sites.csv"
    df = _read_csv(path, ("year", "sites", "world_share", "world_share_measure", "confidence",
                          "source"))
    for c in ("sites", "world_share"):
        values = pd.to_numeric(df[c], errors="coerce")
        bad = np.flatnonzero(~(values > 0) & df[c].notna())
        if bad.size or (c == "sites" and df[c].isna().any()):
            i = int(bad[0]) if bad.size else int(np.flatnonzero(df[c].isna())[0])
            raise _fail(path, i, c, f"expected a positive number, found {df[c].iloc[i]!r}")
    return df
