"""The scenario language end to end: events at their quarter, precedence, round trips, errors."""

import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from techbloc.sim import ScenarioError, TechAllianceModel, load_scenario, run
from techbloc.sim.library import library_markdown
from techbloc.sim.scenario import available, scenario_dir, validate

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text, name="s.yaml"):
    f = tmp_path / name
    f.write_text(text)
    return f


def model_of(tmp_path, text, end="2021Q4", seed=1):
    m = TechAllianceModel(load_scenario(write(tmp_path, text), horizon=f"2019Q1:{end}"), seed=seed)
    m.run_model()
    return m


@pytest.mark.parametrize("name", sorted(available()))
def test_every_shipped_scenario_validates_and_runs(name):
    assert validate(scenario_dir() / f"{name}.yaml") == []
    res = run(name, replications=1, horizon="2019Q1:2021Q4")
    assert len(res.model) == 12 and res.model["share_china"].between(0, 1).all()


def test_set_event_applies_from_its_quarter_on(tmp_path):
    m = model_of(tmp_path, "name: x\nevents:\n  - {at: 2020Q3, set: {us.export_controls: 0.9}}\n")
    u = m.rec_model["export_controls"]
    assert np.all(u[:6] == 0) and np.all(u[6:] == 0.9), f"export_controls by step: {u}"


def test_ramp_moves_linearly_over_its_quarters(tmp_path):
    m = model_of(tmp_path, "name: x\nevents:\n"
                 "  - {at: 2020Q1, ramp: {us.ally_pressure: 0.8}, over: 4}\n")
    g = m.rec_model["ally_pressure"]
    assert g[3] == 0 and list(g[4:8]) == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert np.all(g[8:] == 0.8)


def test_country_policy_forces_locks_and_release_frees(tmp_path):
    text = ("name: x\nevents:\n"
            "  - {at: 2019Q3, country_policy: {iso3: BRA, policy: ban, removal_years: 2}}\n"
            "  - {at: 2021Q1, release: [BRA]}\n")
    m = model_of(tmp_path, text)
    bra = m.country("BRA").index
    pol = m.rec_country["policy"][:, bra]
    assert pol[1] == 0 and np.all(pol[2:8] == 2), f"BRA policy by step {pol}"
    assert not m.layers.countries.locked[bra], "release did not free BRA"
    assert m.layers.countries.removal_years[bra] == 2


def test_membership_event_changes_bri_prices(tmp_path):
    text = "name: x\nevents:\n  - {at: 2019Q2, membership: {iso3: ITA, leave: bri}}\n"
    m = model_of(tmp_path, text, end="2019Q4")
    ita, prices = m.country("ITA").index, m.layers.countries.prices
    price = m.layers.vendors.price
    assert prices[ita, 0] == pytest.approx(price[0]), "Italy kept its BRI discount"
    pak = m.country("PAK").index
    assert prices[pak, 0] < price[0]


def test_vendor_event_changes_price(tmp_path):
    m = model_of(tmp_path, "name: x\nevents:\n  - {at: 2019Q2, vendor: {id: nokia, price: 0.7}}\n",
                 end="2019Q2")
    assert m.layers.vendors.price[3] == 0.7
    assert m.world.vendors.price[3] == 0.98, "world data must not change"


def test_extends_precedence(tmp_path):
    write(tmp_path, "name: a\nseed: 1\nparams: {us.ally_pressure: 0.3, china.retaliation: 0.2}\n",
          "a.yaml")
    write(tmp_path, "name: b\nextends: a\nparams: {us.ally_pressure: 0.5}\n", "b.yaml")
    c = load_scenario(write(tmp_path, "name: c\nextends: b\nseed: 3\n", "c.yaml"))
    assert c.params["us.ally_pressure"] == 0.5 and c.params["china.retaliation"] == 0.2
    assert c.seed == 3 and c.extends == "b"
    assert c.origins["us.ally_pressure"] == "parent b"
    assert c.origins["china.retaliation"] == "parent a"


