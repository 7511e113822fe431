"""Country policy: ordered logit, hysteresis, and the score's response to levers."""

import numpy as np
import pytest
from techbloc.sim import params
from techbloc.sim.mechanisms.policy import (
    BAN,
    OPEN,
    RESTRICT,
    PolicyInputs,
    ordered_probabilities,
    score,
    update_policy,
)

THRESHOLDS = (1.0, 2.0)


def test_ordered_probabilities_sum_to_one_and_ban_rises_with_score():
    s = np.linspace(-4, 6, 41)
    p = ordered_probabilities(s, THRESHOLDS, 0.5)
    assert np.allclose(p.sum(axis=1), 1.0) and np.all(p >= 0)
    assert np.all(np.diff(p[:, BAN]) > 0) and np.all(np.diff(p[:, OPEN]) < 0)


def test_hysteresis_keeps_a_ban_that_would_not_be_imposed():
    s = np.array([1.5, 1.5])  # between θ_2 − h and θ_2 with h = 1
    current = np.array([BAN, OPEN], dtype=np.int8)
    new = update_policy(current, s, THRESHOLDS, hysteresis=1.0, review=np.ones(2, dtype=bool))
    assert new.tolist() == [BAN, RESTRICT], f"found {new.tolist()}"


def test_a_ban_is_lifted_when_the_score_falls_far_enough():
    new = update_policy(np.array([BAN], dtype=np.int8), np.array([0.5]), THRESHOLDS, 1.0,
                        np.ones(1, dtype=bool))
    assert new.tolist() == [RESTRICT]  # 0.5 is below θ_2 − h = 1 but above θ_1 − h = 0
    new = update_policy(np.array([BAN], dtype=np.int8), np.array([-0.5]), THRESHOLDS, 1.0,
                        np.ones(1, dtype=bool))
    assert new.tolist() == [OPEN]


def test_countries_that_do_not_review_never_change():
    current = np.array([OPEN, RESTRICT, BAN], dtype=np.int8)
    new = update_policy(current, np.array([9.0, -9.0, -9.0]), THRESHOLDS, 0.5,
                        np.zeros(3, dtype=bool))
    assert new.tolist() == current.tolist()


def _inputs(**kw):
    base = dict(security=np.array([0.7]), intel=np.array([1.0]), power=np.array([0.0]),
                alignment=np.array([0.0]),
                peer=np.array([0.0]), unreliability=0.0, us_exports=np.array([0.1]),
                installed=np.array([0.5]), price_gap=np.array([0.2]),
                china_exports=np.array([0.1]), bri=np.array([1.0]))
    base.update(kw)
    return PolicyInputs(**base)


@pytest.mark.parametrize("key,values,direction", [
    ("us.ally_pressure", (0.0, 0.5, 1.0), +1),
    ("china.bri_discount", (0.0, 0.2, 0.4), -1),
    ("china.retaliation", (0.0, 0.5, 1.0), -1),
    ("us.rip_replace_subsidy", (0.0, 0.5, 1.0), +1),
])
def test_score_moves_with_levers(key, values, direction):
    scores = [score(_inputs(), {**params.defaults(), key: v})[0] for v in values]
    assert np.all(direction * np.diff(scores) > 0), f"{key}: scores {scores}"


def test_decision_terms_sum_to_the_score_and_explain_the_policy():
    from techbloc.sim.errors import TechblocError
    from techbloc.sim.mechanisms.policy import TERMS, terms
    from techbloc.sim.model import TechAllianceModel

    from tests.helpers import short

    m = TechAllianceModel(short("sanctions-2019", "2021Q4"), seed=3)
    with pytest.raises(TechblocError, match="step the model first"):
        m.decision_terms("GBR")
    m.run_model()
    x, p = m.layers.countries.policy_inputs, m.values
    parts = terms(x, p)
    assert tuple(parts) == TERMS
    assert np.allclose(sum(parts.values()), score(x, p))
    gbr = m.decision_terms("GBR")
    assert gbr["security_pressure"] > 0 and gbr["china_trade"] <= 0
    assert gbr["policy"] == m.country("GBR").policy
    with pytest.raises(TechblocError, match="unknown country 'GRB'"):
        m.decision_terms("GRB")


