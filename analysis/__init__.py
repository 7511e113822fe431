"""Analysis of techbloc result tables: pandas in, pandas or (fig, ax) out; never builds a model.

Example:
    >>> from techbloc.sim import run
    >>> import techbloc.analysis as analysis
    >>> res = run("baseline", replications=2)
    >>> fig, axes = analysis.adoption_curves(res.countries, by="region")
    >>> fig, ax = analysis.world_map(res.countries, "2030Q4", value="policy")
"""

from techbloc.analysis.bands import bands
from techbloc.analysis.compare import compare, compare_figure
from techbloc.analysis.curves import (
    adoption_curves,
    adoption_figure,
    group_shares,
    policy_curves,
)
from techbloc.analysis.load import groups, load, with_groups
from techbloc.analysis.maps import world_map
from techbloc.analysis.tables import country_table

__all__ = [
    "adoption_curves", "adoption_figure", "bands", "compare", "compare_figure",
    "country_table", "group_shares", "groups", "load", "policy_curves",
    "with_groups", "world_map",
]
