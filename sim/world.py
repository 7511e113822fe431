"""The embedded world: countries, vendors and initial policies from ``sim/data``, as arrays.

:func:`load_world` reads and validates the shipped files once (cached); a bad file raises
:class:`~sim.errors.DataError` naming the file, row and column. :func:`make_operators` draws the
synthetic operators of one replicate from the country priors (real overrides where
``operators.csv`` has them), deterministically given the replicate's ``world`` random stream.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from techbloc.sim.csvread import _fail, _read_csv
from techbloc.sim.errors import DataError
from techbloc.sim.policy_data import read_declarations, read_frontline

DATA = Path(str(resources.files("techbloc.sim") / "data"))

POLICIES = ("open", "restrict", "ban")
REGIONS = (
    "East Asia & Pacific", "Europe & Central Asia", "Latin America & Caribbean",
    "Middle East & North Africa", "North America", "South Asia", "Sub-Saharan Africa",
)
#: Short names of the regions, for column names (``enterprise_china_eca``).
REGION_SLUGS = {
    "East Asia & Pacific": "eap", "Europe & Central Asia": "eca",
    "Latin America & Caribbean": "lac", "Middle East & North Africa": "mena",
    "North America": "na", "South Asia": "sa", "Sub-Saharan Africa": "ssa",
}
#: Handset markets (slug, label): China apart from the rest of its region, then the regions.
MARKETS = (("china", "China"),) + tuple(
    (slug, name + (" excl. China" if slug == "eap" else "")) for name, slug in REGION_SLUGS.items())
INCOME_GROUPS = ("High income", "Upper middle income", "Lower middle income", "Low income")

# Security ties s_i (DESIGN §5.1): Five Eyes 1.0, NATO / US treaty ally 0.7, major non-NATO ally
# 0.4, none 0. The ordering follows Christie et al. 2023's security-dependence scale.
SECURITY_TIES = {"five_eyes": 1.0, "treaty": 0.7, "mnna": 0.4}
# The two hubs: their alignment is fixed at the pole of their own bloc (they are the blocs).
HUBS = {"USA": 1.0, "CHN": -1.0}
# Weights of the peer network (who watches whom): co-members of an alliance, then region.
PEER_WEIGHTS = {"five_eyes": 2.0, "nato": 1.0, "eu": 1.0, "treaty": 0.5, "region": 0.5}

_COUNTRY_COLUMNS = {
    "iso3": "str", "name": "str", "region": "str", "income_group": "str",
    "lon": "float", "lat": "float", "population": "float", "gdp_usd": "float",
    "eu": "year", "eu_left": "year", "nato": "year", "five_eyes": "flag",
    "intel_sharing": "flag",
    "us_treaty_ally": "flag", "mnna": "flag", "g20": "flag", "bri_mou_year": "year",
    "exports_to_china_share": "share", "exports_to_us_share": "share", "trade_estimated": "flag",
    "china_4g_share": "share", "china_4g_estimated": "flag",
}


@dataclass(frozen=True)
class Vendors:
    """The vendors as arrays indexed by vendor position.

    Attributes:
        ids: vendor ids (``huawei``...).
        names: display names.
        china: True for China-bloc vendors.
        bloc_sign: +1 for west, −1 for china (bloc(v) in the alignment term).
        price: price index p_v (Ericsson = 1).
        quality: initial quality q_v.
        dependence: initial US-input dependence d_v.
        targeted: True where US export controls apply.
        base_share: 2017 mobile-infrastructure shares, normalised within each bloc's total.
        equipment_share_2019: Dell'Oro 2019 total-equipment shares (calibration target).
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    china: np.ndarray
    bloc_sign: np.ndarray
    price: np.ndarray
    quality: np.ndarray
    dependence: np.ndarray
    targeted: np.ndarray
    base_share: np.ndarray
    equipment_share_2019: np.ndarray


