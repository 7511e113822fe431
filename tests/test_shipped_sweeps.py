"""The shipped sweeps: every axis is live, sensitivity ranges are centred on the values in use.

A coarse one-at-a-time version of each sweep: every axis at its two ends (the others at the
centre of theirs), with common random numbers (replicate i has the same seed at both ends); the
mean change of the sweep's headline metric must exceed twice its standard error across the
replicates (paired by seed): the axis moves the metric beyond the replicate noise.
"""

import numpy as np
import pytest
from techbloc.sim.experiment import run_replicate
from techbloc.sim.rng import replicate_seeds
from techbloc.sim.scenario import load_scenario, scenario_dir
from techbloc.sim.sweep_summary import summarise
from techbloc.sim.sweeps import apply_point, load_sweep
from techbloc.sim.world import load_world

SWEEPS = scenario_dir() / "sweeps"
HEADLINE = {"pressure-vs-bri": "share_china_2030", "global-sensitivity": "share_china_2030",
            "discovery": "share_china_eca_2030"}
REPS = 6


def _ends(factor):
    return (factor.values[0], factor.values[-1]) if factor.categorical else (factor.low,
                                                                            factor.high)


def one_at_a_time(spec, metric):
    """Per axis: (mean change of the metric from low to high end, its standard error)."""
    world = load_world()
    region = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
    seeds = replicate_seeds(11, REPS)
    centre = {f.key: (sum(_ends(f)) / 2 if not f.categorical else f.values[len(f.values) // 2])
              for f in spec.factors}

    def outcome(point):
        s = apply_point(spec.base, point)
        return np.array([summarise(*run_replicate(s, i, sd, world), region, 0.4)[metric]
                         for i, sd in enumerate(seeds)])

    out = {}
    for f in spec.factors:
        lo, hi = (outcome({**centre, f.key: v}) for v in _ends(f))
        d = hi - lo
        out[f.key] = (float(d.mean()), float(d.std(ddof=1) / np.sqrt(REPS)))
    return out


@pytest.mark.parametrize("name", sorted(HEADLINE))
def test_every_axis_of_a_shipped_sweep_moves_its_headline_metric(name):
    spec = load_sweep(SWEEPS / f"{name}.yaml")
    effects = one_at_a_time(spec, HEADLINE[name])
    dead = {k: e for k, e in effects.items() if not abs(e[0]) > 2 * e[1]}
    assert not dead, f"{name}: axes within replicate noise (change, sd): {dead}"


def test_sensitivity_ranges_are_centred_on_the_values_every_scenario_runs_with():
    spec = load_sweep(SWEEPS / "global-sensitivity.yaml")
    calibrated = load_scenario("calibrated").params
    used = load_scenario("sanctions-2019").params
    for f in spec.factors:
        assert used[f.key] == calibrated[f.key]
        assert (f.low + f.high) / 2 == pytest.approx(used[f.key], abs=0.02), f.key
    text = (SWEEPS / "global-sensitivity.yaml").read_text()
    for f in spec.factors:  # each range has its reason on the line above it
        line = text.splitlines().index(next(t for t in text.splitlines() if f"  {f.key}:" in t))
        assert text.splitlines()[line - 1].strip().startswith("#"), f.key
