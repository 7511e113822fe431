"""Exploratory modelling: the override rule on the command line, discover, tipping, reversibility.

Real runs throughout (small sweeps and few replicates); the assertions are outcomes that must hold
(the lever's own effect, invariants of the classification and of the gap), not stored numbers.
"""

import contextlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from techbloc.sim.cli import main
from techbloc.sim.errors import ScenarioError, SweepError
from techbloc.sim.overrides import OverrideNote

import techbloc as tb

SWEEP = """\
scenario: sanctions-2019
design: lhs
samples: 80
horizon: 2019Q1:2025Q4
parameters:
  us.ally_pressure: {low: 0.0, high: 1.0}
  china.bri_discount: {low: 0.0, high: 0.3}
  country.w_peer: {low: 0.0, high: 3.4}
scale:
  us.export_controls: {low: 0.5, high: 1.1}
seed: 3
metrics: [n_not_open_2025, share_china_eca_2025, share_china_2025]
"""


@contextlib.contextmanager
def notes_shown():
    """Override notes shown, as outside pytest (the module ignores them elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", OverrideNote)
        yield


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("disc")
    (d / "s.yaml").write_text(SWEEP)
    tb.sweep(d / "s.yaml", out=d / "out")
    return d / "out"


# --------------------------------------------------------------------------- the CLI rule
@pytest.mark.parametrize("value", [0.0, 1.0])
def test_cli_set_holds_the_lever_in_every_quarter_of_the_model_table(tmp_path, capsys, value):
    out = tmp_path / "run"
    with notes_shown():
        assert main(["run", "sanctions-2019", "--set", f"us.ally_pressure={value}", "-n", "1",
                     "--no-plots", "--out", str(out), "--horizon", "2019Q1:2022Q4"]) == 0
    model = pd.read_parquet(out / "model.parquet")
    assert (model["ally_pressure"] == value).all()
    err = capsys.readouterr().err
    assert err.count("techbloc: note: set us.ally_pressure") == 1 and "2020Q3" in err
    assert json.loads((out / "manifest.json").read_text())["overrides"]


def test_python_scale_halves_the_enacted_trajectory():
    res = tb.run("sanctions-2019", replications=1, horizon="2019Q1:2021Q4",
                 scale={"us.ally_pressure": 0.5})
    by_date = res.model.set_index("date")["ally_pressure"]
    assert by_date["2021Q1"] == pytest.approx(0.3) and by_date["2019Q2"] == pytest.approx(0.2)


def test_cli_scale_and_dated_set_and_their_errors(tmp_path, capsys):
    assert main(["show", "sanctions-2019", "--scale", "us.ally_pressure=2"]) == 0
    out = capsys.readouterr().out
    assert "# override: scale us.ally_pressure" in out and "clipped" in out
    assert main(["show", "sanctions-2019", "--set", "us.export_controls=0.2@2020Q1"]) == 0
    assert "held from 2020Q1" in capsys.readouterr().out
    assert main(["run", "sanctions-2019", "--scale", "us.ally_pressure=-1", "--out",
                 str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "scale us.ally_pressure" in err and "Traceback" not in err


# --------------------------------------------------------------------------- discover
def test_discover_finds_pressure_behind_many_exclusions(sweep_dir):
    from techbloc.analysis.discovery import discover

    s = pd.read_parquet(sweep_dir / "summary.parquet")
    cut = float(s["n_not_open_2025"].quantile(0.7))
    d = discover(sweep_dir, "n_not_open_2025", above=cut)
    assert d.n_runs == 80 and d.n_cases == int((s["n_not_open_2025"] > cut).sum())
    assert 0 < d.coverage <= 1 and d.density > d.n_cases / d.n_runs  # denser than the base rate
    box = d.box.set_index("parameter")
    assert "us.ally_pressure" in box.index and box.loc["us.ally_pressure", "low"] > 0.1
    # Insignificant restrictions are dropped, or kept with the reason in the report.
    assert (box["qp_value"] <= 0.05).all() or "so they are kept" in d.note
    assert box["qp_value"].idxmin() in ("us.ally_pressure", "country.w_peer")
    assert d.leaves["runs"].sum() == d.n_runs and d.leaves["cases"].sum() == d.n_cases
    table = pd.read_csv(sweep_dir / "discover.csv")
    assert set(table["kind"]) == {"box", "trajectory", "leaf"}
    assert (sweep_dir / "discover.png").stat().st_size > 10_000


def test_discover_leaves_failed_runs_out_and_lists_them(tmp_path, monkeypatch):
    from techbloc.analysis.discovery import discover
    from techbloc.sim.sweeps import FAULT_ENV

    (tmp_path / "s.yaml").write_text(SWEEP.replace("samples: 80", "samples: 30"))
    monkeypatch.setenv(FAULT_ENV, "4:0,7:0")
    tb.sweep(tmp_path / "s.yaml", out=tmp_path / "out", max_failures=2)
    values = tb.load(tmp_path / "out").summary["share_china_2025"]
    d = discover(tmp_path / "out", "share_china_2025", below=float(values.median()), write=False)
    assert d.n_runs == 28 and [f["point"] for f in d.failed] == [4, 7]
    assert any("failed runs: p4-r0, p7-r0" in line for line in d.report())


def test_discover_errors_name_the_problem(sweep_dir, tmp_path, capsys):
    assert main(["discover", str(sweep_dir), "--metric", "share_china", "--below", "0.2"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric 'share_china'" in err and "n_not_open_2025" in err
    assert main(["discover", str(sweep_dir), "--metric", "n_not_open_2025", "--above",
                 "500"]) == 2
    assert "no run has n_not_open_2025 > 500" in capsys.readouterr().err
    running = tmp_path / "running"
    (running / "runs").mkdir(parents=True)
    (running / "manifest.json").write_text(json.dumps(
        {"techbloc_sweep": 1, "status": "running", "n_runs": 400}))
    with pytest.raises(SweepError, match="still running .0 of 400 runs done"):
        from techbloc.analysis.discovery import discover

        discover(running, "x", below=1)


@pytest.mark.parametrize("command", ["discover", "tipping", "reversibility"])
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0 and "usage: techbloc " + command in capsys.readouterr().out


# --------------------------------------------------------------------------- tipping
def test_tipping_finds_where_exclusions_cross_a_target(tmp_path):
    from techbloc.sim.explore import tipping

    # Target 25: above the no-pressure level (about 15 countries not open by 2030 since issue
    # 16 keeps the 2019 exclusions and draws the weights) and below full pressure (about 43).
    t = tipping("sanctions-2019", "us.ally_pressure", "n_not_open_2030", target=25, points=5,
                replications=3, out=tmp_path)
    pts = t.points.set_index("value")["mean"]
    assert pts.iloc[-1] > pts.iloc[0] + 5  # the response exists and rises
    assert 0 < t.value < 1 and t.low <= t.value <= t.high
    x, y = pts.index.to_numpy(), pts.to_numpy()
    assert np.interp(t.value, x, y) == pytest.approx(25, abs=1.5)
    runs = pd.read_csv(tmp_path / "tipping.csv")
    # Common random numbers: every value ran with the same replicate seeds.
    assert runs.groupby("value")["seed"].apply(tuple).nunique() == 1
    assert json.loads((tmp_path / "tipping.json").read_text())["value"] == t.value


def test_tipping_scale_mode_and_errors(capsys):
    from techbloc.sim.explore import tipping

    t = tipping("sanctions-2019", "us.ally_pressure", "n_not_open_2030", scale=True, points=3,
                replications=2)
    assert t.points["value"].min() == 0 and t.points["value"].max() == 2
    assert t.value is not None and t.bracket is not None
    with pytest.raises(ScenarioError, match="unknown lever 'us.ally'.*us.ally_pressure"):
        tipping("sanctions-2019", "us.ally", "n_not_open_2030")
    with pytest.raises(ScenarioError, match="unknown metric 'n_open_2030'.*n_not_open_2030"):
        tipping("sanctions-2019", "us.ally_pressure", "n_open_2030")
    assert main(["tipping", "sanctions-2019", "--lever", "mechanisms.peer_effects"]) == 2
    assert "mechanisms.peer_effects is a switch" in capsys.readouterr().err


# --------------------------------------------------------------------------- reversibility
def test_reversibility_recovers_less_the_later_measures_are_lifted(tmp_path):
    from techbloc.sim.explore import reversibility

    r = reversibility("sanctions-2019", lift=(2021, 2025), horizon="2019Q1:2030Q4",
                      replications=3, metrics=["share_china", "n_not_open"], out=tmp_path)
    world = r.table[(r.table["metric"] == "share_china") & (r.table["region"] == "world")]
    rec = world.set_index("lift_year")["recovered"]
    assert rec[2021] > rec[2025] + 0.1  # path dependence: later lifting, less reversal
    assert (world["gap"] > 0).all()  # the measures lower the China-bloc share
    assert set(r.table["region"]) >= {"world", "eca", "ssa"}
    assert (tmp_path / "reversibility.csv").exists()


def test_lifting_levers_the_scenario_never_moved_changes_nothing():
    from techbloc.sim.explore import reversibility

    r = reversibility("sanctions-2019", lift=(2022, 2022), levers="china.*",
                      horizon="2019Q1:2024Q4", replications=2, metrics=["n_ban"])
    row = r.table.iloc[0]
    assert row["lifted"] == row["measures"]


def test_reversibility_errors_list_the_valid_choices():
    from techbloc.sim.explore import reversibility

    with pytest.raises(ScenarioError, match="unknown metric 'share'.*share_china"):
        reversibility("sanctions-2019", metrics=["share"])
    with pytest.raises(ScenarioError, match="no lever matches 'eu.*'.*us.ally_pressure"):
        reversibility("sanctions-2019", levers="eu.*")
    with pytest.raises(ScenarioError, match="lift years"):
        reversibility("sanctions-2019", lift=(2040, 2041))


def test_sweep_and_compare_take_set_and_scale_on_the_command_line(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(
        "scenario: sanctions-2019\ndesign: grid\nhorizon: 2019Q1:2020Q4\n"
        "parameters: {china.bri_discount: [0.0, 0.2]}\n"
        "scale: {us.export_controls: [0.5, 1.0]}\n")
    with notes_shown():
        assert main(["sweep", str(tmp_path / "s.yaml"), "-w", "1", "--out",
                     str(tmp_path / "o"), "--set", "us.ally_pressure=0.9"]) == 0
    assert capsys.readouterr().err.count("techbloc: note: set us.ally_pressure") == 1
    from techbloc.sim.sweeps import load_sweep_result

    runs = load_sweep_result(tmp_path / "o").runs()
    assert (runs["ally_pressure"] == 0.9).all()
    last = runs[runs["date"] == "2020Q4"].set_index("point")["export_controls"]
    assert sorted(last.round(6).tolist()) == [0.45, 0.45, 0.9, 0.9]  # 0.9 as enacted, x 0.5
    with notes_shown():
        assert main(["compare", "baseline", "sanctions-2019", "-n", "2", "--horizon",
                     "2019Q1:2020Q4", "--set", "us.ally_pressure=0", "--out",
                     str(tmp_path / "c")]) == 0
    assert "techbloc: note: set us.ally_pressure" in capsys.readouterr().err


@pytest.mark.parametrize(("design", "extra"), [
    ("grid", "parameters:\n  us.ally_pressure: [0.0, 0.5, 1.0]\n  china.bri_discount: [0.0, 0.3]\n"
             "  mechanisms.peer_effects: [true, false]\nreplications: 2\n"),
    ("sobol", "samples: 8\nparameters:\n  us.ally_pressure: {low: 0, high: 1}\n"
              "  china.bri_discount: {low: 0, high: 0.3}\n"),
    ("morris", "samples: 5\nparameters:\n  us.ally_pressure: {low: 0, high: 1}\n"
               "  china.bri_discount: {low: 0, high: 0.3}\n"),
])
def test_discover_works_on_every_design(tmp_path, design, extra):
    from techbloc.analysis.discovery import discover

    (tmp_path / "s.yaml").write_text(f"scenario: sanctions-2019\ndesign: {design}\n"
                                     f"horizon: 2019Q1:2024Q4\nseed: 2\n{extra}")
    res = tb.sweep(tmp_path / "s.yaml", out=tmp_path / "o")
    cut = float(res.summary["n_not_open_end"].median())
    d = discover(tmp_path / "o", "n_not_open_end", above=cut)
    assert d.n_runs == len(res.summary) and 0 < d.n_cases < d.n_runs
    assert "us.ally_pressure" in set(d.box["parameter"])
    assert (tmp_path / "o" / "discover.png").exists()
