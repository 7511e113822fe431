"""Bad input, round 3: each case ends in one clear error naming the file, line or key (exit 2)."""

import pytest
from techbloc.sim.cli import main
from techbloc.sim.errors import ScenarioError
from techbloc.sim.scenario import ENV_VAR, load_scenario, scenario_dir, validate

from tests.helpers import forbid, one_line_error, run_main, saved_run

SHIPPED = sorted(scenario_dir().glob("*.yaml"))


def _file(tmp_path, events: str, name: str = "s.yaml"):
    f = tmp_path / name
    f.write_text(f"name: s\nextends: sanctions-2019\nevents:\n{events}")
    return f


# --------------------------------------------------------------------------- same-quarter events
def test_two_events_setting_one_key_in_one_quarter_are_refused_naming_both(tmp_path, capsys):
    f = _file(tmp_path, "  - {at: 2021Q1, name: first, set: {us.ally_pressure: 0.3}}\n"
                        "  - {at: 2021-02-15, name: second, set: {us.ally_pressure: 0.7}}\n")
    errors = validate(f)
    assert len(errors) == 1, errors
    text = str(errors[0])
    assert text.startswith(f"{f}:5:"), text
    assert errors[0].key == "events[1].set.us.ally_pressure", text
    assert "events[0] ('first', line 4)" in text and "2021Q1" in text, text
    assert "0.3" in text and "0.7" in text, text
    with pytest.raises(ScenarioError, match="same quarter"):
        load_scenario(f)
    code, err = run_main(capsys, "show", f)
    one_line_error(code, err, f"{f}:5:", "events[1].set.us.ally_pressure", "events[0]")


def test_the_same_value_twice_in_one_quarter_is_accepted(tmp_path):
    f = _file(tmp_path, "  - {at: 2021Q1, name: a, set: {us.ally_pressure: 0.3}}\n"
                        "  - {at: 2021Q1, name: b, set: {us: {ally_pressure: 0.3}}}\n"
                        "  - {at: 2021Q2, name: c, set: {us.ally_pressure: 0.9}}\n")
    assert validate(f) == []
    assert [e.set["us.ally_pressure"] for e in load_scenario(f).events
            if "us.ally_pressure" in e.set][-3:] == [0.3, 0.3, 0.9]


@pytest.mark.parametrize("events,key,fragment", [
    ("  - {at: 2021Q1, name: a, ramp: {us.ally_pressure: 0.9}, over: 4}\n"
     "  - {at: 2021Q1, name: b, set: {us.ally_pressure: 0.2}}\n",
     "events[1].set.us.ally_pressure", "ramped"),
    ("  - {at: 2021Q1, name: a, ramp: {us.ally_pressure: 0.9}, over: 4}\n"
     "  - {at: 2021Q1, name: b, ramp: {us.ally_pressure: 0.9}, over: 2}\n",
     "events[1].ramp.us.ally_pressure", "ramped"),
    ("  - {at: 2021Q1, name: a, country_policy: {iso3: NOR, policy: restrict}}\n"
     "  - {at: 2021Q1, name: b, country_policy: {iso3: NOR, policy: ban}}\n",
     "events[1].country_policy", "NOR"),
    ("  - {at: 2021Q1, name: a, country_policy: [{iso3: NOR, policy: restrict},"
     " {iso3: NOR, policy: ban}]}\n",
     "events[0].country_policy", "NOR"),
    ("  - {at: 2021Q1, name: a, membership: {iso3: ITA, leave: bri}}\n"
     "  - {at: 2021Q1, name: b, membership: {iso3: ITA, join: bri}}\n",
     "events[1].membership", "ITA"),
    ("  - {at: 2021Q1, name: a, vendor: {id: huawei, price: 0.7}}\n"
     "  - {at: 2021Q1, name: b, vendor: {id: huawei, price: 0.9, quality: 1.0}}\n",
     "events[1].vendor", "huawei price"),
    ("  - {at: 2021Q1, name: a, removal_order: {iso3: NOR, years: 2}}\n"
     "  - {at: 2021Q1, name: b, removal_order: {iso3: NOR, years: 3}}\n",
     "events[1].removal_order", "NOR"),
])
def test_other_same_quarter_clashes_are_refused(tmp_path, events, key, fragment):
    errors = validate(_file(tmp_path, events))
    assert len(errors) == 1, errors
    assert errors[0].key == key and fragment in str(errors[0]), str(errors[0])


