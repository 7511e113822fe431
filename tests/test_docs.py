"""Shipped documents stay true to the code: README commands, CI, parameter docs, ODD."""

import re
from pathlib import Path

from techbloc.sim import params

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Set up and run\n.*?```(?:bash|sh)\n(.*?)```", text, re.S)
    assert block, "README.md has no '## Set up and run' code block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_has_exactly_two_setup_commands():
    cmds = readme_commands()
    assert len(cmds) == 2, f"expected 2 commands, found {cmds}"
    assert "techbloc run baseline" in cmds[0] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci, ".ci/run does not run README's test command verbatim"


def test_parameters_doc_is_generated_from_the_tree():
    doc = (ROOT / "docs" / "parameters.md").read_text()
    assert doc == params.to_markdown(), (
        "docs/parameters.md is stale; regenerate: techbloc params --markdown > docs/parameters.md")


def test_every_parameter_is_in_the_odd():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    missing = [k for k in params.FLAT if k not in odd]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"


def test_every_parameter_is_complete():
    for key, p in params.FLAT.items():
        assert p.description and p.unit and p.source and p.role in params.ROLES, key
        if p.kind is float:
            assert p.range[0] <= p.default <= p.range[1], f"{key} default outside its range"


def test_odd_parameter_rows_match_the_tree():
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync", ROOT / "tools" / "sync_odd_params.py")
    sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync)
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert sync.synced(text) == text, "ODD tables are stale: python tools/sync_odd_params.py"


def test_readme_scenario_example_loads_and_runs(tmp_path):
    from techbloc.sim import load_scenario, run

    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Write your own scenario.*?```yaml\n(.*?)```", text, re.S)
    assert block, "README.md lost its scenario example"
    f = tmp_path / "my-future.yaml"
    f.write_text(block.group(1))
    s = load_scenario(f)
    assert s.extends == "sanctions-2019" and len(s.events) == 4 + len(load_scenario(
        "sanctions-2019").events)
    assert len(run(s, replications=1, horizon="2019Q1:2025Q4").model) == 28
