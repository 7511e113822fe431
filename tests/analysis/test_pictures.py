"""What a reader needs from each picture: labels, units, N, colour range from the data, and the
differences drawn where they are promised. Every figure is drawn from a real run."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from techbloc.analysis.compare import compare_figure, paired_differences
from techbloc.analysis.curves import (
    adoption_curves,
    adoption_figure,
    device_curves,
    policy_curves,
    policy_shares,
)
from techbloc.analysis.load import with_groups
from techbloc.analysis.maps import NO_DATA, SHARE_CMAP, country_values, policy_maps, world_map
from techbloc.sim.experiment import run


@pytest.fixture(scope="module")
def res():
    return run("sanctions-2019", replications=4, seed=3)


@pytest.fixture(scope="module")
def pair():
    return {name: run(name, replications=4, seed=3) for name in ("baseline", "sanctions-2019")}


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return " ".join(parts)


def test_adoption_figure_in_percent_with_entry_marks_and_n(res):
    fig, axes = adoption_figure(res.model, res.countries, title="t")
    assert "over 4 replicates" in fig._suptitle.get_text()
    ticks = [t.get_text() for t in axes[0].get_yticklabels()]
    assert any(t.endswith("%") for t in ticks), ticks  # shares as the summary prints them
    for ax in axes[:8]:
        assert ax.get_ylim()[0] < 0, "a median at 0 must not hide under the x axis"
    # Panels that start after the axis say when they start.
    marks = [t.get_text() for ax in axes for t in ax.texts if t.get_text().startswith("from ")]
    assert marks, "no panel marks where its curve begins"
    shares = with_groups(res.countries)
    late = shares[shares["region"] == "South Asia"]
    first_built = late.loc[late["sites"] > 0, "date"].min()
    assert any(m >= f"from {first_built}" for m in marks)


def test_vendor_curves_are_one_panel_per_vendor_without_a_half_line(res):
    fig, axes = adoption_curves(res.model, by="vendor")
    assert [a.get_title() for a in axes] == ["Huawei", "ZTE", "Ericsson", "Nokia", "Samsung"]
    for a in axes:
        for line in a.get_lines():
            y = np.asarray(line.get_ydata(), float)
            assert not (y.size and np.allclose(y, 0.5)), "a 50 % line means nothing per vendor"
    assert "over 4 replicates" in fig._suptitle.get_text()


def test_policy_curves_weigh_by_population_by_default(res):
    shares = policy_shares(res.countries)
    np.testing.assert_allclose(shares[["open", "restrict", "ban"]].sum(axis=1), 1.0)
    fig, ax = policy_curves(res.countries)
    assert ax.get_ylabel().startswith("share of population")
    assert "201 countries" in fig._suptitle.get_text()
    assert "population-weighted" in fig._suptitle.get_text()
    counts = policy_shares(res.countries, weight="count")
    np.testing.assert_allclose(counts[["open", "restrict", "ban"]].sum(axis=1), 201)


def test_population_weight_makes_a_large_country_count_more_than_a_small_one(res):
    at = res.countries[res.countries["date"] == "2019Q1"].copy()
    at["policy"] = pd.Categorical(["open"] * len(at), categories=["open", "restrict", "ban"])

    def ban_share(iso3, weight):
        t = at.copy()
        t.loc[t["iso3"] == iso3, "policy"] = "ban"
        return float(policy_shares(t, weight=weight)["ban"].iloc[0])

    assert ban_share("USA", "count") == ban_share("TUV", "count")
    assert ban_share("USA", "population") > 100 * ban_share("TUV", "population")
    assert ban_share("USA", "gdp") > ban_share("USA", "population")  # the US's GDP share


def test_device_curves_label_their_axis_and_tell_makers_apart(res):
    fig, ax = device_curves(res.devices)
    assert "handsets" in ax.get_ylabel()
    colours = [to_rgb(line.get_color()) for line in ax.get_lines()]
    assert len(set(colours)) == len(colours) == 10
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Huawei" in labels and "other Chinese" in labels


def test_model_column_curves_use_readable_names_and_units(res):
    fig, ax = adoption_curves(res.model, metric="huawei_consumer_revenue_usd")
    label = ax.get_ylabel().replace("\n", " ")
    assert "Huawei consumer revenue" in label and "USD bn" in label
    assert "huawei_consumer_revenue_usd" not in _texts(fig)


def test_probability_map_shows_the_share_of_replicates_not_open(res):
    date = "2030Q4"
    p = country_values(res.countries, date, "p_not_open")
    at = res.countries[res.countries["date"] == date]
    usa = at[at["iso3"] == "USA"]
    assert p["USA"] == pytest.approx((usa["policy"].astype(str) != "open").mean())
    assert p.between(0, 1).all()
    fig, (ax_m, ax_p) = policy_maps(res.countries, date)
    assert "most frequent" in ax_m.get_title() and "probability" in ax_p.get_title()
    assert "4 replicates" in ax_p.get_title()


def test_no_data_grey_stands_apart_from_the_share_scale(res):
    fig, ax = world_map(res.countries, "2019Q4", "china_share")
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert hatched, "countries without 5G are hatched, not a flat grey"
    mid = np.array(SHARE_CMAP(0.5)[:3])
    grey = np.array(to_rgb(NO_DATA))
    assert np.abs(mid - grey).max() > 0.1


def test_compare_figure_draws_the_paired_differences(pair):
    fig, (ax, ax_d) = compare_figure(pair, baseline="baseline")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "baseline (reference of the differences)"
    assert "baseline (baseline)" not in labels and "baseline: baseline" not in labels
    diffs = paired_differences(pair, "baseline")
    end = diffs[diffs["date"] == "2030Q4"]["diff"].median()
    (median,) = [line for line in ax_d.get_lines() if line.get_label().startswith("sanctions")]
    assert median.get_ydata()[-1] == pytest.approx(end)
    assert end < 0  # the measures lower the China-bloc share against the same seeds
    assert "paired" in ax_d.get_ylabel()
    fig.canvas.draw()  # every tick label says its own value in percentage points
    for tick, label in zip(ax_d.get_yticks(), ax_d.get_yticklabels(), strict=True):
        if label.get_text() not in ("", "0"):
            assert float(label.get_text().replace(" pp", "").replace("−", "-")) == (
                pytest.approx(100 * tick, abs=1e-6)), label.get_text()


GRID = """scenario: sanctions-2019
design: grid
parameters:
  us.ally_pressure: [0.0, 1.0]
  china.bri_discount: [0.0, 0.15, 0.3]
