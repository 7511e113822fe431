"""Issue 16's command options as a user meets them: validation protocol, uncertainty, refusals."""

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import techbloc

ROOT = Path(__file__).resolve().parents[1]


def _refused(proc, *fragments):
    assert proc.returncode == 2, f"exit {proc.returncode}, stderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    for f in fragments:
        assert f in proc.stderr, proc.stderr


def test_bad_cross_validation_and_posterior_options_are_refused(tmp_path):
    _refused(techbloc("hindcast", "--cv", "1", "--out", str(tmp_path / "h")), "--cv",
             "at least 2 folds")
    _refused(techbloc("calibrate", "--posterior", "50", "--out", str(tmp_path / "c.yaml")),
             "--posterior", "--countries")
    _refused(techbloc("run", "baseline", "--uncertainty", "some"), "--uncertainty")
    for w in ("nan", "-1", "inf"):
        _refused(techbloc("calibrate", "--ban-weight", w), "--ban-weight", "finite number >= 0")
    (tmp_path / "afile").write_text("x")
    _refused(techbloc("calibrate", "--trials", "1", "--out", str(tmp_path / "afile")),
             "not a folder")
    assert not (tmp_path / "c.yaml").exists()


def test_hindcast_reports_the_temporal_protocol(tmp_path):
    out = tmp_path / "h"
    proc = techbloc("hindcast", "-n", "2", "--forecast-replicates", "12", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "transitions: open at end-2021" in proc.stdout
    assert "model forecast from end-2021" in proc.stdout
    v = json.loads((out / "hindcast.json").read_text())["validation"]["temporal"]
    assert v["fit_years"] == [2019, 2020, 2021] and v["test_year"] == 2024
    assert v["model_run"] == "forecast from the end of the last fit year"
    for block in (v["in_sample"], v["all_stances"], v["transitions"],
                  v["free_running"]["all_stances"], v["free_running"]["transitions"]):
        assert set(block) >= {"model", "persistence", "fourteen_eyes", "all_open"}
    # Every recorded country has a forecast; few paths of 12 match some records, and those
    # countries are forecast by the run with the record imposed to 2021 (named in the output).
    f = v["forecast"]
    assert len(f["matches"]) == v["all_stances"]["n"] == 86
    assert f["from_imposed_run"] and all(f["matches"][c] < 10 for c in f["from_imposed_run"])
    _refused(techbloc("hindcast", "--forecast-replicates", "0"), "--forecast-replicates")
    _refused(techbloc("hindcast", "--uncertainty", "most"), "--uncertainty")


def test_hindcast_scores_the_point_estimate_with_uncertainty_noise(tmp_path):
    # --uncertainty noise runs every replicate at the calibrated point; the scores differ from
    # the default's (posterior draws), and the same command twice gives the same scores.
    scores = []
    for name, extra in (("a", ["--uncertainty", "noise"]), ("b", ["--uncertainty", "noise"]),
                        ("c", [])):
        out = tmp_path / name
        proc = techbloc("hindcast", "-n", "3", "--forecast-replicates", "6", "--out", str(out),
                        *extra)
        assert proc.returncode == 0, proc.stderr
        v = json.loads((out / "hindcast.json").read_text())["validation"]["temporal"]
        scores.append(v["in_sample"]["model"]["all"])
    assert scores[0] == scores[1]
    assert scores[0] != scores[2]


def test_uncertainty_noise_off_gives_identical_noise_across_replicates(tmp_path):
    # With parameters drawn and one seed, replicates differ by their draws only; with noise and
    # no draws, by their seeds only. Both are deterministic: the same command twice is identical.
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        proc = techbloc("run", "baseline", "-n", "3", "--horizon", "2019Q1:2020Q4",
                        "--uncertainty", "parameters", "--no-plots", "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    ca, cb = (pd.read_parquet(p / "countries.parquet") for p in (a, b))
    pd.testing.assert_frame_equal(ca, cb)


def test_hindcast_folds_find_a_scenario_of_the_search_path(tmp_path):
    # A scenario found only in --scenarios DIR: the forecast's and the folds' runs load it with
    # the search path too (they failed with "unknown scenario" after the main run had finished).
    text = (ROOT / "scenarios" / "sanctions-2019.yaml").read_text()
    (tmp_path / "my-hist.yaml").write_text(text.replace("name: sanctions-2019", "name: my-hist"))
    out = tmp_path / "h"
    proc = techbloc("--scenarios", str(tmp_path), "hindcast", "--scenario", "my-hist", "-n", "2",
                    "--forecast-replicates", "4", "--cv", "2", "--cv-trials", "4",
                    "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "hindcast.json").read_text())["validation"]["spatial"]["k"] == 2


def test_posterior_only_refuses_a_missing_or_too_small_population(tmp_path):
    _refused(techbloc("calibrate", "--countries", "--posterior-only", "--out",
                      str(tmp_path / "x")), "--posterior-only", "--posterior POP")
    _refused(techbloc("calibrate", "--countries", "--posterior", "20", "--out",
                      str(tmp_path / "y")), "--posterior", "at least 48 particles")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_the_fair_abc_score_refuses_one_replicate_before_any_work(tmp_path):
    _refused(techbloc("calibrate", "--countries", "--posterior", "48", "--posterior-only",
                      "--abc-replications", "1", "--abc-score", "fair",
                      "--out", str(tmp_path / "z")),
             "--abc-replications", "at least 2 replicates")
    assert not (tmp_path / "z").exists()


def test_posterior_only_fits_a_floored_ensemble_around_the_scenarios_values(tmp_path):
    # One run for the command's wiring (each ABC run costs tens of seconds): the ensemble is
    # fitted around the scenario's own values with no point fit, and the floor binding is
    # tested on a toy model in tests/sim/test_calibration.py (two generations on one replicate
    # stay above it here). The floor is the distance's median at the point, measured once,
    # printed before the run and again beside the final tolerance; the run never goes below it.
    import re

    out = tmp_path / "floored"
    proc = techbloc("calibrate", "--countries", "--posterior", "48", "--posterior-only",
                    "--generations", "2", "--abc-replications", "1", "--abc-score", "plain",
                    "--abc-europe-band", "0.09", "--abc-floor", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "final tolerance" in proc.stdout and "at the point values" in proc.stdout
    draws = pd.read_parquet(out / "calibrated_posterior.parquet")
    assert len(draws) == 200 and draws["country.threshold_restrict"].between(1.0, 4.5).all()
    assert (out / "calibrated_posterior.png").exists()
    assert not (out / "calibrated.yaml").exists()  # no point fit was made
    floor = float(re.search(r"floored at the point's median distance ([0-9.]+)",
                            proc.stderr).group(1))
    assert "Europe's share free within 0.09 of 0.51" in proc.stderr
    at_point = float(re.search(r"median at the point values, 1 fresh replicates: ([0-9.]+)",
                               proc.stdout).group(1))
    assert at_point == floor  # the same measurement, not a second one
    eps = [float(e) for e in re.findall(r"generation \d+: epsilon ([0-9.]+)", proc.stderr)]
    assert 1 <= len(eps) <= 2 and min(eps) >= floor - 5e-5  # printed to 4 decimals
    final = float(re.search(r"final tolerance ([0-9.]+)", proc.stdout).group(1))
    assert final == pytest.approx(eps[-1], abs=5e-5)


def test_without_a_floor_the_point_s_median_is_measured_after_the_run(tmp_path):
    # The default path (no --abc-floor): nothing is measured before the sampler, and the
    # distance's median at the point is measured once after it, beside the final tolerance,
    # with the warning exactly when the tolerance lies below it.
    import re

    out = tmp_path / "plain"
    proc = techbloc("calibrate", "--countries", "--posterior", "48", "--posterior-only",
                    "--generations", "1", "--abc-replications", "1", "--abc-score", "plain",
                    "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "48 particles x 1 generations of 1 replicates, plain RPS" in proc.stderr
    assert "floored" not in proc.stderr and "Europe's share free" not in proc.stderr
    final, at_point = map(float, re.search(
        r"final tolerance ([0-9.]+); the distance's median at the point values, 1 fresh "
        r"replicates: ([0-9.]+)", proc.stdout).groups())
    assert at_point > 0
    assert ("the tolerance is below it" in proc.stdout) == (final < at_point)
    assert len(pd.read_parquet(out / "calibrated_posterior.parquet")) == 200
