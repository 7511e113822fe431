"""Scenario loading: the shipped library, extends, events, and errors naming file and line."""

import pytest
from techbloc.sim import ScenarioError, load_scenario
from techbloc.sim.quarters import Quarter
from techbloc.sim.scenario import available, scenario_dir


@pytest.mark.parametrize("name", available())
def test_every_shipped_scenario_loads(name):
    s = load_scenario(name)
    assert s.name == name and s.title and s.description
    assert s.horizon == (Quarter(2019, 1), Quarter(2030, 4))


def test_sanctions_extends_baseline_with_dated_events():
    s = load_scenario("sanctions-2019")
    base = load_scenario("baseline")
    assert s.seed == base.seed and s.replications == base.replications
    assert [e.at for e in s.events] == sorted(e.at for e in s.events)
    first = s.events[0]
    assert first.at == Quarter(2019, 2), "2019-05-16 (entity list) must map to 2019Q2"
    assert first.set["us.export_controls"] == 0.4


def write(tmp_path, text, name="s.yaml"):
    f = tmp_path / name
    f.write_text(text)
    return f


@pytest.mark.parametrize("text,fragments", [
    ("name: x\nseeds: 3\n", ["s.yaml:2", "seeds: unknown key", "did you mean 'seed'"]),
    ("name: x\nparams:\n  us:\n    export_control: 0.5\n",
     ["s.yaml:4", "params.us.export_control", "did you mean 'export_controls'"]),
    ("name: x\nparams: {us.ally_pressure: 1.5}\n",
     ["s.yaml:2", "1.5 is outside the range [0, 1]"]),
    ("name: x\nparams: {us.ally_pressure: high}\n", ["expected a number", "'high'"]),
    ("name: x\nevents:\n  - {at: 2031Q1, set: {us.ally_pressure: 0.5}}\n",
     ["s.yaml:3", "outside the horizon"]),
    ("name: x\nevents:\n  - {at: 2020Q5, set: {us.ally_pressure: 0.5}}\n",
     ["s.yaml:3", "expected a quarter"]),
    ("name: x\nparams: [1, 2\n", ["not valid YAML", "s.yaml:"]),
    ("name: x\nreplications: 0\n", ["replications", "from 1 to"]),
    ("name: x\nextends: nosuch\n", ["s.yaml:2", "unknown scenario 'nosuch'"]),
])
def test_errors_name_file_line_key_and_hint(tmp_path, text, fragments):
    with pytest.raises(ScenarioError) as e:
        load_scenario(write(tmp_path, text))
    for f in fragments:
        assert f in str(e.value), f"{f!r} not in {str(e.value)!r}"


def test_extends_cycle_names_the_chain(tmp_path):
    write(tmp_path, "name: a\nextends: b\n", "a.yaml")
    write(tmp_path, "name: b\nextends: a\n", "b.yaml")
    with pytest.raises(ScenarioError, match=r"'extends' cycle: a -> b -> a"):
        load_scenario(tmp_path / "a.yaml")


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    with pytest.raises(ScenarioError, match="expands past"):
        load_scenario(write(tmp_path, "\n".join(lines) + "\n"))


def test_overrides_are_validated_like_files():
    s = load_scenario("baseline", set={"us.ally_pressure": 0.8})
    assert s.params["us.ally_pressure"] == 0.8
    with pytest.raises(ScenarioError, match="outside the range"):
        load_scenario("baseline", set={"us.ally_pressure": 2})
    with pytest.raises(ScenarioError, match="did you mean 'bri_discount'"):
        load_scenario("baseline", set={"china.bri_discont": 0.1})


def test_unknown_name_lists_shipped_scenarios():
    with pytest.raises(ScenarioError, match="known scenarios: .*baseline.*sanctions-2019"):
        load_scenario("digital-silk-rd")


def test_shipped_folder_is_inside_the_package():
    assert (scenario_dir() / "baseline.yaml").exists()
