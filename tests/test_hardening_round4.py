"""Bad input and lost work, round 4: clear errors naming file, line or key; nothing mixed."""

import shutil

import pandas as pd
import pytest
from techbloc.sim.cli import main
from techbloc.sim.errors import ScenarioError, SweepError
from techbloc.sim.scenario import load_scenario, validate

from tests.helpers import CLI, forbid, one_line_error, run_main, saved_run

SWEEP = ("scenario: baseline\ndesign: grid\nhorizon: 2019Q1:2020Q4\nreplications: 2\n"
         "parameters:\n  us.ally_pressure: [{values}]\n")


# --------------------------------------------------------------------------- tipping --points
@pytest.mark.parametrize("points", ["102", "1000000000"])
def test_tipping_points_above_the_bound_are_refused_by_the_parser(tmp_path, capsys, points):
    # the grid had no upper bound: --points 10**9 started years of runs (or exhausted memory)
    with pytest.raises(SystemExit) as exit_:
        main(["tipping", "baseline", "--lever", "us.ally_pressure", "--points", points,
              "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --points" in err and "3 to 101" in err, err
    assert not (tmp_path / "o").exists()


def test_tipping_points_are_bounded_in_python_too(tmp_path):
    from techbloc.sim.explore import MAX_POINTS, tipping
    from techbloc.sim.explore_cli import _grid_points

    assert _grid_points(str(MAX_POINTS)) == MAX_POINTS  # the parser's bound is the module's

    for points in (2, MAX_POINTS + 1):
        with pytest.raises(ScenarioError, match=f"3 to {MAX_POINTS} grid points") as e:
            tipping("baseline", "us.ally_pressure", points=points, out=tmp_path / "o")
        assert e.value.key == "--points"
    assert not (tmp_path / "o").exists()


def test_tipping_on_a_switch_says_it_is_a_switch(tmp_path, capsys):
    # it said "unknown lever 'mechanisms.equipment_market'" of a parameter techbloc params lists
    code, err = run_main(capsys, "tipping", "baseline", "--lever", "mechanisms.equipment_market",
                         "--out", tmp_path / "o")
    one_line_error(code, err, "--lever", "mechanisms.equipment_market is a switch", "compare")
    assert "unknown" not in err and not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- --out folders
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return saved_run(tmp_path_factory)


@pytest.fixture
def no_runs(monkeypatch):
    """Any model run fails the test: the refusals must come before the work."""
    from techbloc.sim import experiment, explore

    forbid(monkeypatch, "work started before --out was checked", (experiment, "run_replicate"),
           (explore, "run_replicate"), (experiment, "run"))


COMMANDS = {
    "tipping": ["tipping", "baseline", "--lever", "us.ally_pressure", "--points", "3", "-n", "1"],
    "reversibility": ["reversibility", "sanctions-2019", "-n", "1"],
    "hindcast": ["hindcast", "-n", "1"],
    "compare": ["compare", "baseline", "sanctions-2019", "-n", "1"],
}
EARLIER = {"tipping": "tipping.csv", "reversibility": "reversibility.csv",
           "hindcast": "hindcast.json", "compare": "compare.csv"}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_out_folder_holding_a_run_is_refused_not_mixed(run_dir, capsys, no_runs, command):
    # tipping, reversibility, hindcast and compare wrote their files into a run folder
    before = sorted(p.name for p in run_dir.iterdir())
    code, err = run_main(capsys, *COMMANDS[command], "--out", run_dir)
    one_line_error(code, err, str(run_dir), "holds a run or sweep", "choose another --out")
    assert sorted(p.name for p in run_dir.iterdir()) == before


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_earlier_result_in_the_out_folder_is_not_replaced(tmp_path, capsys, no_runs,
                                                             command):
    # a second tipping (another lever) into the same --out replaced the first one's files
    (tmp_path / EARLIER[command]).write_text("an earlier result\n")
    code, err = run_main(capsys, *COMMANDS[command], "--out", tmp_path)
    one_line_error(code, err, str(tmp_path), f"already holds {EARLIER[command]}")
    assert (tmp_path / EARLIER[command]).read_text() == "an earlier result\n"


@pytest.mark.parametrize("call", ["tipping", "reversibility"])
def test_an_out_that_is_not_a_path_is_refused_in_python(call):
    from techbloc.sim import explore
    from techbloc.sim.errors import DataError

    args = ("baseline", "us.ally_pressure") if call == "tipping" else ("sanctions-2019",)
    with pytest.raises(DataError, match="expected a folder path, found int 5") as e:
        getattr(explore, call)(*args, out=5)
    assert e.value.key == "out"


def test_an_out_folder_with_other_files_is_still_used(tmp_path):
    from techbloc.sim.explore import tipping

    (tmp_path / "notes.txt").write_text("mine\n")
    t = tipping("baseline", "us.ally_pressure", points=3, replications=1, out=tmp_path)
    assert (tmp_path / "tipping.csv").exists() and t.path == tmp_path
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


# --------------------------------------------------------------------------- sweep run files
def _sweep(tmp_path, name, values):
    from techbloc.sim.sweeps import sweep

    f = tmp_path / f"{name}.yaml"
    f.write_text(SWEEP.format(values=values))
    return f, sweep(f, out=tmp_path / name)


@pytest.fixture(scope="module")
def two_sweeps(tmp_path_factory):
    """A finished 2 x 2 sweep and another of other values and more points (same seed)."""
    tmp = tmp_path_factory.mktemp("sweeps")
    mine, res = _sweep(tmp, "mine", "0.2, 0.8")
    _, other = _sweep(tmp, "other", "0.3, 0.5, 0.9")
    return mine, res.path, other.path


def _copy(folder, tmp_path):
    return shutil.copytree(folder, tmp_path / "copy")


@pytest.mark.parametrize("label,source,target,fragment", [
    # the same point and replicate (so the same seed) of another sweep: other values
    ("other values", "p000001-r0001.parquet", "p000001-r0001.parquet",
     "was written by another sweep"),
    # a run the design does not have: the summary had more runs than the design
    ("outside the design", "p000002-r0000.parquet", "p000002-r0000.parquet",
     "point 2, replicate 0 is not in this sweep"),
    # a copy under another name (a file manager's "copy"): a second file for one run
    ("renamed copy", "p000000-r0001.parquet", "p000000-r0001 (copy).parquet",
     "holds run p000000-r0001"),
])
def test_a_resume_refuses_run_files_of_another_sweep_naming_them(two_sweeps, tmp_path, capsys,
                                                                 label, source, target,
                                                                 fragment):
    file, mine, other = two_sweeps
    d = _copy(mine, tmp_path)
    origin = (mine if label == "renamed copy" else other) / "runs" / source
    (d / "runs" / target).unlink(missing_ok=True)
    shutil.copy(origin, d / "runs" / target)
    before = pd.read_parquet(d / "summary.parquet")
    code, err = run_main(capsys, "sweep", file, "--resume", d, "-w", "1")
    one_line_error(code, err, str(d / "runs" / target), fragment, "move it out")
    assert pd.read_parquet(d / "summary.parquet").equals(before)  # nothing rewritten


def test_a_sweep_started_from_python_resumes_from_the_command_line(two_sweeps, tmp_path,
                                                                   capsys):
    # tb.sweep(FILE) and techbloc sweep FILE hashed their options differently: the resume was
    # refused as "the sweep file or its options changed"
    file, mine, _ = two_sweeps
    d = _copy(mine, tmp_path)
    (d / "runs" / "p000001-r0001.parquet").unlink()
    code, err = run_main(capsys, "sweep", file, "--resume", d, "-w", "1")
    assert code == 0, err
    assert pd.read_parquet(d / "summary.parquet").equals(
        pd.read_parquet(mine / "summary.parquet"))


def test_an_out_folder_with_another_sweeps_runs_is_refused(two_sweeps, tmp_path, capsys):
    # without a manifest, --out reused every run file in runs/, whoever wrote it
    file, _, other = two_sweeps
    d = _copy(other, tmp_path)
    (d / "manifest.json").unlink()
    code, err = run_main(capsys, "sweep", file, "--out", d, "-w", "1")
    one_line_error(code, err, "was written by another sweep", "move it out")


def test_a_resume_without_its_manifest_keeps_the_checked_runs(two_sweeps, tmp_path, capsys):
    # the resume refused ("no manifest.json") with no way on but starting again
    file, mine, _ = two_sweeps
    d = _copy(mine, tmp_path)
    (d / "manifest.json").unlink()
    (d / "runs" / "p000001-r0000.parquet").unlink()
    (d / "summary.parquet").unlink()
    code, err = run_main(capsys, "sweep", file, "--resume", d, "-w", "1")
    assert code == 0, err
    assert "no manifest.json" in err and "3 finished runs" in err, err
    assert pd.read_parquet(d / "summary.parquet").equals(
        pd.read_parquet(mine / "summary.parquet"))


def test_an_out_folder_with_this_sweeps_runs_keeps_them_with_a_note(two_sweeps, tmp_path,
                                                                    capsys):
    file, mine, _ = two_sweeps
    d = _copy(mine, tmp_path)
    (d / "manifest.json").unlink()
    (d / "runs" / "p000000-r0000.parquet").unlink()
    code, err = run_main(capsys, "sweep", file, "--out", d, "-w", "1")
    assert code == 0 and "already holds 3 runs of this sweep" in err, err
    assert pd.read_parquet(d / "summary.parquet").equals(
        pd.read_parquet(mine / "summary.parquet"))


def test_a_resume_of_an_empty_or_other_folder_still_refuses(two_sweeps, tmp_path, capsys):
    file, _, _ = two_sweeps
    (tmp_path / "empty").mkdir()
    code, err = run_main(capsys, "sweep", file, "--resume", tmp_path / "empty")
    one_line_error(code, err, "no manifest.json")


@pytest.mark.parametrize("edit,fragment", [
    (("0.05", "0.25"), "china.bri_discount 0.05 then, 0.25 now"),
    (("params:", "events:\n- {at: 2020Q1, set: {us.export_controls: 0.5}}\nparams:"),
     "the base scenario's events differ"),
])
def test_a_resume_after_the_base_scenario_was_edited_is_refused(tmp_path, capsys, edit,
                                                                 fragment):
    # the digest covers the sweep file only: runs of two base scenarios were mixed silently
    from techbloc.sim.sweeps import sweep

    base = tmp_path / "mybase.yaml"
    base.write_text("name: mybase\nextends: baseline\nparams:\n  china.bri_discount: 0.05\n")
    f = tmp_path / "sw.yaml"
    f.write_text(SWEEP.format(values="0.2, 0.8").replace("baseline", "mybase"))
    d = sweep(f, out=tmp_path / "d").path
    (d / "runs" / "p000001-r0000.parquet").unlink()
    base.write_text(base.read_text().replace(*edit))
    code, err = run_main(capsys, "sweep", f, "--resume", d, "-w", "1")
    one_line_error(code, err, str(d / "manifest.json"), fragment)
    assert not (d / "runs" / "p000001-r0000.parquet").exists()


def test_a_resume_from_another_folder_with_a_retitled_base_is_accepted(tmp_path, capsys,
                                                                       monkeypatch):
    from techbloc.sim.sweeps import sweep

    base = tmp_path / "mybase.yaml"
    base.write_text("name: mybase\nextends: baseline\nparams:\n  china.bri_discount: 0.05\n")
    f = tmp_path / "sw.yaml"
    f.write_text(SWEEP.format(values="0.2, 0.8").replace("baseline", "mybase"))
    monkeypatch.chdir(tmp_path)
    d = sweep("sw.yaml", out="d").path
    whole = pd.read_parquet(d / "summary.parquet")
    (d / "runs" / "p000001-r0000.parquet").unlink()
    base.write_text(base.read_text() + "title: a better title\n")
    monkeypatch.chdir(tmp_path.parent)  # the file named by another path: its source differs
    code, err = run_main(capsys, "sweep", f, "--resume", tmp_path / "d", "-w", "1")
    assert code == 0, err
    assert pd.read_parquet(tmp_path / "d" / "summary.parquet").equals(whole)


def test_an_unreadable_run_file_is_run_again_with_a_note(two_sweeps, tmp_path, capsys):
    file, mine, _ = two_sweeps
    d = _copy(mine, tmp_path)
    f = d / "runs" / "p000000-r0001.parquet"
    f.write_bytes(f.read_bytes()[:100])  # a truncated copy, a full disk
    code, err = run_main(capsys, "sweep", file, "--resume", d, "-w", "1")
    assert code == 0, err
    assert "p000000-r0001.parquet" in err and "cannot be read" in err, err
    assert pd.read_parquet(d / "summary.parquet").equals(
        pd.read_parquet(mine / "summary.parquet"))


def test_a_terminated_sweep_says_so_and_resumes_to_the_same_table(tmp_path):
    # kill -TERM (a batch system's time limit) left the manifest "running" and said nothing
    import json
    import signal
    import subprocess
    import time

    from techbloc.sim.sweeps import sweep

    f = tmp_path / "s.yaml"
    f.write_text("scenario: baseline\ndesign: grid\nhorizon: 2019Q1:2024Q4\nreplications: 30\n"
                 "parameters:\n  us.ally_pressure: [0.2, 0.4, 0.6, 0.8]\n")
    d = tmp_path / "d"
    p = subprocess.Popen([*CLI, "sweep", str(f), "-w", "1", "--out", str(d)],
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(list((d / "runs").glob("*.parquet"))) < 5 and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=120)[1]
    assert p.returncode == 128 + signal.SIGTERM, err
    assert f"resume with techbloc sweep {f} --resume {d}" in err and "Traceback" not in err, err
    assert json.loads((d / "manifest.json").read_text())["status"] == "interrupted"
    done = len(list((d / "runs").glob("*.parquet")))
    assert 5 <= done < 120
    r = subprocess.run([*CLI, "sweep", str(f), "--resume", str(d), "-w", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    whole = sweep(f, out=tmp_path / "whole")
    assert pd.read_parquet(d / "summary.parquet").equals(whole.summary)


@pytest.mark.parametrize("kw,key", [({"resume": 5}, "resume"), ({"out": ["a"]}, "out"),
                                    ({"max_failures": -1}, "max_failures"),
                                    ({"max_failures": "x"}, "max_failures")])
def test_sweep_in_python_checks_its_folders_and_failures(two_sweeps, tmp_path, kw, key):
    # a TypeError escaped for the folders; max_failures -1 or 'x' ran the whole sweep
    from techbloc.sim.sweeps import sweep

    with pytest.raises(SweepError) as e:
        sweep(two_sweeps[0], **kw)
    assert e.value.key == key


def test_more_local_workers_than_memory_holds_are_refused(two_sweeps, tmp_path, capsys):
    # -w 100000 started a process per run (0.3 GB each) until the machine ran out of memory
    file = two_sweeps[0]
    code, err = run_main(capsys, "sweep", file, "-w", "100000", "--out", tmp_path / "o")
    one_line_error(code, err, "workers", "100000 local workers need about", "GB", "--workers")
    assert not (tmp_path / "o").exists()
    from techbloc.sim.procs import check_local_workers

    check_local_workers(2)  # what the tests and a laptop use


@pytest.mark.parametrize("values,twice", [("0.5, 0.2, 0.50", "0.5"), ("0, 0.0", "0")])
def test_a_grid_value_listed_twice_is_refused_at_its_line(tmp_path, capsys, values, twice):
    # the points ran twice and the heatmap called them "median of 3 replicates per cell"
    f = tmp_path / "s.yaml"
    f.write_text(SWEEP.format(values=values))
    code, err = run_main(capsys, "validate", f)
    assert code == 2 and f"{f}:6:3: parameters.us.ally_pressure" in err, err
    assert f"{twice} is listed twice" in err, err


def test_a_grid_switch_listed_twice_is_refused(tmp_path):
    from techbloc.sim.sweeps import load_sweep

    f = tmp_path / "s.yaml"
    f.write_text(SWEEP.format(values="0.5").replace(
        "\n  us.ally_pressure: [0.5]", "\n  mechanisms.peer_effects: [false, false]"))
    with pytest.raises(SweepError, match="False is listed twice"):
        load_sweep(f)


def test_a_heatmap_with_one_value_on_an_axis_draws_every_cell(tmp_path):
    # matplotlib's nearest shading gave a lone column no width: no cell was drawn
    from techbloc.analysis.sensitivity import heatmap
    from techbloc.sim.sweeps import sweep

    f = tmp_path / "s.yaml"
    f.write_text(SWEEP.format(values="0.5").replace("replications: 2", "replications: 1")
                 + "  china.bri_discount: [0.1, 0.2]\n")
    fig, ax = heatmap(sweep(f, out=tmp_path / "d"), "us.ally_pressure", "china.bri_discount",
                      "share_china_end")
    mesh = ax.collections[0]
    x = mesh.get_coordinates()[..., 0]
    assert mesh.get_array().count() == 2 and x.max() - x.min() > 0.1
    assert ax.get_xlim()[0] < 0.5 < ax.get_xlim()[1]


def test_a_one_quarter_run_is_drawn_as_a_point_on_a_sane_axis():
    # the line of one point was not drawn, on an axis from 1920 to 2130
    from techbloc.analysis.curves import adoption_curves
    from techbloc.sim.experiment import run

    res = run("sanctions-2019", replications=2, seed=3, horizon="2019Q1:2019Q1")
    fig, ax = adoption_curves(res.countries)
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) == 1 and line.get_marker() == "o"
    lo, hi = ax.get_xlim()
    assert 2018 < lo < 2019.125 < hi < 2020
    from techbloc.analysis.curves import policy_curves

    fig, ax = policy_curves(res.countries)
    lo, hi = ax.get_xlim()
    assert 2018.9 < lo < 2019.125 < hi < 2019.3
    assert all(len(c.get_paths()) == 1 and c.get_paths()[0].get_extents().width > 0.2
               for c in ax.collections)  # ban, restrict, open: a quarter wide each


# --------------------------------------------------------------------------- scenario files
@pytest.mark.parametrize("text,where", [
    ("extends: baseline\nparams:\n\tus.ally_pressure: 0.5\n", "s.yaml:3:1"),
    ("extends: baseline\nparams:\n  us.ally_pressure:\t0.5\n", "s.yaml:3:20"),
])
def test_a_tab_is_located_and_the_message_says_to_use_spaces(tmp_path, capsys, text, where):
    f = tmp_path / "s.yaml"
    f.write_text(text)
    code, err = run_main(capsys, "show", f)
    one_line_error(code, err, where, "'\\t'", "replace the tab")


@pytest.mark.parametrize("event,fragment", [
    ("membership: {join: NATO, iso3: POL}", "did you mean 'nato'?"),
    ("country_policy: {iso3: can, policy: ban}", "did you mean 'CAN'?"),
    ("country_policy: {iso3: CAN, policy: Ban}", "expected one of open, restrict, ban"),
])
def test_a_name_in_other_case_is_suggested(tmp_path, event, fragment):
    # NATO listed every organisation twice; can listed twelve countries from ABW
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: baseline\nevents:\n- {{at: 2020Q1, {event}}}\n")
    errors = validate(f)
    assert len(errors) == 1 and fragment in str(errors[0]), errors


def test_a_country_policy_written_as_a_mapping_of_countries_is_one_error(tmp_path):
    # {CAN: ban} gave three errors, two of them about a country and a policy 'None'
    f = tmp_path / "s.yaml"
    f.write_text("extends: baseline\nevents:\n- {at: 2020Q1, country_policy: {CAN: ban}}\n")
    errors = validate(f)
    assert len(errors) == 1, errors
    msg = str(errors[0])
    assert "s.yaml:3:16" in msg and "events[0].country_policy" in msg
    assert "{iso3: CAN, policy: ban}" in msg and "None" not in msg, msg


def test_a_removal_order_written_as_a_mapping_of_countries_is_one_error(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("extends: baseline\nevents:\n- {at: 2020Q1, removal_order: {USA: 1}}\n")
    errors = validate(f)
    assert len(errors) == 1 and "{iso3: USA, years: 1}" in str(errors[0]), errors
    assert "None" not in str(errors[0])


def test_a_country_entry_with_a_typo_still_names_the_key(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("extends: baseline\nevents:\n"
                 "- {at: 2020Q1, country_policy: {iso3: CAN, polcy: ban}}\n")
    with pytest.raises(ScenarioError, match="unknown key") as e:
        load_scenario(f)
    assert e.value.key == "events[0].country_policy.polcy"


# --------------------------------------------------------------------------- app uploads
def test_an_app_on_a_port_in_use_is_one_line_naming_the_port(capsys):
    # uvicorn printed "ERROR: [Errno 98] ..." after Solara had loaded, and exited 3
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run_main(capsys, "app", "--port", port)
    err = err.replace("techbloc app: starting (loading Solara takes a few seconds)\n", "")
    one_line_error(code, err, "--port", f"cannot listen on 127.0.0.1:{port}", "another --port")


def test_an_app_on_an_unknown_host_is_one_line_naming_the_host(capsys):
    code, err = run_main(capsys, "app", "--host", "no-such-host.invalid", "--port", "8799")
    one_line_error(code, err, "--host", "no-such-host.invalid")


def test_an_upload_with_a_very_long_file_name_is_checked(tmp_path):
    # a name over the file system's 255 bytes raised OSError out of the upload handler
    from techbloc.app import session

    up = session.check_upload("x" * 300 + ".yaml", "extends: baseline\n")
    assert not up.errors and up.scenario is not None
    assert len(up.name.encode()) <= 120 and up.name.endswith(".yaml")
    up = session.check_upload("x" * 300, "seed: -1\n")
    assert up.errors and "seed" in up.errors[0]


def test_an_upload_that_is_not_encodable_text_is_refused_with_a_message():
    # a lone surrogate (a client that sends text no browser makes) raised UnicodeEncodeError
    from techbloc.app import session

    up = session.check_upload("s.yaml", "extends: baseline\ntitle: \ud800\n")
    assert up.scenario is None and len(up.errors) == 1
    assert "not UTF-8" in up.errors[0] and up.errors[0].startswith("s.yaml")


def test_an_upload_with_thousands_of_errors_lists_a_readable_number():
    # 20000 errors became 20000 elements of the page
    from techbloc.app import session

    text = "extends: baseline\nparams:\n" + "".join(f"  k{i}: 1\n" for i in range(2000))
    up = session.check_upload("many.yaml", text)
    assert len(up.errors) == 2000  # all kept; the page lists the first ones
    shown = session.shown_errors(up)
    assert len(shown) == session.MAX_UPLOAD_ERRORS + 1
    assert shown[0].startswith("many.yaml:3:3: params.k0")
    assert f"and {2000 - session.MAX_UPLOAD_ERRORS} more" in shown[-1]
    assert "techbloc validate many.yaml" in shown[-1]
    few = session.check_upload("few.yaml", "seed: -1\n")
    assert session.shown_errors(few) == few.errors


# --------------------------------------------------------------------------- calibrate (lead)
@pytest.mark.parametrize("args,option,bound", [
    (["calibrate", "--trials", "100001"], "--trials", "1 to 100000"),
    (["calibrate", "--countries", "--posterior", "48", "--generations", "31"], "--generations",
     "1 to 30"),
    (["hindcast", "--cv", "2", "--cv-trials", "100001"], "--cv-trials", "1 to 100000"),
])
def test_fit_sizes_above_their_bound_are_refused_by_the_parser(tmp_path, capsys, args, option,
                                                               bound):
    # They had no upper bound: a typo started days of fitting.
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"argument {option}" in err and bound in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("held", ["manifest.json", "trials.csv", "calibrated_posterior.png"])
def test_calibrate_refuses_a_folder_holding_a_run_or_an_earlier_fit(tmp_path, capsys, held,
                                                                    monkeypatch):
    # calibrate --out checked only its yaml and parquet: it wrote its trials into a run's
    # folder, or replaced an earlier fit's trials, after minutes of fitting.
    from techbloc.sim import calibration

    forbid(monkeypatch, "the fit started before the folder was checked",
           (calibration, "calibrate"))
    out = tmp_path / "cal"
    out.mkdir()
    (out / held).write_text("earlier work")
    code, err = run_main(capsys, "calibrate", "--countries", "--trials", "2", "--out", out)
    one_line_error(code, err, str(out))
    assert (out / held).read_text() == "earlier work"


@pytest.mark.parametrize("command", [["run", "baseline"], ["hindcast"], ["calibrate"],
                                     ["tipping", "baseline", "--lever", "us.ally_pressure"],
                                     ["reversibility", "sanctions-2019"],
                                     ["compare", "baseline", "sanctions-2019"]])
def test_a_seed_beyond_63_bits_is_refused_as_scenario_and_sweep_files_refuse_it(tmp_path, capsys,
                                                                                  command):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--seed", str(2**63), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --seed" in err and "2**63 - 1" in err, err
    assert not (tmp_path / "o").exists()


def test_a_ramp_longer_than_the_longest_horizon_is_refused_at_its_line(tmp_path):
    # over: 1000000 was accepted: a ramp that no horizon (2019Q1-2060Q4 at most) lets finish
    f = tmp_path / "long.yaml"
    f.write_text("name: long\nevents:\n"
                 "  - {at: 2020Q1, ramp: {us.ally_pressure: 0.9}, over: 1000000}\n")
    with pytest.raises(ScenarioError,
                       match=r"long.yaml:3:.*1 to 168 \(the longest horizon\), found 1000000"):
        load_scenario(f)
    f.write_text("name: long\nevents:\n"
                 "  - {at: 2019Q1, ramp: {us.ally_pressure: 0.9}, over: 168}\n")
    assert load_scenario(f).events[0].over == 168  # the longest horizon's ramp is fine


def test_a_device_given_as_a_scenario_is_named_for_what_it_is(capsys):
    # run /dev/null said "scenario file not found" of a file that exists
    code, err = run_main(capsys, "run", "/dev/null")
    one_line_error(code, err, "/dev/null: not a regular file (a device or a pipe)")
    code, err = run_main(capsys, "run", "no-such-dir/missing.yaml")
    one_line_error(code, err, "missing.yaml: scenario file not found")
