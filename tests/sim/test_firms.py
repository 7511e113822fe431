"""Device makers and enterprises in the model: invariants, the Android channel, P5, determinism."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from techbloc.sim import TechAllianceModel, run
from techbloc.sim.errors import DataError
from techbloc.sim.world import DATA, load_world

from tests.helpers import cached_run, replace_line, short


@pytest.fixture(scope="module")
def sanctions():
    m = TechAllianceModel(short("sanctions-2019", "2024Q4"), seed=3)
    m.run_model()
    return m


def test_device_shares_sum_to_one_in_every_market_and_step(sanctions):
    sums = sanctions.rec_devices.sum(axis=2)
    assert np.allclose(sums, 1.0, atol=1e-12), f"share sums {sums.min()}..{sums.max()}"
    assert (sanctions.rec_devices >= 0).all()


def test_baseline_keeps_the_2019_market_shares_of_the_data():
    m = TechAllianceModel(short("baseline", "2021Q4"), seed=3)
    m.run_model()
    data = load_world().devices.share
    for t in (0, m.t - 1):
        assert np.allclose(m.rec_devices[t, :-1], data, atol=1e-9), f"quarter {t} drifted"


def test_device_coupling_leaves_the_baseline_network_bit_identical():
    """Without levers the device factor is exactly 1, so network outputs do not move at all."""
    on = run(short("baseline", "2022Q4"), replications=1, seed=4).model
    off = run(short("baseline", "2022Q4", mechanisms__devices=False), replications=1,
              seed=4).model
    for col in ("share_china", "share_huawei", "quality_huawei", "n_ban", "world_split"):
        pd.testing.assert_series_equal(on[col], off[col])


def test_huawei_collapses_outside_china_more_than_inside(sanctions):
    rm, t21 = sanctions.rec_model, 11  # 2021Q4
    inside = rm["huawei_share_china"][t21] / rm["huawei_share_china"][0]
    outside = rm["huawei_share_outside_china"][t21] / rm["huawei_share_outside_china"][0]
    assert outside < inside < 0.6, f"kept: China {inside:.2f}, outside {outside:.2f}"


def test_android_cutoff_alone_hurts_more_outside_china():
    cut = TechAllianceModel(short("baseline", "2020Q4", us__android_cutoff=1.0), seed=1)
    base = TechAllianceModel(short("baseline", "2020Q4"), seed=1)
    cut.run_model()
    base.run_model()
    rm, rb = cut.rec_model, base.rec_model
    inside = rm["huawei_share_china"][-1] / rb["huawei_share_china"][-1]
    outside = rm["huawei_share_outside_china"][-1] / rb["huawei_share_outside_china"][-1]
    # Buyers in China never had Google's services (w_E^CN = 0): the cut-off changes nothing
    # there and costs a clear share outside (about a quarter with the calibrated w_E, ODD §7.8).
    assert inside == pytest.approx(1.0, abs=1e-9), f"kept in China {inside:.3f}"
    assert outside < 0.85, f"kept outside China {outside:.2f}"
    # The own OS's ecosystem grows with its installed base, and the share outside China with it.
    assert rm["own_os_quality"][-1] > rm["own_os_quality"][1] > 0
    assert rm["huawei_share_outside_china"][-1] > rm["huawei_share_outside_china"][0]


def test_honor_leaves_huawei_only_under_controls(sanctions):
    assert not sanctions.layers.devices.owned.any(), "Honor should have left Huawei by 2020Q4"
    assert not sanctions.device_makers[1].listed
    base = TechAllianceModel(short("baseline", "2021Q4"), seed=3)
    base.run_model()
    assert base.layers.devices.owned[1], "without controls Huawei keeps Honor"


def test_p5_devices_fall_far_more_than_networks():
    from techbloc.analysis.hindcast import device_ratios

    r = device_ratios(cached_run("sanctions-2019", 2, 5, "2021Q4").model)
    # Observed 2021/2019: consumer 0.52, carrier 0.95, handsets 0.15 (lit. §3g). Consumer
    # revenue is calibrated within 0.15 (issue 17). Huawei's other consumer devices are held at
    # their 2019 level in the model while they grew in reality, so matching the revenue leaves
    # handsets near 0.4, not 0.15: the test asks for more than half of them lost.
    assert abs(r["consumer"] - 243.4 / 467.3) <= 0.15, r
    assert r["consumer"] < r["carrier"] - 0.3, r
    # The carrier revenue follows the equipment share (5G RAN plus the rest at 2019, ODD §7.2).
    assert r["smartphones"] < 0.5 and 0.8 < r["carrier"] < 1.2, r


def test_new_outputs_are_bounded_and_finite():
    res = cached_run("sanctions-2019", 2, 5, "2021Q4")
    m, c = res.model, res.countries
    for col in ("own_os_share", "enterprise_adoption", "enterprise_china_share",
                "huawei_share_china", "enterprise_china_eca", "enterprise_west_ssa"):
        assert m[col].between(0, 1).all() and m[col].notna().all(), col
    for col in ("enterprise_china_share", "enterprise_adoption"):
        assert c[col].between(0, 1).all(), col
    both = m.filter(like="enterprise_china_").drop(columns="enterprise_china_share").to_numpy()
    west = m.filter(like="enterprise_west_").to_numpy()
    assert (both + west <= 1 + 1e-12).all(), "adoption by bloc exceeds the region's firms"
    d = res.devices
    assert len(d) == 2 * 12 * 9 * 10 and set(d["region"].astype(str)) >= {"China", "World"}


def test_secondary_sanctions_lower_the_enterprise_china_share():
    lo = run(short("baseline", "2023Q4"), replications=2, seed=8).model
    hi = run(short("baseline", "2023Q4", us__secondary_sanctions=1.0), replications=2,
             seed=8).model
    end = lo["date"] == "2023Q4"
    d = hi.loc[end, "enterprise_china_share"].to_numpy() - lo.loc[end,
                                                                  "enterprise_china_share"].to_numpy()
    assert (d < 0).all(), f"expected lower China-bloc enterprise share, change {d}"


def test_many_firms_are_deterministic():
    """About 400,000 firms: same seed, identical tables; another seed, different ones."""
    s = short("sanctions-2019", "2020Q4", enterprise__firms_per_country=2000.0)
    a, b = run(s, replications=1, seed=12), run(s, replications=1, seed=12)
    pd.testing.assert_frame_equal(a.model, b.model)
    pd.testing.assert_frame_equal(a.countries, b.countries)
    pd.testing.assert_frame_equal(a.devices, b.devices)
    c = run(s, replications=1, seed=13)
    assert not a.countries["enterprise_china_share"].equals(c.countries["enterprise_china_share"])
    m = TechAllianceModel(s, seed=12)
    ent = m.layers.enterprises
    assert ent.firms.n == 2000 * m.n_countries
    assert ent.firms.nbytes + ent.state.nbytes == 13 * ent.firms.n


def test_enterprises_draw_from_their_own_stream():
    """Scaling the firms changes no network output: the other streams' draws do not shift."""
    few = run(short("sanctions-2019", "2021Q4"), replications=1, seed=6).model
    many = run(short("sanctions-2019", "2021Q4", enterprise__firms_per_country=200.0),
               replications=1, seed=6).model
    for col in ("share_china", "n_ban", "quality_huawei", "huawei_consumer_revenue_usd"):
        pd.testing.assert_series_equal(few[col], many[col])


