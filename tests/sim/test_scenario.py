"""Scenario files that say one thing twice must be refused, like a duplicate YAML key.

The shipped library, extends, events and the common errors are covered by
test_scenario_files.py and tests/test_scenario_language.py; this is the case they do not reach.
"""

from __future__ import annotations

import pytest
from techbloc.sim.errors import ScenarioError
from techbloc.sim.scenario import load_scenario


def test_plain_duplicate_parameter_is_refused(tmp_path):
    f = tmp_path / "dup.yaml"
    f.write_text("params:\n  us:\n    ally_pressure: 0.2\n    ally_pressure: 0.3\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert "dup.yaml:4" in str(e.value) and "duplicate key" in str(e.value), \
        f"expected 'dup.yaml:4' and 'duplicate key', found {str(e.value)!r}"


def test_parameter_given_nested_and_dotted_is_refused(tmp_path):
    f = tmp_path / "dup.yaml"
    f.write_text("params:\n  us: {ally_pressure: 0.2}\n  us.ally_pressure: 0.3\n")
    with pytest.raises(ScenarioError, match=r"dup.yaml:3.*ally_pressure"):
        load_scenario(f)
