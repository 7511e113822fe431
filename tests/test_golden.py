"""Golden hashes: every table of every shipped scenario is bit-identical to the recorded one.

For each shipped scenario (``calibrated`` is a fitted parameter set, not a story, and is left
out as in the hash of the whole horizon), two replicates with seed 11 over 2019Q1-2023Q4 are run
and the model, countries and devices tables hashed (column names, dtypes and every value). Any
change of any number fails the test, which a tolerance-based regression test would miss.

Regenerate ``tests/baselines/golden.json`` only when a change of the outputs is intended (a new
mechanism, a new parameter value, new data), and say why in the commit:

    python tools/update_baselines.py --golden

A refactor (moving code between the model and its layers, renaming) must leave it unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from techbloc.sim import run
from techbloc.sim.scenario import load_scenario, scenario_dir

GOLDEN_FILE = Path(__file__).parent / "baselines" / "golden.json"
HORIZON = "2019Q1:2023Q4"
SEED, REPLICATIONS = 11, 2
TABLES = ("model", "countries", "devices")


def table_hash(df: pd.DataFrame) -> str:
    """A short hash of a table's column names, dtypes and values."""
    h = hashlib.sha256()
    h.update(repr(list(zip(df.columns, map(str, df.dtypes), strict=True))).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return h.hexdigest()[:16]


def scenarios() -> list[str]:
    """The shipped scenarios hashed (all but ``calibrated``)."""
    return sorted(f.stem for f in scenario_dir().glob("*.yaml") if f.stem != "calibrated")


def golden(name: str) -> dict[str, str]:
    """The hashes of one scenario's tables."""
    spec = load_scenario(scenario_dir() / f"{name}.yaml", horizon=HORIZON)
    res = run(spec, replications=REPLICATIONS, seed=SEED)
    return {k: table_hash(getattr(res, k)) for k in TABLES}


@pytest.fixture(scope="module")
def expected() -> dict:
    if not GOLDEN_FILE.exists():
        pytest.fail(f"{GOLDEN_FILE} missing; run python tools/update_baselines.py --golden")
    return json.loads(GOLDEN_FILE.read_text())


def test_every_shipped_scenario_has_a_golden_hash(expected):
    assert sorted(expected) == scenarios(), "scenarios added or removed: regenerate on purpose"


@pytest.mark.parametrize("name", scenarios())
def test_tables_are_bit_identical(name, expected):
    found = golden(name)
    assert found == expected[name], (
        f"{name}: tables changed ({', '.join(k for k in TABLES if found[k] != expected[name][k])})"
        "; if intended, run python tools/update_baselines.py --golden")


def test_the_hash_sees_a_one_ulp_change():
    df = pd.DataFrame({"x": [0.1, 0.2]})
    bumped = df.assign(x=[0.1, 0.2 + 2**-55])
    assert table_hash(df) != table_hash(bumped)
    assert table_hash(df) != table_hash(df.astype({"x": "float32"}))
