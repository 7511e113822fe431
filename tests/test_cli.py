"""The techbloc command as a user runs it: files written, summaries printed, bad input refused."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.helpers import techbloc


def _one_line_error(proc, *fragments):
    assert proc.returncode == 2, f"exit {proc.returncode}, stderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    for f in fragments:
        assert f in proc.stderr, f"{f!r} not in stderr: {proc.stderr}"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline"
    proc = techbloc("run", "baseline", "--replications", "2", "--seed", "3", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_run_writes_the_run_folder(run_folder):
    out, proc = run_folder
    for name in ("manifest.json", "model.parquet", "countries.parquet", "adoption.png"):
        assert (out / name).exists(), f"{name} missing from the run folder"
    assert (out / "adoption.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert [r["status"] for r in manifest["replicates"]] == ["complete", "complete"]
    assert manifest["scenario"]["name"] == "baseline" and manifest["base_seed"] == 3
    assert manifest["units"]["model"]["share_china"].startswith("share of 5G sites")


def test_run_prints_folder_and_three_line_summary(run_folder):
    out, proc = run_folder
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == f"run folder: {out}"
    assert len(lines) == 4 and "China-bloc share" in lines[1]


def test_run_tables_match_python_api(run_folder):
    from techbloc.sim import run

    out, _ = run_folder
    res = run("baseline", replications=2, seed=3)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "model.parquet"), res.model)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "countries.parquet"), res.countries)


def test_no_plots_writes_tables_only(tmp_path):
    proc = techbloc("run", "sanctions-2019", "-n", "1", "--out", str(tmp_path / "r"),
                    "--no-plots", "--set", "us.ally_pressure=0.8")
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "r" / "adoption.png").exists()
    m = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert m["scenario"]["params"]["us.ally_pressure"] == 0.8


def test_pictures_from_the_painter_equal_those_drawn_in_the_command(tmp_path):
    # techbloc run draws its pictures in painter processes (sim.commands.RunPictures);
    # TECHBLOC_PICTURES=here draws them in the command itself: the files must be the same.
    for mode in ("painter", "here"):
        proc = techbloc("run", "baseline", "-n", "2", "--seed", "3", "--out", tmp_path / mode,
                        env={"TECHBLOC_PICTURES": mode})
        assert proc.returncode == 0, proc.stderr
    for name in ("adoption.png", "map.png"):
        painted = (tmp_path / "painter" / name).read_bytes()
        assert painted[:8] == b"\x89PNG\r\n\x1a\n"
        assert painted == (tmp_path / "here" / name).read_bytes(), name


PAINTER_DIES = """
import os, signal, sys
from pathlib import Path
import techbloc as tb
from techbloc.sim.commands import RunPictures

out = Path(sys.argv[1])
with RunPictures(out, "baseline", "2030Q4") as pictures:
    assert pictures.proc is not None, "no painter started"
    painter = pictures.proc.pid
    os.kill(painter, signal.SIGKILL)
    res = tb.run("baseline", replications=1, out=out, on_tables=pictures.start)
    written = pictures.finish(res)
