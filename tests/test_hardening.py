"""Issue 19: bad input and faults end in one clear error; no escape, corruption or orphan."""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pandas as pd
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from techbloc.sim.cli import main
from techbloc.sim.errors import DataError, ScenarioError, SweepError, TechblocError
from techbloc.sim.folders import claim_run_folder, locked, safe_component, temp_name
from techbloc.sim.results import load_folder as read_folder
from techbloc.sim.scenario import load_scenario, validate

from tests.helpers import CLI, forbid, one_line_error, run_main, techbloc

SHORT = "2019Q1:2020Q2"




@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from techbloc.sim.experiment import run

    out = tmp_path_factory.mktemp("runs") / "base"
    run("baseline", replications=2, seed=1, horizon=SHORT, out=out)
    other = out.parent / "other"
    run("sanctions-2019", replications=2, seed=5, horizon=SHORT, out=other)
    return out, other


def copy_of(src, tmp_path, name="copy"):
    d = tmp_path / name
    shutil.copytree(src, d)
    return d


# --------------------------------------------------------------------------- run folders
def test_temporary_names_are_unique_and_hidden(tmp_path):
    target = tmp_path / "model.parquet"
    names = {temp_name(target) for _ in range(50)}
    assert len(names) == 50
    assert all(n.name.startswith(".model.parquet.") and str(os.getpid()) in n.name
               for n in names)


def test_a_folder_written_by_a_live_process_is_refused(run_dir, tmp_path):
    out = tmp_path / "busy"
    with claim_run_folder(out):  # this process holds it; the CLI is another process
        proc = techbloc("run", "baseline", "-n", "1", "--horizon", SHORT, "--no-plots",
                        "--out", out)
    one_line_error(proc.returncode, proc.stderr, "being written by another techbloc process",
                   f"pid {os.getpid()}")
    assert not (out / "manifest.json").exists()
    assert not (out / ".techbloc.lock").exists()  # released when the holder is done


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    from techbloc.sim.experiment import run

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "stale"
    out.mkdir()
    (out / ".techbloc.lock").write_text(str(dead.pid))
    res = run("baseline", replications=1, horizon=SHORT, out=out)
    assert res.manifest["status"] == "complete" and not (out / ".techbloc.lock").exists()


def test_a_folder_holding_a_run_is_refused_unless_overwrite(run_dir, tmp_path, capsys):
    out = copy_of(run_dir[0], tmp_path)
    before = (out / "model.parquet").read_bytes()
    code, err = run_main(capsys, "run", "baseline", "-n", "1", "--seed", "9", "--horizon",
                         SHORT, "--no-plots", "--out", out)
    one_line_error(code, err, "folder already holds a run", "--overwrite")
    assert (out / "model.parquet").read_bytes() == before
    code, _ = run_main(capsys, "run", "baseline", "-n", "1", "--seed", "9", "--horizon", SHORT,
                       "--no-plots", "--out", out, "--overwrite")
    assert code == 0
    res = read_folder(out)
    assert set(res.model["seed"]) == {r["seed"] for r in res.manifest["replicates"]}
    assert res.manifest["base_seed"] == 9 and res.manifest["replications"] == 1


