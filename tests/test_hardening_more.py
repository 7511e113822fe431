"""More bad input found by an adversarial pass: each case ends in one clear error, exit 2."""

import pytest
from techbloc.sim.cli import main
from techbloc.sim.errors import ScenarioError, SweepError
from techbloc.sim.scenario import validate
from techbloc.sim.sweeps import load_sweep

from tests.helpers import forbid, one_line_error, run_main, saved_run

SHORT = "2019Q1:2019Q3"



# --------------------------------------------------------------------------- scenario files
def test_a_very_long_extends_chain_is_refused_naming_extends(tmp_path):
    (tmp_path / "d0.yaml").write_text("name: d0\nextends: baseline\n")
    for i in range(1, 1200):
        (tmp_path / f"d{i}.yaml").write_text(f"name: d{i}\nextends: d{i - 1}\n")
    errors = validate(tmp_path / "d1199.yaml")
    assert len(errors) == 1, errors
    text = str(errors[0])
    assert "'extends' chain longer than" in text and "nested too deeply" not in text, text
    assert errors[0].key == "extends" and errors[0].line == 2, text
    # a chain within the limit still loads
    assert validate(tmp_path / "d90.yaml") == []


# --------------------------------------------------------------------------- sweep files
GRID = """scenario: baseline
design: grid
horizon: "2019Q1:2019Q3"
parameters:
  us.ally_pressure: [0.0, 1.0]
replications: 1
"""


def test_one_parameter_on_two_axes_is_refused_at_its_line_before_any_folder(tmp_path, capsys):
    f = tmp_path / "both.yaml"
    f.write_text(GRID + "scale:\n  us.ally_pressure: [0.5, 1.0]\n")
    out = tmp_path / "out"
    code, err = run_main(capsys, "sweep", f, "--out", out)
    one_line_error(code, err, f"{f}:8:3: scale.us.ally_pressure: ", "parameters: and scale:")
    assert not out.exists(), "the folder was made before the file was found invalid"


@pytest.mark.parametrize("option", ["--set", "--scale"])
def test_set_or_scale_on_a_sweep_axis_is_refused_not_ignored(tmp_path, capsys, option):
    f = tmp_path / "grid.yaml"
    f.write_text(GRID)
    out = tmp_path / "out"
    code, err = run_main(capsys, "sweep", f, option, "us.ally_pressure=0.5", "--out", out)
    one_line_error(code, err, f"{f}:5:3: parameters.us.ally_pressure: ", option)
    assert not out.exists()
    with pytest.raises(SweepError, match="varied by this sweep"):
        load_sweep(f, **{option[2:]: {"us.ally_pressure": 0.5}})


# --------------------------------------------------------------------------- output files
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return saved_run(tmp_path_factory, horizon=SHORT)


@pytest.mark.parametrize("args,name,expected", [
    (["plot"], "curves.xyz", ".png"),
    (["plot"], "curves.csv", ".svg"),
    (["plot", "--kind", "countries"], "table.png", ".csv"),
    (["report"], "report.png", ".html"),
])
def test_an_output_name_of_the_wrong_kind_is_refused_before_drawing(run_dir, tmp_path, capsys,
                                                                     args, name, expected):
    out = tmp_path / name
    code, err = run_main(capsys, *args, run_dir, "-o", out)
    one_line_error(code, err, f"{out}: ", "--output", expected)
    assert not out.exists()


def test_an_output_name_of_the_right_kind_is_written(run_dir, tmp_path, capsys):
    for args, name in ((["plot"], "c.PDF"), (["plot", "--kind", "countries"], "t.csv"),
                       (["report"], "r.htm")):
        assert main([*args, str(run_dir), "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 0


# --------------------------------------------------------------------------- explore commands
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "x"])
def test_explore_numbers_must_be_finite(tmp_path, capsys, value):
    for args in (["tipping", "baseline", "--lever", "us.ally_pressure", f"--target={value}"],
                 ["discover", tmp_path, "--metric", "n_ban_2030", f"--below={value}"],
                 ["discover", tmp_path, "--metric", "n_ban_2030", "--above", "1",
                  f"--threshold={value}"]):
        with pytest.raises(SystemExit) as e:
            main([str(a) for a in args])
        err = capsys.readouterr().err
        assert e.value.code == 2 and "expected a finite number" in err and value in err, err


