"""Analysis of techbloc result tables: pandas in, pandas or (fig, ax) out; never builds a model.

Example:
    >>> from sim import run
    >>> import analysis
    >>> res = run("baseline", replications=2)
    >>> fig, axes = analysis.adoption_figure(res.model, res.countries)
"""

from analysis.bands import bands
from analysis.curves import adoption_curves, adoption_figure, region_shares
from analysis.load import load, with_groups

__all__ = ["adoption_curves", "adoption_figure", "bands", "load", "region_shares", "with_groups"]