def test_intelligence_sharing_raises_the_score_only_under_ally_pressure():
    p = {**params.defaults(), "country.w_intel": 2.0}
    member, outsider = _inputs(intel=np.array([1.0])), _inputs(intel=np.array([0.0]))
    calm = {**p, "us.ally_pressure": 0.0}
    assert score(member, calm)[0] == score(outsider, calm)[0]
    pressed = {**p, "us.ally_pressure": 0.8}
    assert score(member, pressed)[0] - score(outsider, pressed)[0] == pytest.approx(2.0 * 0.8)


def test_fourteen_eyes_membership_comes_from_the_data_and_events_can_change_it():
    from techbloc.sim.model import TechAllianceModel
    from techbloc.sim.world import load_world

    members = load_world().memberships(2019)["intel_sharing"]
    iso = load_world().countries["iso3"].to_numpy()
    assert sorted(iso[members]) == sorted(["USA", "GBR", "CAN", "AUS", "NZL", "DNK", "FRA",
                                           "NLD", "NOR", "DEU", "BEL", "ITA", "ESP", "SWE"])
    m = TechAllianceModel(seed=1)
    m.set_membership("POL", "intel_sharing", True)
    assert m.shared.members(2020)["intel_sharing"][m.shared.index["POL"]]


def test_a_ban_is_stickier_than_a_restriction_with_its_own_hysteresis():
    # θ = (1, 2); h_restrict = 1, h_ban = 3: a score of 0.5 lifts a restriction to open but
    # leaves a ban in place (0.5 > 2 − 3), where one shared h = 1 would have lifted it.
    current = np.array([RESTRICT, BAN], dtype=np.int8)
    s = np.array([-0.5, 0.5])
    review = np.ones(2, dtype=bool)
    assert update_policy(current, s, THRESHOLDS, (1.0, 3.0), review).tolist() == [OPEN, BAN]
    assert update_policy(current, s, THRESHOLDS, 1.0, review).tolist() == [OPEN, RESTRICT]
    # Below θ_2 − h_ban the ban goes, down to what the restriction's hysteresis allows.
    assert update_policy(np.array([BAN], dtype=np.int8), np.array([-1.5]), THRESHOLDS,
                         (1.0, 3.0), review[:1]).tolist() == [OPEN]


def test_the_models_score_kernel_gives_score_plus_noise_to_the_last_bit():
    from techbloc.sim import kernels
    from techbloc.sim.mechanisms.policy import static_terms

    rng = np.random.default_rng(4)
    n = 500
    x = PolicyInputs(security=rng.random(n), intel=(rng.random(n) < 0.1).astype(float),
                     power=rng.normal(size=n), alignment=rng.uniform(-1, 1, n),
                     peer=rng.random(n), unreliability=0.37, us_exports=rng.random(n) * 0.3,
                     installed=rng.random(n), price_gap=rng.normal(0.2, 0.1, n),
                     china_exports=rng.random(n) * 0.3, bri=(rng.random(n) < 0.5).astype(float))
    p = dict(params.defaults())
    for key in p:  # every weight away from its default, so a dropped term shows
        if key.startswith("country.w_"):
            p[key] = p[key] + rng.uniform(0.1, 1.0)
    p["us.rip_replace_subsidy"] = 0.3
    shock = rng.logistic(size=n)
    got = kernels.policy_scores(
        *static_terms(x, p), x.alignment, p["country.w_alignment"], x.peer, p["country.w_peer"],
        p["country.w_risk"] * x.unreliability, x.installed, p["country.w_installed"],
        1.0 - p["us.rip_replace_subsidy"], p["country.score_noise"], shock)
    assert np.array_equal(got, score(x, p) + p["country.score_noise"] * shock)
