"""Profiles of the calibration objective that justify the ranges of global-sensitivity.yaml.

For each coefficient of ``scenarios/sweeps/global-sensitivity.yaml``, one at a time (the others at
the values sanctions-2019 runs with: the point fit of ``scenarios/calibrated.yaml``, not draws
from its posterior ensemble), the objective of ``techbloc calibrate --countries`` that fitted the
shipped country weights, on the whole record (ranked probability score of the countries' stances
at the ends of 2019-2024 plus half the error of Europe's 2020 share; 8 replicates), on a grid
from 0.1x to 3x the value, and the interval where it stays within 10 % of the value's own. The
stances of 2019-2024 are used, as by the fit of ``scenarios/calibrated.yaml``.
Run: ``python tools/sensitivity_ranges.py [KEY ...]`` (about a minute on one core for all ten;
name keys to profile only those, e.g. after a refit of some of them).
"""

import sys
import warnings

import numpy as np
from techbloc.sim import params as params_mod
from techbloc.sim.calibration import make_objective
from techbloc.sim.observed import stances
from techbloc.sim.scenario import load_scenario, scenario_dir
from techbloc.sim.sweeps import load_sweep

TOLERANCE = 1.10
#: The year-ends the shipped calibration was fitted to (docs/ODD.md §1.2, stop 26).
FIT_YEARS = tuple(range(2019, 2025))


def main(keys: list[str]) -> None:
    """Print each coefficient's value, objective and the within-10 % interval.

    Args:
        keys: the coefficients to profile (all of the sweep's when empty).
    """
    warnings.simplefilter("ignore")
    # The point fit: the calibrated weights are not replaced by posterior draws (ODD §1.2).
    base = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": False},
                                                       origin="sensitivity_ranges")
    observed = stances()
    spec = load_sweep(scenario_dir() / "sweeps" / "global-sensitivity.yaml")
    unknown = sorted(set(keys) - set(spec.names))
    if unknown:
        sys.exit(f"not an axis of global-sensitivity.yaml: {', '.join(unknown)} "
                 f"(axes: {', '.join(spec.names)})")
    for key in keys or spec.names:
        f = make_objective(base, observed, [key], fit_years=FIT_YEARS, replications=8, seed=1,
                           score="rps")
        v0 = float(base.params[key])
        lo, hi = params_mod.FLAT[key].range
        grid = np.unique(np.clip(np.r_[np.linspace(max(lo, v0 * 0.1), v0, 8),
                                       np.linspace(v0, min(hi, v0 * 3 if v0 > 0 else 3), 12)],
                                 lo, hi))
        values = np.array([f(np.array([g])) for g in grid])
        own = values[np.argmin(abs(grid - v0))]
        inside = values <= own * TOLERANCE
        ok = grid[inside]
        # The first grid values outside the interval on each side, with their objective.
        below = [(g, v) for g, v, i in zip(grid, values, inside, strict=True)
                 if g < ok.min() and not i][-1:]
        above = [(g, v) for g, v, i in zip(grid, values, inside, strict=True)
                 if g > ok.max() and not i][:1]
        beyond = ", ".join(f"{v:.4f} at {g:.3f}" for g, v in below + above) or "none"
        print(f"{key}: value {v0:.3f}, objective {own:.4f}, within 10 %: "
              f"{ok.min():.3f}-{ok.max():.3f} (beyond: {beyond})", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