def test_tipping_in_python_refuses_a_target_that_is_not_a_finite_number(tmp_path):
    from techbloc.sim.errors import ScenarioError
    from techbloc.sim.explore import tipping

    for target in (float("nan"), float("inf"), "0.5", True):
        with pytest.raises(ScenarioError, match="--target: expected a finite number to cross"):
            tipping("baseline", "us.ally_pressure", target=target, out=tmp_path / "t")
    assert not (tmp_path / "t").exists()


# --------------------------------------------------------------------------- global options
def test_a_scenarios_folder_that_is_not_there_is_refused(tmp_path, capsys):
    (tmp_path / "mine.yaml").write_text("name: mine\nextends: baseline\n")
    for where, what in ((tmp_path / "nope", "no such folder"), (tmp_path / "mine.yaml",
                                                                 "not a folder")):
        with pytest.raises(SystemExit) as e:
            main(["--scenarios", str(where), "show", "mine"])
        err = capsys.readouterr().err
        assert e.value.code == 2 and f"argument --scenarios: {what}: '{where}'" in err, err
    assert main(["--scenarios", str(tmp_path), "show", "mine", "--plain"]) == 0


# --------------------------------------------------------------------------- Python API
def test_numpy_numbers_are_accepted_like_python_ones(tmp_path):
    import json

    import numpy as np

    import techbloc as tb

    for value in (np.int64(2), np.float32(2.5), np.int8(1)):
        s = tb.load_scenario("baseline", set={"country.w_peer": value},
                             scale={"us.ally_pressure": value / 2})
        assert s.params["country.w_peer"] == float(value)
    with pytest.raises(ScenarioError, match=r"outside the range \[0, 20\]"):
        tb.load_scenario("baseline", set={"country.w_peer": np.float64(np.nan)})
    with pytest.raises(ScenarioError, match="expected a factor from 0 to 100"):
        tb.load_scenario("baseline", scale={"us.ally_pressure": np.float64(np.inf)})
    res = tb.run("baseline", replications=np.int64(1), seed=np.uint32(3), horizon=SHORT,
                 set={"country.w_peer": np.int64(2)}, out=tmp_path / "r")
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["replications"] == 1 and manifest["base_seed"] == 3
    assert res.manifest["replicates"][0]["status"] == "complete"
    with pytest.raises(ScenarioError, match="replications must be an integer"):
        tb.run("baseline", replications=np.float64(1.0))


def test_analysis_takes_a_runs_results_or_says_which_table_it_wants(run_dir):
    import pandas as pd
    import techbloc.analysis as an
    from techbloc.sim.errors import DataError

    import techbloc as tb

    res = tb.load(run_dir)
    date = str(res.model["date"].iloc[-1])
    pd.testing.assert_frame_equal(an.country_table(res, date),
                                  an.country_table(res.countries, date))
    for f in (lambda x: an.world_map(x, date), lambda x: an.policy_curves(x),
              lambda x: an.adoption_curves(x), lambda x: an.adoption_curves(x, by="vendor"),
              lambda x: an.adoption_figure(x, x), lambda x: an.group_shares(x)):
        assert f(res) is not None
    for bad in (None, {"countries": res.countries}, str(run_dir)):
        with pytest.raises(DataError, match="expected the countries table of a run .* found"):
            an.country_table(bad, date)
    with pytest.raises(DataError, match="expected the model table of a run"):
        an.adoption_curves({}, metric="share_china")


