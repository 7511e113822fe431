"""Analysis of techbloc result tables: pandas in, pandas or (fig, ax) out; never builds a model.

Example:
    >>> from sim import run
    >>> import analysis
    >>> res = run("baseline", replications=2)
    >>> fig, axes = analysis.adoption_curves(res.countries, by="region")
    >>> fig, ax = analysis.world_map(res.countries, "2030Q4", value="policy")
"""

from analysis.bands import bands
from analysis.compare import compare, compare_figure
from analysis.curves import (
    adoption_curves,
    adoption_figure,
    group_shares,
    policy_curves,
)
from analysis.load import groups, load, with_groups
from analysis.maps import world_map
from analysis.tables import country_table

__all__ = [
    "adoption_curves", "adoption_figure", "bands", "compare", "compare_figure",
    "country_table", "group_shares", "groups", "load", "policy_curves",
    "with_groups", "world_map",
]
