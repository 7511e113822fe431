"""The benchmark scripts run and report every figure (sizes tiny: speed is never judged here)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


@pytest.fixture()
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_operators
    import run

    return run, bench_operators


def test_run_tiny_reports_every_figure_as_a_positive_number(bench):
    run, _ = bench
    out = subprocess.run([sys.executable, str(BENCH / "run.py"), "--tiny", "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout)
    for key in run.KEYS:
        value = res.get(key)
        assert isinstance(value, float) and math.isfinite(value) and value > 0, \
            f"{key}: expected a positive number, found {value!r}"
    assert res["mode"] == "tiny"
    assert set(res["estimated"]) == {"sweep_1000_s_1w", "sweep_1000_s_2w"}, \
        "a 4-run sweep must be marked as an estimate of the 1,000-run figure"
    assert [r["n_firms"] for r in res["operator_layer"]] == [500, 1000, 2000]
    assert res["ratio_to_mesa_1e6"] == pytest.approx(
        res["agent_steps_per_s_1e6"] / res["mesa_boltzmann_agent_steps_per_s"])
    assert "firm layers" in run.table(res)


def test_scaled_operators_keep_each_countrys_market(bench):
    _, ops = bench
    base = ops.scaled_model(469 * 3 + 5, seed=1)
    assert base.n_operators == 469 * 3 + 5
    ops_layer = base.layers.operators
    share = np.bincount(ops_layer.country, ops_layer.target, minlength=base.n_countries)
    assert np.allclose(share, ops_layer.target_country), "site targets must add up per country"
    for _ in range(6):
        base.step()
    assert np.isfinite(base.rec_model["share_china"][:6]).all()
    assert base.rec_model["sites_total"][5] > 0, "the scaled operators build sites"


def test_linear_fit_recovers_a_known_line(bench):
    _, ops = bench
    sizes = [1_000, 10_000, 100_000]
    fit = ops.linear_fit(sizes, [2e-3 + 400e-9 * n for n in sizes])
    assert fit["slope_ns"] == pytest.approx(400.0)
    assert fit["intercept_ms"] == pytest.approx(2.0)
    assert fit["r2"] == pytest.approx(1.0)


def test_phase_times_cover_every_phase_of_the_step(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_model

    t = bench_model.phase_times(2)
    assert list(t) == ["build", *bench_model.PHASES]
    assert all(len(xs) == 2 and all(x > 0 for x in xs) for xs in t.values()), t


@pytest.mark.parametrize("script,args,message", [
    ("bench_model.py", ["--repeats", "0"], "--repeats: expected at least 1, found 0"),
    ("bench_operators.py", ["--firms", "lots"], "--firms: expected a whole number, found 'lots'"),
    ("bench_sweep.py", ["--runs", "-3"], "--runs: expected at least 1, found -3"),
    ("bench_cli.py", ["--repeats", "0"], "--repeats: expected at least 1, found 0"),
])
def test_bad_sizes_are_refused_with_the_argument_named(script, args, message):
    out = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2 and message in out.stderr, out.stderr


def test_cli_phases_time_every_step_of_a_run(monkeypatch):
    """The step-by-step split of ``techbloc run baseline`` in a fresh process (bench_cli)."""
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_cli

    t = bench_cli.phases(sys.executable)
    assert list(t) == ["imports", "world data", "model, tables and writing them",
                       "plot imports", "pictures"]
    assert all(v > 0 for v in t.values()), t
