"""Enterprise population: O(N) arrays, adoption and bloc choice, per-country counts."""

import numpy as np
import pytest
from techbloc.sim import params
from techbloc.sim.mechanisms import enterprises as ent

P = params.defaults()


def _pop(per_country=50, n_c=4, seed=0):
    x_us = np.array([0.2, 0.0, 0.5, 0.1])[:n_c]
    x_cn = np.array([0.1, 0.3, 0.0, 0.2])[:n_c]
    return ent.make_population(per_country, x_us, x_cn, np.random.default_rng(seed))


def _draws(n, seed=1):
    rng = np.random.default_rng(seed)
    return {"adopt": rng.random(n), "review": rng.random(n), "shock": rng.logistic(size=n)}


def test_population_is_flat_sorted_and_small():
    pop = _pop(1000)
    assert pop.n == 4000 and np.all(np.diff(pop.country) >= 0)
    assert pop.country.dtype == np.int32 and pop.us_exposure.dtype == np.float32
    assert pop.nbytes == 12 * pop.n, "expected 12 bytes per firm (int32 + 2 float32)"
    assert ((pop.us_exposure >= 0) & (pop.us_exposure <= 1)).all()
    assert (pop.us_exposure[pop.country == 1] == 0).all(), "no US exports, no US exposure"


def test_everyone_adopts_at_hazard_one_and_follows_a_strong_pull():
    pop = _pop()
    state = np.zeros(pop.n, dtype=np.int8)
    pull = np.array([20.0, 20.0, -20.0, -20.0])
    new = ent.step(state, pop, pull, np.ones(4), 0.0, P, _draws(pop.n))
    assert (new != ent.NONE).all()
    assert (new[pop.country < 2] == ent.CHINA).all() and (new[pop.country >= 2] == ent.WEST).all()
    assert new.dtype == np.int8 and state.sum() == 0, "the input state must not change"


def test_no_adoption_at_hazard_zero_and_no_review_keeps_choices():
    pop = _pop()
    state = np.zeros(pop.n, dtype=np.int8)
    assert (ent.step(state, pop, np.zeros(4), np.zeros(4), 0.0, P, _draws(pop.n)) == 0).all()
    held = np.full(pop.n, ent.CHINA, dtype=np.int8)
    draws = _draws(pop.n)
    draws["review"][:] = 1.0  # nobody reviews
    out = ent.step(held, pop, np.full(4, -20.0), np.ones(4), 0.0, P, draws)
    assert (out == ent.CHINA).all()


def test_secondary_sanctions_push_us_exposed_firms_off_china_bloc_stacks():
    pop = _pop(5000)
    state = np.zeros(pop.n, dtype=np.int8)
    draws = _draws(pop.n)

    def china_share(sigma):
        s = ent.step(state, pop, np.zeros(4), np.ones(4), sigma, P, draws)
        exposed = pop.country == 2  # the country exporting half its goods to the US
        return (s[exposed] == ent.CHINA).mean()

    lo, mid, hi = china_share(0.0), china_share(0.5), china_share(1.0)
    assert lo > mid > hi, f"China-bloc share should fall with σ: {lo:.3f}, {mid:.3f}, {hi:.3f}"


def test_switching_cost_keeps_incumbents():
    pop = _pop(5000)
    draws = _draws(pop.n)
    draws["review"][:] = 0.0  # everyone reviews
    china = np.full(pop.n, ent.CHINA, dtype=np.int8)
    west = np.full(pop.n, ent.WEST, dtype=np.int8)
    stay_cn = (ent.step(china, pop, np.zeros(4), np.ones(4), 0.0, P, draws) == ent.CHINA).mean()
    to_cn = (ent.step(west, pop, np.zeros(4), np.ones(4), 0.0, P, draws) == ent.CHINA).mean()
    assert stay_cn - to_cn > 0.3, f"incumbency advantage too small: {stay_cn:.2f} vs {to_cn:.2f}"


def test_step_counts_adopters_per_country():
    pop = _pop(300)
    state = np.random.default_rng(3).integers(0, 3, pop.n).astype(np.int8)
    rng = np.random.default_rng(4)
    draws = {"adopt": rng.random(pop.n), "review": rng.random(pop.n),
             "shock": rng.logistic(size=pop.n)}
    counts = (np.full(4, -1.0), np.full(4, -1.0))
    new = ent.step(state, pop, np.zeros(4), np.full(4, 0.5), 0.0, P, draws, counts)
    assert (new != state).any(), "some firms must act for the counts to be of the new state"
    adopted, china = counts
    for i in range(4):
        s = new[pop.country == i]
        assert adopted[i] == np.count_nonzero(s) and china[i] == np.count_nonzero(s == 2)


def test_adoption_hazard_rises_with_adopters_and_coverage():
    h = ent.adoption_hazard(np.array([0.0, 0.5, 0.5]), np.array([0.0, 0.0, 1.0]), 0.05, 0.5, 0.3)
    assert h[0] < h[1] < h[2] <= 1
    assert h[2] == pytest.approx((0.05 + 0.25) / 4)


def test_the_models_country_terms_kernel_gives_the_formulas_to_the_last_bit():
    from techbloc.sim import kernels

    rng = np.random.default_rng(9)
    n = 300
    n_cn, coverage, alignment = rng.random(n), rng.random(n), rng.uniform(-1, 1, n)
    policy = rng.integers(0, 3, n).astype(np.int8)
    count = np.full(n, 20)
    adopted = rng.integers(0, 21, n).astype(float)
    adopted[:10] = 0.0  # no adopters: China-bloc share 0.5
    china = np.floor(adopted * rng.random(n))
    p = {**P, "enterprise.china_advantage": -0.3, "enterprise.w_peer": 0.7}
    coef = np.array([p[f"enterprise.{k}"] for k in (
        "china_advantage", "w_network", "w_alignment", "w_policy", "w_peer", "adoption_p",
        "adoption_q", "pre5g_adoption")])
    pull, hazard = kernels.enterprise_country_terms(n_cn, coverage, alignment, policy, adopted,
                                                    china, count, coef)
    share_cn = np.divide(china, adopted, out=np.full(n, 0.5), where=adopted > 0)
    want_pull = ent.country_pull(n_cn, alignment, (policy >= 1).astype(float), share_cn, p)
    want_hazard = ent.adoption_hazard(adopted / count, coverage, p["enterprise.adoption_p"],
                                      p["enterprise.adoption_q"], p["enterprise.pre5g_adoption"])
    assert np.array_equal(pull, want_pull) and np.array_equal(hazard, want_hazard)
