"""The ban cut-point shift (partial proportional odds, ODD §7.5): which excluders ban outright."""

import numpy as np
import pytest
from techbloc.sim.mechanisms import policy
from techbloc.sim.params import defaults
from techbloc.sim.scenario import load_scenario

T = (3.0, 8.0)


def _params(**kw):
    p = defaults()
    p.update({"us.ally_pressure": 0.6})
    p.update(kw)
    return p


def test_off_gives_the_plain_ordered_logit_exactly():
    p = _params()  # δ_f = δ_s = 0 by default
    t2 = policy.ban_cutpoints(T, np.array([1.0, 0.0]), np.array([0.7, 1.0]), p)
    assert t2 == T[1] and isinstance(t2, float)
    s = np.linspace(-2, 12, 57)
    plain = policy.ordered_probabilities(s, T, 0.4)
    same = policy.ordered_probabilities(s, (T[0], np.full(57, T[1])), 0.4)
    assert plain.tobytes() == same.tobytes()
    # The policy update with the cut-point repeated per country is the scalar rule, bit for bit.
    rng = np.random.default_rng(3)
    cur = rng.integers(0, 3, 500).astype(np.int8)
    noisy = rng.normal(4, 4, 500)
    review = rng.random(500) < 0.5
    h = policy.hysteresis_pair(T, 6.0, 6.0)
    h_arr = policy.hysteresis_pair((T[0], np.full(500, T[1])), 6.0, 6.0)
    a = policy.update_policy(cur, noisy, T, h, review)
    b = policy.update_policy(cur, noisy, (T[0], np.full(500, T[1])), h_arr, review)
    assert np.array_equal(a, b) and np.array_equal(h_arr[1], np.full(500, h[1]))


def test_a_higher_covariate_raises_p_ban_given_not_open_and_leaves_p_not_open():
    f = np.array([0.0, 1.0, 0.0, 1.0])
    sec = np.array([0.0, 0.0, 1.0, 1.0])
    s = np.full(4, 4.0)
    for key, col in (("country.ban_shift_frontline", f), ("country.ban_shift_security", sec)):
        last = None
        for delta in (0.0, 2.0, 5.0, 8.0):
            t2 = policy.ban_cutpoints(T, f, sec, _params(**{key: delta}))
            pr = policy.ordered_probabilities(s, (T[0], t2), 0.4)
            cond = pr[:, 2] / (1.0 - pr[:, 0])  # P(ban | not open)
            # P(not open) does not depend on the shift.
            assert pr[:, 0] == pytest.approx(policy.ordered_probabilities(s, T, 0.4)[:, 0])
            if delta:
                assert np.all(cond[col == 1] > cond[col == 0].max())  # covariate raises it
            if last is not None:
                assert np.all(cond >= last - 1e-15) and np.all(cond[col == 1] > last[col == 1])
            last = cond


def test_the_shift_scales_with_ally_pressure_and_stops_at_the_restriction_cut_point():
    f, sec = np.array([1.0, 0.0]), np.array([0.7, 1.0])
    p = _params(**{"country.ban_shift_frontline": 4.0, "country.ban_shift_security": 2.0})
    t2 = policy.ban_cutpoints(T, f, sec, p)
    assert t2 == pytest.approx([8.0 - 0.6 * (4.0 + 2.0 * 0.7), 8.0 - 0.6 * 2.0])
    p["us.ally_pressure"] = 0.0
    assert np.array_equal(policy.ban_cutpoints(T, f, sec, p), [8.0, 8.0])
    # A shift larger than θ_2 − θ_1 makes every exclusion a ban, never a ban below θ_1.
    p = _params(**{"country.ban_shift_frontline": 20.0})
    t2 = policy.ban_cutpoints(T, f, sec, p)
    assert t2.tolist() == [3.0, 8.0]
    pr = policy.ordered_probabilities(np.array([2.0, 3.5]), (T[0], t2), 0.4)
    assert pr[0, 1] == 0.0 and np.all(pr >= 0) and pr.sum(axis=1) == pytest.approx(1.0)
    new = policy.update_policy(np.zeros(2, np.int8), np.array([3.2, 3.2]), (T[0], t2),
                               policy.hysteresis_pair((T[0], t2), 6.0, 6.0), np.ones(2, bool))
    assert new.tolist() == [policy.BAN, policy.RESTRICT]


