"""Throughput of the operator layer at scale, and of Mesa's own BoltzmannWealth for comparison.

Usage: python benchmarks/bench_operators.py [--firms 10000 100000 1000000] [--steps 20]

The default world (201 countries, 5 vendors, baseline scenario) with its operators multiplied to N
firms: each of the replicate's operators is copied ``N / 469`` times with its market share split
between the copies, so every country keeps its mix of operators. The model runs unchanged: every
quarter the firms tender, choose vendors by nested logit (``kernels.award_rows``), refresh, remove
and roll out sites (``kernels.roll_out``), as ``OperatorLayer.step`` does for the default world;
countries, vendors and records run too. The model is first run to ``--warmup`` quarters (most
countries have launched 5G by 2023), then ``--steps`` quarters are timed; agent-steps per second =
N × steps / seconds. Each size runs in a fresh process, which also reports its peak resident memory
(the whole run: arrays, imports).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
from bench_memory import peak_rss_mib, positive_int


def scaled_model(n_firms: int, seed: int = 0):
    """The baseline model with its operators multiplied to ``n_firms`` (see module docstring)."""
    from techbloc.sim.model import TechAllianceModel
    from techbloc.sim.operator_draws import Operators

    class ScaledOperatorsModel(TechAllianceModel):
        def _make_operators(self) -> Operators:
            ops = super()._make_operators()
            n0 = len(ops.names)
            copies = np.full(n0, n_firms // n0)
            copies[: n_firms % n0] += 1
            src = np.repeat(np.arange(n0), copies)
            names = tuple(f"{ops.names[j]}#{k}" for j, c in enumerate(copies.tolist())
                          for k in range(c))
            return Operators(names, ops.country[src], ops.market_share[src] / copies[src],
                             ops.mix4g[src], ops.us_exposure[src])

    return ScaledOperatorsModel("baseline", seed=seed)


def operator_layer(n_firms: int, steps: int = 20, warmup: int = 16) -> dict:
    """Time ``steps`` quarters of the scaled model after ``warmup`` quarters, in this process.

    Returns:
        ``n_firms``, ``steps``, ``seconds`` (timed quarters), ``build_s``,
        ``agent_steps_per_s``, ``seconds_per_step`` and ``peak_rss_mib`` (this process's
        lifetime peak: call it in a fresh process, see :func:`operator_layer_in_subprocess`).
    """
    from techbloc.sim.model import TechAllianceModel

    # One default replicate first: imports, and the world's per-year ties and memberships
    # (computed once per process, as in a sweep worker) are then warm.
    TechAllianceModel("baseline", seed=0).run_model()
    t0 = time.perf_counter()
    m = scaled_model(n_firms)
    build = time.perf_counter() - t0
    if warmup + steps > m.n_steps:
        raise ValueError(f"warmup + steps = {warmup + steps} exceeds the {m.n_steps} quarters")
    for _ in range(warmup):
        m.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        m.step()
    seconds = time.perf_counter() - t0
    if not np.isfinite(m.rec_model["share_china"][: m.t]).all():
        raise RuntimeError("scaled model produced non-finite shares")
    return {"n_firms": m.n_operators, "steps": steps, "seconds": seconds, "build_s": build,
            "agent_steps_per_s": m.n_operators * steps / seconds,
            "seconds_per_step": seconds / steps, "peak_rss_mib": peak_rss_mib()}


def operator_layer_in_subprocess(n_firms: int, steps: int = 20, warmup: int = 16) -> dict:
    """:func:`operator_layer` in a fresh Python process (so its peak memory is its own)."""
    out = subprocess.run([sys.executable, __file__, "--child", str(n_firms), str(steps),
                          str(warmup)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def linear_fit(sizes: list[int], seconds_per_step: list[float]) -> dict:
    """Least-squares line of seconds per quarter against firms: the cost per agent-step.

    Returns:
        ``slope_ns`` (nanoseconds per agent-step), ``intercept_ms`` (fixed cost per quarter)
        and ``r2``.
    """
    x, y = np.asarray(sizes, float), np.asarray(seconds_per_step, float)
    slope, intercept = np.polyfit(x, y, 1)
    fitted = slope * x + intercept
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(((y - fitted) ** 2).sum()) / ss_tot if ss_tot > 0 else 1.0
    return {"slope_ns": slope * 1e9, "intercept_ms": intercept * 1e3, "r2": r2}


def mesa_boltzmann(n_agents: int = 1000, steps: int = 100, repeats: int = 3) -> dict:
    """Agent-steps per second of Mesa's own BoltzmannWealth example (median of ``repeats``).

    Returns:
        ``agent_steps_per_s``, ``mesa`` (version) and ``n_agents``, ``steps``.
    """
    import inspect

    import mesa
    from mesa.examples import BoltzmannWealth  # Mesa 3.3 and 3.5 both export it here

    def make(seed: int):
        if "scenario" in inspect.signature(BoltzmannWealth.__init__).parameters:
            # Mesa 3.5: parameters come in a BoltzmannScenario (mesa.experimental.scenarios).
            scenario = sys.modules[BoltzmannWealth.__module__].BoltzmannScenario
            return BoltzmannWealth(scenario=scenario(n=n_agents, width=10, height=10, rng=seed))
        return BoltzmannWealth(n=n_agents, width=10, height=10, seed=seed)  # Mesa 3.3

    rates = []
    for seed in range(repeats):
        model = make(seed)
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        rates.append(n_agents * steps / (time.perf_counter() - t0))
    return {"agent_steps_per_s": statistics.median(rates), "mesa": mesa.__version__,
            "n_agents": n_agents, "steps": steps}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=positive_int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--steps", type=positive_int, default=20)
    ap.add_argument("--warmup", type=int, default=16)
    ap.add_argument("--child", type=int, nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(operator_layer(*args.child)))
        sys.exit(0)
    mesa_rate = mesa_boltzmann()["agent_steps_per_s"]
    print(f"Mesa BoltzmannWealth, 1,000 agents: {mesa_rate:,.0f} agent-steps/s")
    results = []
    for n in args.firms:
        r = operator_layer_in_subprocess(n, args.steps, args.warmup)
        results.append(r)
        rate = r["agent_steps_per_s"]
        print(f"{r['n_firms']:>9,} operators: {rate:>12,.0f} agent-steps/s "
              f"({r['seconds_per_step'] * 1e3:.1f} ms a quarter; {rate / mesa_rate:.1f}x Mesa), "
              f"build {r['build_s']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB")
    if len(results) > 1:
        fit = linear_fit([r["n_firms"] for r in results],
                         [r["seconds_per_step"] for r in results])
        print(f"cost per agent-step (slope) {fit['slope_ns']:.0f} ns, fixed "
              f"{fit['intercept_ms']:.2f} ms a quarter, R² {fit['r2']:.4f}")
