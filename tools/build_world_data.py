"""Build techbloc's embedded world data from Natural Earth and a hand-curated country table.

Reads two inputs:

* the Natural Earth 1:110m "admin 0 countries" layer (public domain, 2019 estimates of
  population and GDP) that ships inside ``geopandas`` 0.14.x as the
  ``naturalearth_lowres`` dataset (``geopandas.datasets.get_path`` was removed in 1.0, so the
  file is located inside the installed package, or given with ``--shapefile``);
* ``tools/world_facts.csv``, hand-curated: English short name, World Bank region and FY2020
  income group, EU/NATO accession years, Belt and Road MoU year, 2019 export shares to China
  and the US where known, and the Chinese-vendor share of 4G RAN where known; plus capital
  coordinates, population and GDP of the small states that have no Natural Earth polygon.

Writes (deterministically; re-running reproduces the files byte for byte):

* ``sim/data/countries.csv``: one row per country, columns as read by ``sim.world``;
* ``sim/data/world_110m.geojson``: simplified polygons (properties ``iso3`` and ``name`` only)
  of the countries that have a Natural Earth polygon. Small states are drawn as points at the
  ``lon``/``lat`` of ``countries.csv``.

Gaps are filled by documented estimates (see ``sim/data/SOURCES.md``): export shares by a
gravity model calibrated on the hand-entered shares of the same region, and the 4G share by a
regional prior. Alliance flags (Five Eyes, US treaty allies, MNNA, G20) are constants below.

Usage::

    python tools/build_world_data.py [--shapefile PATH] [--out sim/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "tools" / "world_facts.csv"
OUT = ROOT / "sim" / "data"

COLUMNS = [
    "iso3", "name", "region", "income_group", "lon", "lat", "population", "gdp_usd", "eu",
    "eu_left", "nato", "five_eyes", "intel_sharing", "us_treaty_ally", "mnna", "g20",
    "bri_mou_year",
    "exports_to_china_share", "exports_to_us_share", "trade_estimated", "china_4g_share",
    "china_4g_estimated",
]

REGIONS = {
    "EAP": "East Asia & Pacific", "ECA": "Europe & Central Asia",
    "LAC": "Latin America & Caribbean", "MNA": "Middle East & North Africa",
    "NAM": "North America", "SAS": "South Asia", "SSA": "Sub-Saharan Africa",
}
INCOME = {"H": "High income", "UM": "Upper middle income", "LM": "Lower middle income",
          "L": "Low income"}

# Natural Earth rows: codes to fix, polygons to merge into another country, rows to drop.
RECODE = {"Kosovo": "XKX", "France": "FRA", "Norway": "NOR"}  # iso_a3 is -99 in some NE versions
MERGE = {"CYN": "CYP", "SOL": "SOM"}  # N. Cyprus -> Cyprus (polygon only); Somaliland -> Somalia
DROP = {"ATA", "ATF", "ESH", "FLK"}  # Antarctica, Fr. S. Antarctic Lands, W. Sahara, Falklands

FIVE_EYES = {"USA", "GBR", "CAN", "AUS", "NZL"}
# SIGINT Seniors Europe ("Fourteen Eyes"): the Five Eyes and nine European partners.
INTEL_SHARING = FIVE_EYES | {"DNK", "FRA", "NLD", "NOR", "DEU", "BEL", "ITA", "ESP", "SWE"}
# Mutual-defence treaty with the US in 2019: NATO members of 2019, plus the bilateral/ANZUS
# allies. Rio Treaty parties deliberately 0 (see SOURCES.md). Puerto Rico (US territory) and
# Greenland (Kingdom of Denmark) follow their sovereign.
TREATY_NON_NATO = {"USA", "JPN", "KOR", "AUS", "NZL", "PHL", "THA", "PRI"}
# US Major Non-NATO Allies as designated by end-2019 (Taiwan treated as one by law).
MNNA = {"ARG", "AUS", "BHR", "BRA", "EGY", "ISR", "JPN", "JOR", "KWT", "MAR", "NZL", "PAK",
        "PHL", "KOR", "THA", "TUN", "AFG", "TWN"}
G20 = {"ARG", "AUS", "BRA", "CAN", "CHN", "FRA", "DEU", "IND", "IDN", "ITA", "JPN", "KOR",
       "MEX", "RUS", "SAU", "ZAF", "TUR", "GBR", "USA"}
TREATY_YEAR = 2019

# Regional priors for the Chinese-vendor (Huawei + ZTE) share of 4G RAN in 2019, used where
# world_facts.csv has no value. Basis in SOURCES.md.
C4G_PRIOR = {"SSA": 0.70, "MNA": 0.50, "LAC": 0.45, "SAS": 0.45, "EAP": 0.55, "ECA": 0.50,
             "NAM": 0.10}
FORMER_USSR = {"ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR",
               "UZB"}
C4G_PRIOR_FORMER_USSR = 0.60

# Gravity model for unknown export shares.
MIN_DISTANCE_KM = 500.0
MIN_CALIBRATION_ROWS = 3
SIMPLIFY_TOLERANCE_DEG = 0.2


def default_shapefile() -> Path:
    """The Natural Earth lowres shapefile bundled with geopandas 0.14.x."""
    return (Path(gpd.__file__).parent / "datasets" / "naturalearth_lowres"
            / "naturalearth_lowres.shp")


def largest_part(geom):
    """The largest polygon of a (multi)polygon, for a representative point on the main land."""
    if isinstance(geom, MultiPolygon):
        return max(geom.geoms, key=lambda g: g.area)
    return geom


def read_natural_earth(path: Path) -> gpd.GeoDataFrame:
    """Natural Earth rows with fixed codes, merged and dropped polygons, one row per iso3."""
    ne = gpd.read_file(path)
    ne["iso3"] = [RECODE.get(n, c) if c == "-99" or n in RECODE else c
                  for n, c in zip(ne["name"], ne["iso_a3"], strict=True)]
    if (ne["iso3"] == "-99").any():
        raise SystemExit(f"unmapped -99 codes: {ne.loc[ne['iso3'] == '-99', 'name'].tolist()}")
    ne = ne[~ne["iso3"].isin(DROP)].copy()
    rows = []
    for iso3, part in ne.groupby("iso3", sort=True):
        assert len(part) == 1, iso3
        rows.append(part.iloc[0])
    ne = gpd.GeoDataFrame(rows, crs=ne.crs).set_index("iso3", drop=False)
    for src, dst in MERGE.items():
        ne.loc[dst, "geometry"] = shapely.union(ne.loc[dst, "geometry"], ne.loc[src, "geometry"])
        if dst == "SOM":  # Somalia's WDI population and GDP include Somaliland
            ne.loc[dst, "pop_est"] += ne.loc[src, "pop_est"]
            ne.loc[dst, "gdp_md_est"] += ne.loc[src, "gdp_md_est"]
    ne = ne.drop(index=list(MERGE))
    return ne.sort_index()


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distances in km (numpy broadcasting)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def gravity_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Fill missing export shares: share_ij = (GDP_j / d_ij) / sum_k (GDP_k / d_ik), then
    multiplied by the median (known / gravity) ratio of the same region (global if < 3)."""
    lon, lat, gdp = (df[c].to_numpy(float) for c in ("lon", "lat", "gdp_usd"))
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    w = gdp[None, :] / np.maximum(d, MIN_DISTANCE_KM)
    np.fill_diagonal(w, 0.0)
    w /= w.sum(axis=1, keepdims=True)
    idx = {c: i for i, c in enumerate(df["iso3"])}
    out = df.copy()
    for col, partner in (("exports_to_china_share", "CHN"), ("exports_to_us_share", "USA")):
        raw = w[:, idx[partner]]
        known = out[col].notna() & (out["iso3"] != partner) & (out[col] > 0)
        ratio = pd.Series(out.loc[known, col].to_numpy() / raw[known.to_numpy()],
                          index=out.index[known])
        global_k = float(ratio.median())
        for _region, part in out.groupby("region"):
            r = ratio[ratio.index.isin(part.index)]
            k = float(r.median()) if len(r) >= MIN_CALIBRATION_ROWS else global_k
            fill = part.index[part[col].isna()]
            pos = [out.index.get_loc(i) for i in fill]
            out.loc[fill, col] = np.clip(raw[pos] * k, 0.001, 0.9)
    total = out["exports_to_china_share"] + out["exports_to_us_share"]
    scale = np.where(total > 0.95, 0.95 / total, 1.0)
    est = out["trade_estimated"].isna()
    out.loc[est, "exports_to_china_share"] *= scale[est.to_numpy()]
    out.loc[est, "exports_to_us_share"] *= scale[est.to_numpy()]
    out["trade_estimated"] = out["trade_estimated"].fillna(1).astype(int)
    return out