def test_the_disposition_keeps_the_start_stance_under_per_country_cut_points():
    rng = np.random.default_rng(8)
    n = 4000
    s0 = rng.normal(3, 3, n)
    start = rng.integers(0, 3, n)
    t2 = np.where(rng.random(n) < 0.5, 8.0, 4.0)
    u = policy.draw_disposition(s0, start, (T[0], t2), 1.5, rng.random(n))
    level = (s0 + u > T[0]).astype(int) + (s0 + u > t2)
    assert np.array_equal(level, start)


def test_in_the_model_frontline_bans_rise_with_the_shift_and_others_are_untouched():
    # sanctions-2019 to 2021Q4 (calibrated weights), same seeds: a frontline ban shift turns
    # frontline exclusions into bans; countries off the frontline do not ban more.
    from techbloc.sim.experiment import run

    s = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": False},
                                                     origin="test")
    out = {}
    for delta in (0.0, 20.0):
        res = run(s.with_params({"country.ban_shift_frontline": delta}, origin="test"),
                  replications=6, seed=11, horizon="2019Q1:2021Q4")
        c = res.countries[res.countries["date"] == "2021Q4"]
        front = c["iso3"].astype(str).isin(["EST", "LVA", "LTU", "POL", "ROU", "BGR", "TWN",
                                           "JPN", "PHL", "VNM", "IND"])
        pol = c["policy"].astype(str)
        out[delta] = {"front_ban": int((front & (pol == "ban")).sum()),
                      "front_restrict": int((front & (pol == "restrict")).sum()),
                      "other_ban": int((~front & (pol == "ban")).sum())}
    assert out[20.0]["front_ban"] > out[0.0]["front_ban"]
    assert out[20.0]["front_restrict"] < out[0.0]["front_restrict"]
    assert out[20.0]["other_ban"] == out[0.0]["other_ban"]


def test_the_shift_sets_the_form_of_a_new_exclusion_only():
    # A frontline country that is open decides its exclusion's form under the shifted cut-point;
    # one that already restricts (or bans) keeps the plain θ_2: a restriction is not re-decided.
    f, sec = np.ones(3), np.zeros(3)
    p = _params(**{"country.ban_shift_frontline": 5.0})
    cur = np.array([policy.OPEN, policy.RESTRICT, policy.BAN])
    t2 = policy.ban_cutpoints(T, f, sec, p, current=cur)
    assert t2.tolist() == [8.0 - 0.6 * 5.0, 8.0, 8.0]
    new = policy.update_policy(cur, np.full(3, 5.5), (T[0], t2),
                               policy.hysteresis_pair((T[0], t2), 6.0, 6.0), np.ones(3, bool))
    assert new.tolist() == [policy.BAN, policy.RESTRICT, policy.BAN]


def test_decision_terms_report_the_ban_cut_point_the_review_met():
    # An open frontline state under ally pressure meets the shifted θ_2,i; a state off the
    # frontline, and a frontline state already restricting (JPN), meet the plain θ_2.
    from techbloc.sim.model import TechAllianceModel

    s = load_scenario("sanctions-2019").with_params(
        {"uncertainty.parameters": False, "country.ban_shift_frontline": 10.0}, origin="test")
    m = TechAllianceModel(scenario=s, seed=3)
    for _ in range(8):  # to 2020Q4: ally pressure 0.6
        m.step()
    theta_2 = m.decision_terms("FRA")["threshold_ban"]
    assert theta_2 == s.params["country.threshold_ban"]
    assert m.decision_terms("JPN")["threshold_ban"] == theta_2
    lva = m.decision_terms("LVA")
    assert lva["policy"] == "open"  # the seed keeps it open, so its next review is shifted
    assert lva["threshold_ban"] < theta_2


def test_the_assurance_channel_off_is_the_model_without_it():
    # δ_a = 0 (the default) returns the plain θ_2 whatever the intelligence ties and the
    # supply unreliability, so the cut-points (and runs) are those of the model without it.
    p = _params()
    assert p["country.ban_shift_assurance"] == 0.0
    t2 = policy.ban_cutpoints(T, np.zeros(3), np.zeros(3), p,
                              current=np.array([0, 1, 2]), intel=np.ones(3), unreliability=0.9)
    assert t2 == T[1] and isinstance(t2, float)
    with_f = _params(**{"country.ban_shift_frontline": 4.0})
    a = policy.ban_cutpoints(T, np.ones(3), np.zeros(3), with_f, current=np.zeros(3))
    b = policy.ban_cutpoints(T, np.ones(3), np.zeros(3), with_f, current=np.zeros(3),
                             intel=np.ones(3), unreliability=0.9)
    assert a.tobytes() == b.tobytes()


