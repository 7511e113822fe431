"""The shipped world loads and is documented; corrupted files name file, line and column."""

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.operator_draws import make_operators
from techbloc.sim.world import DATA, load_world

EU27 = ("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT "
        "ROU SVK SVN ESP SWE").split()
GCC = "SAU ARE QAT KWT OMN BHR".split()
ASEAN = "BRN KHM IDN LAO MYS MMR PHL SGP THA VNM".split()


def test_shipped_world_covers_the_groups_that_matter():
    c = load_world().countries
    iso = set(c["iso3"])
    assert len(c) >= 170 and c["iso3"].is_unique
    missing = [x for x in (*EU27, "GBR", *GCC, *ASEAN, "CHN", "USA", "XKX") if x not in iso]
    assert not missing, f"missing countries: {missing}"
    assert int(c["g20"].sum()) == 19 and int(c["five_eyes"].sum()) == 5


def test_every_column_is_documented_in_sources():
    sources = (DATA / "SOURCES.md").read_text()
    for name in ("countries.csv", "operators.csv", "policy_2019.csv", "launch_5g.csv",
                 "devices.csv", "handset_markets.csv", "rollout_plans.csv", "frontline.csv",
                 "covered_equipment.csv"):
        header = (DATA / name).read_text().splitlines()[0].split(",")
        undocumented = [col for col in header if f"`{col}`" not in sources]
        assert not undocumented, f"{name}: columns not in SOURCES.md: {undocumented}"


def test_operators_are_deterministic_and_consistent():
    world = load_world()
    a = make_operators(world, np.random.default_rng(1))
    b = make_operators(world, np.random.default_rng(1))
    c = make_operators(world, np.random.default_rng(2))
    assert np.array_equal(a.mix4g, b.mix4g) and a.names == b.names
    assert not np.array_equal(a.mix4g, c.mix4g)
    assert np.allclose(a.mix4g.sum(axis=1), 1.0)
    sums = np.bincount(a.country, a.market_share)
    assert np.allclose(sums, 1.0), "each country's operator shares must sum to 1"
    assert "China Mobile" in a.names and "Deutsche Telekom" in a.names


@pytest.fixture
def data_copy(tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


def _edit_csv(path: Path, line: int, pattern: str, repl: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[line - 1] = re.sub(pattern, repl, lines[line - 1], count=1)
    path.write_text("".join(lines))


@pytest.mark.parametrize("corrupt,expected", [
    (lambda d: _edit_csv(d / "countries.csv", 4, r"^[A-Z]{3}", "AFG"),
     r"countries.csv:4: iso3: duplicate country 'AFG'"),
    (lambda d: _edit_csv(d / "countries.csv", 6, r",0\.\d+,(\d)$", r",1.7,\1"),
     r"countries.csv:6: china_4g_share: value '1.7' out of range"),
    (lambda d: _edit_csv(d / "countries.csv", 9, r"^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*),\d+",
                         r"\1,many"),
     r"countries.csv:9: population: cannot read 'many' as a number"),
    (lambda d: (d / "countries.csv").write_text(
        (d / "countries.csv").read_text().replace(",g20,", ",G20,", 1)),
     r"countries.csv: g20: column missing"),
    (lambda d: (d / "countries.csv").unlink(), r"countries.csv: file not found"),
    (lambda d: (d / "policy_2019.csv").write_text(
        (d / "policy_2019.csv").read_text() + "ZZZ,ban,,0,nowhere\n"),
     r"policy_2019.csv:\d+: iso3: unknown country 'ZZZ'"),
    (lambda d: (d / "vendors.yaml").write_text("vendors: [\n"), r"vendors.yaml:2: not valid YAML"),
])
def test_corrupted_data_names_file_line_and_column(data_copy, corrupt, expected):
    corrupt(data_copy)
    with pytest.raises(DataError, match=expected):
        load_world(data_copy)