def test_concurrent_runs_into_one_folder_never_corrupt_it(tmp_path):
    out = tmp_path / "same"
    procs = [subprocess.Popen([*CLI, "run", "baseline", "-n", "2", "--seed", str(s),
                               "--horizon", SHORT, "--no-plots", "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in (1, 2)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes == [0, 2], results  # exactly one claims the folder
    loser = next(err for c, err in results if c == 2)
    assert "Traceback" not in loser and ("another techbloc process" in loser
                                         or "already holds a run" in loser)
    res = read_folder(out)  # validated: digests, seeds and scenario agree with the manifest
    assert set(res.model["seed"]) == set(res.countries["seed"]) == {
        r["seed"] for r in res.manifest["replicates"]}


def test_manifest_records_digests_and_a_replaced_table_is_refused(run_dir, tmp_path):
    base, other = run_dir
    manifest = json.loads((base / "manifest.json").read_text())
    assert set(manifest["tables"]) == {"model", "countries", "devices"}
    assert manifest["tables"]["model"]["rows"] == len(pd.read_parquet(base / "model.parquet"))
    d = copy_of(base, tmp_path, "swapped")
    shutil.copy(other / "model.parquet", d / "model.parquet")  # a valid table of another run
    with pytest.raises(DataError, match="does not match the manifest") as e:
        read_folder(d)
    assert "model.parquet" in str(e.value)
    d = copy_of(base, tmp_path, "devices-as-model")
    shutil.copy(d / "devices.parquet", d / "model.parquet")
    with pytest.raises(DataError, match="model"):
        read_folder(d)


def test_old_folders_without_digests_are_checked_by_seed(run_dir, tmp_path):
    base, other = run_dir
    d = copy_of(base, tmp_path)
    m = json.loads((d / "manifest.json").read_text())
    del m["tables"]
    (d / "manifest.json").write_text(json.dumps(m))
    assert len(read_folder(d).model)  # an intact old folder reads
    shutil.copy(other / "model.parquet", d / "model.parquet")
    with pytest.raises(DataError, match="other seeds than the manifest"):
        read_folder(d)


def test_a_failed_run_leaves_a_folder_that_says_so(tmp_path, monkeypatch):
    from techbloc.sim import experiment

    def boom(*a, **k):
        raise RuntimeError("injected")

    monkeypatch.setattr(experiment, "replicate_tables", boom)
    out = tmp_path / "failed"
    with pytest.raises(RuntimeError):
        experiment.run("baseline", replications=1, horizon=SHORT, out=out)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "failed" and "injected" in m["error"]
    with pytest.raises(DataError, match="did not complete"):
        read_folder(out)


# --------------------------------------------------------------------------- the reader
CORRUPTIONS = {
    "model-garbage": (lambda d: (d / "model.parquet").write_bytes(b"PAR1" + b"x" * 99),
                      "model.parquet"),
    "countries-truncated": (lambda d: (d / "countries.parquet").write_bytes(
        (d / "countries.parquet").read_bytes()[:500]), "countries.parquet"),
    "manifest-not-json": (lambda d: (d / "manifest.json").write_text("{no"), "not valid JSON"),
    "manifest-list": (lambda d: (d / "manifest.json").write_text("[1]"), "expected an object"),
    "manifest-binary": (lambda d: (d / "manifest.json").write_bytes(b"\xff\xfe"), "UTF-8"),
    "no-manifest": (lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
    "scenario-list": (lambda d: (d / "manifest.json").write_text(json.dumps(
        {**json.loads((d / "manifest.json").read_text()), "scenario": [1]})), "scenario"),
    "model-missing": (lambda d: (d / "model.parquet").unlink(), "model table missing"),
}


@pytest.mark.parametrize("label", sorted(CORRUPTIONS))
def test_damaged_run_folders_raise_data_error_naming_the_file(run_dir, tmp_path, capsys,
                                                             label):
    damage, fragment = CORRUPTIONS[label]
    d = copy_of(run_dir[0], tmp_path)
    damage(d)
    with pytest.raises(DataError, match=re.escape(fragment)) as e:
        read_folder(d)
    assert str(d) in str(e.value)
    for args in (("plot", d, "-o", tmp_path / "x.png"), ("report", d, "-o", tmp_path / "x.html"),
                 ("plot", d, "--kind", "map", "-o", tmp_path / "m.png")):
        code, err = run_main(capsys, *args)
        one_line_error(code, err, fragment)


# --------------------------------------------------------------------------- sweeps
def sweep_file(tmp_path, reps=1, values=(0.2, 0.8)):
    f = tmp_path / "sw.yaml"
    f.write_text(f"scenario: baseline\ndesign: grid\nhorizon: {SHORT}\nreplications: {reps}\n"
                 f"parameters:\n  us.ally_pressure: {list(values)}\n"
                 "  us.export_controls: [0.1, 0.9]\n")
    return f


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from techbloc.sim.sweeps import sweep

    tmp = tmp_path_factory.mktemp("sweep")
    return sweep(sweep_file(tmp), out=tmp / "out").path


def test_analysis_reads_folders_without_the_sweep_runner(sweep_dir, tmp_path):
    script = ("import sys\nfrom techbloc.analysis.load import load\n"
              "print(type(load(sys.argv[1])).__name__)\n"
              "try:\n    load(sys.argv[2])\nexcept Exception as e:\n    print(type(e).__name__)\n"
              "print('techbloc.sim.sweeps' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script, str(sweep_dir), str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["SweepResult", "DataError", "False"], out.stderr


def test_plot_and_report_say_what_a_sweep_folder_supports(sweep_dir, run_dir, tmp_path,
                                                          capsys):
    for args in (("plot", sweep_dir, "--kind", "curves"), ("plot", sweep_dir, "--kind", "map"),
                 ("report", sweep_dir)):
        code, err = run_main(capsys, *args, "-o", tmp_path / "x.out")
        one_line_error(code, err, "a sweep folder, not a run folder", "--kind heatmap")
    code, err = run_main(capsys, "plot", run_dir[0], "--kind", "heatmap", "--x",
                         "us.ally_pressure", "--y", "us.export_controls")
    one_line_error(code, err, "not a sweep folder", "--kind curves")
    code, _ = run_main(capsys, "plot", sweep_dir, "--kind", "heatmap", "--x", "us.ally_pressure",
                       "--y", "us.export_controls", "--metric", "share_china_end", "-o",
                       tmp_path / "hm.png")
    assert code == 0 and (tmp_path / "hm.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("label,damage,fragment", [
    ("summary-garbage", lambda d: (d / "summary.parquet").write_bytes(b"PAR1zzPAR1"),
     "cannot read the summary table"),
    ("summary-is-run", lambda d: shutil.copy(next((d / "runs").glob("*.parquet")),
                                             d / "summary.parquet"), "not a sweep summary"),
    ("manifest-sweep-list", lambda d: (d / "manifest.json").write_text(json.dumps(
        {"techbloc_sweep": 1, "sweep": [1]})), "sweep: manifest field malformed"),
    ("manifest-not-json", lambda d: (d / "manifest.json").write_text("{"), "not valid JSON"),
])
def test_damaged_sweep_folders_raise_data_error(sweep_dir, tmp_path, capsys, label, damage,
                                                fragment):
    d = copy_of(sweep_dir, tmp_path)
    damage(d)
    with pytest.raises(DataError, match=re.escape(fragment)):
        read_folder(d)
    code, err = run_main(capsys, "sensitivity", d, "--metric", "share_china_end")
    one_line_error(code, err, fragment)


def test_resume_of_a_damaged_manifest_is_one_line(sweep_dir, tmp_path, capsys):
    d = copy_of(sweep_dir, tmp_path)
    (d / "manifest.json").write_text("[]")
    code, err = run_main(capsys, "sweep", sweep_file(tmp_path), "--resume", d)
    one_line_error(code, err, "expected an object")


def test_design_above_the_cap_is_refused_before_it_is_built(tmp_path, capsys):
    from techbloc.sim.sweeps import design_size, load_sweep, sweep

    f = tmp_path / "big.yaml"
    keys = ["us.ally_pressure", "us.export_controls", "china.cooperation", "china.retaliation"]
    f.write_text("scenario: baseline\ndesign: grid\nparameters:\n" + "".join(
        f"  {k}: [{', '.join(str(i / 100) for i in range(100))}]\n" for k in keys))
    assert design_size(load_sweep(f)) == 100**4
    t0 = time.perf_counter()
    code, err = run_main(capsys, "sweep", f, "--out", tmp_path / "o")
    one_line_error(code, err, "1e+08 runs", "--max-runs")
    assert not (tmp_path / "o").exists()
    lhs = tmp_path / "lhs.yaml"
    lhs.write_text("scenario: baseline\ndesign: lhs\nsamples: 10000000\nparameters:\n"
                   "  us.ally_pressure: {low: 0.1, high: 0.9}\n")
    code, err = run_main(capsys, "sweep", lhs, "--out", tmp_path / "o")
    one_line_error(code, err, "1e+07 runs")
    assert time.perf_counter() - t0 < 60  # refused without building 10^8 points
    with pytest.raises(SweepError, match="more than the limit 3"):
        sweep(sweep_file(tmp_path), out=tmp_path / "small", max_runs=3)  # 4 runs


def _descendants(pid):
    try:
        return {c.pid for c in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _alive(pids):
    out = []
    for p in pids:
        try:
            if psutil.Process(p).status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.parametrize("backend,method", [("local", "forkserver"), ("local", "spawn"),
                                            ("local", "fork"), ("dask", "")])
def test_killing_the_sweep_parent_alone_leaves_no_process(tmp_path, backend, method):
    f = sweep_file(tmp_path, reps=4, values=(0.1, 0.3, 0.5, 0.7, 0.9))
    out = tmp_path / "killed"
    env = {**os.environ, "TECHBLOC_START_METHOD": method}
    p = subprocess.Popen([*CLI, "sweep", str(f), "-w", "2", "--backend", backend, "--out",
                          str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env)
    kids: set[int] = set()
    deadline = time.time() + 240
    while time.time() < deadline and p.poll() is None:
        kids |= _descendants(p.pid)
        if len(kids) >= 2 and any((out / "runs").glob("*.parquet")):
            break
        time.sleep(0.3)
    kids |= _descendants(p.pid)
    assert p.poll() is None and len(kids) >= 2, "the sweep ended before it could be killed"
    os.kill(p.pid, signal.SIGKILL)  # the parent alone, not its process group
    p.wait()
    deadline = time.time() + 30
    while _alive(kids) and time.time() < deadline:
        time.sleep(0.5)
    left = _alive(kids)
    for k in left:
        psutil.Process(k).kill()
    assert not left, [" ".join(psutil.Process(k).cmdline())[:120] for k in left]


def test_disk_full_in_the_sweep_manifest_is_one_line(tmp_path, capsys, monkeypatch):
    from techbloc.sim import folders

    def full(target, writer):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(folders, "write_atomic", full)
    monkeypatch.setattr("techbloc.sim.sweeps.write_atomic", full)
    code, err = run_main(capsys, "sweep", sweep_file(tmp_path), "-w", "1", "--out",
                         tmp_path / "o")
    one_line_error(code, err, "manifest.json", "No space left on device", "free some space")


# --------------------------------------------------------------------------- OS errors
def test_os_errors_are_one_line_naming_the_path(run_dir, tmp_path, capsys, monkeypatch):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    run = ("run", "baseline", "-n", "1", "--horizon", SHORT, "--no-plots")
    code, err = run_main(capsys, *run, "--out", afile)
    one_line_error(code, err, str(afile), "not a folder")
    code, err = run_main(capsys, *run, "--out", afile / "sub")
    one_line_error(code, err, str(afile / "sub"))
    code, err = run_main(capsys, *run, "--out", "/proc/techbloc/x")
    one_line_error(code, err, "/proc/techbloc")
    code, err = run_main(capsys, "plot", run_dir[0], "-o", "/proc/x.png")
    one_line_error(code, err, "/proc/x.png")
    code, err = run_main(capsys, "report", run_dir[0], "-o", tmp_path / "no" / "r.html")
    one_line_error(code, err, str(tmp_path / "no" / "r.html"), "No such file")
    code, err = run_main(capsys, "plot", run_dir[0], "-o", tmp_path)
    one_line_error(code, err, "is a folder")


def test_disk_full_while_writing_a_run_is_one_line(tmp_path, capsys, monkeypatch):
    def full(self, path, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "full"
    code, err = run_main(capsys, "run", "baseline", "-n", "1", "--horizon", SHORT, "--no-plots",
                         "--out", out)
    one_line_error(code, err, "model.parquet", "No space left on device")
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def test_permission_denied_is_one_line(tmp_path, capsys, monkeypatch):
    from pathlib import Path

    def denied(self, *a, **k):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    code, err = run_main(capsys, "run", "baseline", "-n", "1", "--horizon", SHORT, "--out",
                         tmp_path / "locked-away")
    one_line_error(code, err, "locked-away", "Permission denied")


def test_compare_checks_its_arguments_before_running(tmp_path, capsys, monkeypatch):
    from techbloc.sim import experiment

    forbid(monkeypatch, "ran a scenario before checking the arguments", (experiment, "run"))
    code, err = run_main(capsys, "compare", "baseline", "sanctions-2019", "--baseline",
                         "decoupling", "--out", tmp_path / "c")
    one_line_error(code, err, "'decoupling' is not among the compared runs")
    code, err = run_main(capsys, "compare", "baseline", "baseline", "--out", tmp_path / "c")
    one_line_error(code, err, "two different scenarios")


@pytest.mark.parametrize("setting,fragment", [
    ("us.ally_pressure=[", "not valid YAML"), ("us.ally_pressure=!!bool maybe", "tags"),
    ("us.ally_pressure=1e308", "outside the range"), ("us.ally_pressure=.nan", "outside"),
    ("us.ally_pressure=", "expected a value")])
def test_set_values_are_read_like_scenario_files(capsys, setting, fragment):
    try:  # refused by the argument parser (usage and one error line) or by the loader
        code = main(["show", "baseline", "--set", setting])
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and fragment in err, err
    assert sum("error" in line for line in err.splitlines()) == 1, err


def test_set_reads_exponent_numbers():
    assert load_scenario("baseline", set={"us.ally_pressure": 5e-1}).params[
        "us.ally_pressure"] == 0.5
    from techbloc.sim.scenario import parse_value

    assert parse_value("1e-1") == 0.1 and parse_value("2E3") == 2000.0


# --------------------------------------------------------------------------- scenario files
BAD = {
    "params: {<<: {us.ally_pressure: 0.5}}\n": "merge keys",
    "b: &b {seed: 3}\n<<: *b\n": "merge keys",
    "params: {us.ally_pressure: !!bool maybe}\n": "YAML tags (!!bool)",
    "events:\n- {at: !!timestamp 2020Q1, set: {us.ally_pressure: 0.5}}\n": "!!timestamp",
    "params: {!!int x: 1}\n": "a key must be plain text",
    "params: {[1, 2]: 0.5}\n": "a key must be plain text",
    "seed: !custom 3\n": "YAML tags (!custom)",
    "title: !!binary aGVsbG8=\n": "!!binary",
    "params: !!set {a, b}\n": "!!set",
    "seed: !!python/object:os.system ls\n": "!!python/object",
    "params: {us.ally_pressure: 1e308}\n": "1e+308 is outside the range",
    "params: {us.ally_pressure: 1e999}\n": "inf is outside the range",
    "params: {us.ally_pressure: .nan}\n": "nan is outside the range",
}


@pytest.mark.parametrize("text", sorted(BAD))
def test_unsupported_yaml_is_a_scenario_error_with_file_and_line(tmp_path, text, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert BAD[text] in str(e.value)
    assert re.match(re.escape(str(f)) + r":\d+:\d+: ", str(e.value)), str(e.value)
    errors = validate(f)
    assert errors and all(isinstance(x, ScenarioError) for x in errors)
    code, err = run_main(capsys, "show", f)
    one_line_error(code, err, BAD[text])


def test_anchors_on_values_and_redundant_tags_still_load(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text("params:\n  us.ally_pressure: &p 0.6\n  us.export_controls: *p\n"
                 "  !!str china.cooperation: !!float 0.25\n")
    s = load_scenario(f)
    assert s.params["us.ally_pressure"] == s.params["us.export_controls"] == 0.6
    assert s.params["china.cooperation"] == 0.25


def test_a_folder_with_one_bad_file_still_lists_the_others(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text("extends: baseline\ntitle: Good\n")
    (tmp_path / "bad.yaml").write_text("params: {<<: {us.ally_pressure: 0.5}}\n")
    code = main(["--scenarios", str(tmp_path), "scenarios"])
    out = capsys.readouterr().out
    assert code == 0 and "Good" in out and re.search(r"bad .*INVALID: .*merge keys", out)


_keys = st.sampled_from(["seed", "title", "params", "us.ally_pressure", "<<", "!!str seed",
                         "!!int 1", "? [1, 2]", "!x k", "&k seed", "*k", "1", "~", "true",
                         "1e3", "'quoted'"])
_vals = st.sampled_from(["0.5", "1e308", "-1E-2", ".inf", "-.nan", "!!bool maybe",
                         "!!timestamp 2020Q1", "!!float abc", "&a 0.3", "*a", "!!binary AA",
                         "!custom 1", "{<<: {a: 1}}", "[1, !!int x]", "2019-13-01", "0x1F",
                         "0o17", "!!null ''", "~", "!!python/name:os.system", "'1e3'"])


@st.composite
def _tagged_docs(draw):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["top", "params", "event"]))
        k, v = draw(_keys), draw(_vals)
        if where == "top":
            lines.append(f"{k}: {v}")
        elif where == "params":
            lines.append(f"params: {{{k}: {v}}}")
        else:
            lines.append(f"events: [{{at: 2020Q1, set: {{{k}: {v}}}}}]")
    return "\n".join(lines) + "\n"


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_tagged_docs())
def test_tags_anchors_merge_keys_and_odd_scalars_load_or_raise_located_errors(tmp_path, text):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    try:
        load_scenario(f)
    except ScenarioError as e:
        assert str(e).startswith(str(f)), str(e)
    for e in validate(f):
        assert isinstance(e, ScenarioError) and str(e).startswith(str(f))


# --------------------------------------------------------------------------- extends and names
@pytest.fixture()
def secret(tmp_path):
    d = tmp_path / "private"
    d.mkdir()
    (d / "config.yaml").write_text("seed: s3cr3t-token-ABC\n")
    return d


@pytest.mark.parametrize("target", ["{abs}/config.yaml", "{abs}/config", "../private/config",
                                    "../private/config.yaml", "./x", "~/x"])
def test_extends_takes_a_name_only(tmp_path, secret, target):
    d = tmp_path / "user"
    d.mkdir()
    f = d / "child.yaml"
    f.write_text(f"extends: {target.format(abs=secret)}\n")
    with pytest.raises(ScenarioError, match="not a path") as e:
        load_scenario(f)
    assert "s3cr3t" not in str(e.value) and str(secret) not in str(e.value)


def test_extends_still_finds_siblings_and_the_library(tmp_path):
    (tmp_path / "parent.yaml").write_text("params: {us.ally_pressure: 0.7}\n")
    (tmp_path / "child.yaml").write_text("extends: parent\n")
    (tmp_path / "lib.yaml").write_text("extends: sanctions-2019\n")
    assert load_scenario(tmp_path / "child.yaml").params["us.ally_pressure"] == 0.7
    assert load_scenario(tmp_path / "lib.yaml").extends == "sanctions-2019"
    (tmp_path / "typo.yaml").write_text("extends: sanctions-2091\n")
    with pytest.raises(ScenarioError, match="did you mean 'sanctions-2019'"):
        load_scenario(tmp_path / "typo.yaml")


def test_an_upload_extends_only_the_library_and_never_echoes_files(secret):
    from techbloc.app import session

    for target in (f"{secret}/config.yaml", "../../private/config", "config"):
        up = session.check_upload("mine.yaml", f"extends: {target}\n")
        msg = " ".join(up.errors)
        assert up.errors and up.scenario is None
        assert "s3cr3t" not in msg and str(secret) not in msg
        assert tempfile.gettempdir() not in msg, msg
    up = session.check_upload("mine.yaml", "extends: sanctions-2019\n")
    assert not up.errors and up.scenario.extends == "sanctions-2019"


@pytest.mark.parametrize("name,expected", [("../../x", "x"), ("/etc/passwd", "etc-passwd"),
                                           ("a/b", "a-b"), ("..", "run"), ("", "run"),
                                           (".hidden", "hidden"), ("ok-name_1.2", "ok-name_1.2")])
def test_safe_component(name, expected):
    assert safe_component(name) == expected


def test_a_scenario_name_cannot_place_the_run_outside_results(tmp_path):
    cwd = tmp_path / "a" / "b"
    cwd.mkdir(parents=True)
    (cwd / "s.yaml").write_text("name: ../../escaped\nextends: baseline\n"
                                "horizon: {end: 2019Q4}\n")
    proc = techbloc("run", "s.yaml", "-n", "1", "--no-plots", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    made = [p.name for p in (cwd / "results").iterdir()]
    assert len(made) == 1 and made[0].startswith("escaped-")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_dir()) == sorted(
        ["a", "b", "results", made[0]])


# --------------------------------------------------------------------------- data files
@pytest.mark.parametrize("col,value,fragment", [
    ("gdp_usd", "inf", "out of range"), ("gdp_usd", "1e308", "out of range"),
    ("population", "-inf", "out of range"), ("lat", "inf", "out of range"),
    ("gdp_usd", "nan", "cannot read 'nan'")])
def test_non_finite_and_out_of_range_data_name_file_line_column(tmp_path, col, value, fragment):
    import csv

    from techbloc.sim import world

    d = tmp_path / "data"
    shutil.copytree(world.DATA, d)
    rows = list(csv.reader((d / "countries.csv").open(encoding="utf-8")))
    j = rows[0].index(col)
    rows[3][j] = value
    with (d / "countries.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(DataError, match=fragment) as e:
        world.load_world(d)
    assert str(e.value).startswith(f"{d / 'countries.csv'}:4: {col}: "), str(e.value)


# --------------------------------------------------------------------------- Python API
@pytest.mark.parametrize("kwargs,fragment", [
    ({"set": {1: 0.5}}, "parameter keys are dotted names"),
    ({"set": ["us.ally_pressure", 0.5]}, "expected a mapping"),
    ({"set": "us.ally_pressure=0.5"}, "expected a mapping"),
    ({"horizon": 2030}, "expected 'START:END'"),
    ({"horizon": (2019, 2030)}, "expected a quarter"),
    ({"search": 5}, "expected a list of folders"),
])
def test_python_api_type_errors_are_scenario_errors(kwargs, fragment):
    import techbloc as tb

    with pytest.raises(ScenarioError, match=re.escape(fragment)):
        tb.load_scenario("baseline", **kwargs)
    with pytest.raises(ScenarioError, match=re.escape(fragment)):
        tb.run("baseline", replications=1, **kwargs)


def test_python_api_bad_scenario_and_folder_types():
    import techbloc as tb

    with pytest.raises(ScenarioError, match="expected a scenario name"):
        tb.load_scenario(123)
    with pytest.raises(DataError, match="expected a folder path"):
        tb.load(5)
    with pytest.raises(TechblocError, match="out must be a folder path"):
        tb.run("baseline", replications=1, horizon=SHORT, out=5)


# --------------------------------------------------------------------------- app uploads
def test_large_uploads_are_refused_with_a_message():
    from techbloc.app import session

    up = session.check_upload("big.yaml", "# " + "x" * (2 << 20))
    assert up.scenario is None and "file too large (2.0 MiB)" in up.errors[0]
    assert "at most 1024 KiB" in up.errors[0]
    up = session.check_upload("big.yaml", "", size=16 << 20)  # the browser sent its size only
    assert "file too large (16.0 MiB)" in up.errors[0]


def test_uploads_leave_no_temporary_folder():
    from pathlib import Path

    from techbloc.app import session

    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("techbloc-app-*"))
    session.check_upload("a.yaml", "extends: baseline\n")
    session.check_upload("b.yaml", "params: {<<: {a: 1}}\n")
    session.load_text("extends: baseline\n", "c.yaml")
    with pytest.raises(ScenarioError):
        session.load_text("seed: x\n", "d.yaml")
    assert set(tmp.glob("techbloc-app-*")) == before


def test_locked_is_reentrant_in_one_process(tmp_path):
    with locked(tmp_path / "f") as p, locked(p):
        assert (p / ".techbloc.lock").read_text() == str(os.getpid())
    assert not (tmp_path / "f" / ".techbloc.lock").exists()



def test_no_analysis_module_imports_the_sweep_runner():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "analysis"
    for f in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.endswith("sim.sweeps") for n in names), f"{f.name} imports sweeps"


def test_discover_on_a_damaged_sweep_folder_is_one_line(sweep_dir, tmp_path, capsys):
    d = copy_of(sweep_dir, tmp_path)
    (d / "summary.parquet").write_bytes(b"PAR1zzPAR1")
    code, err = run_main(capsys, "discover", d, "--metric", "share_china_end", "--below", "0.5")
    one_line_error(code, err, "cannot read the summary table")
    (d / "manifest.json").write_text("[")
    code, err = run_main(capsys, "discover", d, "--metric", "share_china_end", "--below", "0.5")
    one_line_error(code, err, "not valid JSON")


def test_a_reader_that_leaves_ends_the_command_quietly():
    # `techbloc scenarios | head -1`: the reader closes the pipe before the command writes.
    # The command ends as a Unix filter does: exit 141 (128 + SIGPIPE), nothing on stderr.
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run([*CLI, "scenarios"], stdout=w, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        os.close(w)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""
