"""Score the shipped calibrations on the whole stance record, at their points and with draws.

For each calibration (``calibrated-2021``, fitted on 2019-2021; ``calibrated``, fitted on
2019-2024), free-running ``sanctions-2019`` on it runs to 2024Q4 with emergent launches, at the
point (no posterior draws) and with its ensemble's draws, and the script prints the ranked
probability score of the stances at the ends of 2019-2024 and of 2019-2021, Europe's 2020
China-bloc share and the whole-record objective (RPS 2019-2024 + ½·|share − 0.51|).
Every figure of ``calibrated`` here is in sample (docs/ODD.md §1.2).

Run: ``python tools/calibration_compare.py [REPS] [SEEDS]`` (defaults 100 and 5,7).
"""

import sys
import warnings

from techbloc.sim import run
from techbloc.sim.calibration import EUROPE_2020, europe_share, launch_settings, stance_rps
from techbloc.sim.observed import stances
from techbloc.sim.posterior import rebase
from techbloc.sim.scenario import load_scenario

YEARS = (2019, 2020, 2021, 2022, 2023, 2024)

if __name__ == "__main__":
    warnings.simplefilter("ignore")
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seeds = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [5, 7]
    observed = stances().astype({"iso3": str})
    for name in ("calibrated-2021", "calibrated"):
        scenario = rebase(load_scenario("sanctions-2019"), name)
        for draws in (False, True):
            for seed in seeds:
                c = run(scenario, replications=reps, seed=seed, horizon="2019Q1:2024Q4",
                        set={"uncertainty.parameters": draws,
                             **launch_settings("emergent")}).countries
                whole, fit21 = stance_rps(c, observed, YEARS), stance_rps(c, observed, YEARS[:3])
                europe = europe_share(c, "2020Q4")
                print(f"{name:16s} {'draws' if draws else 'point'} seed {seed}: RPS 2019-2024 "
                      f"{whole:.4f}, 2019-2021 {fit21:.4f}; Europe 2020 {europe:.3f}; objective "
                      f"{whole + 0.5 * abs(europe - EUROPE_2020):.4f}", flush=True)
