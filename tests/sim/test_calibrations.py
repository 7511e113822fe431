"""The two shipped calibrations (docs/ODD.md §1.2): the one runs use, fitted on the whole
record, and the validation protocol's 2019-2021 fit that ``techbloc hindcast`` scores."""

import json

import pytest
from techbloc.sim.calibration import calibration_name
from techbloc.sim.cli import main
from techbloc.sim.errors import ScenarioError
from techbloc.sim.posterior import (
    CALIBRATIONS,
    _shipped,
    calibration_of,
    for_replicate,
    posterior_path,
    read_draws,
    rebase,
)
from techbloc.sim.rng import replicate_seeds
from techbloc.sim.scenario import load_scenario


def test_each_shipped_calibration_has_its_ensemble_over_the_keys_it_sets():
    for name in CALIBRATIONS:
        cal = load_scenario(name)
        assert cal.name == name
        draws = read_draws(posterior_path(name))
        fitted = [c for c in draws.columns if c not in ("draw", "epsilon", "evaluations")]
        assert set(fitted) <= set(cal.origins), name  # every drawn weight is one it sets
    assert calibration_name(2024) == "calibrated" and calibration_name(2021) == "calibrated-2021"


def test_rebase_takes_the_2021_fit_and_keeps_what_the_user_set():
    base = load_scenario("sanctions-2019").with_params({"country.w_peer": 2.5})
    old = load_scenario("calibrated-2021")
    moved = rebase(base, "calibrated-2021")
    for key in old.origins:
        if key == "country.w_peer":
            assert moved.params[key] == 2.5  # the user's value is kept
            assert moved.origins[key] == "command line"
        else:
            assert moved.params[key] == old.params[key], key
            assert moved.origins[key] == "parent calibrated-2021", key
    assert calibration_of(moved) == "calibrated-2021"
    assert calibration_of(base) == "calibrated"
    assert rebase(base, "calibrated") is base
    with pytest.raises(ScenarioError, match="unknown calibration 'calibrated-2019'"):
        rebase(base, "calibrated-2019")


def test_replicates_draw_from_the_ensemble_of_their_own_calibration():
    base = load_scenario("sanctions-2019")
    moved = rebase(base, "calibrated-2021")
    key = "country.threshold_ban"
    for name, scen in (("calibrated", base), ("calibrated-2021", moved)):
        allowed = set(_shipped(name)[key])
        picked = {for_replicate(scen, s)[0].params[key] for s in replicate_seeds(5, 20)}
        assert picked <= allowed and len(picked) > 1, name
    # the two ensembles are different fits, so the same replicate draws different weights
    s = replicate_seeds(5, 1)[0]
    assert for_replicate(base, s)[0].params[key] != for_replicate(moved, s)[0].params[key]


def test_a_scenario_mixing_two_calibrations_is_refused():
    moved = rebase(load_scenario("sanctions-2019"), "calibrated-2021")
    mixed = moved.with_params({"country.w_peer": 1.0}, origin="parent calibrated")
    with pytest.raises(ScenarioError, match="two calibrations"):
        calibration_of(mixed)


def test_hindcast_scores_the_2021_fit_by_default(tmp_path, capsys):
    out = tmp_path / "h"
    assert main(["hindcast", "-n", "2", "--forecast-replicates", "2", "--seed", "3",
                 "--out", str(out)]) == 0
    assert json.loads((out / "hindcast.json").read_text())["calibration"] == "calibrated-2021"
    captured = capsys.readouterr()
    assert "on the calibration calibrated-2021 (fitted on 2019-2021)" in captured.err
    assert "in sample" not in captured.out.split("stances at end-")[0]
    # on the whole-record calibration the report says its scores are all in sample
    assert main(["hindcast", "-n", "2", "--forecast-replicates", "2", "--seed", "3",
                 "--calibration", "calibrated", "--out", str(tmp_path / "w")]) == 0
    out = capsys.readouterr().out
    assert "fitted on 2019-2024: every score of the run and the temporal forecast below is in " \
        "sample" in out
    assert json.loads((tmp_path / "w" / "hindcast.json").read_text())["calibration"] == (
        "calibrated")


def test_calibrate_refuses_a_year_outside_the_record(capsys):
    with pytest.raises(SystemExit):
        main(["calibrate", "--countries", "--fit-through", "2022"])
    assert "--fit-through" in capsys.readouterr().err


