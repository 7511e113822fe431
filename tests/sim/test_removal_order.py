"""Removal orders (scenario event ``removal_order``, ODD §7.7): what goes, by when, at what cost.

The runs switch off country decisions (``mechanisms.policy: false``) so that no ban decided in the
run schedules removal of its own: every dollar of rip-and-replace cost comes from the order.
"""

import shutil

import numpy as np
import pytest
from techbloc.sim import TechAllianceModel, load_scenario
from techbloc.sim.world import DATA, load_world

NO_DECISIONS = "name: x\nparams: {mechanisms.policy: false}\n"
ORDER = "events:\n  - {at: 2020Q1, removal_order: {iso3: USA, years: 1.5}}\n"


def _model(tmp_path, text, end="2021Q4", world=None, seed=3):
    f = tmp_path / "s.yaml"
    f.write_text(text)
    m = TechAllianceModel(load_scenario(f, horizon=f"2019Q1:{end}"), seed=seed, world=world)
    return m


def _run(m):
    usa = m.world.codes().index("USA")
    covered = []
    while m.running:
        m.step()
        covered.append(m.layers.operators.covered[usa])
    return np.array(covered), m.rec_model["rip_replace_cost_usd"].copy()


def test_order_removes_the_covered_base_by_its_deadline_at_the_cost_per_site(tmp_path):
    m = _model(tmp_path, NO_DECISIONS + ORDER)
    usa = m.world.codes().index("USA")
    start = m.layers.operators.covered[usa]
    # the FCC's ~8,400 locations over CTIA's 395,562 sites, on the model's US grid
    assert start == pytest.approx(8400 / 395562 * m.layers.operators.sites4[
        m.layers.operators.country == usa].sum())
    covered, cost = _run(m)
    per_site = m.values["country.removal_cost_per_site"]
    # nothing before the order (2020Q1 = step 4); a sixth a quarter over 1.5 years; gone by 2021Q2
    assert np.all(covered[:4] == start) and np.all(cost[:4] == 0)
    assert covered[4:9] == pytest.approx(start * (1 - np.arange(1, 6) / 6))
    assert np.all(covered[9:] == 0), f"covered base left after the deadline: {covered}"
    assert cost[-1] == pytest.approx(start * per_site)
    assert np.all(np.diff(cost) >= 0)


def test_without_the_order_or_with_removal_off_nothing_is_removed(tmp_path):
    for text in (NO_DECISIONS,
                 NO_DECISIONS.replace("}", ", mechanisms.removal: false}") + ORDER):
        covered, cost = _run(_model(tmp_path, text))
        assert np.all(cost == 0) and np.all(covered == covered[0]) and covered[0] > 0, text


def test_cost_rises_in_proportion_to_the_footprint(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    f = data / "covered_equipment.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("USA,8400,", "USA,16800,"),
                 encoding="utf-8")
    _, base = _run(_model(tmp_path, NO_DECISIONS + ORDER))
    _, double = _run(_model(tmp_path, NO_DECISIONS + ORDER, world=load_world(data)))
    assert base[-1] > 0 and double[-1] == pytest.approx(2 * base[-1])


def test_the_order_changes_only_the_cost_and_is_deterministic(tmp_path):
    # No draw is added: with decisions on, every other record of the run is identical with and
    # without the order, and the same seed gives the same cost.
    runs = []
    for text in ("name: x\n" + ORDER, "name: x\n" + ORDER, "name: x\n"):
        m = _model(tmp_path, text, end="2020Q4")
        m.run_model()
        runs.append(m)
    with_order, again, without = runs
    cost = "rip_replace_cost_usd"
    assert np.array_equal(with_order.rec_model[cost], again.rec_model[cost])
    assert with_order.rec_model[cost][-1] > without.rec_model[cost][-1]
    for key, col in with_order.rec_model.items():
        if key != cost:
            assert np.array_equal(col, without.rec_model[key], equal_nan=True), key
    for key, col in with_order.rec_country.items():
        assert np.array_equal(col, without.rec_country[key], equal_nan=True), key


def test_an_order_also_removes_the_china_bloc_5g_sites_standing_at_it(tmp_path):
    # Germany (open, decisions off) keeps buying from Huawei, so an order removes the sites
    # standing at it and new ones are built: its China-bloc share at the deadline is lower than
    # without the order, and the cost is that of 5G sites alone (no covered base listed).
    order = "events:\n  - {at: 2021Q1, removal_order: {iso3: DEU, years: 1}}\n"
    shares, costs = [], []
    for text in (NO_DECISIONS + order, NO_DECISIONS):
        m = _model(tmp_path, text, end="2021Q4")
        m.run_model()
        deu = m.world.codes().index("DEU")
        shares.append(m.rec_country["china_share"][-1, deu])
        costs.append(m.rec_model["rip_replace_cost_usd"][-1])
    assert shares[0] < shares[1] and costs[0] > 0 == costs[1]
