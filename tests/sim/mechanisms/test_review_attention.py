"""Attention (``country.review_attention`` α, ODD §7.5): a government reviews its policy when its
case changes, with chance 1 − (1 − ψ)·exp(−α·|ΔS̄|), and at the constant ψ while it holds."""

import numpy as np
import pytest
from techbloc.sim import TechAllianceModel, load_scenario
from techbloc.sim.mechanisms import policy
from techbloc.sim.quarters import Quarter


def test_the_chance_is_psi_without_attention_or_without_change():
    settled, last = np.array([0.0, 1.0, -2.0]), np.array([0.0, 0.5, 1.0])
    assert policy.review_chance(0.25, 0.0, settled, last) == 0.25
    same = policy.review_chance(0.1, 3.0, settled, settled)
    assert np.allclose(same, 0.1)


def test_the_chance_rises_with_the_change_toward_one():
    moved = np.array([0.0, 0.1, 0.5, 1.0, 3.0, 20.0])
    chance = policy.review_chance(0.05, 2.0, moved, np.zeros_like(moved))
    assert np.all(np.diff(chance) > 0)
    assert chance[0] == pytest.approx(0.05) and chance[-1] == pytest.approx(1.0)
    # the sign of the change does not matter: a case weakened is reviewed as one strengthened
    assert np.allclose(policy.review_chance(0.05, 2.0, -moved, np.zeros_like(moved)), chance)
    # 1 − (1 − ψ)·exp(−α·|Δ|) at one value, by hand
    assert chance[3] == pytest.approx(1 - 0.95 * np.exp(-2.0))


def _reviews(seed: int = 2, **params) -> dict[str, int]:
    """Reviews per quarter of free-running sanctions-2019, counted from the settled scores the
    country layer keeps at each country's last review (a review rewrites a country's value)."""
    m = TechAllianceModel(load_scenario("sanctions-2019", horizon="2019Q1:2023Q4"), seed=seed,
                          **params)
    countries = m.layers.countries
    out, before, quarter = {}, None, Quarter.parse("2019Q1")
    while m.running:
        m.step()
        now = countries.settled_at_review
        if before is not None:
            out[str(quarter)] = int((now != before).sum())
        before, quarter = now.copy(), quarter + 1
    return out


def test_reviews_cluster_where_the_levers_move_and_thin_out_while_they_hold():
    # ψ = 0.02: a review in fifty quarters while nothing changes; α = 3 per unit of score.
    # In sanctions-2019 ally pressure rises from 0.4 to 0.6 in August 2020 (2020Q3), then holds.
    n = _reviews(country__review_prob=0.02, country__review_attention=3.0)
    jump = n["2020Q3"] + n["2020Q4"]
    held = np.mean([n[q] for q in ("2023Q1", "2023Q2", "2023Q3", "2023Q4")])
    assert jump > 5 * held, n
    # while the levers hold, reviews come from ψ and from the slow drift of alignment, peers,
    # prices and the installed base: well below the constant ψ = 0.25's 50 of 201 a quarter
    assert held < 40, n
    # the constant chance has no such burst (α = 1e-9 keeps the count and changes no chance)
    flat = _reviews(country__review_prob=0.25, country__review_attention=1e-9)
    flat_held = np.mean([flat[q] for q in ("2023Q1", "2023Q2", "2023Q3", "2023Q4")])
    assert abs((flat["2020Q3"] + flat["2020Q4"]) / 2 - flat_held) < 15, flat
    assert 35 < flat_held < 65, flat  # about ψ·201 = 50


def test_turning_attention_on_draws_nothing_more():
    # α = 1e-12 runs the attention path (a second score pass, the settled scores kept) but moves
    # no chance past a uniform: the policy path is α = 0's to the quarter, so the term adds no
    # draw to any stream
    def path(alpha):
        m = TechAllianceModel(load_scenario("sanctions-2019", horizon="2019Q1:2023Q4"), seed=4,
                              country__review_attention=alpha)
        m.run_model()
        return m.rec_country["policy"].copy()

    off, on = path(0.0), path(1e-12)
    assert (off == on).all()
    assert (off[-1] != off[0]).sum() >= 5  # the run does change stances


def _watched(tmp_path, text: str, seed: int, end: str = "2022Q4"):
    """A run with ``text``'s scenario, recording each quarter's reviewers and settled scores."""
    f = tmp_path / f"s{seed}.yaml"
    f.write_text(text)
    m = TechAllianceModel(load_scenario(f, horizon=f"2019Q1:{end}"), seed=seed)
    countries, seen = m.layers.countries, []
    reviewing = countries.reviewing

    def watched(*args):  # the layer's own rule, observed as it returns
        review = reviewing(*args)
        seen.append((review.copy(), countries.settled_at_review.copy()))
        return review

    countries.reviewing = watched
    m.run_model()
    return m, seen


RELEASED = ("name: x\nextends: sanctions-2019\n"
            "params: {country.review_prob: 0.02, country.review_attention: 3.0}\n"
            "events:\n  - {at: 2019Q2, country_policy: {iso3: GBR, policy: ban}}\n"
            "  - {at: 2021Q1, release: [GBR]}\n")


def test_locked_countries_neither_review_nor_move_their_last_review(tmp_path):
    m, seen = _watched(tmp_path, RELEASED, seed=1)
    gbr, hubs = m.world.codes().index("GBR"), m.world.locked
    locked_quarters = range(1, 8)  # 2019Q2-2020Q4: GBR forced and locked
    assert not any(seen[t][0][gbr] for t in locked_quarters)
    assert len({seen[t][1][gbr] for t in locked_quarters}) == 1
    assert not any(review[hubs].any() for review, _ in seen)


def test_a_release_counts_as_a_review_so_it_triggers_none(tmp_path):
    # At the release (2021Q1, t = 8) GBR's case has moved far since 2019Q1 (pressure, supply);
    # counted from there it would review at once. Its last review is the release quarter's own
    # settled score, so it reviews with the chance ψ = 0.02 like a country whose case holds.
    at_release = []
    for seed in range(1, 13):
        m, seen = _watched(tmp_path, RELEASED, seed=seed, end="2021Q2")
        gbr = m.world.codes().index("GBR")
        at_release.append(bool(seen[8][0][gbr]))
    assert sum(at_release) <= 2, at_release


def test_without_attention_a_zero_chance_means_no_review():
    # the α = 0 branch of CountryLayer.reviewing keeps the plain rule U_i < ψ: with ψ = 0 no
    # country ever reviews, so the 2019Q1 stances hold to the end
    m = TechAllianceModel(load_scenario("sanctions-2019", horizon="2019Q1:2022Q4"), seed=1,
                          country__review_prob=0.0)
    start = m.layers.countries.policy.copy()
    m.run_model()
    assert (m.layers.countries.policy == start).all()
