"""The results schema and the run folder (DESIGN §4): the only place that names output columns.

During a run the model fills preallocated arrays; this module turns them into tidy frames with
fixed dtypes and writes and reads run folders: ``manifest.json`` (written first with status
``running`` and rewritten at the end, so an interrupted run never looks complete),
``model.parquet``, ``countries.parquet`` and ``devices.parquet``. Claiming, atomic writes and
validated reading are in :mod:`techbloc.sim.folders`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim.errors import DataError
from techbloc.sim.folders import (
    claim_run_folder,
    digest,
    read_manifest,
    read_run,
    read_sweep,
    write_atomic,
)
from techbloc.sim.world import MARKETS, POLICIES

KEYS = ("scenario", "replicate", "seed", "step", "date")
POLICY_DTYPE = pd.CategoricalDtype(list(POLICIES), ordered=True)

#: Units of the model-level columns (vendor columns: share_<v>, quality_<v>, ...).
MODEL_UNITS = {
    "sites_total": "5G sites (site equivalents)",
    "share_china": "share of 5G sites from China-bloc vendors",
    "n_open": "countries", "n_restrict": "countries", "n_ban": "countries",
    "coverage": "population-weighted share of 5G site targets built",
    "rip_replace_cost_usd": "USD, cumulative",
    "polarization": "population-weighted mean |2·x_i − 1|, x_i the China-bloc share of the "
                    "network in service (5G where built, else the 4G base)",
    "world_split": "share of world GDP in majority China-bloc networks",
    "export_controls": "lever u", "ally_pressure": "lever g", "bri_discount": "lever b",
    "secondary_sanctions": "lever σ", "rip_replace_subsidy": "lever: share of removal cost",
    "cooperation": "lever c", "retaliation": "lever r", "operator_noise": "lever μ (utility)",
    "share_": "share of 5G sites", "quality_": "quality index", "dependence_": "share of inputs",
    "revenue_share_": "share of the quarter's equipment revenue",
    "contracts_": "operators holding a 5G contract with the vendor",
    "huawei_consumer_revenue_usd": "USD per quarter: handsets of Huawei and the makers it owns "
                                   "(Honor until its sale) plus its other consumer devices at "
                                   "their 2019 level",
    "huawei_carrier_revenue_usd": "USD per quarter: the 2019 carrier revenue times Huawei's "
                                  "network revenue share relative to 2019",
    "huawei_device_units": "handsets per quarter (Huawei and the makers it owns)",
    "huawei_share_china": "Huawei's share of handsets sold in China",
    "huawei_share_outside_china": "Huawei's share of handsets sold outside China",
    "own_os_share": "share of the world's handsets sold this quarter on a maker's own OS",
    "own_os_quality": "ecosystem quality of the own OS (GMS = 1)",
    "android_cutoff": "lever A",
    "enterprise_adoption": "GDP-weighted share of firms using 5G-era services",
    "enterprise_china_share": "GDP-weighted China-bloc share among adopting firms",
    "enterprise_china_": "GDP-weighted share of the region's firms on China-bloc services",
    "enterprise_west_": "GDP-weighted share of the region's firms on west-bloc services",
    "device_share_": "share of the world's handsets sold this quarter",
}
COUNTRY_UNITS = {
    "policy": "open | restrict | ban",
    "china_share": "share of the country's 5G sites from China-bloc vendors (0 before launch)",
    "sites": "5G sites", "coverage": "share of the site target built",
    "alignment": "−1 China … +1 US",
    "enterprise_china_share": "China-bloc share of the country's adopting firms (0 if none)",
    "enterprise_adoption": "share of the country's firms using 5G-era services",
}
DEVICE_UNITS = {"region": "handset market (China apart; World = all)",
                "firm": "device maker id (sim/data/devices.csv)",
                "unit_share": "share of the market's handsets sold this quarter"}
REGION_LABELS = tuple(label for _, label in MARKETS) + ("World",)


def _keys(scenario: str, replicate: int, seed: int, dates: list[str], n_rows_each: int = 1):
    n = len(dates) * n_rows_each
    return {
        "scenario": pd.Series([scenario] * n, dtype="string"),
        "replicate": np.full(n, replicate, dtype=np.int32),
        "seed": np.full(n, seed, dtype=np.int64),
        "step": np.repeat(np.arange(len(dates), dtype=np.int32), n_rows_each),
        "date": pd.Series(np.repeat(dates, n_rows_each), dtype="string"),
    }


def model_frame(model, scenario: str, replicate: int) -> pd.DataFrame:
    """One replicate's model-level table: one row per step."""
    steps = model.t
    dates = [str(model.start + i) for i in range(steps)]
    cols = _keys(scenario, replicate, model.seed, dates)
    for name, values in model.rec_model.items():
        cols[name] = values[:steps].astype(np.float64)
    return pd.DataFrame(cols)


