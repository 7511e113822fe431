"""techbloc's simulation package: the public API.

Example:
    >>> from sim import run
    >>> res = run("baseline", replications=2)
    >>> res.model.columns[:5].tolist()
    ['scenario', 'replicate', 'seed', 'step', 'date']
"""

from sim.errors import DataError, ScenarioError, SweepError, TechblocError
from sim.experiment import run
from sim.model import TechAllianceModel
from sim.results import Results, load_results
from sim.scenario import Scenario, load_scenario
from sim.sweep import SweepResult, load_sweep, sweep

__all__ = [
    "DataError", "Results", "Scenario", "ScenarioError", "SweepError", "SweepResult",
    "TechAllianceModel", "TechblocError", "load_results", "load_scenario", "load_sweep", "run",
    "sweep",
]
