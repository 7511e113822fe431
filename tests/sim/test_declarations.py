"""US 5G security declarations (ODD §7.5): the data file, its reader and the switchable terms."""

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.experiment import run
from techbloc.sim.mechanisms import policy
from techbloc.sim.params import defaults
from techbloc.sim.policy_data import DECLARATION_COLUMNS, declared, read_declarations
from techbloc.sim.quarters import Quarter
from techbloc.sim.scenario import load_scenario
from techbloc.sim.world import DATA, load_world

SIGNATORIES = ["ROU", "POL", "EST", "LVA", "CZE", "SVN", "SRB", "XKX", "LTU", "SVK", "BGR",
               "MKD", "DOM", "GEO", "SWZ", "ALB"]
GOOD = ("ROU,2019-08-20,memorandum,Iohannis and Trump,H,https://example.org/a,note\n"
        "POL,2019-09-02,joint_declaration,Pence and Morawiecki,H,https://example.org/b,\n")


HEADER = ",".join(DECLARATION_COLUMNS)


def _write(tmp_path, body, header=HEADER):
    path = tmp_path / "us_5g_declarations.csv"
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path


def test_the_shipped_file_has_the_sourced_signatories_in_their_signing_quarters():
    w = load_world()
    codes = np.array(w.codes())
    signed = w.declared
    assert sorted(codes[np.isfinite(signed)]) == sorted(SIGNATORIES)
    at = dict(zip(codes, signed, strict=True))
    assert at["ROU"] == Quarter(2019, 3).index and at["EST"] == Quarter(2019, 4).index
    assert at["LTU"] == Quarter(2020, 3).index and at["ALB"] == Quarter(2021, 2).index
    # Every row names its source; the file is documented column by column in SOURCES.md.
    df = pd.read_csv(DATA / "us_5g_declarations.csv", dtype=str, keep_default_na=False)
    assert df["source"].str.startswith("https://").all()
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    section = sources.split("## us_5g_declarations.csv")[1].split("\n## ")[0]
    for column in DECLARATION_COLUMNS:
        assert f"`{column}`" in section


def test_d_is_zero_before_the_signing_quarter_and_one_from_it():
    signed = np.array([Quarter(2020, 3).index, np.inf])
    assert declared(signed, Quarter(2020, 2)).tolist() == [0.0, 0.0]
    assert declared(signed, Quarter(2020, 3)).tolist() == [1.0, 0.0]
    assert declared(signed, Quarter(2024, 4)).tolist() == [1.0, 0.0]
    assert declared(None, Quarter(2020, 3)) == 0.0


def test_a_world_folder_without_the_file_has_no_declarations(tmp_path):
    iso3 = load_world().countries["iso3"]
    assert np.isinf(read_declarations(tmp_path / "absent.csv", iso3)).all()
    out = read_declarations(_write(tmp_path, GOOD), iso3)
    assert np.isfinite(out).sum() == 2


@pytest.mark.parametrize("row, column, message", [
    ("XXX,2019-08-20,memorandum,a,H,https://e.org,", "iso3", "unknown country 'XXX'"),
    ("ROU,2019-02-30,memorandum,a,H,https://e.org,", "date", "expected a date YYYY-MM-DD"),
    ("ROU,20 Aug 2019,memorandum,a,H,https://e.org,", "date", "expected a date YYYY-MM-DD"),
    ("ROU,2031-01-01,memorandum,a,H,https://e.org,", "date", "in 2018-2030"),
    ("ROU,2019-08-20,treaty,a,H,https://e.org,", "form", "expected one of joint_declaration"),
    ("ROU,2019-08-20,memorandum, ,H,https://e.org,", "signatories", "empty"),
    ("ROU,2019-08-20,memorandum,a,high,https://e.org,", "confidence", "expected H, M or L"),
    ("ROU,2019-08-20,memorandum,a,H,Reuters,", "source", "expected a web address"),
    ("POL,2019-09-03,memorandum,a,H,https://e.org,", "iso3", "'POL' appears twice"),
])
def test_a_bad_row_names_the_file_line_and_column(tmp_path, row, column, message):
    path = _write(tmp_path, GOOD + row + "\n")
    with pytest.raises(DataError) as e:
        read_declarations(path, load_world().countries["iso3"])
    err = e.value
    assert err.file == str(path) and err.line == 4 and err.key == column
    assert message in str(err)
    assert re.match(re.escape(str(path)) + r":4: " + column + ": ", str(err))


def test_a_missing_column_is_named(tmp_path):
    path = _write(tmp_path, "ROU,2019-08-20,memorandum,a,https://e.org,\n",
                  header="iso3,date,form,signatories,source,note")
    with pytest.raises(DataError, match="confidence: column missing"):
        read_declarations(path, load_world().countries["iso3"])


def _inputs(declaration):
    n = len(declaration)
    return policy.PolicyInputs(
        security=np.full(n, 0.7), intel=np.zeros(n), power=np.linspace(-1, 1, n),
        alignment=np.zeros(n), peer=np.full(n, 0.2), unreliability=0.3,
        us_exports=np.full(n, 0.1), installed=np.full(n, 0.4), price_gap=np.full(n, 0.2),
        china_exports=np.full(n, 0.1), bri=np.zeros(n), declaration=np.asarray(declaration))


