"""Analysis of techbloc result tables: pandas in, pandas or (fig, ax) out; never builds a model.

Where a function takes a run's table, the run's Results will do too (its ``countries``, ``model``
or ``devices`` table is used); anything else is a DataError naming the table expected.

The names below are imported on first use (PEP 562), so importing a module of this package
(e.g. :mod:`techbloc.sim.commands` for a run with ``--no-plots``) does not load matplotlib.

Example:
    >>> from techbloc.sim import run
    >>> import techbloc.analysis as analysis
    >>> res = run("baseline", replications=2)
    >>> fig, axes = analysis.adoption_curves(res.countries, by="region")
    >>> fig, ax = analysis.world_map(res.countries, "2030Q4", value="policy")
"""

from __future__ import annotations

import importlib

# Functions named like their module are imported at once: a submodule, once imported, would
# otherwise shadow its function as an attribute of the package. These three load no matplotlib.
from techbloc.analysis.bands import bands  # noqa: F401
from techbloc.analysis.compare import compare  # noqa: F401
from techbloc.analysis.load import load  # noqa: F401

_EXPORTS = {
    "compare_figure": "compare", "adoption_curves": "curves", "adoption_figure": "curves",
    "group_shares": "curves",
    "policy_curves": "curves", "groups": "load", "with_groups": "load",
    "world_map": "maps", "policy_maps": "maps", "country_table": "tables",
}

__all__ = sorted([*_EXPORTS, "bands", "compare", "load"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"techbloc.analysis.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'techbloc.analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