def china_4g(df: pd.DataFrame) -> pd.DataFrame:
    """Fill the 4G Chinese-vendor share from regional priors; estimated unless sourced."""
    out = df.copy()
    prior = [C4G_PRIOR_FORMER_USSR if iso in FORMER_USSR else C4G_PRIOR[reg]
             for iso, reg in zip(out["iso3"], out["region_code"], strict=True)]
    out["china_4g_share"] = out["china_4g_share"].fillna(pd.Series(prior, index=out.index))
    out["china_4g_estimated"] = (out["china_4g_sourced"] != 1).astype(int)
    return out


def build(shapefile: Path, out_dir: Path) -> None:
    """Write countries.csv and world_110m.geojson into ``out_dir``."""
    ne = read_natural_earth(shapefile)
    facts = pd.read_csv(FACTS, dtype={"iso3": str}, keep_default_na=True).set_index(
        "iso3", drop=False).sort_index()
    missing = sorted(set(ne.index) - set(facts.index))
    if missing:
        raise SystemExit(f"world_facts.csv lacks Natural Earth countries: {missing}")
    df = facts.copy()
    df["region_code"] = df["region"]
    df["region"] = df["region"].map(REGIONS)
    df["income_group"] = df["income"].map(INCOME)
    if df["region"].isna().any() or df["income_group"].isna().any():
        raise SystemExit("unknown region or income code in world_facts.csv")
    for iso3, row in ne.iterrows():
        pt = largest_part(row.geometry).representative_point()
        df.loc[iso3, "lon"], df.loc[iso3, "lat"] = pt.x, pt.y
        df.loc[iso3, "population"] = float(row.pop_est)
        df.loc[iso3, "gdp_usd"] = float(row.gdp_md_est) * 1e6
    added = df.index.difference(ne.index)
    lacking = [c for c in added if df.loc[c, ["lon", "lat", "population", "gdp_usd"]].isna().any()]
    if lacking:
        raise SystemExit(f"added states lack lon/lat/population/gdp: {lacking}")
    df = df.rename(columns={"exp_cn": "exports_to_china_share", "exp_us": "exports_to_us_share",
                            "trade_est": "trade_estimated"})
    df = gravity_shares(df)
    df = china_4g(df)
    nato = df["nato"]
    df["five_eyes"] = df["iso3"].isin(FIVE_EYES).astype(int)
    df["intel_sharing"] = df["iso3"].isin(INTEL_SHARING).astype(int)
    df["us_treaty_ally"] = (df["iso3"].isin(TREATY_NON_NATO)
                            | (nato.notna() & (nato <= TREATY_YEAR))).astype(int)
    df["mnna"] = df["iso3"].isin(MNNA).astype(int)
    df["g20"] = df["iso3"].isin(G20).astype(int)
    write_countries(df, out_dir / "countries.csv")
    write_geojson(ne, df, out_dir / "world_110m.geojson")


