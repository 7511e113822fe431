"""The market record (issue 17): shipped files valid, bad rows refused with file, line, column."""

import shutil

import numpy as np
import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.observed import (
    OBSERVED,
    read_china_sites,
    read_launch_record,
    read_ran_vendors,
)
from techbloc.sim.world import DATA, load_world, read_plans

from tests.helpers import replace_line


def test_shipped_market_records_load():
    launches = read_launch_record()
    assert launches["iso3"].is_unique and len(launches) >= 45
    at = launches.set_index("iso3")
    assert at.at["KEN", "launch"] == "2022Q4" and at.at["KOR", "year"] == 2019.25
    assert np.isnan(at.at["PAK", "year"])  # no launch by end-2024
    # Every input launch date is also in the record, with the same quarter.
    inputs = (DATA / "launch_5g.csv").read_text().splitlines()[1:]
    for line in inputs:
        iso, quarter = line.split(",")[:2]
        assert at.at[iso, "launch"] == quarter, iso
    ran = read_ran_vendors()
    assert ran.set_index(["iso3", "operator"]).loc[("BEL", "Proximus"), "vendors"] == ["nokia"]
    assert ran.loc[ran["iso3"] == "KEN", "china"].all()
    assert ran["china_share"].dropna().between(0, 1).all()
    sites = read_china_sites().set_index("year")
    assert sites.at[2022, "sites"] == 2_312_000 and sites["sites"].is_monotonic_increasing


def test_the_plan_is_read_into_the_world():
    w = load_world()
    i = list(w.codes()).index("CHN")
    assert w.plan_density[i] == 2.6 and w.plan_launch[i] == 3  # 2019Q4
    assert np.isnan(w.plan_density).sum() == len(w.plan_density) - 1


@pytest.mark.parametrize(("name", "line", "old", "new", "message"), [
    ("ran_vendors.csv", 2, "nokia", "nokla", r"ran_vendors.csv:2: vendors: unknown vendor 'nokla'"),
    ("ran_vendors.csv", 8, "0.59", "1.59", r"ran_vendors.csv:8: china_share: expected a fraction"),
    ("ran_vendors.csv", 5, "GRC", "GRX", r"ran_vendors.csv:5: iso3: unknown country 'GRX'"),
    ("launches_5g.csv", 3, "2019Q2", "2019Q5", r"launches_5g.csv:3: launch: expected a quarter"),
    ("launches_5g.csv", 4, ",M,", ",X,", r"launches_5g.csv:4: confidence: expected H, M or L"),
    ("china_5g_sites.csv", 4, "1425000", "-5", r"china_5g_sites.csv:4: sites: expected a positive"),
])
def test_bad_rows_are_refused_with_their_location(tmp_path, name, line, old, new, message):
    path = tmp_path / name
    shutil.copy(OBSERVED / name, path)
    replace_line(path, line, old, new)
    reader = {"ran_vendors.csv": read_ran_vendors, "launches_5g.csv": read_launch_record,
              "china_5g_sites.csv": read_china_sites}[name]
    with pytest.raises(DataError, match=message):
        reader(path)


def test_a_bad_plan_is_refused_with_its_location(tmp_path):
    path = tmp_path / "rollout_plans.csv"
    shutil.copy(DATA / "rollout_plans.csv", path)
    iso3 = load_world().countries["iso3"]
    replace_line(path, 2, "CHN,2.6,2019Q4", "CHN,2.6,2018Q4")
    with pytest.raises(DataError, match=r"rollout_plans.csv:2: launch: expected a quarter from "
                                        r"2019Q1"):
        read_plans(path, iso3)
    shutil.copy(DATA / "rollout_plans.csv", path)
    replace_line(path, 2, "CHN,2.6", "CHN,-2")
    with pytest.raises(DataError, match=r"rollout_plans.csv:2: sites_per_1000: expected a "
                                        r"positive number"):
        read_plans(path, iso3)