def test_the_assurance_shift_follows_unreliability_and_intelligence_sharing_not_pressure():
    intel = np.array([1.0, 0.0, 1.0, 1.0])
    cur = np.array([policy.OPEN, policy.OPEN, policy.RESTRICT, policy.BAN])
    zeros = np.zeros(4)
    for eta in (1.0, 0.5, 0.0):
        p = _params(**{"country.ban_shift_assurance": 6.0, "country.assurance_restricting": eta})
        t2 = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, intel=intel,
                                  unreliability=0.25)
        assert t2 == pytest.approx([8.0 - 1.5, 8.0, 8.0 - eta * 1.5, 8.0])
        # Ally pressure does not enter the channel; more unreliability lowers the cut-point.
        p["us.ally_pressure"] = 0.0
        assert policy.ban_cutpoints(T, zeros, zeros, p, current=cur, intel=intel,
                                    unreliability=0.25) == pytest.approx(t2)
        lower = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, intel=intel,
                                     unreliability=0.5)
        assert lower[0] < t2[0] and lower[1] == 8.0
    # A reliable vendor (ρ = 1) shifts nothing; a large shift stops at θ_1.
    p = _params(**{"country.ban_shift_assurance": 20.0})
    assert np.array_equal(policy.ban_cutpoints(T, zeros, zeros, p, current=cur, intel=intel,
                                               unreliability=0.0), np.full(4, 8.0))
    t2 = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, intel=intel, unreliability=1.0)
    assert t2.tolist() == [3.0, 8.0, 3.0, 8.0]
    # It leaves P(not open) alone and raises P(ban | not open) of the members.
    s = np.full(4, 4.0)
    pr = policy.ordered_probabilities(s, (T[0], t2), 0.4)
    assert pr[:, 0] == pytest.approx(policy.ordered_probabilities(s, T, 0.4)[:, 0])
    assert pr[0, 2] > pr[1, 2]


def test_in_the_model_the_assurance_channel_turns_member_exclusions_into_bans():
    # sanctions-2019 to 2021Q4 with the calibrated weights, same seeds: the channel makes more
    # Fourteen Eyes exclusions bans and leaves P(not open) of every country as it was within
    # noise (θ_1 does not move).
    from techbloc.sim.experiment import run

    s = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": False},
                                                     origin="test")
    eyes = ["AUS", "BEL", "CAN", "DEU", "DNK", "ESP", "FRA", "GBR", "ITA", "NLD", "NOR", "NZL",
            "SWE"]
    out = {}
    for delta in (0.0, 20.0):
        res = run(s.with_params({"country.ban_shift_assurance": delta}, origin="test"),
                  replications=6, seed=11, horizon="2019Q1:2021Q4")
        c = res.countries[res.countries["date"] == "2021Q4"]
        member = c["iso3"].astype(str).isin(eyes)
        pol = c["policy"].astype(str)
        out[delta] = {"member_ban": int((member & (pol == "ban")).sum()),
                      "member_excluding": int((member & (pol != "open")).sum())}
    assert out[20.0]["member_ban"] > out[0.0]["member_ban"]
    assert out[20.0]["member_ban"] <= out[20.0]["member_excluding"]


def test_the_five_eyes_shift_moves_only_open_members_and_scales_with_pressure():
    # δ_5 (ODD §7.5, off by default): θ_2,i falls by δ_5·e_i·g for a Five Eyes state open
    # when it reviews; restricting or banning members and non-members keep θ_2.
    eyes = np.array([1.0, 0.0, 1.0, 1.0])
    cur = np.array([policy.OPEN, policy.OPEN, policy.RESTRICT, policy.BAN])
    zeros = np.zeros(4)
    p = _params()
    assert p["country.ban_shift_five_eyes"] == 0.0
    off = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, five_eyes=eyes)
    assert off == T[1] and isinstance(off, float)
    p = _params(**{"country.ban_shift_five_eyes": 5.0})
    t2 = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, five_eyes=eyes)
    assert t2 == pytest.approx([8.0 - 0.6 * 5.0, 8.0, 8.0, 8.0])
    p["us.ally_pressure"] = 0.3
    half = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, five_eyes=eyes)
    assert half[0] == pytest.approx(8.0 - 1.5) and half[0] > t2[0]
    p["us.ally_pressure"] = 0.0  # no pressure (baseline): no shift
    assert np.array_equal(policy.ban_cutpoints(T, zeros, zeros, p, current=cur,
                                               five_eyes=eyes), np.full(4, 8.0))
    p = _params(**{"country.ban_shift_five_eyes": 20.0})  # the floor θ_1 keeps levels ordered
    assert policy.ban_cutpoints(T, zeros, zeros, p, current=cur, five_eyes=eyes)[0] == 3.0


