"""Regenerate tests/baselines/regression.json, the fixed-seed summary the regression test checks.

Run it only when a change to the model is intended, and review the diff of the JSON in the commit:
    python tools/update_baselines.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_regression import BASELINE_FILE, summarise  # noqa: E402

if __name__ == "__main__":
    summary = summarise()
    BASELINE_FILE.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(f"wrote {BASELINE_FILE.relative_to(ROOT)}:")
    print(json.dumps(summary, indent=2, sort_keys=True))