# --------------------------------------------------------------------------- folders
@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from techbloc.sim.sweeps import sweep

    d = tmp_path_factory.mktemp("sweeps")
    (d / "grid.yaml").write_text(GRID)
    return sweep(load_sweep(d / "grid.yaml"), workers=1, out=d / "sweep").path


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_a_run_never_replaces_a_sweep(sweep_dir, tmp_path, capsys, overwrite):
    import pandas as pd
    from techbloc.sim.sweeps import load_sweep_result

    before = load_sweep_result(sweep_dir).summary
    code, err = run_main(capsys, "run", "baseline", "-n", "1", "--horizon", SHORT, "--no-plots",
                         "--out", sweep_dir, *overwrite)
    one_line_error(code, err, f"{sweep_dir}: folder holds a sweep", "choose another --out")
    pd.testing.assert_frame_equal(load_sweep_result(sweep_dir).summary, before)


@pytest.mark.parametrize("args", [
    ["compare", "baseline", "sanctions-2019", "-n", "1"],
    ["hindcast", "-n", "1"],
    ["tipping", "baseline", "--lever", "us.ally_pressure", "-n", "1"],
    ["reversibility", "sanctions-2019", "-n", "1"],
])
@pytest.mark.parametrize("under", [False, True])
def test_an_out_that_is_a_file_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch,
                                                               args, under):
    from techbloc.sim import experiment, explore

    forbid(monkeypatch, "ran before checking --out", (experiment, "run"),
           (explore, "run_replicate"))
    f = tmp_path / "taken.txt"
    f.write_text("mine\n")
    code, err = run_main(capsys, *args, "--out", f / "sub" if under else f)
    one_line_error(code, err, f"{f / 'sub'}: {f} is a file, not a folder" if under else
                   f"{f}: exists and is not a folder", "choose another --out")
    assert f.read_text() == "mine\n"


def test_more_folds_than_countries_is_refused_before_anything_runs(tmp_path, capsys,
                                                                    monkeypatch):
    from techbloc.sim import experiment
    from techbloc.sim.observed import stances

    monkeypatch.setattr(experiment, "run", lambda *a, **k: pytest.fail("ran before --cv check"))
    n = stances()["iso3"].nunique()
    code, err = run_main(capsys, "hindcast", "--cv", n + 1, "--out", tmp_path / "h")
    one_line_error(code, err, f"--cv: --cv {n + 1} folds is more than the {n} countries")


def test_a_folder_given_as_a_scenario_is_called_a_folder(tmp_path, capsys):
    code, err = run_main(capsys, "run", tmp_path, "-n", "1")
    one_line_error(code, err, f"{tmp_path}: a folder, not a scenario file")
    errors = validate(tmp_path)
    assert [str(e) for e in errors] == [f"{tmp_path}: a folder, not a scenario file"]
    code, err = run_main(capsys, "show", tmp_path / "missing.yaml")
    one_line_error(code, err, "missing.yaml: scenario file not found")


def test_a_byte_that_is_not_utf8_is_named_by_line_and_column(tmp_path, capsys):
    f = tmp_path / "latin1.yaml"
    f.write_bytes("name: latin1\nextends: baseline\ntitle: café\n".encode("latin-1"))
    errors = validate(f)
    assert [str(e) for e in errors] == [
        f"{f}:3:11: not UTF-8 text (byte 0xe9); save the file as UTF-8"]
    code, err = run_main(capsys, "run", f, "-n", "1")
    one_line_error(code, err, f"{f}:3:11: not UTF-8 text")


@pytest.mark.parametrize("text,where,fragment", [
    ("events:\n  - at: 2020Q1\n    name: x\n    set: {uss.ally_pressure: 0.5}\n",
     ":6:11: events[0].set.uss.ally_pressure: ", "unknown parameter group 'uss'; did you mean"),
    ("events:\n  - at: 2020Q1\n    name: x\n    set: {us: 0.5}\n",
     ":6:11: events[0].set.us: ", "'us' is a group of parameters; name one, like us."),
    ("params:\n  us: 0.5\n", ":4:3: params.us: ", "'us' is a group of parameters"),
])
def test_a_group_or_unknown_group_is_named_where_it_was_written(tmp_path, capsys, text, where,
                                                               fragment):
    f = tmp_path / "g.yaml"
    f.write_text("name: g\nextends: baseline\n" + text)
    assert [str(e).startswith(f"{f}{where}{fragment}") for e in validate(f)] == [True], \
        validate(f)
    code, err = run_main(capsys, "show", "baseline", "--set", "us=1")
    one_line_error(code, err, "set us: 'us' is a group of parameters")
    code, err = run_main(capsys, "show", "baseline", "--set", "uss.ally_pressure=1")
    one_line_error(code, err, "set uss.ally_pressure: unknown parameter group 'uss'")


