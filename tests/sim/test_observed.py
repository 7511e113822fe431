"""The observed record: shipped files valid, documented, and bad rows refused with a location."""

import shutil

import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.observed import OBSERVED, read_stances, read_vendor_shares, stances

from tests.helpers import replace_line


def test_shipped_stances_cover_the_required_groups():
    s = stances()
    iso = set(s["iso3"])
    assert len(iso) >= 80
    for code in ("USA", "GBR", "DEU", "FRA", "JPN", "AUS", "CAN", "IND", "BRA", "ZAF", "SAU",
                 "IDN", "TUR", "NGA", "KEN", "EGY", "PAK"):
        assert code in iso, code
    at = s.set_index(["iso3", "year"])["stance"]
    assert at["GBR", 2020] == "ban" and at["GBR", 2019] == "open"
    assert at["USA", 2019] == "ban" and at["CHN", 2024] == "open"


def test_every_observed_column_is_documented():
    doc = (OBSERVED / "SOURCES.md").read_text()
    for f in OBSERVED.glob("*.csv"):
        for col in f.read_text().splitlines()[0].split(","):
            assert f"`{col}`" in doc, f"{f.name}: {col} not in SOURCES.md"


def test_vendor_shares_are_fractions():
    v = read_vendor_shares()
    assert v["share"].between(0, 1).all()
    h = v[(v["vendor"] == "huawei")].set_index("year")["share"]
    assert 0.27 <= h[2019] <= 0.31


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "stances.csv"
    shutil.copy(OBSERVED / "stances.csv", dst)
    return dst


def test_bad_stance_rows_are_located(copy):
    first = copy.read_text().splitlines()[1]
    replace_line(copy, 2, first.split(",")[2], "banned")
    with pytest.raises(DataError, match=r"stances.csv:2: stance: expected one of"):
        read_stances(copy)


def test_inconsistent_first_measure_year_is_refused(copy):
    lines = copy.read_text().splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith("GBR,2019,"))
    lines[i] = lines[i].replace("GBR,2019,open,2020", "GBR,2019,open,2021", 1)
    copy.write_text("".join(lines))
    with pytest.raises(DataError, match="first_measure_year"):
        read_stances(copy)


def test_contract_claims_load_with_quarters():
    from techbloc.sim.observed import read_contracts

    c = read_contracts()
    hw = c[c["vendor"] == "huawei"].set_index("quarter")["contracts"]
    assert hw["2020Q1"] == 91 and hw.is_monotonic_increasing
    assert set(c["vendor"]) == {"huawei", "ericsson", "nokia"}


@pytest.mark.parametrize("old,new,key,message", [
    ("2020-02-20,huawei,91", "2020-02-30,huawei,91", "date", "expected an ISO date"),
    ("2020-02-20,huawei,91", "2020-02-20,huwaei,91", "vendor", "unknown vendor 'huwaei'"),
    ("2020-02-20,huawei,91", "2020-02-20,huawei,ninety", "contracts", "positive whole number"),
])
def test_bad_contract_rows_are_located(tmp_path, old, new, key, message):
    from techbloc.sim.observed import read_contracts

    dst = tmp_path / "contracts.csv"
    text = (OBSERVED / "contracts.csv").read_text()
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith(old))
    dst.write_text(text.replace(old, new, 1))
    with pytest.raises(DataError, match=rf"contracts.csv:{line}: {key}: .*{message}"):
        read_contracts(dst)
