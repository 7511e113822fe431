"""Shared helpers of the test suites: small runs cached per session, the command as run."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

from techbloc.sim import load_scenario, run
from techbloc.sim.scenario import Scenario


@functools.lru_cache(maxsize=32)
def short(name: str, end: str = "2024Q4", **overrides) -> Scenario:
    """A shipped scenario cut to a shorter horizon, with parameter overrides (dotted keys)."""
    return load_scenario(name, set={k.replace("__", "."): v for k, v in overrides.items()},
                         horizon=f"2019Q1:{end}")


@functools.lru_cache(maxsize=32)
def cached_run(name: str, replications: int = 3, seed: int = 7, end: str = "2024Q4",
               **overrides):
    """Run (and cache for the session) a shortened scenario."""
    return run(short(name, end, **overrides), replications=replications, seed=seed)


def replace_line(path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in line ``line`` (1-based) of a text file, which must hold it."""
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines))


#: The command as a user types it (``techbloc`` is ``python -m techbloc``).
CLI = [sys.executable, "-m", "techbloc"]


def techbloc(*args, cwd=None, timeout: float = 600, env: dict | None = None):
    """Run ``techbloc ARGS`` in a fresh process; returns the CompletedProcess (text output)."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=None if env is None else {**os.environ, **env})


def one_line_error(code, err, *fragments):
    """Assert a command's bad-input answer: exit 2 and one line naming each fragment."""
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("techbloc: error: "), err
    for f in fragments:
        assert f in err, f"{f!r} not in {err!r}"


def run_main(capsys, *args):
    """Run the CLI in-process; return its exit code and stderr."""
    from techbloc.sim.cli import main

    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def forbid(monkeypatch, what: str, *targets) -> None:
    """Make calling any ``(module, name)`` of ``targets`` fail the test with ``what``: the
    refusal under test must come before that work starts."""
    def never(*a, **k):
        raise AssertionError(what)

    for module, name in targets:
        monkeypatch.setattr(module, name, never)


def saved_run(tmp_path_factory, scenario: str = "baseline", seed: int = 1,
              horizon: str = "2019Q1:2019Q4", replications: int = 1):
    """A small run saved in a fresh temporary folder (for a module's fixture); its folder."""
    out = tmp_path_factory.mktemp("runs") / f"{scenario}-{seed}"
    run(scenario, replications=replications, seed=seed, horizon=horizon, out=out)
    return out
