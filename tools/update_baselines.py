"""Regenerate the baselines the regression tests check.

Run it only when a change to the model's outputs is intended, and review the diff of the JSON in
the commit:
    python tools/update_baselines.py            # tests/baselines/regression.json (a summary)
    python tools/update_baselines.py --golden   # tests/baselines/golden.json (table hashes of
                                                # every shipped scenario, tests/test_golden.py)
A refactor must leave both unchanged: do not regenerate them to make one pass.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_regression import BASELINE_FILE, summarise  # noqa: E402


def write_golden() -> None:
    from tests.test_golden import GOLDEN_FILE, golden, scenarios

    out = {}
    for name in scenarios():
        out[name] = golden(name)
        print(name, out[name], flush=True)
    GOLDEN_FILE.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN_FILE.relative_to(ROOT)}")


if __name__ == "__main__" and sys.argv[1:] == ["--golden"]:
    write_golden()
elif __name__ == "__main__":
    if sys.argv[1:]:
        sys.exit(f"usage: python tools/update_baselines.py [--golden]; found {sys.argv[1:]}")
    summary = summarise()
    BASELINE_FILE.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(f"wrote {BASELINE_FILE.relative_to(ROOT)}:")
    print(json.dumps(summary, indent=2, sort_keys=True))