def _year(v) -> str:
    return "" if pd.isna(v) else str(int(v))


def write_countries(df: pd.DataFrame, path: Path) -> None:
    """countries.csv with fixed number formats (3-decimal coordinates and shares)."""
    lines = [",".join(COLUMNS)]
    for _, r in df.iterrows():
        name = f'"{r["name"]}"' if "," in r["name"] else r["name"]
        cells = {
            "iso3": r["iso3"], "name": name, "region": r["region"],
            "income_group": r["income_group"],
            "lon": f"{r['lon']:.3f}", "lat": f"{r['lat']:.3f}",
            "population": str(int(round(r["population"]))),
            "gdp_usd": str(int(round(r["gdp_usd"]))),
            "eu": _year(r["eu"]), "eu_left": _year(r["eu_left"]), "nato": _year(r["nato"]),
            "five_eyes": str(r["five_eyes"]),
            "intel_sharing": str(r["intel_sharing"]), "us_treaty_ally": str(r["us_treaty_ally"]),
            "mnna": str(r["mnna"]), "g20": str(r["g20"]), "bri_mou_year": _year(r["bri_mou_year"]),
            "exports_to_china_share": f"{r['exports_to_china_share']:.3f}",
            "exports_to_us_share": f"{r['exports_to_us_share']:.3f}",
            "trade_estimated": str(int(r["trade_estimated"])),
            "china_4g_share": f"{r['china_4g_share']:.2f}",
            "china_4g_estimated": str(int(r["china_4g_estimated"])),
        }
        lines.append(",".join(cells[c] for c in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _round(coords):
    if isinstance(coords, (float, int)):
        return round(float(coords), 3)
    return [_round(c) for c in coords]


def write_geojson(ne: gpd.GeoDataFrame, df: pd.DataFrame, path: Path) -> None:
    """Simplified polygons (shared borders kept consistent), coordinates rounded to 0.001 deg."""
    geoms = shapely.make_valid(np.asarray(ne.geometry.values, dtype=object))
    try:
        simple = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE_DEG)
    except (AttributeError, shapely.errors.GEOSException):  # shapely < 2.1 or invalid coverage
        simple = shapely.simplify(geoms, SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
    lines = ['{"type":"FeatureCollection","features":[']
    feats = []
    simple = shapely.set_precision(simple, 0.001)  # snap to the output grid; drops slivers
    for iso3, geom in zip(ne.index, simple, strict=True):
        polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)
                 and not g.is_empty and g.area > 0]
        geom = polys[0] if len(polys) == 1 else MultiPolygon(polys)
        gj = mapping(geom)
        gj = {"type": gj["type"], "coordinates": _round(json.loads(json.dumps(gj["coordinates"])))}
        feat = {"type": "Feature", "properties": {"iso3": iso3, "name": df.loc[iso3, "name"]},
                "geometry": gj}
        feats.append(json.dumps(feat, separators=(",", ":"), ensure_ascii=False))
    lines.append(",\n".join(feats))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapefile", type=Path, default=default_shapefile())
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    build(args.shapefile, args.out)
    print(f"wrote {args.out / 'countries.csv'} and {args.out / 'world_110m.geojson'}")


if __name__ == "__main__":
    main()