replications: 2
seed: 5
horizon: "2019Q1:2022Q4"
"""


def test_sweep_from_python_writes_nothing_here_and_heatmap_spans_the_data(tmp_path,
                                                                          monkeypatch):
    from techbloc.analysis.sensitivity import heatmap
    from techbloc.sim.sweeps import sweep

    spec = tmp_path / "grid.yaml"
    spec.write_text(GRID)
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    res = sweep(spec, workers=1)
    assert list(here.iterdir()) == [], "sweep() wrote into the current folder unasked"
    assert res.path.exists() and (res.path / "summary.parquet").exists()
    fig, ax = heatmap(res, "us.ally_pressure", "china.bri_discount", "share_china_end")
    medians = res.summary.groupby(["in:china.bri_discount", "in:us.ally_pressure"])[
        "share_china_end"].median()
    (mesh,) = [c for c in ax.collections if hasattr(c, "norm")]
    assert mesh.norm.vmin == pytest.approx(medians.min())
    assert mesh.norm.vmax == pytest.approx(medians.max())
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 6 and all(t.endswith("%") for t in cells)
    assert f"{medians.max():.1%}" in cells
    assert ax.get_xlabel() == "US ally pressure g (index 0-1)"
    assert ax.get_ylabel() == "Belt & Road discount b (share of price)"
    assert "median of 2 replicates" in fig.axes[-1].get_ylabel()


def test_summary_policy_counts_add_up_and_manifest_says_what_ran(res):
    line = res.summary()[1]
    counts = line.split(": ")[1].split(" of ")[0].split(" / ")
    assert sum(map(int, counts)) == 201 and " of 201 " in line
    assert res.manifest["scenario"]["seed"] == 3 == res.manifest["base_seed"]
    assert res.manifest["scenario"]["replications"] == 4


def test_round_to_total_keeps_the_sum():
    from techbloc.sim.results import _round_to_total

    assert _round_to_total([180.3, 16.5, 4.2]) == [180, 17, 4]
    assert sum(_round_to_total([100.5, 50.25, 50.25])) == 201


def test_report_country_table_sorts_and_filters_in_chromium(tmp_path, res):
    """The report's 201-row table is not static: a click on a header sorts it, typing filters."""
    from techbloc.analysis.report import write_report
    from techbloc.app.browser import chromium

    folder = tmp_path / "run"
    res.save(folder)
    path = write_report(folder)
    with chromium() as browser:
        page = browser.new_page()
        page.goto(path.as_uri())
        rows = page.locator("#countries tbody tr")
        assert rows.count() == 201
        page.click("#countries th:text-is('P(ban)')")  # ascending, then descending
        page.click("#countries th:text-is('P(ban)')")
        col = [float(t) for t in page.locator("#countries tbody td:nth-child(7)").all_inner_texts()]
        assert col == sorted(col, reverse=True) and col[0] > col[-1]
        page.fill("#filter", "North America")
        visible = [r for r in rows.all() if r.is_visible()]
        assert 0 < len(visible) < 10
        assert all("North America" in r.inner_text() for r in visible)
        assert "USA" in {r.locator("td").nth(0).inner_text() for r in visible}
