"""Run and sweep folders on disk: claimed by one writer, read back only after validation.

Writing: :func:`claim_run_folder` gives one process a folder (an exclusive lock file, created with
``O_EXCL``; a lock left by a dead process is taken over) and refuses a folder that already holds a
run unless ``overwrite``; files are written under unique temporary names (:func:`temp_name`) and
renamed into place; the manifest, written last, records each table's row count and SHA-256.

Reading: :func:`read_run` and :func:`read_sweep` (through
:func:`techbloc.sim.results.load_folder`) are the one reader of run and sweep folders. They check
the manifest (JSON object, kind, status, fields), each table (readable Parquet, expected columns,
the digest and seeds the manifest names) and raise :class:`~techbloc.sim.errors.DataError` naming
the file, what is wrong and what to do. Analysis reads folders through them, never through the
sweep runner.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from techbloc.sim.errors import DataError

LOCK = ".techbloc.lock"
KEYS = ("scenario", "replicate", "seed", "step", "date")
#: Columns a table must have to be read as that table (more are allowed).
REQUIRED = {
    "model": (*KEYS, "share_china", "n_open", "n_restrict", "n_ban", "sites_total"),
    "countries": (*KEYS, "iso3", "policy", "china_share", "sites", "coverage"),
    "devices": (*KEYS, "region", "firm", "unit_share"),
    "summary": ("point", "replicate", "seed"),
}
_HELD: set[str] = set()  # folders whose lock this process holds
RERUN = "the folder is damaged or was changed after the run; run it again into a new folder"


def safe_component(name: object, default: str = "run") -> str:
    """One safe path component made from a scenario name (``../../x`` -> ``x``).

    Letters, digits, ``_``, ``.`` and ``-`` are kept, any other run of characters becomes ``-``;
    leading dots and dashes are dropped, so the result never names a parent or hidden folder.
    """
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip(".-")[:80]
    return text or default


def utc_now() -> str:
    """The time now in UTC to the second, ISO 8601, as manifests record it."""
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_results_folder(kind: str, parent: str | Path = "results") -> Path:
    """A fresh default folder for a command's output: ``results/KIND-YYYYmmddTHHMMSSZ``.

    Two commands started within the same second get ``…Z``, ``…Z-2``, ``…Z-3`` (the first name
    not yet taken), so a second run is never refused for its default name.
    """
    import datetime as dt

    base = Path(parent) / f"{kind}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def temp_name(target: Path) -> Path:
    """A temporary name beside ``target``, unique to this process and call."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def write_atomic(target: Path, writer) -> None:
    """Write ``target`` by calling ``writer(temporary_path)``, then renaming it into place."""
    tmp = temp_name(target)
    try:
        writer(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def digest(file: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _make_dir(path: Path) -> None:
    check_out_folder(path)
    path.mkdir(parents=True, exist_ok=True)  # OSErrors (permission, not a dir) go to the caller


def check_out_folder(path: str | Path | None, writes: Iterable[str] = ()) -> None:
    """Refuse an output folder that cannot be one, before a command computes what goes in it.

    Args:
        path: the folder (``--out``), or None (a default folder: nothing to check).
        writes: the files the command writes there; given, a folder that already holds one of
            them (an earlier result, which would be replaced) or a run or sweep (its
            manifest.json: the command's files would be mixed into it) is refused.

    Raises:
        DataError: ``path`` is not a path, or it (or a folder above it) exists and is a file,
            or (with ``writes``) it holds an earlier result or a run or sweep.
    """
    if path is None:
        return
    if not isinstance(path, str | os.PathLike):
        raise DataError(f"expected a folder path, found {type(path).__name__} {path!r}",
                        key="out")
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise DataError("exists and is not a folder" if p == path else
                                f"{p} is a file, not a folder", file=str(path),
                                hint="choose another --out")
            break
    writes = list(writes)
    taken = [w for w in ("manifest.json", *writes) if writes and (path / w).exists()]
    if taken:
        raise DataError("holds a run or sweep (manifest.json); this command's files would be "
                        "mixed into it" if taken[0] == "manifest.json" else
                        f"already holds {', '.join(taken)} (an earlier result, which would be "
                        "replaced)", file=str(path),
                        hint="choose another --out, or remove the folder first")


def output_file(path: str | Path | None, default: Path, suffixes: Iterable[str] = ()) -> Path:
    """The file a picture or report is written to: ``path``, or ``default`` if None.

    Args:
        path: the file the user named (``-o``), or None.
        default: the file written when ``path`` is None.
        suffixes: the endings the writer can produce (``png``, ``csv``); a name with another
            ending is refused, one without an ending is left to the writer.

    Raises:
        DataError: ``path`` is an existing folder (a file name is expected) or ends in a suffix
            the writer cannot produce.
    """
    out = Path(path) if path else default
    if out.is_dir():
        raise DataError(f"is a folder; expected a file name (like {default.name})",
                        file=str(out), key="--output")
    kinds = sorted({s.lower() for s in suffixes})
    if kinds and out.suffix and out.suffix[1:].lower() not in kinds:
        raise DataError(f"cannot write a {out.suffix} file here; expected a name ending in "
                        + ", ".join(f".{s}" for s in kinds), file=str(out), key="--output")
    return out


def _take_lock(path: Path) -> int:
    """Take ``path``'s lock file with a POSIX record lock (``lockf``); its descriptor.

    The kernel releases the lock when its process ends, however it ends, so a lock left by a
    dead process is simply free; unlike ``flock`` it is not inherited by forked children, so a
    sweep's workers outliving a killed parent do not hold the folder. A holder removes the file
    before it lets go; a process that opened the file before the removal and locks it after
    finds the name gone or pointing to a newer file, and tries again. (A lock by the file's
    existence alone had to judge its owner dead from a pid it read, and a holder's release
    between that read and the takeover let two processes in: 83 clashes in 9,000 takes of
    tests/test_folder_lock.py, once in a CI run.)

    Raises:
        DataError: another live process holds the folder.
    """
    lock = path / LOCK
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DataError(f"folder is being written by another techbloc process "
                            f"(pid {text or '?'})", file=str(path),
                            hint="choose another --out, or wait until it finishes") from None
        try:
            current = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            return fd
        os.close(fd)  # the holder removed it as we locked it: take the new one


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[Path]:
    """Hold ``path``'s lock file while the block runs: one writer per folder.

    Re-entrant in one process. A lock whose process is gone is taken over.

    Raises:
        DataError: another live process holds the folder.
    """
    path = Path(path)
    _make_dir(path)
    key = str(path.resolve())
    if key in _HELD:
        yield path
        return
    fd = _take_lock(path)
    _HELD.add(key)
    try:
        yield path
    finally:
        _HELD.discard(key)
        (path / LOCK).unlink(missing_ok=True)  # while still held: a waiter sees it gone
        os.close(fd)


RUN_FILES = ("manifest.json", "model.parquet", "countries.parquet", "devices.parquet",
             "adoption.png", "map.png")


@contextlib.contextmanager
def claim_run_folder(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Claim a run folder for one run: lock it and refuse (or, with ``overwrite``, clear) a run.

    Raises:
        DataError: the path is a file, another process writes the folder, it holds a sweep, or
            it holds a run and ``overwrite`` is false.
    """
    if str(Path(path).resolve()) in _HELD:  # claimed already by this process (run, then save)
        yield Path(path)
        return
    with locked(path) as path:
        if (path / "runs").is_dir() or (path / "summary.parquet").exists():
            raise DataError("folder holds a sweep (runs/); a run never replaces a sweep, even "
                            "with --overwrite", file=str(path), hint="choose another --out")
        held = [f for f in RUN_FILES if (path / f).exists()]
        if held and not overwrite:
            raise DataError(f"folder already holds a run ({', '.join(held[:3])})",
                            file=str(path), hint="choose another --out, or pass --overwrite "
                            "to replace it")
        for f in held:
            (path / f).unlink()
        yield path


# --------------------------------------------------------------------------- reading
def read_manifest(path: str | Path) -> dict:
    """The manifest of a run or sweep folder, as a dict.

    Raises:
        DataError: not a path, no such folder, no manifest, or a manifest that is not a JSON
            object.
    """
    if not isinstance(path, str | os.PathLike):
        raise DataError(f"expected a folder path, found {type(path).__name__} {path!r}")
    path = Path(path)
    if not path.exists():
        raise DataError("folder not found", file=str(path))
    if not path.is_dir():
        raise DataError("not a folder; expected a run or sweep folder", file=str(path))
    f = path / "manifest.json"
    if not f.is_file():
        raise DataError("not a run folder or sweep folder (no manifest.json)", file=str(path),
                        hint="give a folder written by 'techbloc run' or 'techbloc sweep'")
    try:
        doc = json.loads(f.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(f"manifest is not valid JSON ({e.msg})", file=str(f), line=e.lineno,
                        column=e.colno, hint=RERUN) from None
    except UnicodeDecodeError:
        raise DataError("manifest is not UTF-8 text", file=str(f), hint=RERUN) from None
    if not isinstance(doc, dict):
        raise DataError(f"manifest is a JSON {type(doc).__name__}, expected an object",
                        file=str(f), hint=RERUN)
    return doc


def _field(manifest: dict, key: str, kind: type, file: Path):
    value = manifest.get(key)
    if not isinstance(value, kind):
        raise DataError(f"manifest field malformed: expected {kind.__name__}, found "
                        f"{type(value).__name__}", file=str(file), key=key, hint=RERUN)
    return value


def read_table(file: Path, what: str, sha256: str | None = None) -> pd.DataFrame:
    """A Parquet table of a folder, checked against the manifest's digest and its columns.

    Raises:
        DataError: missing, changed since written, unreadable, or without the table's columns.
    """
    if not file.is_file():
        raise DataError(f"{what} table missing", file=str(file), hint=RERUN)
    if sha256 and digest(file) != sha256:
        raise DataError(f"{what} table does not match the manifest (replaced or changed after "
                        "the run)", file=str(file), hint=RERUN)
    try:
        df = pd.read_parquet(file)
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
        raise DataError(f"cannot read the {what} table ({reason})", file=str(file),
                        hint=RERUN) from None
    missing = [c for c in REQUIRED.get(what, ()) if c not in df.columns]
    if missing:
        raise DataError(f"not a {what} table: columns missing: {', '.join(missing[:5])}",
                        file=str(file), hint=RERUN)
    return df


def read_run(path: str | Path) -> tuple[dict, dict[str, pd.DataFrame | None]]:
    """A complete run folder's manifest and tables (model, countries, devices), validated.

    :func:`techbloc.sim.results.load_results` wraps them as Results. ``devices`` is None for a
    folder written before device makers existed.

    Raises:
        DataError: see :func:`read_manifest` and :func:`read_table`; also a run that did not
            complete, or tables whose seeds or scenario differ from the manifest's.
    """
    manifest = read_manifest(path)
    path = Path(path)
    mf = path / "manifest.json"
    if "techbloc_sweep" in manifest:
        raise DataError("a sweep folder, not a run folder", file=str(path),
                        hint="sweep folders support 'plot --kind heatmap' and 'sensitivity'")
    if manifest.get("status") != "complete":
        raise DataError(f"run did not complete (status: {manifest.get('status')!r})",
                        file=str(mf), key="status",
                        hint="run it again; an interrupted run keeps no tables")
    scenario = _field(manifest, "scenario", dict, mf)
    replicates = _field(manifest, "replicates", list, mf)
    tables_meta = manifest.get("tables") or {}
    if not isinstance(tables_meta, dict):
        raise DataError("manifest field malformed", file=str(mf), key="tables", hint=RERUN)
    seeds = {r.get("seed") for r in replicates if isinstance(r, dict)}
    tables = {}
    for name in ("model", "countries", "devices"):
        f = path / f"{name}.parquet"
        meta = tables_meta.get(name) if isinstance(tables_meta.get(name), dict) else {}
        if name == "devices" and not f.exists() and not meta:
            tables[name] = None  # run folders from before device makers
            continue
        df = read_table(f, name, meta.get("sha256"))
        if "rows" in meta and len(df) != meta["rows"]:
            raise DataError(f"{name} table has {len(df)} rows, the manifest says "
                            f"{meta['rows']}", file=str(f), hint=RERUN)
        if len(df) and seeds and set(df["seed"].unique().tolist()) != seeds:
            raise DataError(f"{name} table holds other seeds than the manifest's replicates",
                            file=str(f), hint=RERUN)
        if len(df) and "name" in scenario and set(df["scenario"].astype(str)) != {
                str(scenario["name"])}:
            raise DataError(f"{name} table is of another scenario than the manifest's "
                            f"({scenario['name']!r})", file=str(f), hint=RERUN)
        tables[name] = df
    return manifest, tables


@dataclass
class SweepResult:
    """A finished sweep: its folder and one summary row per run."""

    path: Path
    summary: pd.DataFrame
    manifest: dict

    def runs(self) -> pd.DataFrame:
        """All runs' model tables, concatenated (reads runs/; can be large)."""
        files = sorted((self.path / "runs").glob("p*-r*.parquet"))
        if not files:
            raise DataError("no run tables in runs/", file=str(self.path / "runs"))
        return pd.concat([read_table(f, "model") for f in files], ignore_index=True)


def read_sweep(path: str | Path) -> SweepResult:
    """A finished sweep folder, validated.

    Raises:
        DataError: not a sweep folder, unfinished, a malformed manifest or summary table.
    """
    manifest = read_manifest(path)
    path = Path(path)
    mf = path / "manifest.json"
    if "techbloc_sweep" not in manifest:
        raise DataError("not a sweep folder (a run folder?)", file=str(path),
                        hint="run folders support 'plot --kind curves|policy|map|countries' "
                        "and 'report'")
    spec = _field(manifest, "sweep", dict, mf)
    for key, kind in (("factors", list), ("design", str)):
        _field(spec, key, kind, mf)
    points = _field(manifest, "points", list, mf)
    _field(manifest, "n_points", int, mf)
    s = path / "summary.parquet"
    if not s.exists():
        raise DataError(f"sweep not finished (status: {manifest.get('status')!r})",
                        file=str(mf), key="status", hint=f"resume it with --resume {path}")
    summary = read_table(s, "summary")
    names = [f.get("key") for f in spec["factors"] if isinstance(f, dict)]
    missing = [n for n in names if f"in:{n}" not in summary.columns]
    if missing:
        raise DataError(f"not a sweep summary: input column 'in:{missing[0]}' missing",
                        file=str(s), hint=RERUN)
    n = manifest.get("n_complete")
    if isinstance(n, int) and len(summary) != n:
        raise DataError(f"summary has {len(summary)} rows, the manifest says {n} runs",
                        file=str(s), hint=RERUN)
    if len(points) != manifest["n_points"]:
        raise DataError("manifest lists another number of points than n_points", file=str(mf),
                        key="points", hint=RERUN)
    return SweepResult(path, summary, manifest)