def test_a_set_then_a_ramp_and_a_child_over_its_parent_are_accepted(tmp_path):
    f = _file(tmp_path, "  - {at: 2021Q1, name: jump, set: {us.ally_pressure: 0.2}}\n"
                        "  - {at: 2021Q1, name: ramp, ramp: {us.ally_pressure: 0.9}, over: 4}\n"
                        "  - {at: 2020Q3, name: child wins, set: {us.ally_pressure: 0.1}}\n")
    assert validate(f) == []
    # sanctions-2019 sets us.ally_pressure in 2020Q3 too: the child's event replaces that action
    # (the parent's event keeps its other keys), so the resolved scenario holds no clash.
    parent = [e for e in load_scenario("sanctions-2019").events if str(e.at) == "2020Q3"]
    q3 = [e for e in load_scenario(f).events if str(e.at) == "2020Q3"]
    assert [e.set.get("us.ally_pressure") for e in q3] == [None] * len(parent) + [0.1], q3
    assert [e.name for e in q3[:-1]] == [e.name for e in parent]
    assert any("us.ally_pressure" in e.set for e in parent)
    for mine, theirs in zip(q3, parent, strict=False):
        assert dict(mine.set) == {k: v for k, v in theirs.set.items() if k != "us.ally_pressure"}


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED])
def test_show_output_of_every_shipped_scenario_loads_back_equal(tmp_path, name):
    s = load_scenario(name)
    f = tmp_path / f"{name}.yaml"
    f.write_text(s.to_yaml())
    back = load_scenario(f)
    assert back.events == s.events and back.params == s.params


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_still_validates_from_the_command_line(path, capsys):
    code, err = run_main(capsys, "validate", path)
    assert code == 0 and err == "", err


# --------------------------------------------------------------------------- search path
@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_bad_folder_in_the_environment_is_refused_naming_it(tmp_path, monkeypatch, capsys,
                                                               kind):
    bad = tmp_path / "scenarioz"
    if kind == "file":
        bad.write_text("not a folder")
    monkeypatch.setenv(ENV_VAR, f"{tmp_path}:{bad}")
    with pytest.raises(ScenarioError, match=f"\\${ENV_VAR}"):
        load_scenario("baseline")
    code, err = run_main(capsys, "show", "baseline")
    one_line_error(code, err, f"${ENV_VAR}", str(bad),
                   "no such folder" if kind == "missing" else "not a folder")
    code, err = run_main(capsys, "scenarios")
    one_line_error(code, err, f"${ENV_VAR}", str(bad))


def test_empty_entries_of_the_environment_are_skipped(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text("name: mine\nextends: baseline\n")
    monkeypatch.setenv(ENV_VAR, f":{tmp_path}:")
    assert load_scenario("mine").extends == "baseline"


def test_a_missing_search_folder_from_python_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="search: no such folder"):
        load_scenario("baseline", search=[tmp_path / "nope"])


