"""Fixed-seed regression: the summary of a short sanctions run matches the recorded baseline.

The baseline changes only through ``python tools/update_baselines.py``, with the JSON diff reviewed.
A second test proves the check has teeth: a small change of input does not match.
"""

import json
from pathlib import Path

import pytest
from techbloc.sim import run

from tests.helpers import short

BASELINE_FILE = Path(__file__).parent / "baselines" / "regression.json"
TOLERANCE = 1e-7  # relative; same seed, so only float reassociation across numpy builds differs


def summarise(**overrides) -> dict:
    res = run(short("sanctions-2019", "2024Q4", **overrides), replications=2, seed=2024)
    m = res.model
    out = {}
    for date in ("2020Q4", "2022Q4", "2024Q4"):
        at = m[m["date"] == date]
        for col in ("share_china", "share_huawei", "share_ericsson", "n_restrict", "n_ban",
                    "coverage", "world_split", "rip_replace_cost_usd",
                    "huawei_consumer_revenue_usd", "huawei_carrier_revenue_usd", "own_os_share",
                    "enterprise_adoption", "enterprise_china_share"):
            out[f"{col}@{date}"] = float(at[col].mean())
    c = res.countries[res.countries["date"] == "2024Q4"]
    out["bans@2024Q4"] = sorted(set(c.loc[c["policy"] == "ban", "iso3"]))
    return out


def _compare(found: dict, expected: dict) -> list[str]:
    diffs = []
    for key, want in expected.items():
        got = found.get(key)
        if isinstance(want, float):
            if got is None or abs(got - want) > TOLERANCE * max(1.0, abs(want)):
                diffs.append(f"{key}: expected {want!r}, found {got!r}")
        elif got != want:
            diffs.append(f"{key}: expected {want!r}, found {got!r}")
    return diffs


@pytest.fixture(scope="module")
def expected():
    if not BASELINE_FILE.exists():
        pytest.fail(f"{BASELINE_FILE} missing; run python tools/update_baselines.py")
    return json.loads(BASELINE_FILE.read_text())


def test_fixed_seed_summary_matches_baseline(expected):
    diffs = _compare(summarise(), expected)
    assert not diffs, "regression summary changed:\n" + "\n".join(diffs)


def test_changed_input_does_not_match(expected):
    diffs = _compare(summarise(**{"china__bri_discount": 0.08}), expected)
    assert diffs, "changing china.bri_discount left the summary unchanged; the check has no teeth"