@dataclass(frozen=True)
class World:
    """Countries, vendors and initial policies (immutable; the model copies what it changes).

    Attributes:
        countries: the validated countries table (one row per iso3, file order).
        vendors: the vendors.
        policy0: initial policy code per country (0 open, 1 restrict, 2 ban).
        locked: True for countries whose policy is set outside the decision rule (USA, CHN).
        operators: the real operator overrides table.
        launch: observed first 5G launch as quarters after 2019Q1 (−1 where not recorded).
        devices: the handset makers and markets (None for a world built without them).
        plan_density: 5G base stations per 1000 people of a state-planned roll-out
            (``rollout_plans.csv``), NaN where a country has no plan (None: no file).
        plan_launch: the plan's launch as quarters after 2019Q1, −1 where no plan.
        frontline: 1.0 for frontline states (``frontline.csv``: facing a military threat from
            Russia or China in 2019), else 0; None for a world built without the file.
        covered: share of mobile sites with covered equipment outside the operators' 4G mix
            (``covered_equipment.csv``), else 0; None for a world built without the file.
        declared: the quarter (:attr:`Quarter.index`) from which a country's US 5G security
            declaration counts (``us_5g_declarations.csv``), +inf where none (§7.5).
    """

    countries: pd.DataFrame
    vendors: Vendors
    policy0: np.ndarray
    locked: np.ndarray
    operators: pd.DataFrame
    launch: np.ndarray
    devices: Devices | None = None
    plan_density: np.ndarray | None = None
    plan_launch: np.ndarray | None = None
    frontline: np.ndarray | None = None
    covered: np.ndarray | None = None
    declared: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_countries(self) -> int:
        """Number of countries."""
        return len(self.countries)

    def codes(self) -> tuple[str, ...]:
        """The countries' iso3 codes in array order (cached: reading the column is slow)."""
        key = ("codes",)
        if key not in self._cache:
            self._cache[key] = tuple(self.countries["iso3"].tolist())
        return self._cache[key]

    def column(self, name: str) -> np.ndarray:
        """A numeric column of the countries table as a read-only array (cached)."""
        key = ("column", name)
        if key not in self._cache:
            values = self.countries[name].to_numpy(dtype=float).copy()
            values.flags.writeable = False
            self._cache[key] = values
        return self._cache[key]

    def member(self, column: str, year: int) -> np.ndarray:
        """Membership of an organisation in ``year`` from an accession-year column."""
        joined = self.countries[column].to_numpy(dtype=float)
        member = np.nan_to_num(joined, nan=np.inf) <= year
        if column == "eu":
            left = self.countries["eu_left"].to_numpy(dtype=float)
            member &= ~(np.nan_to_num(left, nan=np.inf) <= year)
        return member

    def memberships(self, year: int) -> dict[str, np.ndarray]:
        """Membership masks in ``year`` of every organisation in :data:`ORGANISATIONS`."""
        key = ("members", year)
        if key not in self._cache:
            c = self.countries
            self._cache[key] = {
                "eu": self.member("eu", year),
                "nato": self.member("nato", year),
                "five_eyes": c["five_eyes"].to_numpy() == 1,
                "intel_sharing": c["intel_sharing"].to_numpy() == 1,
                "us_treaty_ally": c["us_treaty_ally"].to_numpy() == 1,
                "mnna": c["mnna"].to_numpy() == 1,
                "bri": self.member("bri_mou_year", year),
            }
        return self._cache[key]

    def ties(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Security ties and peer weights in ``year``, computed once per world and year."""
        key = ("ties", year)
        if key not in self._cache:
            self._cache[key] = ties_from(self.memberships(year), self.countries["region"])
        return self._cache[key]


#: Organisations a scenario's ``membership`` events can change.
ORGANISATIONS = ("eu", "nato", "five_eyes", "intel_sharing", "us_treaty_ally", "mnna", "bri")


def ties_from(members: dict[str, np.ndarray], region: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Security ties s_i and row-normalised peer weights W from membership masks.

    s_i: Five Eyes 1.0, NATO or US treaty ally 0.7, major non-NATO ally 0.4, none 0.
    W[i, j]: weighted co-membership of Five Eyes, NATO, EU and treaty alliances plus a shared
    World Bank region; zero diagonal; rows sum to 1 (0 for a country with no peer).
    """
    treaty = members["us_treaty_ally"] | members["nato"]
    s = np.where(members["mnna"], SECURITY_TIES["mnna"], 0.0)
    s = np.where(treaty, SECURITY_TIES["treaty"], s)
    s = np.where(members["five_eyes"], SECURITY_TIES["five_eyes"], s)
    groups = {"five_eyes": members["five_eyes"], "nato": members["nato"], "eu": members["eu"],
              "treaty": members["us_treaty_ally"]}
    n = len(s)
    w = np.zeros((n, n))
    for name, m in groups.items():
        w += PEER_WEIGHTS[name] * np.outer(m, m)
    reg = region.to_numpy()
    w += PEER_WEIGHTS["region"] * (reg[:, None] == reg[None, :])
    np.fill_diagonal(w, 0.0)
    rows = w.sum(axis=1, keepdims=True)
    return s, np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)