def test_the_five_eyes_shift_turns_the_uks_exclusions_into_bans_in_a_run():
    # In free-running sanctions-2019 at the point fit, δ_5 = 10 leaves P(not open) of the UK
    # unchanged and raises its P(ban) at the end of 2021 (tools/five_eyes_fit.py measured
    # 0.00 to 0.57 on 200 replicates); France, not a member, is untouched.
    from techbloc.sim import run

    s = load_scenario("sanctions-2019").with_horizon("2019Q1:2021Q4").with_params(
        {"uncertainty.parameters": False}, origin="test")
    out = {}
    for delta in (0.0, 10.0):
        c = run(s.with_params({"country.ban_shift_five_eyes": delta}, origin="test"),
                replications=20, seed=3).countries
        at = c[c["date"] == "2021Q4"].assign(iso3=lambda d: d["iso3"].astype(str),
                                             policy=lambda d: d["policy"].astype(str))
        out[delta] = {iso: ((g["policy"] != "open").mean(), (g["policy"] == "ban").mean())
                      for iso, g in at[at["iso3"].isin(["GBR", "FRA"])].groupby("iso3")}
    assert out[10.0]["GBR"][0] == out[0.0]["GBR"][0]
    assert out[10.0]["GBR"][1] >= out[0.0]["GBR"][1] + 0.2
    assert out[10.0]["FRA"] == out[0.0]["FRA"]


def test_the_ban_form_class_sets_theta_1_for_its_open_members_only():
    # π (ODD §7.5, off by default): a country of the ban-form class that is open when it
    # reviews gets θ_2,i = θ_1; restricting or banning members and non-members keep θ_2 (or
    # their other shifts); no member at all is the plain model, bit for bit.
    law = np.array([True, False, True, True])
    cur = np.array([policy.OPEN, policy.OPEN, policy.RESTRICT, policy.BAN])
    zeros = np.zeros(4)
    p = _params()
    assert p["country.ban_form_share"] == 0.0
    none = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, by_law=np.zeros(4, bool))
    assert none == T[1] and isinstance(none, float)
    assert policy.ban_cutpoints(T, zeros, zeros, p, current=cur) == T[1]
    t2 = policy.ban_cutpoints(T, zeros, zeros, p, current=cur, by_law=law)
    assert t2.tolist() == [3.0, 8.0, 8.0, 8.0]
    # With the frontline shift on, a frontline non-member keeps its shift; a member its θ_1.
    p = _params(**{"country.ban_shift_frontline": 5.0})
    front = np.array([1.0, 1.0, 0.0, 0.0])
    t2 = policy.ban_cutpoints(T, front, zeros, p, current=cur, by_law=law)
    assert t2.tolist() == pytest.approx([3.0, 8.0 - 0.6 * 5.0, 8.0, 8.0])


def test_in_a_run_the_ban_form_class_changes_the_form_of_exclusions_not_their_onset():
    # Free-running sanctions-2019 to 2020Q4 at the point fit, common seeds: with π = 1 every
    # exclusion decided from open is a ban (no open-to-restrict step anywhere); with π = 0 the
    # Fourteen Eyes' exclusions are restrictions. The quarter each country first leaves "open"
    # is the same in both runs until the first ban's removal moves the installed base.
    from techbloc.sim import run

    s = load_scenario("sanctions-2019").with_horizon("2019Q1:2020Q4").with_params(
        {"uncertainty.parameters": False}, origin="test")
    runs = {pi: run(s.with_params({"country.ban_form_share": pi}, origin="test"),
                    replications=8, seed=3).countries.assign(
                        iso3=lambda d: d["iso3"].astype(str),
                        policy=lambda d: d["policy"].astype(str))
            for pi in (0.0, 1.0)}
    steps = {}
    for pi, c in runs.items():
        c = c.sort_values(["replicate", "iso3", "date"])
        before = c.groupby(["replicate", "iso3"])["policy"].shift()
        steps[pi] = c[(before == "open") & (c["policy"] != "open")]
    assert len(steps[1.0]) > 0 and (steps[1.0]["policy"] == "ban").all()
    assert (steps[0.0]["policy"] == "restrict").any()
    first = {pi: d.groupby(["replicate", "iso3"])["date"].min() for pi, d in steps.items()}
    onset = min(first[0.0].min(), first[1.0].min())
    assert (first[0.0][first[0.0] == onset].index.tolist()
            == first[1.0][first[1.0] == onset].index.tolist())
