"""The analysis functions the browser app draws with: runs in progress, one country, the decision
terms, paired differences, and finding the country under a click on the map."""

from __future__ import annotations

import numpy as np
import pytest
from techbloc.analysis import groups
from techbloc.analysis.compare import difference_figure, paired_differences
from techbloc.analysis.curves import adoption_figure, country_figure
from techbloc.analysis.decisions import decision_figure, decision_table
from techbloc.analysis.maps import country_at
from techbloc.sim.mechanisms.policy import TERMS
from techbloc.sim.model import TechAllianceModel

from tests.helpers import cached_run


def test_adoption_figure_of_a_run_in_progress_keeps_its_frame():
    res = cached_run("sanctions-2019", replications=2, seed=4, end="2024Q4")
    early = res.model[res.model["step"] < 3]
    early_c = res.countries[res.countries["step"] < 3]
    regions = sorted(groups()["region"].unique())
    fig, axes = adoption_figure(early, early_c, horizon=("2019Q1", "2030Q4"), regions=regions)
    visible = [a for a in axes if a.get_visible()]
    assert len(visible) == 1 + len(regions), "every region has its panel from the start"
    lo, hi = visible[0].get_xlim()
    assert lo == pytest.approx(2019.0) and hi == pytest.approx(2031.0)


def test_country_figure_stacks_policy_shares_to_one():
    res = cached_run("sanctions-2019", replications=3, seed=4, end="2024Q4")
    fig, (ax_p, ax_s) = country_figure(res.countries, "GBR")
    tops = np.sum([c.get_paths()[0].vertices[:, 1].max() for c in ax_p.collections[-1:]])
    assert tops == pytest.approx(1.0)
    assert "GBR" in fig._suptitle.get_text()
    with pytest.raises(KeyError, match="XXX"):
        country_figure(res.countries, "XXX")


def test_decision_terms_add_up_and_thresholds_are_drawn():
    m = TechAllianceModel("sanctions-2019", seed=2)
    for _ in range(8):
        m.step()
    terms = m.decision_terms("GBR")
    rows = decision_table(terms)
    assert [r[0] for r in rows][: len(TERMS)] and len(rows) == len(TERMS) + 2
    assert sum(v for _, v in rows[: len(TERMS)]) == pytest.approx(terms["score"])
    assert rows[-1][1] == pytest.approx(terms["score"] + terms["noise"])
    fig, ax = decision_figure(terms, title="GBR")
    xs = sorted(line.get_xdata()[0] for line in ax.get_lines())
    assert xs == pytest.approx(sorted([0.0, terms["threshold_restrict"],
                                       terms["threshold_ban"]]))


def test_paired_difference_recovers_a_known_offset():
    base = cached_run("baseline", replications=3, seed=4, end="2022Q4")
    shifted = type(base)(base.model.assign(share_china=base.model["share_china"] + 0.1),
                         base.countries, {})
    d = paired_differences({"b": base, "a": shifted}, baseline="b")
    np.testing.assert_allclose(d["diff"], 0.1, atol=1e-12)
    fig, ax = difference_figure({"b": base, "a": shifted}, baseline="b")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), 0.1, atol=1e-12)
    other_seed = cached_run("baseline", replications=3, seed=5, end="2022Q4")
    with pytest.raises(ValueError, match="different seeds"):
        paired_differences({"b": base, "a": other_seed}, baseline="b")


@pytest.mark.parametrize(("lon", "lat", "iso3"), [
    (10.0, 51.0, "DEU"), (-52.0, -10.0, "BRA"), (103.8, 1.35, "SGP"), (-30.0, 30.0, None),
])
def test_country_at_finds_the_country_under_a_point(lon, lat, iso3):
    assert country_at(lon, lat) == iso3


def test_every_policy_term_has_a_readable_label():
    from techbloc.analysis.decisions import TERM_LABELS
    from techbloc.sim.mechanisms.policy import TERMS

    assert set(TERM_LABELS) == set(TERMS)