def test_device_table_round_trips_and_old_folders_load(tmp_path):
    from techbloc.sim.results import load_results

    res = cached_run("sanctions-2019", 2, 5, "2021Q4")
    res.save(tmp_path / "r")
    back = load_results(tmp_path / "r")
    pd.testing.assert_frame_equal(back.devices, res.devices)
    # A folder written before device makers existed: no device table, no table digests.
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    del manifest["tables"]
    (tmp_path / "r" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "r" / "devices.parquet").unlink()
    assert load_results(tmp_path / "r").devices.empty


@pytest.fixture
def data_copy(tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


@pytest.mark.parametrize("corrupt,expected", [
    (lambda d: replace_line(d / "devices.csv", 2, ",250,", ",cheap,"),
     r"devices.csv:2: asp_usd: cannot read 'cheap' as a number"),
    (lambda d: replace_line(d / "devices.csv", 3, ",huawei,2020Q4,", ",huwei,2020Q4,"),
     r"devices.csv:3: parent: unknown parent 'huwei'"),
    (lambda d: replace_line(d / "devices.csv", 3, ",2020Q4,", ",2020Q5,"),
     r"devices.csv:3: independent_from: "),
    (lambda d: replace_line(d / "devices.csv", 4, ",0.109,", ",1.109,"),
     r"devices.csv:4: share_china: value '1.109' out of range"),
    (lambda d: replace_line(d / "devices.csv", 4, ",0.109,", ",0.209,"),
     r"devices.csv: share_china: unit shares sum to 1.1000, expected 1"),
    (lambda d: replace_line(d / "devices.csv", 2, ",china,1,", ",china,yes,"),
     r"devices.csv:2: listed: cannot read 'yes'"),
    (lambda d: replace_line(d / "devices.csv", 1, ",asp_usd,", ",asp,"),
     r"devices.csv: asp_usd: column missing"),
    (lambda d: replace_line(d / "handset_markets.csv", 9, "ssa,", "africa,"),
     r"handset_markets.csv: market: market 'ssa' missing"),
])
def test_corrupted_device_data_names_file_line_and_column(data_copy, corrupt, expected):
    corrupt(data_copy)
    with pytest.raises(DataError, match=expected):
        load_world(data_copy)
