"""Hindcast scores: known answers on hand-made predictions, and the command end to end."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from techbloc.analysis.hindcast import balanced_accuracy, brier, stance_skill


def test_balanced_accuracy_known_answer():
    y = np.array([1, 1, 0, 0, 0, 0], bool)
    p = np.array([1, 0, 0, 0, 0, 1], bool)
    assert balanced_accuracy(y, p) == pytest.approx((1 / 2 + 3 / 4) / 2)
    assert np.isnan(balanced_accuracy(np.ones(3, bool), np.ones(3, bool)))


def test_brier_known_answer():
    assert brier([0.9, 0.2, 0.5], [1, 0, 1]) == pytest.approx((0.01 + 0.04 + 0.25) / 3)


def test_stance_skill_on_hand_made_predictions():
    # Two replicates; GBR banned in both, DEU restricted in one, BRA open, KOR restrict in both.
    rows = []
    for rep in (0, 1):
        for iso, pol in (("GBR", "ban"), ("DEU", "restrict" if rep else "open"),
                         ("BRA", "open"), ("KOR", "restrict")):
            rows.append({"replicate": rep, "date": "2024Q4", "iso3": iso, "policy": pol})
    countries = pd.DataFrame(rows)
    observed = pd.DataFrame({"iso3": ["GBR", "DEU", "BRA", "KOR"], "year": 2024,
                             "stance": ["ban", "ban", "open", "open"]})
    s = stance_skill(countries, observed, 2024)
    # P(not open) = 1, 0.5, 0, 1 against outcomes 1, 1, 0, 0.
    assert s["model"]["brier"] == pytest.approx((0 + 0.25 + 0 + 1) / 4)
    assert s["model"]["balanced_accuracy"] == pytest.approx((1 + 0.5) / 2)
    assert s["all_open"]["brier"] == pytest.approx(0.5)
    # Treaty-ally rule: GBR, DEU, KOR are allies (predicted restrict / not open), BRA is not.
    assert s["treaty_ally"]["balanced_accuracy"] == pytest.approx((1 + 0.5) / 2)
    assert s["most_wrong"][0]["iso3"] == "KOR"


def test_hindcast_command_end_to_end(tmp_path):
    out = tmp_path / "hc"
    proc = subprocess.run([sys.executable, "-m", "techbloc", "hindcast", "-n", "2", "--out",
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    scores = json.loads((out / "hindcast.json").read_text())
    assert set(scores["stances"]) == {"2021", "2024"}
    assert len(scores["patterns"]) == 7
    assert scores["stances"]["2024"]["n_countries"] >= 80
    assert (out / "hindcast.png").read_bytes()[:4] == b"\x89PNG"
    assert "balanced accuracy" in proc.stdout and "P3 slow European decline" in proc.stdout
    assert scores["contracts"]["rows"] and "5G contracts claimed" in proc.stdout
    # The markets section (issue 17): its table by year, its picture, its launch and vendor
    # scores, printed.
    markets = scores["markets"]
    assert set(markets["table"]) == {str(y) for y in range(2019, 2025)}
    assert (out / "markets.png").read_bytes()[:4] == b"\x89PNG"
    assert markets["launches"]["n_countries"] >= 45 and markets["vendors_by_country"]["n_rows"]
    for text in ("markets at each year's end", "5G launch year, mean absolute error",
                 "5G RAN vendors by country", "huawei_consumer"):
        assert text in proc.stdout, text
    # The bans section (issue 16): the record's 8 bans of 2020-2024, each with P(ban) at most
    # P(not open), and the record's counts by group.
    bans = scores["bans"]
    assert bans["each"] == {iso: bans["each"][iso] for iso in
                            ("GBR", "SWE", "EST", "LTU", "ROU", "CAN", "PRT", "DEU")}
    assert all(0 <= v["p_ban"] <= v["p_not_open"] <= 1 for v in bans["each"].values())
    assert bans["asked"] == 4 and bans["in_the_large"]["all"]["by_year"]["2024"]["recorded"] == 8
    assert bans["escalations"]["recorded"] == 1  # Germany: restrict 2021-2023, ban 2024
    assert "bans of 2020-2024" in proc.stdout and "(issue 16 asks 4)" in proc.stdout
    assert (out / "bans.png").read_bytes()[:4] == b"\x89PNG"


def test_contract_counts_compare_ratios_between_vendors():
    from techbloc.analysis.hindcast import contract_counts

    model = pd.DataFrame({"date": ["2020Q1", "2020Q1", "2020Q2"],
                          "contracts_huawei": [40.0, 60.0, 70.0],
                          "contracts_ericsson": [30.0, 30.0, 35.0]})
    claimed = pd.DataFrame({"quarter": ["2020Q1", "2020Q1", "2021Q1"],
                            "vendor": ["huawei", "ericsson", "huawei"],
                            "contracts": [100, 80, 120]})
    out = contract_counts(model, claimed)
    assert [(r["vendor"], r["model"]) for r in out["rows"]] == [("huawei", 50.0),
                                                                ("ericsson", 30.0)]
    (ratio,) = out["ratios"]
    assert ratio["claimed_ratio"] == pytest.approx(0.8)
    assert ratio["model_ratio"] == pytest.approx(0.6)


def test_the_model_counts_operators_under_contract():
    from techbloc.sim.model import TechAllianceModel

    from tests.helpers import short

    m = TechAllianceModel(short("sanctions-2019", "2021Q4"), seed=5)
    m.run_model()
    for vid in ("huawei", "ericsson"):
        counts = m.rec_model[f"contracts_{vid}"]
        assert counts[-1] > counts[0] >= 0 and counts.max() <= m.n_operators
    award = m.layers.operators.award
    assert m.rec_model["contracts_huawei"][-1] == np.count_nonzero(award[:, 0] > 0)


def _device_model(consumer21, carrier21, units21, china_end, outside_end):
    """Two replicates of a hand-made model table, 2019Q1-2021Q4, constant within a year."""
    rows = []
    for rep in (0, 1):
        for step, date in enumerate(f"{y}Q{q}" for y in (2019, 2020, 2021) for q in (1, 2, 3, 4)):
            late = date.startswith("2021")
            rows.append({"replicate": rep, "step": step, "date": date,
                         "huawei_consumer_revenue_usd": consumer21 if late else 100.0,
                         "huawei_carrier_revenue_usd": carrier21 if late else 50.0,
                         "huawei_device_units": units21 if late else 60.0,
                         "huawei_share_china": china_end if date == "2021Q4" else 0.3,
                         "huawei_share_outside_china": outside_end if date == "2021Q4" else 0.1})
    return pd.DataFrame(rows)


def test_p5_ratios_known_answer_and_verdict():
    from techbloc.analysis.hindcast import device_ratios
    from techbloc.analysis.patterns import evaluate

    def p5(*args):
        return evaluate(_device_model(*args), None, keys=("P5",))[0]

    m = _device_model(consumer21=50.0, carrier21=47.5, units21=9.0, china_end=0.15,
                      outside_end=0.01)
    assert device_ratios(m) == pytest.approx({"consumer": 0.5, "carrier": 0.95,
                                              "smartphones": 0.15})
    assert p5(50.0, 47.5, 9.0, 0.15, 0.01)["pass"]
    # Consumer revenue 0.4 of 2019's is more than 0.08 below the record's 0.52; networks
    # falling as much as devices, or a recovery outside China first, fail too.
    assert not p5(40.0, 47.5, 9.0, 0.15, 0.01)["pass"]
    assert not p5(50.0, 20.0, 9.0, 0.15, 0.01)["pass"]
    assert not p5(50.0, 47.5, 9.0, 0.03, 0.05)["pass"]


def test_observed_huawei_segments_load_and_refuse_bad_rows(tmp_path):
    from techbloc.sim.errors import DataError
    from techbloc.sim.observed import OBSERVED, read_huawei_segments

    seg = read_huawei_segments()
    assert set(seg["year"]) == set(range(2019, 2025))
    # The carrier segment is not reported apart from 2023: empty there, a number elsewhere.
    assert seg.set_index("year")["carrier_cny_bn"].isna().tolist() == [False] * 4 + [True] * 2
    bad = tmp_path / "huawei_segments.csv"
    bad.write_text((OBSERVED / "huawei_segments.csv").read_text().replace("243.4", "-1"))
    with pytest.raises(DataError, match=r"huawei_segments.csv:4: consumer_cny_bn: expected a "
                                        r"positive number"):
        read_huawei_segments(bad)
    bad.write_text((OBSERVED / "huawei_segments.csv").read_text().replace("2022,214.5", "2022,"))
    with pytest.raises(DataError, match=r"huawei_segments.csv:5: consumer_cny_bn"):
        read_huawei_segments(bad)


def test_bans_report_on_hand_made_runs():
    """Ten replicates over the year-ends 2019-2022; the world is the shipped one, the record
    made up (it reaches 2023, one year past the run)."""
    from techbloc.analysis.bans import bans_report, coarse_groups, report_lines
    from techbloc.sim.world import load_world

    world = load_world()
    groups = coarse_groups(world)
    assert groups["EST"] == "frontline" and groups["GBR"] == groups["CAN"] == "Fourteen Eyes"
    assert groups["PRT"] == "other US allies" and groups["BRA"] == "rest"
    assert "NZL" not in groups  # restricting in 2019Q1
    o, r, b = "open", "restrict", "ban"
    record = {"GBR": [o, b, b, b, b], "EST": [o, o, b, b, b], "CAN": [o, o, o, b, b],
              "PRT": [o, o, o, o, b], "NZL": [r, r, b, b, b]}  # 2019-2023
    record = pd.DataFrame([{"iso3": iso, "year": 2019 + k, "stance": st}
                           for iso, path in record.items() for k, st in enumerate(path)])
    paths = {  # replicate -> path at the year-ends 2019-2022; unnamed replicates as the default
        "GBR": {0: [o, b, b, b], 1: [o, b, b, b], 2: [o, b, b, b], 3: [o, r, r, b],
                "default": [o, r, r, r]},
        "EST": {0: [o, o, b, b], 1: [o, o, b, b], 2: [o, o, r, r], 3: [o, o, r, r],
                4: [r, o, o, b], "default": [o, o, o, o]},  # 4: no restrict -> ban step
        "NZL": {0: [r, r, b, b], 1: [r, b, b, b], "default": [r, r, r, r]},
        "CAN": {"default": [o, o, o, o]}, "PRT": {"default": [o, o, o, o]}}
    rows = [{"replicate": rep, "date": f"{2019 + k}Q4", "iso3": iso, "policy": pol}
            for iso, by in paths.items() for rep in range(10)
            for k, pol in enumerate(by.get(rep, by["default"]))]
    s = bans_report(pd.DataFrame(rows), record, world)
    assert s["years"] == [2020, 2021, 2022] and s["replicates"] == 10
    # PRT's ban of 2023 lies past the run; of the other three, half is 2
    assert s["each"] == {"GBR": {"year": 2020, "p_not_open": 1.0, "p_ban": 0.3},
                         "EST": {"year": 2021, "p_not_open": 0.4, "p_ban": 0.2},
                         "CAN": {"year": 2022, "p_not_open": 0.0, "p_ban": 0.0}}
    assert (s["reach"], s["ceiling"], s["asked"]) == (1, 2, 2)  # GBR at exactly 0.3
    fe, front = (s["in_the_large"][g]["by_year"] for g in ("Fourteen Eyes", "frontline"))
    assert fe["2020"] == {"model": 0.3, "recorded": 1}
    assert fe["2022"] == {"model": pytest.approx(0.4), "recorded": 2}
    assert front["2021"] == {"model": 0.2, "recorded": 1}
    assert front["2022"] == {"model": pytest.approx(0.3), "recorded": 1}
    assert s["in_the_large"]["all"]["by_year"]["2022"] == {"model": pytest.approx(0.7),
                                                           "recorded": 3}
    # Restrict -> ban between consecutive year-ends: GBR once (replicate 3), NZL twice; EST's
    # restrict 2019 ... ban 2022 is no such step. The record: NZL's 2020 -> 2021 only.
    e = s["escalations"]
    assert (e["model"], e["model_open_2019"]) == (pytest.approx(0.3), pytest.approx(0.1))
    assert (e["recorded"], e["recorded_open_2019"]) == (1, 0)
    assert e["by_country"] == {"NZL": pytest.approx(0.2), "GBR": pytest.approx(0.1)}
    lines = report_lines(s)
    assert lines[0].startswith("bans of 2020-2022 (free-running, 10 replicates")
    assert "P(ban) >= 0.3 for 1 of 3 (issue 16 asks 2)" in lines[1]
