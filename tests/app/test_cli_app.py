"""The ``techbloc app`` command: options, bad input, a missing Solara, lazy imports."""

from __future__ import annotations

import subprocess
import sys

CLI = [sys.executable, "-m", "techbloc"]


def run(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", code] if code else [*CLI, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_app_help_lists_host_port_and_scenario():
    proc = run("app", "--help")
    assert proc.returncode == 0
    for option in ("--host", "--port", "--scenario"):
        assert option in proc.stdout


def test_unknown_scenario_is_refused_before_serving():
    proc = run("app", "--scenario", "sanctions-2091")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "unknown scenario 'sanctions-2091'" in proc.stderr
    assert "did you mean 'sanctions-2019'" in proc.stderr


def test_missing_solara_names_the_extra_to_install():
    code = ("import sys; sys.modules['solara'] = None\n"
            "from techbloc.sim.cli import main\nsys.exit(main(['app']))")
    proc = run(code=code)
    assert proc.returncode == 2, proc.stderr
    assert "needs Solara" in proc.stderr and "pip install -e '.[app]'" in proc.stderr


def test_the_cli_does_not_import_the_app_until_asked():
    code = ("import sys, techbloc.sim.cli as cli\ncli.build_parser()\n"
            "assert not any(m == 'solara' or m.startswith(('solara.', 'techbloc.app')) "
            "for m in sys.modules), sorted(m for m in sys.modules if 'solara' in m)")
    proc = run(code=code)
    assert proc.returncode == 0, proc.stderr