def _on_2021(out, *given) -> dict:
    """The parameter values written by ``run baseline --calibration calibrated-2021 *given``."""
    assert main(["run", "baseline", "-n", "2", "--horizon", "2019Q1:2020Q4", "--no-plots",
                 "--calibration", "calibrated-2021", *given, "--out", str(out)]) == 0
    return json.loads((out / "manifest.json").read_text())["scenario"]["params"]


def test_run_on_the_2021_calibration_takes_its_values_and_keeps_the_user_s(tmp_path):
    out = tmp_path / "r"
    written = _on_2021(out, "--set", "country.w_peer=2.5")
    old = load_scenario("calibrated-2021")
    for key in old.origins:  # the run's values are the 2021 fit's, the user's kept
        assert written[key] == (2.5 if key == "country.w_peer" else old.params[key]), key
    plain = tmp_path / "p"
    assert main(["run", "baseline", "-n", "2", "--horizon", "2019Q1:2020Q4", "--no-plots",
                 "--set", "country.w_peer=2.5", "--out", str(plain)]) == 0
    import pandas as pd

    a = pd.read_parquet(out / "countries.parquet")
    b = pd.read_parquet(plain / "countries.parquet")
    assert not a.equals(b)  # other weights, other draws: another run
    # a scenario extending no calibration takes the one named
    f = tmp_path / "bare.yaml"
    f.write_text("name: bare\n")
    assert calibration_of(load_scenario(f)) is None
    moved = rebase(load_scenario(f), "calibrated-2021")
    assert moved.params["country.w_intel"] == load_scenario("calibrated-2021").params[
        "country.w_intel"]
    assert calibration_of(moved) == "calibrated-2021"


def test_run_refuses_an_unknown_calibration(capsys):
    with pytest.raises(SystemExit):
        main(["run", "baseline", "--calibration", "calibrated-2019"])
    assert "--calibration" in capsys.readouterr().err


def test_a_dated_hold_survives_the_rebase_and_the_posterior_draw():
    # --set KEY=V@QUARTER on a calibrated weight: the start value is the calibration's (or the
    # draw's), and the user's hold still acts from its quarter
    held = load_scenario("baseline", set={"country.w_peer": "2.0@2022Q1"})
    for scen in (rebase(held, "calibrated-2021"), for_replicate(held, replicate_seeds(5, 1)[0])[0]):
        holds = [e for e in scen.events if e.set.get("country.w_peer") == 2.0]
        assert len(holds) == 1 and str(holds[0].at) == "2022Q1"
    assert rebase(held, "calibrated-2021").params["country.w_peer"] == load_scenario(
        "calibrated-2021").params["country.w_peer"]


def test_run_scales_the_values_of_the_calibration_it_runs_on(tmp_path):
    written = _on_2021(tmp_path / "s", "--scale", "country.w_peer=2")
    assert written["country.w_peer"] == pytest.approx(
        2 * load_scenario("calibrated-2021").params["country.w_peer"])


def test_hindcast_of_a_scenario_extending_no_calibration_keeps_its_own_values(tmp_path, capsys):
    f = tmp_path / "bare.yaml"
    f.write_text("name: bare\nparams: {us.ally_pressure: 0.5}\n")
    out = tmp_path / "h"
    assert main(["hindcast", "--scenario", str(f), "-n", "2", "--forecast-replicates", "2",
                 "--seed", "3", "--out", str(out)]) == 0
    assert json.loads((out / "hindcast.json").read_text())["calibration"] == "none"
    assert "it extends none: its own values" in capsys.readouterr().err


def test_runs_record_their_calibration_and_compare_notes_a_mix(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["-n", "2", "--horizon", "2019Q1:2020Q4", "--no-plots", "--seed", "4"]
    assert main(["run", "baseline", *common, "--out", str(a)]) == 0
    assert main(["run", "decoupling", *common, "--calibration", "calibrated-2021",
                 "--out", str(b)]) == 0
    assert json.loads((a / "manifest.json").read_text())["calibration"] == "calibrated"
    assert json.loads((b / "manifest.json").read_text())["calibration"] == "calibrated-2021"
    capsys.readouterr()
    assert main(["compare", "--from", str(a), str(b), "--out",
                 str(tmp_path / "c")]) == 0
    err = capsys.readouterr().err
    assert "different calibrations (baseline: calibrated, decoupling: calibrated-2021)" in err