def test_resume_with_other_options_says_which_values_differ(sweep_dir, tmp_path, capsys):
    f = sweep_dir.parent / "grid.yaml"
    code, err = run_main(capsys, "sweep", f, "--resume", sweep_dir, "--set",
                         "china.bri_discount=0.2")
    one_line_error(code, err, f"{sweep_dir / 'manifest.json'}: digest: the base scenario "
                   "differs from when this sweep started: china.bri_discount ", "then, 0.2 now")
    code, err = run_main(capsys, "sweep", f, "--resume", sweep_dir, "--horizon", "2019Q1:2019Q4")
    one_line_error(code, err, "options (--set, --scale, --horizon) changed", "hash differs")


@pytest.mark.parametrize("call,fragment", [
    (lambda tb: tb.tipping("baseline", None), "--lever: expected a parameter name, found None"),
    (lambda tb: tb.tipping("baseline", "us.ally_pressure", points="3"),
     "--points: expected an integer of at least 1, found '3'"),
    (lambda tb: tb.tipping("baseline", "us.ally_pressure", replications=0),
     "--replications: expected an integer of at least 1, found 0"),
    (lambda tb: tb.tipping("baseline", "us.ally_pressure", bounds=(1,)),
     "--range: expected two numbers (low, high), found (1,)"),
    (lambda tb: tb.reversibility("sanctions-2019", replications=0),
     "--replications: expected an integer of at least 1, found 0"),
    (lambda tb: tb.reversibility("sanctions-2019", lift=2021),
     "--lift: expected two numbers (low, high), found 2021"),
    (lambda tb: tb.reversibility("sanctions-2019", metrics="share_chin"),
     "--metric: unknown metric 'share_chin'; did you mean 'share_china'?"),
])
def test_explore_functions_check_their_arguments_in_python(call, fragment):
    from techbloc.sim.errors import TechblocError

    import techbloc as tb

    with pytest.raises(TechblocError) as e:
        call(tb)
    assert str(e.value) == fragment


