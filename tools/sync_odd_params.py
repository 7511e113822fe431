"""Rewrite the parameter rows of docs/ODD.md's submodel tables from sim/params.py.

Each row ``| `group.name` | symbol | default | unit | range | description | source |`` is
regenerated, so the ODD cannot drift from the code; tests/test_docs.py fails when it has.
    python tools/sync_odd_params.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from techbloc.sim.params import FLAT  # noqa: E402

ODD = ROOT / "docs" / "ODD.md"
ROW = re.compile(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|.*$", re.M)


def row(key: str) -> str:
    p = FLAT[key]
    default = str(p.default).lower() if p.kind is bool else f"{p.default:g}"
    rng = "true/false" if p.kind is bool else f"{p.range[0]:g}–{p.range[1]:g}"
    return (f"| `{key}` | {p.symbol or '–'} | {default} | {p.unit} | {rng} | {p.description} "
            f"| {p.source} |")


def synced(text: str) -> str:
    return ROW.sub(lambda m: row(m.group(1)) if m.group(1) in FLAT else m.group(0), text)


if __name__ == "__main__":
    ODD.write_text(synced(ODD.read_text()))
    print(f"synced parameter rows in {ODD.relative_to(ROOT)}")
