"""Malformed data files the readers of sim/world.py must turn into a DataError.

The shipped world, its documentation and the common corruptions (duplicate iso3, share > 1,
non-numeric population, missing column or file, unknown iso3, invalid YAML) are covered by
test_data_files.py. These are the cases it does not reach: undecodable bytes, a missing column in
the smaller CSV files, an empty file, non-numeric or NaN values outside countries.csv. A user who
edits a data file should see ``file:line: column: what is wrong``, never a pandas traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.world import DATA, load_world

BAD_BYTES = b"iso3,\xff\xfe\x00\x81 not text\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of sim/data (load_world caches per path, and tmp_path is unique per test)."""
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


def _replace_in_line(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], f"test setup: {old!r} not on line {line} of {path.name}"
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_invalid_vendors_yaml_names_file_and_line(data):
    (data / "vendors.yaml").write_text("vendors:\n  - id: huawei\n    name: [Huawei\n"
                                       "    bloc: china\n")
    with pytest.raises(DataError) as e:
        load_world(data)
    msg = str(e.value)
    assert "vendors.yaml:4:" in msg and e.value.line == 4, f"expected file and line 4: {msg!r}"


@pytest.mark.parametrize("name", [
    "countries.csv",
    "vendors.yaml",
    ("policy_2019.csv"),
    ("operators.csv"),
    ("launch_5g.csv"),
])
def test_undecodable_file_raises_data_error_naming_it(data, name):
    (data / name).write_bytes(BAD_BYTES)
    with pytest.raises(DataError) as e:
        load_world(data)
    assert name in str(e.value), f"expected the message to name {name}, found {str(e.value)!r}"


def test_empty_countries_csv_raises_data_error(data):
    (data / "countries.csv").write_text("")
    with pytest.raises(DataError, match="countries.csv"):
        load_world(data)


@pytest.mark.parametrize("name,column", [
    ("policy_2019.csv", "policy"),
    ("launch_5g.csv", "launch"),
    ("operators.csv", "market_share"),
])
def test_missing_column_names_file_and_column(data, name, column):
    _replace_in_line(data / name, 1, column, column.upper())
    with pytest.raises(DataError) as e:
        load_world(data)
    msg = str(e.value)
    assert name in msg and column in msg, f"expected {name} and {column!r}, found {msg!r}"


def test_non_numeric_market_share_names_line_and_column(data):
    _replace_in_line(data / "operators.csv", 2, "0.48", "about half")
    with pytest.raises(DataError) as e:
        load_world(data)
    assert "operators.csv:2" in str(e.value) and "market_share" in str(e.value), \
        f"expected 'operators.csv:2' and 'market_share', found {str(e.value)!r}"


def test_nan_vendor_price_is_refused(data):
    path = data / "vendors.yaml"
    text = path.read_text(encoding="utf-8")
    assert "price: 0.80" in text, "test setup: Huawei's price line not found"
    path.write_text(text.replace("price: 0.80", "price: .nan", 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"vendors\[0\]"):
        load_world(data)


def test_duplicate_country_in_policy_file_is_refused(data):
    path = data / "policy_2019.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("GBR,open,,0,duplicate row\n")
        f.write("GBR,ban,,0,conflicting duplicate row\n")
    with pytest.raises(DataError, match=r"policy_2019.csv:\d+: iso3: .*GBR"):
        load_world(data)


@pytest.mark.parametrize("row,fragments", [
    ("USX,8400,395562,2022,2019,p,s",
     ["covered_equipment.csv:3:", "iso3", "unknown country 'USX'"]),
    ("USA,8400,395562,2022,2019,p,s", ["covered_equipment.csv:3:", "'USA' appears twice"]),
    ("GBR,-5,40000,2022,2019,p,s", ["covered_locations", "positive whole number", "'-5'"]),
    ("GBR,50000,40000,2022,2019,p,s", ["covered_locations", "exceed the 40000 mobile sites"]),
    ("GBR,500,40000,2031,2019,p,s", ["locations_year", "a year in 2000-2024", "'2031'"]),
])
def test_bad_covered_equipment_rows_name_file_line_and_column(data, row, fragments):
    path = data / "covered_equipment.csv"
    path.write_text(path.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_world(data)
    for f in fragments:
        assert f in str(e.value), f"{f!r} not in {str(e.value)!r}"


def test_covered_equipment_is_a_share_of_mobile_sites_and_optional(data):
    usa = load_world(data).codes().index("USA")
    assert load_world(data).covered[usa] == pytest.approx(8400 / 395562)
    (data / "covered_equipment.csv").unlink()
    other = data.parent / "data2"
    shutil.copytree(data, other)
    assert not load_world(other).covered.any()