def countries_frame(model, scenario: str, replicate: int) -> pd.DataFrame:
    """One replicate's country table: one row per (step, iso3)."""
    steps, n_c = model.t, model.n_countries
    dates = [str(model.start + i) for i in range(steps)]
    cols = _keys(scenario, replicate, model.seed, dates, n_c)
    cols["iso3"] = pd.Series(np.tile(model.world.countries["iso3"].to_numpy(), steps),
                             dtype="string")
    rc = model.rec_country
    cols["policy"] = pd.Categorical.from_codes(rc["policy"][:steps].ravel(),
                                               dtype=POLICY_DTYPE)
    for name in ("china_share", "sites", "coverage", "alignment", "enterprise_china_share",
                 "enterprise_adoption"):
        if name in rc:
            cols[name] = rc[name][:steps].ravel().astype(np.float64)
    return pd.DataFrame(cols)


def devices_frame(model, scenario: str, replicate: int) -> pd.DataFrame:
    """One replicate's device table: one row per (step, region, firm) with the unit share."""
    steps = model.t
    d = getattr(model, "devices", None)
    if d is None:
        return empty_devices()
    n_r, n_f = len(REGION_LABELS), len(d.ids)
    dates = [str(model.start + i) for i in range(steps)]
    cols = _keys(scenario, replicate, model.seed, dates, n_r * n_f)
    cols["region"] = pd.Categorical(np.tile(np.repeat(np.arange(n_r), n_f), steps),
                                    categories=range(n_r)).rename_categories(REGION_LABELS)
    cols["firm"] = pd.Series(np.tile(np.array(d.ids, dtype=object), steps * n_r), dtype="string")
    cols["unit_share"] = model.rec_devices[:steps].ravel().astype(np.float64)
    return pd.DataFrame(cols)


def empty_devices() -> pd.DataFrame:
    """A device table with no rows (a world without device data, or an old run folder)."""
    return pd.DataFrame({k: pd.Series(dtype=t) for k, t in (
        ("scenario", "string"), ("replicate", np.int32), ("seed", np.int64), ("step", np.int32),
        ("date", "string"), ("region", pd.CategoricalDtype(list(REGION_LABELS))),
        ("firm", "string"), ("unit_share", np.float64))})


