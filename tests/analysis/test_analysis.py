"""Analysis API: groupings, shares, comparison intervals, figures and the report."""

import html.parser
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import techbloc.analysis as analysis
from matplotlib.collections import PatchCollection, PolyCollection
from techbloc.sim.errors import DataError

from tests.helpers import cached_run


@pytest.fixture(scope="module")
def res():
    return cached_run("sanctions-2019", replications=3, seed=11, end="2030Q4")


def test_every_country_has_groupings():
    g = analysis.groups()
    assert g[["region", "income_group", "alliance", "bri_group"]].notna().all().all()
    assert set(g.loc[g["iso3"].isin(["USA", "GBR", "CAN"]), "alliance"]) == {"Five Eyes"}
    assert g.loc[g["iso3"] == "DEU", "alliance"].item() == "NATO / US treaty ally"


def test_unknown_iso3_is_an_error():
    df = pd.DataFrame({"iso3": ["GBR", "XXA"], "china_share": [0.1, 0.2]})
    with pytest.raises(DataError, match="XXA"):
        analysis.with_groups(df)


def test_group_share_weights_known_answer():
    df = pd.DataFrame({
        "replicate": [0, 0, 0], "date": ["2025Q1"] * 3, "iso3": ["AAA", "BBB", "CCC"],
        "region": ["R"] * 3, "china_share": [1.0, 0.2, 0.0], "sites": [100.0, 300.0, 0.0],
        "population": [1.0, 3.0, 10.0]})
    get = lambda w: analysis.group_shares(df, by="region", weight=w)["china_share"].item()  # noqa: E731
    assert get("sites") == pytest.approx((100 + 60) / 400)
    assert get("population") == pytest.approx((1 * 1.0 + 3 * 0.2) / 4)  # CCC has no 5G yet
    assert get("count") == pytest.approx(0.5)


def _synthetic(offset, seeds, noise_sd, rng):
    common = rng.normal(0.5, 0.05, len(seeds))
    return pd.DataFrame({"replicate": range(len(seeds)), "seed": seeds, "date": "2030Q4",
                         "share_china": common + offset + rng.normal(0, noise_sd, len(seeds))})


def test_compare_recovers_a_known_offset_with_a_narrower_paired_interval():
    rng = np.random.default_rng(0)
    seeds = list(range(100, 140))
    base = _synthetic(0.0, seeds, 0.0, np.random.default_rng(1))
    scen = _synthetic(0.1, seeds, 0.005, np.random.default_rng(1))
    t = analysis.compare({"base": base, "scen": scen}, baseline="base",
                         metrics=["share_china"]).iloc[0]
    assert t["lo"] < 0.1 < t["hi"] and t["diff"] == pytest.approx(0.1, abs=0.005)
    assert (t["hi"] - t["lo"]) < 0.2 * (t["unpaired_hi"] - t["unpaired_lo"])
    del rng


def test_compare_refuses_unpaired_runs():
    a = _synthetic(0, [1, 2, 3], 0.01, np.random.default_rng(2))
    b = _synthetic(0, [4, 5, 6], 0.01, np.random.default_rng(3))
    with pytest.raises(ValueError, match="different seeds"):
        analysis.compare({"a": a, "b": b}, baseline="a", metrics=["share_china"])
    with pytest.raises(KeyError, match="baseline 'c'"):
        analysis.compare({"a": a, "b": b}, baseline="c")


def test_adoption_curves_by_region_have_a_band_and_a_line_per_panel(res):
    fig, axes = analysis.adoption_curves(res.countries, by="region")
    visible = [a for a in axes if a.get_visible()]
    assert len(visible) == 7
    for a in visible:
        assert len(a.get_lines()) >= 1 and any(isinstance(c, PolyCollection)
                                               for c in a.collections)
    # The year axis is labelled once per column, on its lowest panel.
    assert [a.get_xlabel() for a in visible] == [""] * 3 + ["year"] * 4
    assert "China-bloc share" in visible[0].get_ylabel()


def test_vendor_curves_have_one_panel_per_vendor(res):
    fig, axes = analysis.adoption_curves(res.model, by="vendor")
    assert [a.get_title() for a in axes] == ["Huawei", "ZTE", "Ericsson", "Nokia", "Samsung"]
    for a in axes:  # its own median and band, and the four others' medians in grey
        assert len(a.get_lines()) == 5 and len(a.collections) == 1


