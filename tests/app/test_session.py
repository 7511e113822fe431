"""The app's logic without the browser: settings as YAML, the lockstep run, uploads, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from techbloc.app import session as S
from techbloc.sim import params
from techbloc.sim.experiment import run

LEVERS = {"us.export_controls": 0.3, "us.ally_pressure": 0.7, "us.secondary_sanctions": 0.0,
          "china.bri_discount": 0.12, "china.cooperation": 0.2, "china.retaliation": 0.4,
          "operator.noise": 1.5}


def test_levers_carry_unit_and_range_of_the_parameter_tree():
    levers = S.levers()
    assert [lv.key for lv in levers] == list(S.LEVERS)
    for lv in levers:
        p = params.FLAT[lv.key]
        assert (lv.low, lv.high, lv.unit) == (p.range[0], p.range[1], p.unit)
        n = (lv.high - lv.low) / lv.step
        assert 50 <= n <= 250, f"{lv.key}: {n:.0f} slider steps"


def test_settings_yaml_loads_back_with_the_levers_as_start_values():
    text = S.scenario_yaml("sanctions-2019", LEVERS, seed=5, replications=2, end="2022Q4")
    doc = yaml.safe_load(text)
    assert doc["name"] == "sanctions-2019-app" and doc["extends"] == "sanctions-2019"
    s = S.load_text(text, "exported.yaml")
    assert {k: s.params[k] for k in LEVERS} == LEVERS
    assert (s.seed, s.replications, str(s.horizon[1])) == (5, 2, "2022Q4")
    # The parent's events are kept up to the new end (export controls 0.4 from 2019Q2, ...).
    assert [str(e.at) for e in s.events][:1] == ["2019Q2"]
    assert all(str(e.at) <= "2022Q4" for e in s.events)


def test_lockstep_run_equals_the_cli_run_of_the_same_yaml():
    text = S.scenario_yaml("baseline", LEVERS, seed=9, replications=2, end="2020Q4")
    ens = S.Ensemble(text, seed=9, replications=2)
    ens.step()
    ens.step()
    early_model, early_countries = ens.frames()
    assert (ens.t, ens.date) == (2, "2019Q2")
    while ens.running:
        ens.step()
    model, countries = ens.frames()
    ref = run(S.load_text(text, "app.yaml"), replications=2, seed=9)
    pd.testing.assert_frame_equal(model, ref.model, check_exact=True)
    pd.testing.assert_frame_equal(countries, ref.countries, check_exact=True)
    # A run seen mid-way is the prefix of the finished one.
    pd.testing.assert_frame_equal(early_model, model[model["step"] < 2].reset_index(drop=True))
    assert len(early_countries) == 2 * 2 * countries["iso3"].nunique()


def test_upload_errors_read_like_the_cli_with_file_and_line():
    bad = ("name: x\nextends: sanctions-2019\nparams:\n  us: {export_control: 0.5}\n"
           "events:\n  - {at: 2040Q1, name: late, set: {us.ally_pressure: 2}}\n")
    up = S.check_upload("my future.yaml", bad.encode())
    assert up.scenario is None and up.name == "my_future.yaml"
    assert any(e.startswith("my_future.yaml:4") and "did you mean 'export_controls'" in e
               for e in up.errors), up.errors
    assert len(up.errors) >= 2, "every error is reported, not just the first"
    syntax = S.check_upload("broken.yaml", "name: x\nparams: {us: [\n")
    assert syntax.errors and syntax.errors[0].startswith("broken.yaml:"), syntax.errors
    binary = S.check_upload("bin.yaml", b"\xff\xfe\x00")
    assert "not UTF-8" in binary.errors[0]


def test_uploaded_content_is_kept_under_the_app_settings():
    text = ("name: mine\ntitle: Mine\nextends: baseline\n"
            "params: {us: {ally_pressure: 0.5}, country.review_prob: 0.5}\n"
            "events:\n  - {at: 2021Q1, name: ramp, ramp: {china.bri_discount: 0.2}, over: 4}\n")
    up = S.check_upload("mine.yaml", text)
    assert up.errors == [] and up.scenario.params["us.ally_pressure"] == 0.5
    out = S.scenario_yaml(None, LEVERS, seed=1, replications=3, end="2025Q4", uploaded=up.doc)
    s = S.load_text(out, "mine-app.yaml")
    assert s.name == "mine-app" and s.title == "Mine" and s.extends == "baseline"
    assert s.params["country.review_prob"] == 0.5  # the upload's own parameter is kept
    assert s.params["us.ally_pressure"] == LEVERS["us.ally_pressure"]  # the slider wins
    # The moved Belt & Road slider holds: the upload's own ramp of it is dropped, as --set drops
    # it (a file may not ramp and set one lever in one quarter); its other events stay.
    assert [e.name for e in s.events] == ["app: levers held at their slider values"]
    assert S.lever_events(s)["china.bri_discount"] == []
    assert all(e.set == {"china.bri_discount": LEVERS["china.bri_discount"]} for e in s.events)
    kept = S.scenario_yaml(None, LEVERS, 1, 3, "2025Q4", held=["us.ally_pressure"],
                           uploaded=up.doc)
    assert S.lever_events(S.load_text(kept, "k.yaml"))["china.bri_discount"] == [
        "2021Q1: ramp to 0.2 over 4 q"]  # a lever not held follows the upload's own ramp


def test_a_moved_slider_holds_its_lever_like_set_and_an_untouched_one_follows_the_events():
    from techbloc.sim.scenario import load_scenario

    from tests.test_overrides import trajectory

    keys = ["us.ally_pressure", "us.export_controls"]
    text = S.scenario_yaml("sanctions-2019", {"us.ally_pressure": 0.0, "us.export_controls": 0.0},
                           seed=1, replications=1, end="2022Q4", held=["us.ally_pressure"])
    app = trajectory(S.load_text(text, "held.yaml"), keys)
    cli = trajectory(load_scenario("sanctions-2019", set={"us.ally_pressure": 0.0},
                                   horizon="2019Q1:2022Q4"), keys)
    assert np.all(app["us.ally_pressure"] == 0.0)
    np.testing.assert_array_equal(app["us.export_controls"], cli["us.export_controls"])
    assert app["us.export_controls"][-1] == 0.9  # untouched: the events as enacted
    # Without a list of moved sliders, those differing from the base's start value hold.
    text = S.scenario_yaml("sanctions-2019", {"us.ally_pressure": 0.3}, 1, 1, "2022Q4")
    assert np.all(trajectory(S.load_text(text, "d.yaml"), keys)["us.ally_pressure"] == 0.3)


def test_lever_events_name_the_dates_a_scenario_changes_a_lever():
    from techbloc.sim.scenario import load_scenario

    ev = S.lever_events(load_scenario("sanctions-2019"))
    assert ev["us.export_controls"][0] == "2019Q2: 0.4"
    assert ev["operator.noise"] == []


def test_operator_table_and_decision_terms_of_a_country():
    text = S.scenario_yaml("sanctions-2019", LEVERS, seed=3, replications=1, end="2024Q4")
    ens = S.Ensemble(text, seed=3, replications=1)
    with pytest.raises(Exception, match="step the model first"):
        ens.decision_terms("DEU")
    for _ in range(12):
        ens.step()
    ops = ens.operators("DEU")
    assert len(ops) >= 2 and ops["market_share"].sum() == pytest.approx(1.0)
    site_cols = [c for c in ops.columns if c.startswith("sites_")]
    built = ops["sites"] > 0
    assert built.any(), "German operators have 5G sites by 2021"
    np.testing.assert_allclose(ops.loc[built, site_cols].sum(axis=1), 1.0)
    terms = ens.decision_terms("DEU")
    assert terms["policy"] in ("open", "restrict", "ban")
    assert ens.models[0].country("DEU").policy == terms["policy"]


def test_the_map_uses_its_tables_quarter_while_a_run_steps_on():
    """The page draws from tables taken a moment ago; a background step must not break it."""
    pytest.importorskip("solara")
    from techbloc.app.pages import map_figure

    text = S.scenario_yaml("sanctions-2019", {}, 5, 2, "2019Q4")
    ens = S.Ensemble(text, 5, 2)
    ens.step()
    ens.step()
    taken = ens.frames()
    ens.step()  # the run moves on after the tables were read
    ens.frames = lambda: taken
    fig, ax = map_figure(ens, "policy")
    assert "2019Q2" in ax.get_title(), ax.get_title()


def test_pause_lets_no_quarter_start_and_waits_for_the_one_in_progress():
    import threading

    text = S.scenario_yaml("sanctions-2019", {}, 5, 2, "2030Q4")
    ens = S.Ensemble(text, 5, 2)
    assert ens.run_quarter() and ens.t == 1
    steps = []

    def loop():  # what the page's background task does
        while ens.run_quarter():
            steps.append(ens.t)

    worker = threading.Thread(target=loop)
    worker.start()
    while not steps:
        pass
    ens.pause()
    after = ens.t
    worker.join(timeout=30)
    assert not worker.is_alive() and ens.t == after, "a quarter ran after pause() returned"
    assert 1 < after < 48 or not ens.running
    assert not ens.run_quarter() and ens.t == after
    ens.paused = False
    assert ens.run_quarter() and ens.t == after + 1


def test_redraws_wait_for_quarters_and_for_the_last_redraws_cost():
    text = S.scenario_yaml("sanctions-2019", {}, 5, 1, "2020Q4")
    ens = S.Ensemble(text, 5, 1)
    for _ in range(3):
        ens.run_quarter()
    assert not ens.due(10.0, every=4, shown=0), "3 quarters are fewer than 4"
    assert ens.due(10.0, every=2, shown=0)
    ens.drawn_at, ens.draw_seconds = 9.5, 1.0  # the last redraw took 1 s, 0.5 s ago
    assert not ens.due(10.0, every=2, shown=0), "drawing would take over half the time"
    assert ens.due(10.6, every=2, shown=0)
    assert not ens.due(10.6, every=1, shown=3), "nothing new to show"
    while ens.run_quarter():
        pass
    assert ens.due(9.6, every=8, shown=5), "the last quarter is always drawn"


def test_title_names_moved_levers_only():
    from techbloc.sim.scenario import load_scenario

    base = load_scenario("sanctions-2019")
    same = {k: float(base.params[k]) for k in S.LEVERS}
    assert S.app_title(base, same) == base.title
    moved = {**same, "us.ally_pressure": 0.8}
    assert S.app_title(base, moved) == f"{base.title}; levers moved: US ally pressure 0.8"
    text = S.scenario_yaml("sanctions-2019", same, 1, 2, "2030Q4", title=S.app_title(base, same))
    assert "browser app" not in yaml.safe_load(text)["title"]


def test_operator_table_headers_are_separate_cells_with_their_groups():
    pytest.importorskip("solara")
    from techbloc.app.pages import operator_html

    text = S.scenario_yaml("sanctions-2019", {}, 3, 1, "2024Q4")
    ens = S.Ensemble(text, 3, 1)
    for _ in range(12):
        ens.run_quarter()
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self.rows, self.tag = [], 0, None

        def handle_starttag(self, tag, attrs):
            self.tag = tag
            if tag in ("th", "td"):
                self.cells.append((tag, dict(attrs), ""))
            self.rows += tag == "tr"

        def handle_data(self, data):
            if self.tag in ("th", "td") and self.cells:
                tag, attrs, text = self.cells[-1]
                self.cells[-1] = (tag, attrs, text + data)

    cells = Cells()
    cells.feed(operator_html(ens.operators("DEU")))
    heads = [(text, attrs) for tag, attrs, text in cells.cells if tag == "th"]
    names = [t for t, _ in heads]
    assert names[:5] == ["operator", "market share", "5G sites",
                         "share of its 5G sites by vendor", "share of its current 5G contract"]
    assert [a["colspan"] for _, a in heads[3:5]] == ["5", "5"]
    assert names[5:] == ["Huawei", "ZTE", "Ericsson", "Nokia", "Samsung"] * 2
    assert all("padding" in a["style"] for _, a in heads)  # never run together
    n_ops = len(ens.operators("DEU"))
    assert cells.rows == 2 + n_ops
    assert sum(tag == "td" for tag, _, _ in cells.cells) == n_ops * 13