def test_show_output_loads_back_to_the_same_scenario(tmp_path):
    for name in ("history", "open-ran", "digital-silk-road"):
        s = load_scenario(name, set={"operator.noise": 1.5})
        back = load_scenario(write(tmp_path, s.to_yaml(), f"{name}.yaml"))
        assert back.params == s.params and back.events == s.events
        assert (back.seed, back.horizon, back.replications) == (s.seed, s.horizon,
                                                                 s.replications)


def test_set_overrides_take_precedence_over_files(tmp_path):
    f = write(tmp_path, "name: x\nparams: {us.ally_pressure: 0.3}\n")
    assert load_scenario(f, set={"us.ally_pressure": 0.9}).params["us.ally_pressure"] == 0.9
    out = subprocess.run([sys.executable, "-m", "techbloc", "show", str(f), "--set",
                          "us.ally_pressure=0.9"], capture_output=True, text=True, check=True)
    assert "ally_pressure: 0.9  # command line" in out.stdout


@pytest.mark.parametrize("text,fragments", [
    ("name: x\nevents:\n  - {at: 2020Q1, country_policy: {iso3: GBX, policy: ban}}\n",
     ["s.yaml:3:", "country_policy.iso3", "unknown country 'GBX'", "did you mean"]),
    ("name: x\nevents:\n  - {at: 2020Q1, country_policy: {iso3: GBR, policy: banned}}\n",
     ["s.yaml:3:", "country_policy.policy", "expected one of open, restrict, ban"]),
    ("name: x\nevents:\n  - {at: 2020Q1, vendor: {id: huwei, price: 0.5}}\n",
     ["vendor.id", "unknown vendor 'huwei'", "did you mean 'huawei'"]),
    ("name: x\nevents:\n  - {at: 2020Q1, vendor: {id: zte, price: -1}}\n",
     ["vendor.price", "expected a number in"]),
    ("name: x\nevents:\n  - {at: 2020Q1, membership: {iso3: FIN, join: natto}}\n",
     ["membership.join", "unknown organisation 'natto'", "did you mean 'nato'"]),
    ("name: x\nevents:\n  - {at: 2020Q1, ramp: {us.ally_pressure: 0.5}}\n",
     ["events[0]", "expected a number of quarters"]),
    ("name: x\nevents:\n  - {at: 2020Q1, name: nothing}\n", ["events[0]", "at least one of"]),
    ("name: x\nevents:\n  - {at: 2022Q3, removal_order: {iso3: USX, years: 1}}\n",
     ["s.yaml:3:", "removal_order.iso3", "unknown country 'USX'", "did you mean"]),
    ("name: x\nevents:\n  - {at: 2022Q3, removal_order: {iso3: USA}}\n",
     ["events[0].removal_order", "needs 'years'"]),
    ("name: x\nevents:\n  - {at: 2022Q3, removal_order: {iso3: USA, years: 40}}\n",
     ["removal_order.years", "40 is outside the range [0.25, 15]"]),
    ("name: x\nevents:\n  - {at: 2022Q3, removal_order: {iso3: USA, yeras: 1}}\n",
     ["removal_order.yeras", "did you mean 'years'"]),
    ("name: x\nevents:\n  - {at: 2022Q3, removal_order: USA}\n",
     ["events[0].removal_order", "expected {iso3: USA, years: 1}"]),
    ("name: x\nevents:\n  - {at: 2020Q1, sett: {us.ally_pressure: 0.5}}\n",
     ["events[0].sett", "did you mean 'set'"]),
    ("name: x\nhorizon: {start: 2020Q1, end: 2030Q4}\n", ["horizon.start", "must start there"]),
    ("name: x\nevents:\n  - {at: 2019-13-01, set: {us.ally_pressure: 0.5}}\n",
     ["s.yaml:3:", "events[0].at", "'2019-13-01' is not a valid date"]),
    ("name: x\nseed: 2019-02-30\n", ["seed", "expected a non-negative integer"]),
])
def test_event_and_horizon_errors_name_file_line_and_key(tmp_path, text, fragments):
    with pytest.raises(ScenarioError) as e:
        load_scenario(write(tmp_path, text))
    for f in fragments:
        assert f in str(e.value), f"{f!r} not in {str(e.value)!r}"