def read_countries(path: Path) -> pd.DataFrame:
    """Read and validate ``countries.csv``.

    Raises:
        DataError: missing file or column, unparseable value, value out of range, duplicate or
            malformed iso3, unknown region or income group; naming file, line and column.
    """
    df = _read_csv(path, _COUNTRY_COLUMNS, dtype=str, keep_default_na=False)
    out = {}
    for col, kind in _COUNTRY_COLUMNS.items():
        raw = df[col].str.strip()
        if kind == "str":
            bad = np.flatnonzero(raw == "")
            if bad.size:
                raise _fail(path, int(bad[0]), col, "empty value; expected text")
            out[col] = raw.to_numpy(dtype=object)
            continue
        values = pd.to_numeric(raw.where(raw != "", None), errors="coerce").to_numpy(float)
        unparsed = np.flatnonzero(np.isnan(values) & (raw != "").to_numpy())
        if unparsed.size:
            i = int(unparsed[0])
            raise _fail(path, i, col, f"cannot read {raw.iloc[i]!r} as a number")
        if kind in ("float", "share", "flag"):
            empty = np.flatnonzero(np.isnan(values))
            if empty.size:
                raise _fail(path, int(empty[0]), col, f"empty value; expected a {kind}")
        bounds = {"share": (0, 1), "flag": (0, 1), "year": (1900, 2100),
                  "population": (1, 2e9), "gdp_usd": (1, 1e14)}  # 1e14: above world GDP
        lo, hi = bounds.get(col, bounds.get(kind, (-np.inf, np.inf)))
        if col == "lon":
            lo, hi = -180, 180
        if col == "lat":
            lo, hi = -90, 90
        bad = np.flatnonzero(~np.isnan(values) & ~(np.isfinite(values) & (values >= lo)
                                                   & (values <= hi)))
        if kind == "flag":
            bad = np.union1d(bad, np.flatnonzero(~np.isin(values, (0, 1))))
        if bad.size:
            i = int(bad[0])
            raise _fail(path, i, col, f"value {raw.iloc[i]!r} out of range [{lo}, {hi}]")
        out[col] = values
    df = pd.DataFrame(out)
    bad_iso = np.flatnonzero(~df["iso3"].str.fullmatch(r"[A-Z]{3}"))
    if bad_iso.size:
        i = int(bad_iso[0])
        raise _fail(path, i, "iso3", f"{df['iso3'].iloc[i]!r} is not a 3-letter code")
    dup = np.flatnonzero(df["iso3"].duplicated())
    if dup.size:
        i = int(dup[0])
        raise _fail(path, i, "iso3", f"duplicate country {df['iso3'].iloc[i]!r}")
    for col, allowed in (("region", REGIONS), ("income_group", INCOME_GROUPS)):
        bad = np.flatnonzero(~df[col].isin(allowed))
        if bad.size:
            i = int(bad[0])
            raise _fail(path, i, col, f"unknown value {df[col].iloc[i]!r}; expected one of "
                        + ", ".join(allowed))
    over = np.flatnonzero(df["exports_to_china_share"] + df["exports_to_us_share"] > 1)
    if over.size:
        raise _fail(path, int(over[0]), "exports_to_us_share",
                    "export shares to China and the US sum to more than 1")
    return df


