"""Profiles of the calibration objective that justify the ranges of global-sensitivity.yaml.

For each coefficient of ``scenarios/sweeps/global-sensitivity.yaml``, one at a time (the others at
the values sanctions-2019 runs with), the 2019-2021 objective of ``techbloc calibrate`` (Brier
score of the countries' stances plus Europe's 2020 share; 8 replicates) on a grid from 0.1x to
3x the value, and the interval where it stays within 10 % of the value's own. Only 2019-2021
data are used. Run: ``python tools/sensitivity_ranges.py`` (about 3 minutes on one core).
"""

import warnings

import numpy as np
from techbloc.sim import params as params_mod
from techbloc.sim.calibration import make_objective
from techbloc.sim.observed import stances
from techbloc.sim.scenario import load_scenario, scenario_dir
from techbloc.sim.sweeps import load_sweep

TOLERANCE = 1.10


def main() -> None:
    """Print each coefficient's value, objective and the within-10 % interval."""
    warnings.simplefilter("ignore")
    base = load_scenario("sanctions-2019")
    observed = stances()
    spec = load_sweep(scenario_dir() / "sweeps" / "global-sensitivity.yaml")
    for key in spec.names:
        f = make_objective(base, observed, [key], replications=8, seed=1)
        v0 = float(base.params[key])
        lo, hi = params_mod.FLAT[key].range
        grid = np.unique(np.clip(np.r_[np.linspace(max(lo, v0 * 0.1), v0, 8),
                                       np.linspace(v0, min(hi, v0 * 3 if v0 > 0 else 3), 12)],
                                 lo, hi))
        values = np.array([f(np.array([g])) for g in grid])
        own = values[np.argmin(abs(grid - v0))]
        ok = grid[values <= own * TOLERANCE]
        print(f"{key}: value {v0:.3f}, objective {own:.4f}, within 10 %: "
              f"{ok.min():.3f}-{ok.max():.3f}", flush=True)


if __name__ == "__main__":
    main()