@dataclass
class Results:
    """The tables of a run, as written to and read from a run folder.

    Attributes:
        model: one row per (scenario, replicate, step).
        countries: one row per (scenario, replicate, step, iso3).
        devices: one row per (scenario, replicate, step, region, firm): handset unit shares.
        manifest: what was run and how (scenario, seeds, versions, status).
        path: the run folder, once saved.
    """

    model: pd.DataFrame
    countries: pd.DataFrame
    manifest: dict = field(default_factory=dict)
    path: Path | None = None
    devices: pd.DataFrame = field(default_factory=empty_devices)

    def summary(self, date: str | None = None) -> list[str]:
        """Three lines for the terminal: global China-bloc share, policies, split and cost."""
        m = self.model
        date = date or m["date"].iloc[-1]
        at = m[m["date"] == date]
        q = at["share_china"].quantile([0.05, 0.5, 0.95]).to_numpy()
        pol = dict(zip(("n_open", "n_restrict", "n_ban"), _round_to_total(
            at[["n_open", "n_restrict", "n_ban"]].mean().to_numpy()), strict=True))
        n_countries = sum(pol.values())
        cost = at["rip_replace_cost_usd"].median() / 1e9
        split = at["world_split"].median()
        return [
            f"China-bloc share of 5G sites at {date}: {q[1]:.1%} (90% band {q[0]:.1%}-{q[2]:.1%}),"
            f" {len(at)} replicates",
            f"countries open / restrict / ban: {pol['n_open']} / {pol['n_restrict']} / "
            f"{pol['n_ban']} of {n_countries} (means over replicates, rounded to add up)",
            f"world GDP on majority China-bloc networks: {split:.1%}; "
            f"rip-and-replace cost so far: ${cost:.1f}bn (medians)",
        ]

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the tables and a completed manifest into ``path`` (created if needed).

        The folder is claimed first (see :func:`techbloc.sim.folders.claim_run_folder`): a folder
        holding another run is refused unless ``overwrite``. Tables are written under unique
        temporary names; the manifest, written last, records their row counts and digests.
        """
        with claim_run_folder(path, overwrite) as path:
            tables = {}
            for name in ("model", "countries", "devices"):
                target = path / f"{name}.parquet"
                df = getattr(self, name)
                write_atomic(target, lambda tmp, df=df: df.to_parquet(tmp, index=False,
                                                                       engine="pyarrow"))
                tables[name] = {"rows": len(df), "sha256": digest(target)}
            self.manifest["status"] = "complete"
            self.manifest["tables"] = tables
            write_manifest(path, self.manifest)
        self.path = path
        return path


def _round_to_total(x) -> list[int]:
    """Non-negative numbers rounded to integers that add up to their rounded sum.

    The largest
    remainders get the spare units), so three policy counts add up to the country count.
    """
    import numpy as np

    x = np.asarray(x, dtype=float)
    low = np.floor(x).astype(int)
    spare = int(round(x.sum())) - int(low.sum())
    order = np.argsort(-(x - low), kind="stable")
    low[order[:spare]] += 1
    return [int(v) for v in low]


def write_manifest(path: Path, manifest: dict) -> None:
    """Write ``manifest.json`` atomically (unique temporary name, then rename)."""
    text = json.dumps(manifest, indent=2, default=str) + "\n"
    write_atomic(Path(path) / "manifest.json", lambda tmp: tmp.write_text(text))


def load_results(path: str | Path) -> Results:
    """Read a run folder written by :meth:`Results.save`, validated.

    Raises:
        DataError: the folder, a table or the manifest is missing or damaged, the tables do not
            match the manifest, or the run did not complete (see :mod:`techbloc.sim.folders`).
    """
    manifest, t = read_run(path)
    devices = t["devices"] if t["devices"] is not None else empty_devices()
    return Results(t["model"], t["countries"], manifest, Path(path), devices)


def load_folder(path: str | Path):
    """A run folder as Results or a sweep folder as SweepResult, validated: the one reader.

    Raises:
        DataError: not a path, not a run or sweep folder, unfinished, or damaged (naming the file,
            what is wrong and what to do).
    """
    if not isinstance(path, str | os.PathLike):
        raise DataError(f"expected a folder path, found {type(path).__name__} {path!r}")
    manifest = read_manifest(path)
    return read_sweep(path) if "techbloc_sweep" in manifest else load_results(path)


def environment() -> dict:
    """Versions of techbloc, Python and key packages, and the git commit when known."""
    versions = {"python": platform.python_version()}
    for pkg in ("techbloc", "mesa", "numpy", "pandas", "pyarrow", "matplotlib"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    commit = None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False)
        commit = out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"versions": versions, "git_commit": commit, "platform": platform.platform()}
