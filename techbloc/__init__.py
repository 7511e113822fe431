"""techbloc: a scenario simulator of tech-alliance dynamics (countries, operators, 5G vendors).

One import package. The repository's folders are its subpackages: ``sim/`` is
:mod:`techbloc.sim` (the model and everything needed to run it), ``analysis/`` is
:mod:`techbloc.analysis` (tables and pictures), ``scenarios/`` is :mod:`techbloc.scenarios` (the
named YAML scenarios) and ``app/`` is :mod:`techbloc.app` (the browser app). The names below are
the public API; each is imported on first use (PEP 562), so ``import techbloc`` stays fast.

Example:
    >>> import techbloc as tb
    >>> res = tb.run("baseline", replications=2)
    >>> res.model.columns[:5].tolist()
    ['scenario', 'replicate', 'seed', 'step', 'date']
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

_EXPORTS = {
    "TechblocError": "techbloc.sim.errors", "ScenarioError": "techbloc.sim.errors",
    "DataError": "techbloc.sim.errors", "SweepError": "techbloc.sim.errors",
    "run": "techbloc.sim.experiment",
    "TechAllianceModel": "techbloc.sim.model",
    "Results": "techbloc.sim.results", "load_results": "techbloc.sim.results",
    "Scenario": "techbloc.sim.scenario", "load_scenario": "techbloc.sim.scenario",
    "SweepResult": "techbloc.sim.folders", "load_sweep": "techbloc.sim.sweeps",
    "sweep": "techbloc.sim.sweeps",
    "load": "techbloc.analysis.load",
    "discover": "techbloc.analysis.discovery",
    "tipping": "techbloc.sim.explore", "reversibility": "techbloc.sim.explore",
}



def lazy_exports(module: str, exports: dict[str, str], namespace: dict):
    """PEP 562 lazy names for ``module``: ``(__all__, __getattr__, __dir__)``.

    Each name of ``exports`` (name -> module that defines it) is imported on first use and then
    kept in ``namespace``, the package's globals. :mod:`techbloc.sim` uses it too.
    """

    def __getattr__(name: str):
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted([*namespace, *exports])

    return sorted(exports), __getattr__, __dir__


__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
