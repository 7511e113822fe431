"""Speed of the enterprise layer against the number of firms, and memory of a million-firm run.

Usage: python benchmarks/bench_firms.py [--repeats N] [--steps S] [--no-rss]

Prints, for 10^4, 10^5 and 10^6 firms, the median agent-steps per second of the enterprise
mechanism stepped on its arrays (the model's per-quarter work for firms: full-size draws from a
random stream, per-country pulls and hazards, the adoption step with its per-country counts),
the slope of log(time) against log(N) (1.0 = linear), and the peak resident memory
of a full 2019Q1-2030Q4 model run with about 10^6 firms (enterprise.firms_per_country = 4975),
measured in a fresh process. Quote medians and ratios: the machine is shared and noisy.

``firm_layer_steps_per_s`` is the function other benchmarks import.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
from techbloc.sim import params as params_mod
from techbloc.sim.mechanisms import enterprises
from techbloc.sim.rng import uniforms_then_logistic
from techbloc.sim.world import load_world


def _world_inputs():
    c = load_world().countries
    return (c["exports_to_us_share"].to_numpy(), c["exports_to_china_share"].to_numpy(),
            len(c))


def firm_layer_seconds(n_firms: int, steps: int = 20, seed: int = 0) -> float:
    """Wall time of ``steps`` quarters of the enterprise mechanism for about ``n_firms`` firms.

    The population is built first (not timed); each timed quarter draws its three full-size
    random arrays, computes the country pulls and hazards, steps every firm and counts adopters
    per country, as :meth:`sim.layers.enterprises.EnterpriseLayer.step` does.
    """
    x_us, x_cn, n_c = _world_inputs()
    per_country = max(1, round(n_firms / n_c))
    rng = np.random.default_rng(seed)
    pop = enterprises.make_population(per_country, x_us, x_cn, rng)
    p = params_mod.defaults()
    state = np.zeros(pop.n, dtype=np.int8)
    network = rng.random(n_c)
    alignment = rng.uniform(-1, 1, n_c)
    excluding = (rng.random(n_c) < 0.1).astype(float)
    coverage = np.linspace(0, 1, n_c)
    adopted = np.zeros(n_c)
    china = np.zeros(n_c)
    t0 = time.perf_counter()
    for _ in range(steps):
        # The model's draws: both uniforms and the logistic shocks' uniforms in one call.
        uniform, shock_u = uniforms_then_logistic(rng, 2 * pop.n, pop.n)
        draws = {"adopt": uniform[:pop.n], "review": uniform[pop.n:], "shock_uniform": shock_u}
        share_cn = np.divide(china, adopted, out=np.full(n_c, 0.5), where=adopted > 0)
        pull = enterprises.country_pull(network, alignment, excluding, share_cn, p)
        hazard = enterprises.adoption_hazard(adopted / pop.count, coverage,
                                             p["enterprise.adoption_p"],
                                             p["enterprise.adoption_q"],
                                             p["enterprise.pre5g_adoption"])
        adopted, china = np.empty(n_c), np.empty(n_c)
        state = enterprises.step(state, pop, pull, hazard, 0.0, p, draws, (adopted, china))
    return time.perf_counter() - t0


def firm_layer_steps_per_s(n_firms: int, steps: int = 20) -> float:
    """Agent-steps per second of the enterprise layer at ``n_firms`` firms (one measurement).

    An agent-step is one firm stepped through one quarter.
    """
    x_us, _, n_c = _world_inputs()
    n = max(1, round(n_firms / n_c)) * n_c
    return n * steps / firm_layer_seconds(n_firms, steps)


def peak_rss_full_run(firms_per_country: int = 4975) -> dict:
    """Peak RSS (MiB) and wall time of a full model run in a fresh process."""
    code = (
        "import resource, time, json\n"
        "from techbloc.sim import TechAllianceModel\n"
        "t0 = time.perf_counter()\n"
        f"m = TechAllianceModel('sanctions-2019', seed=1, "
        f"**{{'enterprise.firms_per_country': {firms_per_country}.0}})\n"
        "m.run_model()\n"
        "print(json.dumps({'firms': m.layers.enterprises.firms.n,\n"
        "  'seconds': time.perf_counter() - t0,\n"
        "  'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--no-rss", action="store_true", help="skip the million-firm model run")
    args = ap.parse_args()
    firm_layer_seconds(10_000, 2)  # warm-up
    sizes = (10_000, 100_000, 1_000_000)
    medians = {}
    for n in sizes:
        times = [firm_layer_seconds(n, args.steps, seed=i) for i in range(args.repeats)]
        medians[n] = statistics.median(times)
        n_real = max(1, round(n / 201)) * 201
        rate = n_real * args.steps / medians[n]
        print(f"{n:>9,} firms: median {medians[n] * 1e3:8.1f} ms for {args.steps} quarters "
              f"= {rate / 1e6:6.2f} M agent-steps/s  (min {min(times) * 1e3:.1f}, "
              f"max {max(times) * 1e3:.1f} ms, {args.repeats} repeats)")
    slope = np.polyfit(np.log(list(medians)), np.log(list(medians.values())), 1)[0]
    print(f"slope of log(time) on log(N), 10^4-10^6: {slope:.2f} (1 = linear); "
          f"time ratio 10^6/10^5: {medians[1_000_000] / medians[100_000]:.1f}")
    if not args.no_rss:
        r = peak_rss_full_run()
        print(f"full run 2019Q1-2030Q4 with {r['firms']:,} firms: {r['seconds']:.1f} s, "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB (target < 2048)")


if __name__ == "__main__":
    main()
