"""A sweep folder's run files: where each run is written, and which finished runs are this sweep's.

Every finished run is one file, ``runs/p<point>-r<replicate>.parquet``, with its one-row summary
(point, replicate, seed, the point's values) in the file's metadata (:func:`sim.sweeps.execute`).
A resume, or a sweep started with ``--out`` on a folder that already holds run files, keeps a
file only if it is this sweep's: its name is the run its summary names, that run is in the
design, and its seed and values are the design's. A file of another sweep (copied in, or left by
a sweep of another file) is refused naming it, never mixed into the summary; a file that cannot
be read (a partial copy, a full disk) is removed and its run runs again, with a note. A resume
also refuses a base scenario edited since the sweep started (its horizon, values or events),
though the sweep file's own hash is unchanged.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from pathlib import Path

from techbloc.sim.errors import SweepError

#: What of the base scenario a run depends on (its name, title and where it was found do not).
RUN_KEYS = ("horizon", "params", "events")


class SweepNote(UserWarning):
    """A note on a sweep folder (``techbloc: note: ...`` on the command line)."""


def run_file(runs_dir: Path, point: int, replicate: int) -> Path:
    """Where a run's table is written."""
    return runs_dir / f"p{point:06d}-r{replicate:04d}.parquet"


def read_finished(runs_dir: Path) -> dict[tuple[int, int], dict]:
    """Summaries of the finished runs on disk (metadata only; partial temporary files ignored).

    A file whose summary cannot be read is removed (its run is to be redone), with a
    :class:`SweepNote` naming it.
    """
    return {key: row for key, (_, row) in _read(runs_dir).items()}


def _read(runs_dir: Path) -> dict[tuple[int, int], tuple[Path, dict]]:
    import pyarrow.parquet as pq

    out: dict[tuple[int, int], tuple[Path, dict]] = {}
    for f in sorted(runs_dir.glob("p*-r*.parquet")):
        try:
            meta = pq.read_metadata(f).metadata or {}
            row = json.loads(meta[b"techbloc_summary"])
            key = (row["point"], row["replicate"])
        except Exception:  # noqa: BLE001 - an unreadable file is a run to redo
            f.unlink(missing_ok=True)
            warnings.warn(f"{f} cannot be read (a partial copy?); removed, its run runs again",
                          SweepNote, stacklevel=3)
            continue
        if f.name != run_file(runs_dir, *key).name or key in out:
            raise _foreign(f, f"holds run {run_file(runs_dir, *key).stem}, not the run its "
                              "name says")
        out[key] = (f, row)
    return out


def finished_runs(runs_dir: Path, tasks: Iterable) -> dict[tuple[int, int], dict]:
    """The finished runs on disk, each checked to be one of ``tasks`` (:class:`sim.sweeps.Task`).

    Raises:
        SweepError: naming a file that is not this sweep's (another name, a run outside the
            design, another seed or other values), with what to do.
    """
    tasks = {(t.point, t.replicate): t for t in tasks}
    out = {}
    for key, (f, row) in _read(runs_dir).items():
        task = tasks.get(key)
        if task is None:
            raise _foreign(f, f"point {key[0]}, replicate {key[1]} is not in this sweep's design")
        values = {k.removeprefix("in:"): v for k, v in row.items() if k.startswith("in:")}
        if row.get("seed") != task.seed or values != task.values:
            raise _foreign(f, "was written by another sweep (other "
                              + ("seed" if row.get("seed") != task.seed else "values") + ")")
        out[key] = row
    return out


def note_reused(path: Path, n: int) -> None:
    """A note when a new sweep's folder already held ``n`` (checked) runs of this sweep."""
    warnings.warn(f"{path / 'runs'} already holds {n} runs of this sweep (each checked against "
                  "the sweep file); they are kept, the rest run", SweepNote, stacklevel=3)


def _foreign(f: Path, what: str) -> SweepError:
    return SweepError(what, file=str(f), hint="move it out of the folder (or start the sweep in "
                      "another --out folder); the runs of this sweep there are kept")


def check_resume(path: Path, spec) -> None:
    """Check that ``path`` holds a sweep of ``spec`` that may be resumed.

    A folder whose manifest is gone but which holds a ``runs`` folder is resumed from its run
    files (each checked by :func:`finished_runs`), with a note.

    Raises:
        SweepError: the folder is a run folder, or a sweep of another file or other options,
            or its base scenario was edited since (the runs of two scenarios would be mixed).
        DataError: no such folder, or a damaged manifest.
    """
    from techbloc.sim import overrides as ov
    from techbloc.sim.folders import read_manifest

    manifest_file = path / "manifest.json"
    if not manifest_file.exists() and (path / "runs").is_dir():
        n = len(list((path / "runs").glob("p*-r*.parquet")))
        warnings.warn(f"{path} has no manifest.json; resuming from its {n} finished runs, "
                      "each checked against the sweep file", SweepNote, stacklevel=3)
        return
    old = read_manifest(path)
    if "techbloc_sweep" not in old or not isinstance(old.get("sweep"), dict):
        raise SweepError("not a sweep folder (a run folder?)", file=str(manifest_file))
    now = json.loads(json.dumps(spec.to_dict(), default=str))  # as the manifest holds it
    if old["sweep"].get("digest") != spec.digest:
        raise SweepError(ov.resume_mismatch(old["sweep"], now), file=str(manifest_file),
                         key="digest")
    then = old["sweep"].get("scenario")
    if isinstance(then, dict) and any(then.get(k) != now["scenario"].get(k) for k in RUN_KEYS):
        # the sweep file is the same, but the scenario it names was edited since
        message = ov.resume_mismatch(old["sweep"], now)
        raise SweepError(message if "base scenario differs" in message else
                         "the base scenario's events differ from when this sweep started (its "
                         "file changed?); resume with the same scenario", file=str(manifest_file),
                         key="scenario")
