"""Bands and adoption curves: known answers on small frames, and the run figure."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from techbloc.analysis import adoption_figure, bands, group_shares

from tests.helpers import cached_run


def test_bands_known_answer():
    df = pd.DataFrame({"date": ["2020Q1"] * 5 + ["2020Q2"] * 5,
                       "replicate": list(range(5)) * 2,
                       "x": [0, 1, 2, 3, 4, 10, 10, 10, 10, 10]})
    b = bands(df, "x", q=(0.25, 0.75))
    assert b["median"].tolist() == [2, 10]
    assert b["lo"].tolist() == [1, 10] and b["hi"].tolist() == [3, 10]
    assert b["n"].tolist() == [5, 5]


def test_bands_names_missing_column():
    with pytest.raises(KeyError, match="share_chna"):
        bands(pd.DataFrame({"date": [], "x": []}), "share_chna")


def test_group_shares_are_site_weighted():
    df = pd.DataFrame({
        "replicate": [0, 0], "date": ["2025Q1", "2025Q1"], "region": ["R", "R"],
        "iso3": ["AAA", "BBB"], "china_share": [1.0, 0.0], "sites": [300.0, 100.0]})
    out = group_shares(df, by="region")
    assert out["china_share"].iloc[0] == pytest.approx(0.75)


def test_group_shares_skip_groups_before_one_percent_is_built():
    df = pd.DataFrame({
        "replicate": [0] * 3, "date": ["2019Q1", "2019Q2", "2019Q3"], "region": ["R"] * 3,
        "iso3": ["AAA"] * 3, "china_share": [1.0, 0.4, 0.4], "sites": [1.0, 500.0, 1000.0]})
    assert group_shares(df, by="region")["date"].tolist() == ["2019Q2", "2019Q3"]


def test_adoption_figure_has_world_and_region_panels_without_pyplot_state():
    res = cached_run("baseline", replications=3, seed=11, end="2030Q4")
    before = plt.get_fignums()
    fig, axes = adoption_figure(res.model, res.countries, title="baseline")
    visible = [ax for ax in axes if ax.get_visible()]
    assert visible[0].get_title() == "World" and len(visible) == 8
    line = visible[0].get_lines()[0].get_ydata()
    assert np.all((line >= 0) & (line <= 1))
    assert plt.get_fignums() == before, "the figure leaked into pyplot's global state"


def test_short_horizon_panels_have_no_year_label_at_their_right_edge():
    # 2019Q1-2021Q4 puts whole years at both edges of every panel: the right edge's "2022" ran
    # into the next panel's "2019" ("2022019"). Ticks stay strictly inside the right edge.
    res = cached_run("sanctions-2019", replications=2, seed=11, end="2021Q4")
    fig, axes = adoption_figure(res.model, res.countries, title="short")
    for ax in (a for a in axes if a.get_visible()):
        lo, hi = ax.get_xlim()
        ticks = ax.get_xticks()
        assert len(ticks) >= 3 and ticks.min() >= lo and ticks.max() < hi - 0.2, (ticks, hi)


def test_device_and_enterprise_curves_from_a_run():
    from techbloc.analysis.curves import device_curves, enterprise_curves, enterprise_shares

    res = cached_run("sanctions-2019", 2, 5, "2021Q4")
    fig, ax = device_curves(res.devices)
    assert len(ax.get_lines()) == 10, "one line per device maker"
    fig, axes = device_curves(res.devices, by="region")
    assert sum(a.get_visible() for a in axes) == 8
    shares = enterprise_shares(res.countries, by="region")
    assert shares["enterprise_china_share"].between(0, 1).all()
    assert len(set(shares["region"])) == 7, "one row per World Bank region"
    fig, axes = enterprise_curves(res.countries, by="region")
    assert axes[0].get_title()
    plt.close("all")


def test_enterprise_shares_known_answer():
    from techbloc.analysis.curves import enterprise_shares

    df = pd.DataFrame({"replicate": [0, 0], "date": ["2025Q1"] * 2, "iso3": ["AAA", "BBB"],
                       "region": ["R", "R"], "gdp_usd": [300.0, 100.0],
                       "enterprise_adoption": [0.5, 1.0], "enterprise_china_share": [1.0, 0.0]})
    s = enterprise_shares(df, by="region")
    # Adopting economy: 150 (all China) + 100 (all west) -> 0.6; adoption 250 / 400.
    assert s["enterprise_china_share"].iloc[0] == pytest.approx(0.6)
    assert s["adoption"].iloc[0] == pytest.approx(0.625)


def test_model_column_curves_start_at_the_first_quarter_with_units():
    from techbloc.analysis.curves import adoption_curves

    model = pd.DataFrame({"replicate": [0] * 4, "date": ["2019Q1", "2019Q2", "2019Q3", "2019Q4"],
                          "sites_total": [0.0, 0.0, 0.0, 10.0], "share_china": [0.0] * 4,
                          "huawei_consumer_revenue_usd": [1.7e10, 1.6e10, 1.2e10, 0.8e10]})
    fig, ax = adoption_curves(model, metric="huawei_consumer_revenue_usd")
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 4]
    assert line.get_ydata()[0] == pytest.approx(17.0)  # USD bn, from 2019Q1 on
    assert "USD bn per quarter" in ax.get_ylabel().replace("\n", " ")