def read_vendors(path: Path) -> Vendors:
    """Read and validate ``vendors.yaml``.

    Raises:
        DataError: missing file, missing field, wrong bloc or value out of range.
    """
    if not path.exists():
        raise DataError("file not found", file=str(path), hint="reinstall techbloc")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=str(path)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise DataError(f"not valid YAML ({getattr(e, 'problem', None) or e})".replace("\n", " "),
                        file=str(path), line=mark.line + 1 if mark else None) from None
    rows = doc.get("vendors") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not rows:
        raise DataError("expected a top-level 'vendors:' list", file=str(path), key="vendors")
    fields = {"id": str, "name": str, "bloc": str, "price": float, "quality": float,
              "us_input_dependence": float, "targeted": bool, "mobile_infra_share_2017": float,
              "equipment_share_2019": float}
    for i, row in enumerate(rows):
        for f, kind in fields.items():
            key = f"vendors[{i}].{f}"
            if not isinstance(row, dict) or f not in row:
                raise DataError("field missing", file=str(path), key=key)
            v = row[f]
            ok = isinstance(v, bool) if kind is bool else (
                isinstance(v, str) if kind is str else
                isinstance(v, int | float) and not isinstance(v, bool))
            if not ok:
                raise DataError(f"expected {kind.__name__}, found {v!r}", file=str(path), key=key)
        if row["bloc"] not in ("china", "west"):
            raise DataError(f"bloc must be 'china' or 'west', found {row['bloc']!r}",
                            file=str(path), key=f"vendors[{i}].bloc")
        for f in ("us_input_dependence", "mobile_infra_share_2017", "equipment_share_2019"):
            if not 0 <= row[f] <= 1:  # also refuses NaN
                raise DataError(f"expected a share in [0, 1], found {row[f]!r}",
                                file=str(path), key=f"vendors[{i}].{f}")
        for f in ("price", "quality"):
            if not (np.isfinite(row[f]) and row[f] > 0):
                raise DataError(f"expected a positive finite number, found {row[f]!r}",
                                file=str(path), key=f"vendors[{i}].{f}")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise DataError("duplicate vendor id", file=str(path), key="vendors.id")
    china = np.array([r["bloc"] == "china" for r in rows])
    if china.all() or not china.any():
        raise DataError("need at least one vendor in each bloc", file=str(path), key="vendors")
    share = np.array([r["mobile_infra_share_2017"] for r in rows], dtype=float)
    for mask in (china, ~china):  # within-bloc split of an installed base
        share[mask] = share[mask] / share[mask].sum()
    return Vendors(
        ids=tuple(ids), names=tuple(r["name"] for r in rows), china=china,
        bloc_sign=np.where(china, -1.0, 1.0),
        price=np.array([r["price"] for r in rows], dtype=float),
        quality=np.array([r["quality"] for r in rows], dtype=float),
        dependence=np.array([r["us_input_dependence"] for r in rows], dtype=float),
        targeted=np.array([r["targeted"] for r in rows]),
        base_share=share,
        equipment_share_2019=np.array([r["equipment_share_2019"] for r in rows], dtype=float),
    )


