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

from techbloc import _EXPORTS as _PUBLIC
from techbloc import lazy_exports

#: The public names defined in techbloc.sim (one map, in techbloc/__init__.py).
_EXPORTS = {k: v for k, v in _PUBLIC.items() if v.startswith("techbloc.sim.")}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