def test_policy_curves_stack_to_the_number_of_countries(res):
    fig, ax = analysis.policy_curves(res.countries, weight="count")
    assert len(ax.collections) == 3
    n = res.countries["iso3"].nunique()
    assert ax.get_ylim()[1] == pytest.approx(n)
    fig, ax = analysis.policy_curves(res.countries)  # population-weighted: shares stack to 1
    assert len(ax.collections) == 3 and ax.get_ylim()[1] == pytest.approx(1.0)


def test_world_map_draws_every_polygon_with_a_legend(res):
    fig, ax = analysis.world_map(res.countries, "2030Q4", value="policy")
    patches = [c for c in ax.collections if isinstance(c, PatchCollection)]
    # Countries with data, then the hatched ones without: every polygon, islands included.
    assert len(patches) == 2 and sum(len(c.get_paths()) for c in patches) > 200
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["open", "restrict", "ban",
                                                                   "no data"]
    assert "2030Q4" in ax.get_title()
    with pytest.raises(DataError, match="no rows at 2040Q1"):
        analysis.world_map(res.countries, "2040Q1")


def test_country_table_probabilities_sum_to_one(res):
    t = analysis.country_table(res.countries, "2030Q4")
    assert len(t) == res.countries["iso3"].nunique()
    total = t[["p_open", "p_restrict", "p_ban"]].sum(axis=1)
    assert np.allclose(total, 1.0)
    assert t.loc[t["iso3"] == "USA", "p_ban"].item() == 1.0


class _Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.imgs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs))


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "s"
    proc = subprocess.run([sys.executable, "-m", "techbloc", "run", "sanctions-2019", "-n", "2",
                           "--horizon", "2019Q1:2026Q4", "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def test_run_writes_adoption_and_map(run_folder):
    for name in ("adoption.png", "map.png"):
        assert (run_folder / name).read_bytes()[:4] == b"\x89PNG"


def test_report_is_self_contained_html(run_folder):
    from techbloc.analysis.report import build_report

    text = build_report(run_folder)
    p = _Collect()
    p.feed(text)
    assert p.tags[0] == "html" and "table" in p.tags
    assert len(p.imgs) == 5 and all(i["src"].startswith("data:image/png;base64,")
                                    for i in p.imgs)
    alts = [i["alt"] for i in p.imgs]
    assert any("P(not open)" in a for a in alts) and any("population" in a for a in alts)
    assert "http://" not in text and "https://" not in text, "the report must not need a network"
    assert "US entity listing" in text and "20190516" in text


def test_report_renders_with_its_images_in_chromium(run_folder, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run must install it")
        pytest.skip("chromium not installed")
    proc = subprocess.run([sys.executable, "-m", "techbloc", "report", str(run_folder)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
                    "--window-size=1200,2400", f"--screenshot={shot}",
                    (run_folder / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    import matplotlib.image

    img = matplotlib.image.imread(shot)[..., :3]
    # The China-bloc red (#c0392b) appears only inside the embedded figures.
    red = (np.abs(img - np.array([0xC0, 0x39, 0x2B]) / 255).max(axis=2) < 0.08).sum()
    assert red > 2000, f"only {red} China-red pixels: the figures did not render"


def test_plot_and_compare_commands(run_folder, tmp_path):
    cli = [sys.executable, "-m", "techbloc"]
    for kind, extra in (("curves", ["--by", "bri"]), ("policy", ["--by", "alliance"]),
                        ("map", ["--value", "china_share", "--date", "2024Q4"])):
        out = tmp_path / f"{kind}.png"
        proc = subprocess.run([*cli, "plot", str(run_folder), "--kind", kind, *extra, "-o",
                               str(out)], capture_output=True, text=True)
        assert proc.returncode == 0 and out.read_bytes()[:4] == b"\x89PNG", proc.stderr
    proc = subprocess.run([*cli, "plot", str(run_folder), "--kind", "countries", "-o",
                           str(tmp_path / "c.csv")], capture_output=True, text=True)
    assert proc.returncode == 0 and len(pd.read_csv(tmp_path / "c.csv")) > 170
    proc = subprocess.run([*cli, "compare", "baseline", "-n", "2", "--horizon", "2019Q1:2026Q4",
                           "--from", str(run_folder), "--out", str(tmp_path / "cmp")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert set(table["scenario"]) == {"sanctions-2019"} and (tmp_path / "cmp" /
                                                            "compare.png").exists()
    # Dollars in the file, billions on screen.
    usd = table[table["metric"] == "huawei_consumer_revenue_usd"]
    assert usd["baseline"].min() > 1e9 and "huawei_consumer_revenue_usd_bn" in proc.stdout
    bad = subprocess.run([*cli, "plot", str(tmp_path), "--kind", "map"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "not a run folder" in bad.stderr