print(sorted(p.name for p in written), pictures.proc)
"""


def test_a_painter_that_dies_leaves_the_pictures_to_the_command(tmp_path):
    proc = subprocess.run([sys.executable, "-c", PAINTER_DIES, str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TECHBLOC_PICTURES": "painter"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("]")[0] + "]" == "['adoption.png', 'map.png']"
    assert proc.stdout.strip().endswith("None")  # the dead painter was reaped
    for name in ("adoption.png", "map.png"):
        assert (tmp_path / "r" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_two_runs_in_the_same_second_get_two_default_folders(tmp_path):
    from techbloc.sim.folders import new_results_folder

    first = new_results_folder("baseline", tmp_path / "results")
    first.mkdir(parents=True)
    second = new_results_folder("baseline", tmp_path / "results")
    assert second != first and not second.exists()
    # As a user: the same command twice, no --out; both runs are kept.
    for _ in range(2):
        proc = techbloc("run", "baseline", "-n", "1", "--no-plots", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    folders = sorted((tmp_path / "results").glob("baseline-*/manifest.json"))
    assert len(folders) == 2


def test_unknown_scenario_is_one_line_error(tmp_path):
    _one_line_error(techbloc("run", "basline", "--out", str(tmp_path / "x")),
                    "unknown scenario 'basline'", "did you mean 'baseline'")
    assert not (tmp_path / "x").exists(), "a failed run left a folder behind"


@pytest.mark.parametrize("value", ["0", "-3", "abc"])
def test_invalid_replications_refused(value):
    proc = techbloc("run", "baseline", "--replications", value)
    assert proc.returncode == 2 and "--replications" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_scenario_file_names_file_and_line(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("name: mine\nextends: baseline\nparams:\n  us:\n    export_control: 0.5\n")
    _one_line_error(techbloc("run", str(f)), "mine.yaml:5", "did you mean 'export_controls'")


def test_bad_set_override_refused():
    _one_line_error(techbloc("run", "baseline", "--set", "us.ally_pressure=3"),
                    "us.ally_pressure", "outside the range")


def test_help_and_params():
    assert techbloc("--help").returncode == 0
    assert techbloc("run", "--help").returncode == 0
    proc = techbloc("params")
    assert proc.returncode == 0 and "us.export_controls" in proc.stdout


def test_plot_metric_choices_and_a_wrong_metric(run_folder, tmp_path):
    out, _ = run_folder
    assert (out / "devices.parquet").exists()
    for metric, extra in (("device_share", ["--by", "region"]),
                          ("enterprise_china_share", ["--by", "region"]),
                          ("huawei_consumer_revenue_usd", [])):
        png = tmp_path / f"{metric}.png"
        proc = techbloc("plot", str(out), "--metric", metric, *extra, "-o", str(png))
        assert proc.returncode == 0, proc.stderr
        assert png.read_bytes()[:4] == b"\x89PNG"
    _one_line_error(techbloc("plot", str(out), "--metric", "own_os_shar"),
                    "--metric: unknown metric 'own_os_shar'", "did you mean 'own_os_share'")


def test_plot_never_replaces_the_runs_own_map_and_writes_the_countries_csv(run_folder):
    out, _ = run_folder
    own = (out / "map.png").read_bytes()
    proc = techbloc("plot", str(out), "--kind", "map", "--value", "china_share")
    assert proc.returncode == 0, proc.stderr
    assert (out / "map.png").read_bytes() == own, "plot --kind map replaced the run's map.png"
    assert (out / "map-china_share-2030Q4.png").exists()
    again = techbloc("plot", str(out), "--kind", "map", "--value", "china_share")
    assert "replaced the file of the same name" in again.stdout  # said, not silent
    proc = techbloc("plot", str(out), "--kind", "countries", "--date", "2025Q4")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "countries-2025Q4.csv")
    assert len(table) == 201 and {"iso3", "p_open", "p_ban", "china_share"} <= set(table)
    np.testing.assert_allclose(table[["p_open", "p_restrict", "p_ban"]].sum(axis=1), 1.0)


def test_params_shows_calibrated_values_and_which_a_run_uses():
    proc = techbloc("params", "--scenario", "baseline")
    assert proc.returncode == 0, proc.stderr
    head, *rows = proc.stdout.splitlines()
    assert "default" in head and "calibrated" in head and "baseline" in head
    row = next(r for r in rows if r.startswith("country.threshold_restrict"))
    default, calibrated, baseline = row.split()[1:4]
    assert calibrated == baseline != default  # baseline runs the calibrated value
    assert "runs use the calibrated value" in proc.stdout


def test_calibrate_out_is_a_folder_and_never_the_shipped_file(tmp_path):
    _one_line_error(techbloc("calibrate", "--trials", "1", "--out", "scenarios/calibrated.yaml"),
                    "--out: --out names a folder", "adopting a fit is a separate step")


def test_missing_extra_hint_works_from_a_clone():
    from techbloc.sim.commands import install_hint

    assert install_hint("dask") == ("from the folder of your techbloc clone: .venv/bin/pip "
                                    "install -e '.[dask]' (techbloc is not on a package index)")


def test_progress_goes_to_a_log_as_lines(capsys):
    # stderr not a terminal (a log file, a background job): no bar can redraw, so a plain line
    # per tenth done is written instead, once the task has run long enough (here at once).
    from techbloc.sim.commands import _progress_lines

    update = _progress_lines("calibrating", 20, min_seconds=0)
    for done in range(1, 21):
        update(done)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10 and lines[0].startswith("calibrating: 2/20 (")
    assert lines[-1].startswith("calibrating: 20/20 (")
    # A short task writes nothing (a one-line error stays one line).
    quiet = _progress_lines("run", 4)
    for done in range(1, 5):
        quiet(done)
    assert capsys.readouterr().err == ""