def test_errors_carry_line_and_column(tmp_path):
    with pytest.raises(ScenarioError) as e:
        load_scenario(write(tmp_path, "name: x\nparams:\n  us: {ally_pressure: 0.5, expor: 1}\n"))
    assert (e.value.line, e.value.column) == (3, 28)  # the column of "expor"
    assert "s.yaml:3:28: params.us.expor" in str(e.value)


def test_deeply_nested_document_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="nested too deeply|not valid YAML"):
        load_scenario(write(tmp_path, "name: x\nparams: " + "[" * 5000 + "]" * 5000 + "\n"))


def test_validate_reports_every_error(tmp_path):
    f = write(tmp_path, "name: x\nseeds: 1\nparams: {us.ally_pressure: 3, us.exprt: 1}\n"
              "events:\n  - {at: 2040Q1, set: {us.ally_pressure: 0.1}}\n")
    errors = validate(f)
    assert len(errors) == 4, "\n".join(map(str, errors))
    proc = subprocess.run([sys.executable, "-m", "techbloc", "validate", str(f),
                           str(scenario_dir() / "baseline.yaml")], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("s.yaml:") == 4
    assert "ok:" in proc.stdout and "Traceback" not in proc.stderr


def test_scenarios_found_in_search_directories(tmp_path, monkeypatch):
    d = tmp_path / "mine"
    d.mkdir()
    write(d, "name: my-future\nextends: sanctions-2019\nparams: {china.retaliation: 0.5}\n",
          "my-future.yaml")
    assert load_scenario("my-future", search=[d]).params["china.retaliation"] == 0.5
    monkeypatch.setenv("TECHBLOC_SCENARIOS", str(d))
    assert "my-future" in available()
    proc = subprocess.run([sys.executable, "-m", "techbloc", "--scenarios", str(d), "diff",
                           "sanctions-2019", "my-future"], capture_output=True, text=True)
    assert "params.china.retaliation: 0.0 -> 0.5" in proc.stdout, proc.stdout + proc.stderr


def test_horizon_override_from_python_and_cli(tmp_path):
    s = load_scenario("sanctions-2019", horizon="2019Q1:2020Q2")
    assert str(s.horizon[1]) == "2020Q2" and all(str(e.at) <= "2020Q2" for e in s.events)
    with pytest.raises(ScenarioError, match="must start there"):
        load_scenario("baseline", horizon="2020Q1:2030Q4")
    proc = subprocess.run([sys.executable, "-m", "techbloc", "run", "baseline", "-n", "1",
                           "--horizon", "2019Q1:2035Q4", "--no-plots", "--out",
                           str(tmp_path / "r")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "2035Q4" in proc.stdout


def test_docs_scenarios_is_generated_from_the_files():
    doc = (ROOT / "docs" / "scenarios.md").read_text()
    assert doc == library_markdown(), "stale: techbloc scenarios --markdown > docs/scenarios.md"


_yaml_text = st.text(alphabet=string.printable, max_size=200)
_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 3),
                    st.text(max_size=8), st.lists(st.integers(), max_size=3))
_docs = st.dictionaries(st.sampled_from(["name", "seed", "replications", "horizon", "params",
                                         "events", "extends", "title", "bogus"]),
                        st.one_of(_values, st.dictionaries(st.text(max_size=12), _values,
                                                           max_size=3)), max_size=5)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_yaml_text)
def test_random_text_loads_or_raises_scenario_error(tmp_path, text):
    try:
        load_scenario(write(tmp_path, text, "r.yaml"))
    except ScenarioError:
        pass


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_docs)
def test_random_documents_load_or_raise_scenario_error(tmp_path, doc):
    try:
        load_scenario(write(tmp_path, yaml.safe_dump(doc), "r.yaml"))
    except ScenarioError:
        pass