# --------------------------------------------------------------------------- validate
def test_validate_checks_a_sweep_file_as_a_sweep(tmp_path, capsys):
    sweep = scenario_dir() / "sweeps" / "pressure-vs-bri.yaml"
    assert main(["validate", str(sweep)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and f"ok: {sweep} (a sweep file: 25 points x 4 replicates)" in out, out
    bad = tmp_path / "sweep.yaml"
    bad.write_text(sweep.read_text().replace("design: grid", "design: gird"))
    code, err = run_main(capsys, "validate", bad)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "unknown design 'gird'" in lines[0], err


def test_a_sweep_file_given_as_a_scenario_is_one_error_with_one_hint(tmp_path, capsys):
    sweep = scenario_dir() / "sweeps" / "discovery.yaml"
    errors = validate(sweep)
    assert len(errors) == 1, errors
    assert str(errors[0]).count("techbloc sweep") == 1, errors
    code, err = run_main(capsys, "run", sweep, "--out", tmp_path / "r")
    one_line_error(code, err, str(sweep), "sweep file", "techbloc sweep")
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- --set @QUARTER
@pytest.mark.parametrize("value,fragments", [
    ("0.5@2031Q1", ["after the horizon's end (2030Q4)", "2019Q1 to 2030Q4"]),
    ("0.5@2019Q5", ["'2019Q5'", "KEY=VALUE@2022Q1"]),
    ("0.5@19Q1", ["'19Q1'", "KEY=VALUE@2022Q1"]),
    ("0.5@", ["''", "KEY=VALUE@2022Q1"]),
    ("0.5@2020Q1@2021Q1", ["'2020Q1@2021Q1'", "KEY=VALUE@2022Q1"]),
])
def test_a_bad_quarter_after_set_names_the_option_and_the_form(capsys, value, fragments):
    code, err = run_main(capsys, "show", "baseline", "--set", f"us.ally_pressure={value}")
    one_line_error(code, err, "set us.ally_pressure: ", *fragments)


def test_a_value_missing_before_the_quarter_names_the_form(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["show", "baseline", "--set", "us.ally_pressure=@2022Q1"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert "expected a value before '@'" in err and "KEY=VALUE@2022Q1" in err, err


def test_a_scale_with_a_quarter_says_scale_takes_none(capsys):
    code, err = run_main(capsys, "show", "baseline", "--scale", "us.ally_pressure=2@2022Q1")
    one_line_error(code, err, "scale us.ally_pressure", "takes no quarter")


def test_a_quarter_before_the_horizon_still_holds_for_the_whole_horizon():
    s = load_scenario("sanctions-2019", set={"us.ally_pressure": "0.5@2018Q4"})
    assert s.params["us.ally_pressure"] == 0.5
    assert not any("us.ally_pressure" in e.set for e in s.events)


# --------------------------------------------------------------------------- calibrate
@pytest.fixture
def no_fit(monkeypatch):
    """Any fit or run makes the test fail: the refusals must come before any work."""
    from techbloc.sim import calibration, experiment

    forbid(monkeypatch, "work started before the options were checked",
           (calibration, "calibrate"), (calibration, "fit_posterior"),
           (calibration, "distance_at_point"), (experiment, "run"))


@pytest.mark.parametrize("args,option", [
    (["--generations", "3"], "--generations"),
    (["--countries", "--abc-replications", "3"], "--abc-replications"),
    (["--countries", "--abc-score", "plain"], "--abc-score"),
    (["--countries", "--abc-europe-band", "0.09"], "--abc-europe-band"),
    (["--countries", "--abc-floor"], "--abc-floor"),
    (["--countries", "--posterior", "48", "--posterior-only", "--trials", "5"], "--trials"),
    (["--countries", "--posterior", "48", "--posterior-only", "-n", "2"], "--replications"),
    (["--countries", "--posterior", "48", "--posterior-only", "--ban-weight", "1"],
     "--ban-weight"),
])
def test_a_calibrate_option_the_chosen_fit_does_not_use_is_refused(tmp_path, capsys, no_fit,
                                                                   args, option):
    # These were ignored silently: a full point fit ran without the asked-for ensemble.
    out = tmp_path / "cal"
    code, err = run_main(capsys, "calibrate", *args, "--out", out)
    one_line_error(code, err, option)
    assert not out.exists()


def test_posterior_only_refuses_a_folder_holding_an_ensemble(tmp_path, capsys, no_fit):
    out = tmp_path / "cal"
    out.mkdir()
    (out / "calibrated_posterior.parquet").write_bytes(b"earlier work")
    code, err = run_main(capsys, "calibrate", "--countries", "--posterior", "48",
                         "--posterior-only", "--out", out)
    one_line_error(code, err, "calibrated_posterior.parquet", "--out")
    assert (out / "calibrated_posterior.parquet").read_bytes() == b"earlier work"


# --------------------------------------------------------------------------- uncertainty
def test_parameters_alone_with_nothing_to_draw_is_refused(tmp_path, capsys):
    # A scenario that does not extend the calibrated one has no value the ensemble may replace:
    # with the noise off every replicate was the same run, silently (a band of zero width).
    f = tmp_path / "plain.yaml"
    f.write_text("name: plain\n")
    out = tmp_path / "r"
    code, err = run_main(capsys, "run", f, "-n", "2", "--uncertainty", "parameters",
                         "--horizon", "2019Q1:2019Q2", "--no-plots", "--out", out)
    one_line_error(code, err, "uncertainty.parameters", "plain", "--uncertainty noise")
    assert not out.exists()
    # The same when --set holds every weight of the ensemble (they no longer come from it).
    from techbloc.sim import run
    from techbloc.sim.posterior import read_draws

    first = read_draws().drop(columns=["draw", "epsilon", "evaluations"], errors="ignore").iloc[0]
    with pytest.raises(ScenarioError, match="nothing to draw"):
        run("baseline", replications=2, horizon="2019Q1:2019Q2",
            set={"uncertainty.parameters": True, "uncertainty.noise": False,
                 **{k: float(v) for k, v in first.items()}})


# --------------------------------------------------------------------------- hindcast
@pytest.mark.parametrize("args,option", [
    (["--cv-trials", "4"], "--cv-trials"),
    (["--cv-fit", "legacy"], "--cv-fit"),
])
def test_a_cross_validation_option_without_cv_is_refused(tmp_path, capsys, no_fit, args, option):
    out = tmp_path / "h"
    code, err = run_main(capsys, "hindcast", *args, "--out", out)
    one_line_error(code, err, option, "--cv K")
    assert not out.exists()


# --------------------------------------------------------------------------- plot
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return saved_run(tmp_path_factory)


@pytest.mark.parametrize("extra,option,fragment", [
    # were tracebacks
    (["--metric", "enterprise_china_share", "--by", "vendor"], "--by", "not vendors"),
    (["--metric", "device_share", "--by", "bri"], "--by", "by region or for the world"),
    (["--metric", "date"], "--metric", "unknown metric 'date'"),
    # were drawn with the option silently ignored
    (["--metric", "replicate"], "--metric", "unknown metric 'replicate'"),
    (["--metric", "contracts_huawei", "--by", "alliance"], "--by", "no groups"),
    (["--metric", "own_os_share", "--by", "vendor"], "--by", "no groups"),
    (["--metric", "own_os_share", "--weight", "count"], "--weight", "takes no --weight"),
    (["--metric", "device_share", "--weight", "population"], "--weight", "takes no --weight"),
    (["--metric", "enterprise_china_share", "--weight", "count"], "--weight",
     "takes no --weight"),
    (["--by", "vendor", "--weight", "population"], "--weight", "takes no --weight"),
])
def test_a_curves_combination_that_cannot_be_drawn_is_refused(run_dir, tmp_path, capsys, extra,
                                                              option, fragment):
    out = tmp_path / "p.png"
    code, err = run_main(capsys, "plot", run_dir, "--kind", "curves", *extra, "-o", out)
    one_line_error(code, err, option, fragment)
    assert not out.exists()


@pytest.mark.parametrize("extra", [
    [], ["--by", "vendor"], ["--by", "region", "--weight", "count"],
    ["--metric", "device_share", "--by", "region"], ["--metric", "enterprise_china_share"],
    ["--metric", "enterprise_china_share", "--by", "bri"], ["--metric", "own_os_share"]])
def test_the_curves_combinations_that_mean_something_still_draw(run_dir, tmp_path, capsys,
                                                                extra):
    out = tmp_path / "p.png"
    assert main(["plot", str(run_dir), "--kind", "curves", *extra, "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000


# --------------------------------------------------------------------------- compare
@pytest.fixture(scope="module")
def other_seed_dir(tmp_path_factory):
    return saved_run(tmp_path_factory, "sanctions-2019", seed=2)


@pytest.fixture
def no_run(monkeypatch):
    from techbloc.sim import experiment

    forbid(monkeypatch, "a scenario ran before the comparison was checked", (experiment, "run"))


def test_saved_runs_of_different_seeds_are_refused_naming_them(run_dir, other_seed_dir, tmp_path,
                                                                capsys):
    # was a ValueError traceback from analysis.compare
    code, err = run_main(capsys, "compare", "--from", run_dir, other_seed_dir,
                         "--out", tmp_path / "c")
    one_line_error(code, err, "'sanctions-2019' and 'baseline'", "different seeds", "--seed")
    assert not (tmp_path / "c").exists()


def test_a_run_that_cannot_be_paired_is_refused_before_the_others_run(run_dir, tmp_path, capsys,
                                                                      no_run):
    # The saved baseline ends at 2019Q4 (seed 1); the scenarios would run to 2030Q4 with the
    # baseline's seed, then fail on the missing dates (a KeyError traceback after minutes).
    code, err = run_main(capsys, "compare", "sanctions-2019", "--from", run_dir,
                         "--baseline", "sanctions-2019", "-n", "1", "--seed", "1",
                         "--out", tmp_path / "c")
    one_line_error(code, err, "'baseline'", "2019Q4", "2030Q4", "--horizon")
    # the seed given does not match the saved run's
    code, err = run_main(capsys, "compare", "sanctions-2019", "--from", run_dir, "-n", "1",
                         "--seed", "5", "--horizon", "2019Q1:2019Q4", "--out", tmp_path / "c")
    one_line_error(code, err, "different seeds")


def test_one_name_given_twice_is_refused_naming_both_sources(run_dir, tmp_path, capsys, no_run):
    # The scenario run replaced the saved run of the same name, silently.
    code, err = run_main(capsys, "compare", "sanctions-2019", "baseline", "--from", run_dir,
                         "--out", tmp_path / "c")
    one_line_error(code, err, "'baseline' is given twice", str(run_dir))
    f = tmp_path / "b2.yaml"
    f.write_text("name: baseline\nextends: sanctions-2019\n")
    code, err = run_main(capsys, "compare", "baseline", f, "--out", tmp_path / "c")
    one_line_error(code, err, "'baseline' is given twice", str(f), "different names")


# --------------------------------------------------------------------------- data files
def _world_with(tmp_path, name: str, text: str):
    import shutil

    from techbloc.sim.world import DATA, load_world

    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    (d / name).write_text(text)
    return lambda: load_world(d)


@pytest.mark.parametrize("name,text,fragments", [
    # a row one field longer than the header: pandas took the first column as an index and the
    # error blamed the next column's value ("unknown country 'Russia'")
    ("frontline.csv", "iso3,theatre,since,basis\nEST,Russia,2016,NATO,extra\n",
     ["frontline.csv:2:", "5 fields", "4 columns"]),
    ("policy_2019.csv", "iso3,policy,locked\nUSA,ban,true,x\n", ["policy_2019.csv:2:", "4 fields"]),
    # a year that is no year, and an empty basis (the row's source)
    ("frontline.csv", "iso3,theatre,since,basis\nEST,Russia,１２,NATO\n", ["since", "１２"]),
    ("frontline.csv", "iso3,theatre,since,basis\nEST,Russia,12,NATO\n", ["since", "'12'"]),
    ("frontline.csv", "iso3,theatre,since,basis\nEST,Russia,2016,\n", ["basis", "empty"]),
])
def test_bad_rows_of_data_files_name_the_file_line_and_problem(tmp_path, name, text, fragments):
    from techbloc.sim.errors import DataError

    load = _world_with(tmp_path, name, text)
    with pytest.raises(DataError) as e:
        load()
    for f in fragments:
        assert f in str(e.value), str(e.value)


def test_a_damaged_posterior_ensemble_is_refused_before_the_run_folder(tmp_path, monkeypatch,
                                                                       capsys):
    from techbloc.sim import posterior

    bad = tmp_path / "calibrated_posterior.parquet"
    bad.write_bytes(b"garbage")
    monkeypatch.setattr(posterior, "POSTERIOR", bad)
    posterior._shipped.cache_clear()
    try:
        out = tmp_path / "r"
        code, err = run_main(capsys, "run", "baseline", "-n", "1", "--horizon", "2019Q1:2019Q2",
                             "--no-plots", "--out", out)
        one_line_error(code, err, str(bad), "cannot read the posterior ensemble")
        assert not out.exists(), "a failed run folder was left for a data error"
    finally:
        posterior._shipped.cache_clear()


@pytest.mark.parametrize("value,fragment", [("0.5@2025Q1", "after the horizon's end"),
                                            ("0.5@2019Q9", "'2019Q9'")])
def test_a_bad_dated_hold_in_a_sweep_file_is_located_at_its_line(tmp_path, value, fragment):
    from techbloc.sim.errors import SweepError
    from techbloc.sim.sweeps import load_sweep

    f = tmp_path / "sw.yaml"
    f.write_text("scenario: baseline\ndesign: grid\nhorizon: \"2019Q1:2019Q3\"\nset:\n"
                 f"  china.retaliation: \"{value}\"\nparameters:\n"
                 "  us.ally_pressure: [0.0, 1.0]\n")
    with pytest.raises(SweepError) as e:
        load_sweep(f)
    assert str(e.value).startswith(f"{f}:5:3: set.china.retaliation: "), str(e.value)
    assert fragment in str(e.value)


@pytest.mark.parametrize("args,option", [
    (["calibrate", "--replications", "100000"], "--replications"),
    (["calibrate", "--countries", "--posterior", "48", "--abc-replications", "20000"],
     "--abc-replications"),
    (["hindcast", "--forecast-replicates", "200000", "-n", "1"], "--forecast-replicates"),
    (["tipping", "baseline", "--lever", "us.ally_pressure", "-n", "20000"], "--replications"),
    (["reversibility", "sanctions-2019", "-n", "20000"], "--replications"),
    (["run", "baseline", "-n", "20000"], "--replications"),
])
def test_replicate_counts_above_the_limit_are_refused_by_the_parser(tmp_path, capsys, no_fit,
                                                                    args, option):
    # calibrate and tipping ran on (for days); hindcast refused --forecast-replicates only
    # after its main run, under the name 'replications'
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"argument {option}" in err and "1 to 10000" in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args,example", [(["report"], "report.html"),
                                          (["plot", "--kind", "countries"], "countries-2019Q4.csv"),
                                          (["plot"], ".png")])
def test_an_output_that_is_a_folder_names_a_file_of_the_right_kind(run_dir, tmp_path, capsys,
                                                                   args, example):
    code, err = run_main(capsys, *args, run_dir, "-o", tmp_path)
    one_line_error(code, err, str(tmp_path), "is a folder", "--output", example)


def test_short_runs_label_years_without_an_offset(run_dir):
    # Under two years the ticks fall on half years; they were labelled -0.5, 0.0 ... "+2.02e3".
    from techbloc.analysis import adoption_curves
    from techbloc.analysis.load import load_run

    fig, ax = adoption_curves(load_run(run_dir).countries)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ax.xaxis.get_offset_text().get_text() == "", labels
    assert labels and all(lab.startswith("2019") or lab.startswith("2020") for lab in labels)


def test_a_port_out_of_range_is_refused_by_the_parser(capsys):
    # uvicorn's OverflowError traceback came after Solara had loaded
    with pytest.raises(SystemExit) as exit_:
        main(["app", "--port", "99999"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --port" in err and "65535" in err, err


@pytest.mark.parametrize("command,name", [
    (["hindcast", "-n", "2"], "history"), (["hindcast"], "detente-2025"),
    (["calibrate", "--countries", "--trials", "2"], "history"),
    (["calibrate", "--countries", "--posterior", "48", "--posterior-only"], "history")])
def test_scoring_or_fitting_a_scenario_that_forces_the_record_is_refused(tmp_path, capsys,
                                                                         no_fit, command, name):
    # It scored (or fitted to) the recorded decisions, imposed by country_policy events,
    # against themselves.
    out = tmp_path / "h"
    code, err = run_main(capsys, *command, "--scenario", name, "--out", out)
    one_line_error(code, err, "--scenario", f"'{name}' forces", "GBR", "sanctions-2019")
    assert not out.exists()


@pytest.mark.parametrize("args", [["baseline"], ["sanctions-2019", "--counterfactual",
                                                 "sanctions-2019"]])
def test_reversibility_of_a_scenario_against_itself_is_refused(tmp_path, capsys, args,
                                                               monkeypatch):
    # It ran both for minutes to report "no gap to recover" in every row.
    from techbloc.sim import explore

    forbid(monkeypatch, "ran before the arguments were checked", (explore, "run_replicate"))
    out = tmp_path / "rv"
    code, err = run_main(capsys, "reversibility", *args, "-n", "1", "--out", out)
    one_line_error(code, err, "--counterfactual", "nothing to lift")
    assert not out.exists()


def test_a_missing_pyabc_is_refused_before_the_point_fit(tmp_path, capsys, no_fit, monkeypatch):
    # The point fit ran for minutes, then the ensemble found pyabc missing.
    import sys

    monkeypatch.setitem(sys.modules, "pyabc", None)  # import pyabc raises ImportError
    out = tmp_path / "cal"
    code, err = run_main(capsys, "calibrate", "--countries", "--posterior", "48", "--out", out)
    one_line_error(code, err, "--posterior", "pyabc", "pip install")
    assert not out.exists()


def test_the_app_refuses_a_bad_scenario_folder_before_serving(tmp_path, monkeypatch, capsys):
    # The app started and its scenario list failed in the browser.
    pytest.importorskip("solara")
    from techbloc.app import server

    forbid(monkeypatch, "the app was served", (server, "serve"))
    monkeypatch.setattr(server, "configure", lambda *a, **k: None)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    code, err = run_main(capsys, "app")
    lines = [x for x in err.splitlines() if x.startswith("techbloc: error:")]
    assert code == 2 and len(lines) == 1 and f"${ENV_VAR}" in lines[0], err


def test_uncertainty_and_a_set_of_its_settings_together_are_refused(tmp_path, capsys):
    # --uncertainty silently replaced the --set value.
    code, err = run_main(capsys, "run", "baseline", "--uncertainty", "noise", "--set",
                         "uncertainty.parameters=true", "-n", "1", "--out", tmp_path / "r")
    one_line_error(code, err, "--uncertainty", "uncertainty.parameters")
    assert not (tmp_path / "r").exists()


def test_overwrite_without_out_is_refused(tmp_path, capsys, monkeypatch):
    # It was ignored: a new timestamped folder was made instead.
    monkeypatch.chdir(tmp_path)
    code, err = run_main(capsys, "run", "baseline", "--overwrite", "-n", "1")
    one_line_error(code, err, "--overwrite", "--out")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("extra,option", [
    (["--scheduler", "tcp://localhost:1"], "--scheduler"),
    (["--resume", "RESUME", "--out", "OUT"], "--out"),
])
def test_sweep_options_that_would_be_ignored_are_refused(tmp_path, capsys, monkeypatch, extra,
                                                         option):
    from techbloc.sim import sweeps

    monkeypatch.chdir(tmp_path)  # a default results/ folder lands here, not in the clone

    f = tmp_path / "grid.yaml"
    f.write_text("scenario: baseline\ndesign: grid\nhorizon: \"2019Q1:2019Q2\"\nparameters:\n"
                 "  us.ally_pressure: [0.0, 1.0]\nreplications: 1\n")
    done = sweeps.sweep(sweeps.load_sweep(f), workers=1, out=tmp_path / "s").path
    extra = [str(done) if x == "RESUME" else str(tmp_path / "o") if x == "OUT" else x
             for x in extra]
    code, err = run_main(capsys, "sweep", f, *extra)
    one_line_error(code, err, option)
    assert not (tmp_path / "o").exists()


def test_params_markdown_with_a_scenario_is_refused(capsys):
    # The scenario was ignored: the Markdown is the parameter tree's, not a scenario's.
    code, err = run_main(capsys, "params", "--markdown", "--scenario", "sanctions-2019")
    one_line_error(code, err, "--scenario", "--markdown")


def test_scenarios_after_the_command_says_where_it_goes(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["show", "baseline", "--scenarios", str(tmp_path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "before the command" in err, err
    assert "techbloc --scenarios DIR show" in err, err


def test_a_childs_same_quarter_actions_replace_its_parents_of_every_kind(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "name: parent\nevents:\n"
        "  - {at: 2021Q1, name: p, country_policy: [{iso3: NOR, policy: ban},"
        " {iso3: SWE, policy: restrict}], vendor: {id: huawei, price: 0.7, quality: 1.1},"
        " ramp: {us.ally_pressure: 0.8}, over: 4, set: {china.retaliation: 0.3}}\n")
    child = tmp_path / "child.yaml"
    child.write_text(
        "name: child\nextends: parent\nevents:\n"
        "  - {at: 2021Q1, name: c, country_policy: {iso3: NOR, policy: restrict},"
        " vendor: {id: huawei, price: 0.9}, set: {us.ally_pressure: 0.2}}\n")
    p, c = load_scenario(child).events
    assert (p.name, c.name) == ("p", "c")
    assert [x.iso3 for x in p.country_policy] == ["SWE"]  # NOR's is the child's
    assert [dict(v.values) for v in p.vendor] == [{"quality": 1.1}]  # price is the child's
    assert dict(p.ramp) == {} and dict(p.set) == {"china.retaliation": 0.3}  # set ends the ramp
    f = tmp_path / "shown.yaml"
    f.write_text(load_scenario(child).to_yaml())
    assert validate(f) == [] and load_scenario(f).events == load_scenario(child).events


def test_show_output_with_a_ramped_lever_held_loads_back_equal(tmp_path):
    # An event whose ramp lost its only key kept its 'over', which the file does not write.
    f = _file(tmp_path, "  - {at: 2021Q1, name: a, ramp: {us.ally_pressure: 0.8}, over: 4,"
                        " set: {china.retaliation: 0.3}}\n")
    held = load_scenario(f, set={"us.ally_pressure": 0.5})
    shown = tmp_path / "shown.yaml"
    shown.write_text(held.to_yaml())
    assert load_scenario(shown).events == held.events
