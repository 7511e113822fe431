"""techbloc's simulation package: the public API.

Names are imported on first use (PEP 562), so ``import techbloc.sim`` and ``techbloc --help``
stay fast and heavy modules (Mesa, pandas) load only when a model is built.

Example:
    >>> from techbloc.sim import run
    >>> res = run("baseline", replications=2)
    >>> res.model.columns[:5].tolist()
    ['scenario', 'replicate', 'seed', 'step', 'date']
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "DataError": "techbloc.sim.errors", "ScenarioError": "techbloc.sim.errors",
    "SweepError": "techbloc.sim.errors",
    "TechblocError": "techbloc.sim.errors",
    "run": "techbloc.sim.experiment",
    "TechAllianceModel": "techbloc.sim.model",
    "Results": "techbloc.sim.results", "load_results": "techbloc.sim.results",
    "Scenario": "techbloc.sim.scenario", "load_scenario": "techbloc.sim.scenario",
    "SweepResult": "techbloc.sim.folders", "load_sweep": "techbloc.sim.sweeps",
    "sweep": "techbloc.sim.sweeps",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'techbloc.sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
