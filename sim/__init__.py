"""techbloc's simulation package: the public API.

Names are imported on first use (PEP 562), so ``import sim`` and ``techbloc --help`` stay fast
and heavy modules (Mesa, pandas) load only when a model is built.

Example:
    >>> from sim import run
    >>> res = run("baseline", replications=2)
    >>> res.model.columns[:5].tolist()
    ['scenario', 'replicate', 'seed', 'step', 'date']
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "DataError": "sim.errors", "ScenarioError": "sim.errors", "SweepError": "sim.errors",
    "TechblocError": "sim.errors",
    "run": "sim.experiment",
    "TechAllianceModel": "sim.model",
    "Results": "sim.results", "load_results": "sim.results",
    "Scenario": "sim.scenario", "load_scenario": "sim.scenario",
    "SweepResult": "sim.sweeps", "load_sweep": "sim.sweeps", "sweep": "sim.sweeps",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