def read_policies(path: Path, iso3: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Initial policies (``policy_2019.csv``) as codes per country, and the locked mask."""
    df = _read_csv(path, ("iso3", "policy", "locked"), dtype=str, keep_default_na=False)
    dup = np.flatnonzero(df["iso3"].duplicated())
    if dup.size:
        i = int(dup[0])
        raise _fail(path, i, "iso3", f"{df['iso3'].iloc[i]!r} appears twice")
    index = {code: i for i, code in enumerate(iso3)}
    policy = np.zeros(len(iso3), dtype=np.int8)
    locked = np.zeros(len(iso3), dtype=bool)
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in index:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        if r.policy not in POLICIES:
            raise _fail(path, row, "policy", f"unknown policy {r.policy!r}; expected one of "
                        + ", ".join(POLICIES))
        if r.locked not in ("0", "1"):
            raise _fail(path, row, "locked", f"expected 0 or 1, found {r.locked!r}")
        policy[index[r.iso3]] = POLICIES.index(r.policy)
        locked[index[r.iso3]] = r.locked == "1"
    return policy, locked


def read_covered(path: Path, iso3: pd.Series) -> np.ndarray:
    """Covered equipment (``covered_equipment.csv``): locations / mobile sites, else 0 (§7.7)."""
    out = np.zeros(len(iso3))
    if not path.exists():
        return out
    df = _read_csv(path, ("iso3", "covered_locations", "mobile_sites", "locations_year",
                          "sites_year", "programme", "source"), dtype=str, keep_default_na=False)
    index = {code: i for i, code in enumerate(iso3)}
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in index or out[index[r.iso3]]:
            raise _fail(path, row, "iso3", f"{r.iso3!r} appears twice" if r.iso3 in index
                        else f"unknown country {r.iso3!r} (not in countries.csv)")
        for c, lo, hi in (("covered_locations", 1, 10**9), ("mobile_sites", 1, 10**9),
                          ("locations_year", 2000, 2024), ("sites_year", 2000, 2024)):
            text = getattr(r, c)
            if not (text.isdigit() and lo <= int(text) <= hi):
                want = "a positive whole number" if lo == 1 else "a year in 2000-2024"
                raise _fail(path, row, c, f"expected {want}, found {text!r}")
        if int(r.covered_locations) > int(r.mobile_sites):
            raise _fail(path, row, "covered_locations", f"{r.covered_locations} covered "
                        f"locations exceed the {r.mobile_sites} mobile sites")
        out[index[r.iso3]] = int(r.covered_locations) / int(r.mobile_sites)
    return out


def read_operators(path: Path, iso3: pd.Series) -> pd.DataFrame:
    """Real operator overrides (``operators.csv``); an empty table if the file is absent."""
    cols = ["iso3", "operator", "market_share", "china_4g_share"]
    if not path.exists():
        return pd.DataFrame(columns=cols)
    df = _read_csv(path, cols, keep_default_na=True)
    for c in ("market_share", "china_4g_share"):
        raw = df[c]
        num = pd.to_numeric(raw, errors="coerce")
        bad = np.flatnonzero(num.isna() & raw.notna())
        if bad.size:
            i = int(bad[0])
            raise _fail(path, i, c, f"cannot read {raw.iloc[i]!r} as a number")
        df[c] = num
    known = set(iso3)
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in known:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        if not 0 < r.market_share <= 1:
            raise _fail(path, row, "market_share", f"expected a share in (0, 1], found "
                        f"{r.market_share!r}")
        if not (np.isnan(r.china_4g_share) or 0 <= r.china_4g_share <= 1):
            raise _fail(path, row, "china_4g_share", f"expected a share in [0, 1], found "
                        f"{r.china_4g_share!r}")
    sums = df.groupby("iso3")["market_share"].sum()
    off = sums[(sums - 1).abs() > 0.02]
    if len(off):
        raise DataError(f"market shares of {off.index[0]} sum to {off.iloc[0]:.3f}, expected 1",
                        file=str(path), key="market_share")
    counts = df.groupby("iso3").size()
    if (counts > 4).any():
        raise DataError(f"{counts.idxmax()} has {counts.max()} operators; at most 4",
                        file=str(path), key="iso3")
    return df[cols].reset_index(drop=True)


def load_world(data_dir: str | Path | None = None) -> World:
    """Load and validate the world from ``data_dir`` (default: the shipped ``sim/data``).

    The shipped world is cached: each process reads the files once.
    """
    return _load_world(str(Path(data_dir) if data_dir else DATA))


@functools.lru_cache(maxsize=4)
def _load_world(data_dir: str) -> World:
    root = Path(data_dir)
    countries = read_countries(root / "countries.csv")
    vendors = read_vendors(root / "vendors.yaml")
    policy0, locked = read_policies(root / "policy_2019.csv", countries["iso3"])
    operators = read_operators(root / "operators.csv", countries["iso3"])
    launch = read_launches(root / "launch_5g.csv", countries["iso3"])
    devices = read_devices(root / "devices.csv", root / "handset_markets.csv", vendors.ids)
    density, plan_launch = read_plans(root / "rollout_plans.csv", countries["iso3"])
    frontline = read_frontline(root / "frontline.csv", countries["iso3"])
    covered = read_covered(root / "covered_equipment.csv", countries["iso3"])
    declared = read_declarations(root / "us_5g_declarations.csv", countries["iso3"])
    return World(countries, vendors, policy0, locked, operators, launch, devices, density,
                 plan_launch, frontline=frontline, covered=covered, declared=declared)


def read_plans(path: Path, iso3: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """State-planned 5G roll-outs (``rollout_plans.csv``).

    Returns:
        (sites per 1000 people, NaN where no plan; the plan's launch as quarters after 2019Q1,
        −1 where no plan).

    Raises:
        DataError: an unknown or repeated country, a density that is not a positive number or
            a launch that is not a quarter from 2019Q1.
    """
    from techbloc.sim.quarters import Quarter

    out = np.full(len(iso3), np.nan)
    launch = np.full(len(iso3), -1, dtype=np.int64)
    if not path.exists():
        return out, launch
    df = _read_csv(path, ("iso3", "sites_per_1000", "launch", "target_year", "confidence",
                          "source"), dtype=str, keep_default_na=False)
    index = {code: i for i, code in enumerate(iso3)}
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in index:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        try:
            density = float(r.sites_per_1000)
        except ValueError:
            density = float("nan")
        if not density > 0:
            raise _fail(path, row, "sites_per_1000", f"expected a positive number, found "
                        f"{r.sites_per_1000!r}")
        if not np.isnan(out[index[r.iso3]]):
            raise _fail(path, row, "iso3", f"{r.iso3} given twice")
        try:
            q = Quarter.parse(r.launch)
        except ValueError:
            q = None
        if q is None or q < Quarter(2019, 1):
            raise _fail(path, row, "launch", f"expected a quarter from 2019Q1 like 2019Q4, "
                        f"found {r.launch!r}")
        out[index[r.iso3]] = density
        launch[index[r.iso3]] = q - Quarter(2019, 1)
    return out, launch


def read_launches(path: Path, iso3: pd.Series) -> np.ndarray:
    """Observed 5G launch quarters (``launch_5g.csv``) as quarters after 2019Q1, −1 if absent."""
    from techbloc.sim.quarters import Quarter

    out = np.full(len(iso3), -1, dtype=np.int64)
    if not path.exists():
        return out
    df = _read_csv(path, ("iso3", "launch"), dtype=str, keep_default_na=False)
    index = {code: i for i, code in enumerate(iso3)}
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in index:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        try:
            q = Quarter.parse(r.launch)
        except ValueError as e:
            raise _fail(path, row, "launch", str(e)) from None
        if q < Quarter(2019, 1):
            raise _fail(path, row, "launch", f"{q} is before the world's start, 2019Q1")
        out[index[r.iso3]] = q - Quarter(2019, 1)
    return out


# --------------------------------------------------------------------------- handset makers
@dataclass(frozen=True)
class Devices:
    """The handset makers and handset markets as arrays (docs/ODD.md §2.6, §7.8).

    Attributes:
        ids: device-maker ids (``huawei``, ``honor``, ...), used in output columns.
        names: display names.
        china: True for makers headquartered in China.
        listed: True for makers on the US Entity List (Huawei, from 2019-05-16).
        parent: index of the maker's parent, −1 if none (Honor belonged to Huawei until 2020).
        independent_from: quarters after 2019Q1 from which the maker may leave its parent (a
            large number if never).
        vendor: index of the network vendor whose R&D the maker's revenue feeds, −1 if none.
        platform: index of the maker's own operating system in ``platforms``, −1 if none.
        platforms: ids of the own operating systems (``harmonyos``).
        asp: average selling price, USD per handset.
        gms_dependence: share of a handset's appeal that rests on Google Mobile Services.
        chip_dependence: share of critical chips under US export jurisdiction.
        consumer_revenue_2019: reported 2019 consumer revenue, USD (NaN where not used).
        carrier_revenue_2019: reported 2019 carrier-network revenue, USD (NaN where not used).
        share: 2019 unit share, markets × makers (rows sum to 1), markets in :data:`MARKETS`.
        market_units: 2019 smartphone units sold per market.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    china: np.ndarray
    listed: np.ndarray
    parent: np.ndarray
    independent_from: np.ndarray
    vendor: np.ndarray
    platform: np.ndarray
    platforms: tuple[str, ...]
    asp: np.ndarray
    gms_dependence: np.ndarray
    chip_dependence: np.ndarray
    consumer_revenue_2019: np.ndarray
    carrier_revenue_2019: np.ndarray
    share: np.ndarray
    market_units: np.ndarray


_DEVICE_COLUMNS = ("id", "name", "home", "listed", "parent", "independent_from", "vendor",
                   "own_os", "asp_usd", "gms_dependence", "us_chip_dependence",
                   "consumer_revenue_2019_usd", "carrier_revenue_2019_usd",
                   *(f"share_{slug}" for slug, _ in MARKETS))
NEVER = 10_000  # quarters: a parent link that never ends


def _numbers(path: Path, df: pd.DataFrame, col: str, lo: float, hi: float,
             empty_ok: bool = False) -> np.ndarray:
    """A numeric column, every value in [lo, hi]; a located DataError otherwise."""
    raw = df[col].str.strip()
    values = pd.to_numeric(raw.where(raw != "", None), errors="coerce").to_numpy(float)
    for i, (text, v) in enumerate(zip(raw, values, strict=True)):
        if text == "" and empty_ok:
            continue
        if np.isnan(v):
            what = "empty value" if text == "" else f"cannot read {text!r} as a number"
            raise _fail(path, i, col, f"{what}; expected a number in [{lo:g}, {hi:g}]")
        if not lo <= v <= hi:
            raise _fail(path, i, col, f"value {text!r} out of range [{lo:g}, {hi:g}]")
    return values


def read_devices(path: Path, markets_path: Path, vendor_ids: Iterable[str]) -> Devices:
    """Read and validate ``devices.csv`` and ``handset_markets.csv``.

    Raises:
        DataError: a missing file or column, a value that is not a number or out of range, a
            duplicate id, an unknown parent or vendor, a market whose shares do not sum to 1, or
            a market missing from ``handset_markets.csv``; naming file, line and column.
    """
    from techbloc.sim.quarters import Quarter

    df = _read_csv(path, _DEVICE_COLUMNS, dtype=str, keep_default_na=False)
    ids = df["id"].str.strip()
    for col in ("id", "name"):
        bad = np.flatnonzero(df[col].str.strip() == "")
        if bad.size:
            raise _fail(path, int(bad[0]), col, "empty value; expected text")
    dup = np.flatnonzero(ids.duplicated())
    if dup.size:
        raise _fail(path, int(dup[0]), "id", f"duplicate device maker {ids.iloc[int(dup[0])]!r}")
    bad = np.flatnonzero(~df["home"].isin(("china", "other")))
    if bad.size:
        i = int(bad[0])
        raise _fail(path, i, "home", f"expected 'china' or 'other', found {df['home'].iloc[i]!r}")
    listed = _numbers(path, df, "listed", 0, 1)
    bad = np.flatnonzero(~np.isin(listed, (0, 1)))
    if bad.size:
        raise _fail(path, int(bad[0]), "listed", "expected 0 or 1")
    index = {x: i for i, x in enumerate(ids)}
    vendors = {v: k for k, v in enumerate(vendor_ids)}
    parent = np.full(len(df), -1, dtype=np.int64)
    vendor = np.full(len(df), -1, dtype=np.int64)
    independent = np.full(len(df), NEVER, dtype=np.int64)
    for i, r in enumerate(df.itertuples(index=False)):
        if r.parent:
            if r.parent not in index or r.parent == r.id:
                raise _fail(path, i, "parent", f"unknown parent {r.parent!r} (not another id)")
            parent[i] = index[r.parent]
        if r.independent_from:
            try:
                independent[i] = Quarter.parse(r.independent_from) - Quarter(2019, 1)
            except ValueError as e:
                raise _fail(path, i, "independent_from", str(e)) from None
        if r.vendor:
            if r.vendor not in vendors:
                raise _fail(path, i, "vendor", f"unknown network vendor {r.vendor!r}; expected "
                            "one of " + ", ".join(vendors))
            vendor[i] = vendors[r.vendor]
    if (parent[parent[parent >= 0]] >= 0).any():
        raise DataError("a parent has a parent itself; one level only", file=str(path),
                        key="parent")
    platforms = tuple(dict.fromkeys(x for x in df["own_os"].str.strip() if x))
    platform = np.array([platforms.index(x) if x else -1 for x in df["own_os"].str.strip()],
                        dtype=np.int64)
    share = np.stack([_numbers(path, df, f"share_{slug}", 0, 1) for slug, _ in MARKETS])
    for m, (slug, _) in enumerate(MARKETS):
        if abs(share[m].sum() - 1) > 1e-6:
            raise DataError(f"unit shares sum to {share[m].sum():.4f}, expected 1",
                            file=str(path), key=f"share_{slug}")
    mk = _read_csv(markets_path, ("market", "units_2019"), dtype=str, keep_default_na=False)
    units = dict(zip(mk["market"].str.strip(), _numbers(markets_path, mk, "units_2019", 1, 1e10),
                     strict=True))
    missing = [slug for slug, _ in MARKETS if slug not in units]
    if missing:
        raise DataError(f"market {missing[0]!r} missing; expected one row for each of "
                        + ", ".join(s for s, _ in MARKETS), file=str(markets_path),
                        key="market")
    return Devices(
        ids=tuple(ids), names=tuple(df["name"].str.strip()),
        china=(df["home"] == "china").to_numpy(), listed=listed == 1,
        parent=parent, independent_from=independent, vendor=vendor, platform=platform,
        platforms=platforms,
        asp=_numbers(path, df, "asp_usd", 1, 1e5),
        gms_dependence=_numbers(path, df, "gms_dependence", 0, 1),
        chip_dependence=_numbers(path, df, "us_chip_dependence", 0, 1),
        consumer_revenue_2019=_numbers(path, df, "consumer_revenue_2019_usd", 0, 1e13, True),
        carrier_revenue_2019=_numbers(path, df, "carrier_revenue_2019_usd", 0, 1e13, True),
        share=share, market_units=np.array([units[slug] for slug, _ in MARKETS]),
    )