def test_sweep_in_python_checks_its_arguments(sweep_dir, tmp_path):
    from techbloc.sim.sweeps import sweep

    f = sweep_dir.parent / "grid.yaml"
    for bad in ({"scenario": "baseline"}, None, 5):
        with pytest.raises(SweepError, match="spec: expected a sweep file path, found"):
            sweep(bad, out=tmp_path / "a")
    for kind in ("set", "scale"):
        for bad in (["us.ally_pressure"], "china.bri_discount=0.1"):
            with pytest.raises(SweepError, match=f"^{kind}: expected a mapping of dotted"):
                load_sweep(f, **{kind: bad})
        with pytest.raises(SweepError, match=r"^parameters\.us\.ally_pressure: varied by this"):
            sweep(load_sweep(f), **{kind: {"us.ally_pressure": 0.5}}, out=tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_reading_functions_say_a_folder_path_is_expected():
    from techbloc.sim.errors import DataError
    from techbloc.sim.folders import read_sweep
    from techbloc.sim.sweeps import load_sweep_result

    import techbloc as tb

    for read in (tb.load_results, tb.load, read_sweep, load_sweep_result):
        for bad in (None, 5, ["a"]):
            with pytest.raises(DataError, match="expected a folder path, found"):
                read(bad)


SOBOL = """scenario: baseline
design: sobol
samples: 2
horizon: "2019Q1:2019Q2"
parameters:
  us.ally_pressure: {low: 0, high: 1}
  china.bri_discount: {low: 0, high: 0.3}
"""


def test_sensitivity_of_an_undefined_or_constant_metric_is_refused(tmp_path, capsys):
    from techbloc.sim.sweeps import sweep

    (tmp_path / "sobol.yaml").write_text(SOBOL)
    res = sweep(load_sweep(tmp_path / "sobol.yaml"), workers=1, out=tmp_path / "s")
    assert res.summary["share_china_sa_end"].isna().all()  # no 5G in South Asia by 2019Q2
    assert (res.summary["rip_replace_cost_usd_end"] == 0).all()
    for metric, fragment in (("share_china_sa_end", "is undefined (NaN) at 8 of 8 design "),
                             ("rip_replace_cost_usd_end", "is 0 at every design point")):
        code, err = run_main(capsys, "sensitivity", res.path, "--metric", metric)
        one_line_error(code, err, f"--metric: {metric} {fragment}")
        assert not (res.path / "sensitivity.csv").exists()
    assert main(["sensitivity", str(res.path), "--metric", "share_china_end"]) == 0


def test_a_parameter_given_twice_to_set_or_scale_is_refused(capsys):
    # The last value used to win silently.
    code, err = run_main(capsys, "show", "baseline", "--set", "us.ally_pressure=0.5",
                         "--set", "us.ally_pressure=0.8")
    one_line_error(code, err, "--set us.ally_pressure", "given twice")
    code, err = run_main(capsys, "show", "baseline", "--scale", "us.ally_pressure=2",
                         "--scale", "us.ally_pressure=3")
    one_line_error(code, err, "--scale us.ally_pressure", "given twice")


def test_a_sweep_file_that_is_not_utf8_is_named_by_line_and_column(tmp_path, capsys):
    # Its bad bytes used to be replaced silently (and a name with them then failed elsewhere).
    f = tmp_path / "latin1.yaml"
    f.write_bytes("scenario: baseline\n# café\ndesign: grid\n".encode("latin-1"))
    with pytest.raises(SweepError, match="not UTF-8 text"):
        load_sweep(f)
    code, err = run_main(capsys, "sweep", f, "--out", tmp_path / "s")
    one_line_error(code, err, f"{f}:2:6: not UTF-8 text (byte 0xe9)")


def test_a_heatmap_of_one_parameter_against_itself_is_refused(tmp_path, capsys):
    code, err = run_main(capsys, "plot", tmp_path, "--kind", "heatmap", "--x",
                         "us.ally_pressure", "--y", "us.ally_pressure")
    one_line_error(code, err, "--x and --y are both us.ally_pressure")


@pytest.mark.parametrize(("kind", "extra", "option"), [
    ("map", ("--by", "region"), "--by"),
    ("map", ("--weight", "gdp"), "--weight"),
    ("countries", ("--value", "china_share"), "--value"),
    ("curves", ("--date", "2020Q4"), "--date"),
    ("policy", ("--metric", "device_share"), "--metric"),
    ("curves", ("--x", "us.ally_pressure"), "--x")])
def test_a_plot_option_its_kind_does_not_use_is_refused(tmp_path, capsys, kind, extra, option):
    # These were ignored silently (the picture drawn without them).
    code, err = run_main(capsys, "plot", tmp_path, "--kind", kind, *extra)
    one_line_error(code, err, f"--kind {kind} does not use {option}")


def test_a_sweep_file_given_to_run_and_a_scenario_given_to_sweep_say_so(tmp_path, capsys):
    # The error listed the other kind's valid keys; it now names the command to use.
    code, err = run_main(capsys, "run", "scenarios/sweeps/discovery.yaml", "-n", "1")
    one_line_error(code, err, "unknown key", "this is a sweep file: run it with techbloc sweep")
    code, err = run_main(capsys, "sweep", "scenarios/baseline.yaml")
    one_line_error(code, err, "unknown key", "this is a scenario file: run it with techbloc run")
    # A genuine misspelling still gets the nearest key.
    f = tmp_path / "s.yaml"
    f.write_text("scenario: baseline\ndesing: grid\n")
    with pytest.raises(SweepError, match="did you mean 'design'"):
        load_sweep(f)