_raw_scalars = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", fullmatch=True),
    st.from_regex(r"[0-9]{4}Q[0-9]", fullmatch=True),
    st.sampled_from(["~", "yes", "no", ".inf", "-.nan", "0x1F", "1e400", "!!binary AA",
                     "!!python/object:os.system x", "*a", "&a 1", "[1, {a: 2}]", "{", "'"]),
    st.floats(allow_nan=False).map(str))
_raw_docs = st.lists(st.tuples(
    st.sampled_from(["name", "seed", "replications", "params", "horizon", "events",
                     "  us.ally_pressure", "  - at", "    set", "title"]),
    _raw_scalars), max_size=6).map(lambda kv: "\n".join(f"{k}: {v}" for k, v in kv) + "\n")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_raw_docs)
def test_random_yaml_scalars_load_or_raise_scenario_error(tmp_path, text):
    try:
        load_scenario(write(tmp_path, text, "r.yaml"))
    except ScenarioError:
        pass


@settings(max_examples=200, deadline=None)
@given(key=st.text(max_size=30), value=_values)
def test_random_overrides_load_or_raise_scenario_error(key, value):
    try:
        load_scenario("baseline", set={key: value})
    except ScenarioError:
        pass


def _forced_then_released(tmp_path, condition: bool):
    # Brazil (open, far from excluding in 2019-2021) forced to restrict, then released: with
    # its disposition redrawn for the stance it holds it keeps restricting; with the 2019 draw
    # (conditioned on open) and no hysteresis it returns to open at its next review.
    params = {"hysteresis": 0, "score_noise": 0.01, "disposition_sd": 1.0,
              "condition_released": str(condition).lower(), "review_prob": 1.0}
    text = ("name: x\nparams:\n  country:\n"
            + "".join(f"    {k}: {val}\n" for k, val in params.items())
            + "events:\n"
            "  - {at: 2019Q3, country_policy: {iso3: BRA, policy: restrict}}\n"
            "  - {at: 2020Q1, release: [BRA]}\n")
    tmp_path.mkdir()
    m = model_of(tmp_path, text, end="2021Q4")
    return m.rec_country["policy"][:, m.country("BRA").index]


def test_a_stance_released_before_the_first_review_conditions_the_disposition(tmp_path):
    # Forced and released in the first quarter, before any review: the first draw conditions
    # on the released stance, not on the 2019Q1 one (a hysteresis of 1 holds a restriction whose
    # score drifts a little below θ_1, not one whose score sits far below it).
    text = ("name: x\nparams:\n  country:\n    hysteresis: 1\n    score_noise: 0.01\n"
            "    disposition_sd: 1.0\n    review_prob: 1.0\n"
            "events:\n  - {at: 2019Q1, country_policy: {iso3: BRA, policy: restrict}}\n"
            "  - {at: 2019Q1, release: [BRA]}\n")
    m = model_of(tmp_path, text, end="2020Q4")
    pol = m.rec_country["policy"][:, m.country("BRA").index]
    assert np.all(pol == 1), f"BRA by step: {pol}"


def test_release_all_leaves_the_hubs_pinned(tmp_path):
    text = ("name: x\nevents:\n  - {at: 2019Q2, country_policy: {iso3: USA, policy: ban}}\n"
            "  - {at: 2019Q3, release: all}\n")
    m = model_of(tmp_path, text, end="2019Q4")
    cl = m.layers.countries
    assert cl.locked[m.country("USA").index] and cl.locked[m.country("CHN").index]


def test_a_released_country_keeps_its_stance_when_its_disposition_is_conditioned(tmp_path):
    kept = _forced_then_released(tmp_path / "on", True)
    lapsed = _forced_then_released(tmp_path / "off", False)
    assert np.all(kept[2:] == 1), f"BRA by step, conditioned: {kept}"
    assert lapsed[5] == 0, f"BRA by step, unconditioned: {lapsed}"