def test_off_by_default_the_score_and_cut_points_are_those_without_it():
    p = {**defaults(), "us.ally_pressure": 0.6}
    assert p["country.w_declaration"] == 0 and p["country.ban_shift_declaration"] == 0
    x = _inputs([1.0, 0.0, 1.0])
    assert policy.score(x, p).tobytes() == policy.score(_inputs([0.0, 0.0, 0.0]), p).tobytes()
    t2 = policy.ban_cutpoints((3.0, 8.0), np.zeros(3), np.zeros(3), p,
                              current=np.zeros(3), declaration=np.ones(3))
    assert t2 == 8.0 and isinstance(t2, float)


def test_the_score_term_adds_w_d_times_pressure_for_signatories_and_the_terms_sum_to_it():
    d = np.array([1.0, 0.0, 1.0, 0.0])
    base = {**defaults(), "us.ally_pressure": 0.6}
    without = policy.score(_inputs(d), base)
    for w in (0.5, 3.0):
        p = {**base, "country.w_declaration": w}
        s = policy.score(_inputs(d), p)
        assert s - without == pytest.approx(w * 0.6 * d)
        parts = policy.terms(_inputs(d), p)
        assert set(parts) == set(policy.TERMS)
        assert sum(parts.values()) == pytest.approx(s)
        assert parts["declaration"].tolist() == pytest.approx((w * 0.6 * d).tolist())
    # No ally pressure (baseline), no effect.
    p0 = {**defaults(), "country.w_declaration": 5.0}
    assert policy.score(_inputs(d), p0) == pytest.approx(policy.score(_inputs(d * 0), p0))


def test_the_ban_shift_moves_only_open_signatories_toward_the_ban_cut_point():
    p = {**defaults(), "us.ally_pressure": 0.6, "country.ban_shift_declaration": 5.0}
    cur = np.array([policy.OPEN, policy.OPEN, policy.RESTRICT])
    t2 = policy.ban_cutpoints((3.0, 8.0), np.zeros(3), np.zeros(3), p, current=cur,
                              declaration=np.array([1.0, 0.0, 1.0]))
    assert t2.tolist() == [8.0 - 0.6 * 5.0, 8.0, 8.0]
    far = {**p, "country.ban_shift_declaration": 20.0}  # never below the restriction's θ_1
    assert policy.ban_cutpoints((3.0, 8.0), 0.0, 0.0, far, current=cur[:1],
                                declaration=np.ones(1)).tolist() == [3.0]


def test_in_the_model_off_is_the_model_without_declarations():
    # The shipped world (declarations read) at w_d = δ_d = 0 gives the tables of a world without
    # the file, bit for bit, for a fixed seed.
    s = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": False},
                                                     origin="test")
    world = load_world()
    bare = dataclasses.replace(world, declared=None)
    a = run(s, replications=2, seed=5, horizon="2019Q1:2021Q4", world=world)
    b = run(s, replications=2, seed=5, horizon="2019Q1:2021Q4", world=bare)
    pd.testing.assert_frame_equal(a.countries, b.countries)
    pd.testing.assert_frame_equal(a.model, b.model)


def test_in_the_model_signatories_exclude_no_less_as_the_weight_rises():
    # sanctions-2019 to 2021Q4, calibrated point, common seeds: the signatories' P(not open)
    # does not fall as w_d rises, and rises at a large weight; a non-signatory far from them
    # (JPN, restricting since 2018) is untouched.
    s = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": False},
                                                     origin="test")
    out = []
    for w in (0.0, 2.0, 8.0):
        res = run(s.with_params({"country.w_declaration": w}, origin="test"),
                  replications=6, seed=11, horizon="2019Q1:2021Q4")
        c = res.countries[res.countries["date"] == "2021Q4"]
        signed = c["iso3"].astype(str).isin(SIGNATORIES)
        excluding = c["policy"].astype(str) != "open"
        jpn = c[c["iso3"].astype(str) == "JPN"]["policy"].astype(str).tolist()
        out.append((excluding[signed].mean(), jpn))
    assert out[0][0] <= out[1][0] <= out[2][0] and out[2][0] > out[0][0]
    assert out[0][1] == out[1][1] == out[2][1]


def test_decision_terms_carry_the_declaration_and_still_sum_to_the_score():
    from techbloc.sim.model import TechAllianceModel

    s = load_scenario("sanctions-2019").with_params(
        {"uncertainty.parameters": False, "country.w_declaration": 3.0}, origin="test")
    m = TechAllianceModel(scenario=s, seed=3)
    for _ in range(8):  # to 2020Q4: Latvia signed in 2020Q1, ally pressure 0.6 from 2020Q3
        m.step()
    lva, fra = m.decision_terms("LVA"), m.decision_terms("FRA")
    assert lva["declaration"] == pytest.approx(3.0 * 0.6) and fra["declaration"] == 0.0
    for t in (lva, fra):
        assert t["score"] == pytest.approx(sum(t[k] for k in policy.TERMS))
