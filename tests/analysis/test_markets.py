"""The markets section of the hindcast: known answers on hand-made runs (issue 17)."""

import numpy as np
import pandas as pd
import pytest
from techbloc.analysis import markets as mk

QUARTERS = [f"{y}Q{q}" for y in range(2019, 2025) for q in range(1, 5)]


def _countries(first_sites: dict[str, str], china_share: dict[str, float],
               sites: dict[str, float], replicates=(0, 1)) -> pd.DataFrame:
    """Countries with sites from their first quarter on (constant afterwards)."""
    rows = []
    for r in replicates:
        for iso, first in first_sites.items():
            for d in QUARTERS:
                s = sites[iso] if first and d >= first else 0.0
                rows.append({"replicate": r, "date": d, "iso3": iso, "sites": s,
                             "china_share": china_share[iso] if s else 0.0})
    return pd.DataFrame(rows)


def _model(consumer: dict[int, float], carrier: dict[int, float], replicates=(0, 1)):
    rows = []
    for r in replicates:
        for d in QUARTERS:
            y = int(d[:4])
            rows.append({"replicate": r, "date": d, "huawei_consumer_revenue_usd": consumer[y] / 4,
                         "huawei_carrier_revenue_usd": carrier[y] / 4})
    return pd.DataFrame(rows)


def test_paths_known_answer():
    c = _countries({"CHN": "2019Q4", "DEU": "2019Q3", "KEN": "2022Q4"},
                   {"CHN": 1.0, "DEU": 0.5, "KEN": 1.0}, {"CHN": 60.0, "DEU": 30.0, "KEN": 10.0})
    m = _model(dict(zip(range(2019, 2025), [100, 103, 52, 46, 54, 73], strict=True)),
               dict.fromkeys(range(2019, 2025), 50.0))
    p = mk.paths(m, c).set_index(["replicate", "year"])
    assert p.at[(0, 2020), "china_site_share"] == pytest.approx(60 / 90)
    assert p.at[(0, 2020), "china_bloc_site_share"] == pytest.approx((60 + 15) / 90)
    assert p.at[(1, 2022), "china_site_share"] == pytest.approx(0.6)
    assert p.at[(1, 2022), "china_bloc_site_share"] == pytest.approx(0.85)
    assert p.at[(0, 2021), "consumer_rel_2019"] == pytest.approx(0.52)
    assert p.at[(0, 2024), "carrier_rel_2019"] == pytest.approx(1.0)


def test_market_checks_pass_and_fail_on_their_tolerances():
    years = list(mk.YEARS)
    record = pd.DataFrame({"china_bloc_revenue_share": [0.54, 0.56, 0.54, 0.57, 0.57, np.nan],
                           "china_site_share": [np.nan, 0.65, 0.6, 0.6, np.nan, np.nan],
                           "china_sites": np.nan,
                           "consumer_rel_2019": [1, 1.03, 0.52, 0.46, 0.54, 0.73],
                           "carrier_rel_2019": [1, 1.02, 0.95, 0.96, np.nan, np.nan]},
                          index=pd.Index(years, name="year"))

    def sim(site_share, china, consumer):
        return pd.DataFrame({"replicate": 0, "year": years, "china_bloc_site_share": site_share,
                             "china_site_share": china, "china_sites": 1.0,
                             "consumer_rel_2019": consumer, "carrier_rel_2019": 1.0})

    good = mk.market_checks(mk.market_table(sim(0.7, 0.62, [1, 0.9, 0.6, 0.5, 0.5, 0.7]),
                                            record))
    assert all(c["pass"] for c in good.values())
    bad = mk.market_checks(mk.market_table(sim(0.45, 0.29, [1, 0.63, 0.33, 0.33, 0.35, 0.37]),
                                           record))
    assert not any(c["pass"] for c in bad.values())
    assert bad["huawei_consumer"]["error_by_year"][2020] == pytest.approx(0.63 - 1.03)


def test_launch_years_and_the_naive_income_rule():
    c = _countries({"KOR": "2019Q2", "DEU": "2019Q3", "KEN": None, "USA": "2019Q2"},
                   dict.fromkeys(("KOR", "DEU", "KEN", "USA"), 0.0),
                   dict.fromkeys(("KOR", "DEU", "KEN", "USA"), 5.0))
    ly = mk.launch_years(c)
    assert ly["KOR"] == pytest.approx(2019.25) and ly["DEU"] == pytest.approx(2019.5)
    assert ly["KEN"] == pytest.approx(2025.0)  # no sites by 2024Q4: censored at 2025
    record = pd.DataFrame({"iso3": ["KOR", "DEU", "KEN", "USA"],
                           "year": [2019.25, 2019.5, 2022.75, 2019.25]})
    s = mk.launch_skill(c, record)
    assert s["n_countries"] == 4
    # Model errors: 0, 0, 2.25, 0. Naive (high income, leave one out): KOR from DEU and USA,
    # median 2019.375; DEU from KOR, USA 2019.25; USA from KOR, DEU 2019.375; KEN alone in its
    # group: the median of all.
    assert s["mae_model"] == pytest.approx(2.25 / 4)
    by = s["by_region"]
    assert by["Sub-Saharan Africa"]["model"] == pytest.approx(2.25)
    assert by["North America"]["naive"] == pytest.approx(0.125)


def test_vendor_presence_and_share_scored_only_where_the_record_settles_them():
    c = _countries({"BEL": "2020Q2", "EST": "2020Q2", "DEU": "2019Q3", "NOR": "2020Q1"},
                   {"BEL": 0.7, "EST": 0.0, "DEU": 0.3, "NOR": 0.3},
                   dict.fromkeys(("BEL", "EST", "DEU", "NOR"), 10.0))
    ran = pd.DataFrame({
        "iso3": ["BEL", "EST", "DEU", "NOR"], "operator": ["", "", "", "Telenor"],
        "year": [2021, 2022, 2022, 2020], "vendors": [["huawei"], ["nokia"], ["huawei"],
                                                       ["ericsson"]],
        "china_share": [1.0, 0.0, 0.59, np.nan], "china": [True, False, True, False],
        "confidence": "M"})
    s = mk.vendor_skill(c, ran)
    assert s["n_rows"] == 4 and s["presence_n"] == 3  # the Telenor row does not settle Norway
    assert s["presence_accuracy"] == pytest.approx(1.0)
    assert s["share_mae"] == pytest.approx((0.3 + 0.0 + 0.29) / 3)
