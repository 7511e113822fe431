"""Nested-logit probabilities, the Gumbel-max sampler and contract awards."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from techbloc.sim.errors import ScenarioError
from techbloc.sim.mechanisms.choice import (
    award,
    nested_logit_probabilities,
    sample_nested_logit,
    split_award,
    split_shares,
)

NESTS = np.array([1, 1, 0, 0, 0])  # huawei, zte | ericsson, nokia, samsung
CHINA = NESTS == 1


@settings(max_examples=60, deadline=None)
@given(u=arrays(float, (7, 5), elements=st.floats(-8, 8)),
       mu=st.floats(0.1, 5), lam=st.floats(0.05, 1.0))
def test_probabilities_sum_to_one(u, mu, lam):
    p = nested_logit_probabilities(u, np.ones(5, dtype=bool), NESTS, mu, lam)
    assert np.all(p >= 0)
    assert np.allclose(p.sum(axis=1), 1.0), p.sum(axis=1)


def test_unavailable_vendor_has_zero_probability():
    u = np.zeros((3, 5))
    avail = np.array([[True] * 5, [False, True, True, True, True], [False] * 5])
    p = nested_logit_probabilities(u, avail, NESTS, 1.0, 0.7)
    assert p[1, 0] == 0 and p[1].sum() == pytest.approx(1.0)
    assert p[2].sum() == 0, "nothing available must give zero probabilities, not NaN"


def test_probability_falls_with_price():
    beta_price = 3.0
    log_price = np.linspace(np.log(0.6), np.log(1.4), 9)
    u = np.zeros((9, 5))
    u[:, 0] = -beta_price * log_price  # Huawei's price rises down the rows
    p = nested_logit_probabilities(u, np.ones(5, dtype=bool), NESTS, 1.0, 0.7)[:, 0]
    assert np.all(np.diff(p) < 0), f"P(huawei) not falling with price: {p}"


def test_lambda_one_is_multinomial_logit():
    u = np.array([[0.3, -0.2, 0.5, 0.1, -1.0]])
    mu = 0.8
    p = nested_logit_probabilities(u, np.ones(5, dtype=bool), NESTS, mu, 1.0)
    softmax = np.exp(u / mu) / np.exp(u / mu).sum()
    assert np.allclose(p, softmax)


def test_sampler_reproduces_probabilities():
    rng = np.random.default_rng(0)
    n = 200_000
    u = np.tile([0.4, -0.3, 0.2, 0.1, -0.6], (n, 1))
    avail = np.ones(5, dtype=bool)
    mu, lam = 1.0, 0.5
    choice = sample_nested_logit(u, avail, NESTS, mu, lam, rng.gumbel(size=(n, 5)),
                                 rng.gumbel(size=(n, 2)))
    freq = np.bincount(choice, minlength=5) / n
    p = nested_logit_probabilities(u[:1], avail, NESTS, mu, lam)[0]
    assert np.allclose(freq, p, atol=0.01), f"frequencies {freq} vs probabilities {p}"


def _draws(rng, n):
    return {"alt1": rng.gumbel(size=(n, 5)), "nest1": rng.gumbel(size=(n, 2)),
            "alt2": rng.gumbel(size=(n, 5)), "nest2": rng.gumbel(size=(n, 2)),
            "dual": rng.random(n)}


def test_awards_sum_to_one_with_at_most_two_vendors():
    rng = np.random.default_rng(1)
    n = 2000
    u = rng.normal(size=(n, 5))
    shares = award(u, np.ones((n, 5), dtype=bool), NESTS, 1.0, 0.7, _draws(rng, n), 0.3)
    assert np.allclose(shares.sum(axis=1), 1.0)
    k = (shares > 0).sum(axis=1)
    assert set(np.unique(k)) == {1, 2}
    assert 0.2 < np.mean(k == 2) < 0.4, f"dual share {np.mean(k == 2):.2f}, expected about 0.3"


def test_ban_never_awards_china_bloc():
    rng = np.random.default_rng(2)
    n = 5000
    u = rng.normal(size=(n, 5))
    u[:, CHINA] += 5.0  # China-bloc vendors far more attractive
    avail = np.broadcast_to(~CHINA, (n, 5)).copy()
    shares = award(u, avail, NESTS, 1.0, 0.7, _draws(rng, n), 0.5)
    assert shares[:, CHINA].sum() == 0
    assert np.allclose(shares.sum(axis=1), 1.0)


def test_dual_awards_split_by_the_choice_probabilities():
    rng = np.random.default_rng(7)
    n = 400
    u = rng.normal(size=(n, 5))
    avail = rng.random((n, 5)) < 0.9
    shares = award(u, avail, NESTS, 0.8, 0.6, _draws(rng, n), 0.5)
    prob = nested_logit_probabilities(u, avail, NESTS, 0.8, 0.6)
    dual = (shares > 0).sum(axis=1) == 2
    assert dual.sum() > 100
    for row in np.flatnonzero(dual):
        f, s = np.flatnonzero(shares[row])
        assert shares[row, f] / shares[row, s] == pytest.approx(prob[row, f] / prob[row, s],
                                                                rel=1e-12)
    assert not (shares[~avail] > 0).any(), "an unavailable vendor was awarded"


def test_an_exact_tie_goes_to_the_first_alternative():
    rng = np.random.default_rng(11)
    n = 200
    u = rng.normal(size=(n, 5))
    u[:, 2] = u[:, 3] = 30.0  # Ericsson and Nokia far ahead of the others
    draws = _draws(rng, n)
    for k in ("alt1", "alt2"):
        draws[k][:, 3] = draws[k][:, 2]
    draws["nest1"][:, 0] += 50.0  # the west nest wins, so the tie decides
    shares = award(u, np.ones((n, 5), dtype=bool), NESTS, 1.0, 0.7, draws, 0.0)
    assert (shares[:, 2] == 1.0).all()
    draws["alt1"][:, 3] += 1e-9  # and the slightest edge decides it the other way
    assert (award(u, np.ones((n, 5), dtype=bool), NESTS, 1.0, 0.7, draws, 0.0)[:, 3]
            == 1.0).all()


def test_the_models_kernel_awards_what_the_utility_formula_gives():
    """kernels.award_rows computes utilities in its pass; they must be choice.utilities'."""
    from techbloc.sim import kernels
    from techbloc.sim.mechanisms.choice import ChoiceInputs, utilities

    rng = np.random.default_rng(5)
    n_o, n_c, n_v = 300, 12, 5
    op_country = rng.integers(0, n_c, n_o)
    china = CHINA
    bloc_sign = np.where(china, -1.0, 1.0)
    log_price = np.log(rng.uniform(0.6, 1.4, (n_c, n_v)))  # by country
    quality = rng.uniform(0.5, 1.0, n_v)
    installed4 = rng.uniform(0, 50, (n_o, n_v)) * (rng.random((n_o, n_v)) < 0.7)
    sites = rng.uniform(0, 20, (n_o, n_v)) * (rng.random((n_o, n_v)) < 0.5)
    installed4[:5] = sites[:5] = 0.0  # no installed base: no lock-in
    peer_cn = rng.random(n_c)
    unrel = rng.uniform(0, 0.4, n_v)
    us_exp, restricted = rng.random(n_o), (rng.random(n_o) < 0.3).astype(float)
    alignment = rng.uniform(-1, 1, n_c)
    home = rng.choice([-1.0, 0.0, 1.0], n_o)
    banned = rng.random(n_o) < 0.2
    coef = rng.uniform(0.2, 3.0, 9)
    p = {f"operator.beta_{k}": c for k, c in zip(
        ("price", "quality", "lockin", "peer", "risk", "sanction", "restrict", "alignment",
         "home"), coef, strict=True)}
    p["us.secondary_sanctions"] = 0.6
    rows = np.sort(rng.choice(n_o, 120, replace=False))
    uni = {k: rng.random((rows.size, w)) for k, w in
           (("alt1", n_v), ("nest1", 2), ("alt2", n_v), ("nest2", 2))}
    dual_u = rng.random(rows.size)
    split = rng.random(n_o) < 0.3  # operators of rank-split tenders
    got, got_total = np.full((n_o, n_v), 7.0), np.full(n_o, 7.0)
    kernel_coef = coef.copy()
    kernel_coef[5] = coef[5] * p["us.secondary_sanctions"]
    kernels.award_rows(rows, log_price, quality, installed4, sites, peer_cn, op_country, unrel,
                       us_exp, restricted, alignment, china, bloc_sign, home, banned,
                       NESTS, 2, kernel_coef, 0.9, 0.6, 0.4, uni["alt1"], uni["nest1"],
                       uni["alt2"], uni["nest2"], np.arange(rows.size), dual_u, got, got_total,
                       split, 0.6, 0.3)

    inst = installed4[rows] + sites[rows]
    base = inst.sum(axis=1, keepdims=True)
    peer = np.where(china, peer_cn[op_country[rows]][:, None],
                    1.0 - peer_cn[op_country[rows]][:, None])
    x = ChoiceInputs(log_price=log_price[op_country[rows]], quality=quality,
                     lockin=np.divide(inst, base, out=np.zeros(inst.shape), where=base > 0),
                     peer=peer, unreliability=unrel, us_exposure=us_exp[rows],
                     restricted=restricted[rows], alignment=alignment[op_country[rows]],
                     china=china, bloc_sign=bloc_sign, home=home[rows])
    avail = ~(banned[rows][:, None] & china[None, :])
    gum = {k: rng_gumbel(v) for k, v in uni.items()}
    u = utilities(x, p)
    want = np.where(split[rows][:, None], split_award(u, avail, NESTS, 0.9, 0.6, gum, 0.6, 0.3),
                    award(u, avail, NESTS, 0.9, 0.6, gum | {"dual": dual_u}, 0.4))
    assert split[rows].any() and (~split[rows]).any()
    assert np.array_equal(got[rows], want)
    assert np.array_equal(got_total[rows], want.sum(axis=1))
    others = np.setdiff1d(np.arange(n_o), rows)
    assert (got[others] == 7.0).all() and (got_total[others] == 7.0).all(), "only rows change"


def rng_gumbel(u):
    """Generator.gumbel's variates of uniforms u (its formula, with the C library's log)."""
    import math

    return np.vectorize(lambda x: 0.0 - math.log(-math.log(1.0 - x)))(u)


def _gumbels(rng, n_o, n_v=5):
    return {k: rng.gumbel(size=(n_o, w)) for k, w in
            (("alt1", n_v), ("nest1", 2), ("alt2", n_v), ("nest2", 2))}


def test_a_rank_split_award_gives_three_winners_their_shares_by_rank():
    """Split awards (ODD §7.6): each row holds exactly s1, s2 and 1 − s1 − s2, the first to the
    primary draw's vendor; the vendors with the highest utility win most often."""
    rng = np.random.default_rng(3)
    n_o = 4000
    u = np.tile([2.0, 1.0, 0.0, -0.5, -1.0], (n_o, 1))  # huawei, zte, ericsson, nokia, samsung
    draws = _gumbels(rng, n_o)
    a = split_award(u, np.ones(5, bool), NESTS, 1.0, 0.7, draws, 0.588, 0.294)
    assert np.allclose(a.sum(axis=1), 1.0)
    assert (np.sort(a, axis=1)[:, ::-1][:, :3] == [0.588, 0.294, 1 - 0.588 - 0.294]).all()
    assert ((a > 0).sum(axis=1) == 3).all()
    # The first-ranked vendor is the vendor a single award would pick with the same draws.
    single = award(u, np.ones(5, bool), NESTS, 1.0, 0.7, draws | {"dual": np.ones(n_o)}, 0.0)
    assert (a.argmax(axis=1) == single.argmax(axis=1)).all()
    mean = a.mean(axis=0)
    assert mean[0] > mean[1] > mean[2] > mean[4]


def test_a_rank_split_award_respects_the_choice_set_and_two_vendors_share_by_ratio():
    rng = np.random.default_rng(4)
    u = rng.normal(size=(50, 5))
    avail = np.array([False, False, True, True, False])  # a ban leaves two west vendors
    a = split_award(u, avail, NESTS, 1.0, 0.7, _gumbels(rng, 50), 0.6, 0.3)
    assert (a[:, ~avail] == 0).all()
    assert np.allclose(np.sort(a[:, avail], axis=1), [1 / 3, 2 / 3])
    none = split_award(u, np.zeros(5, bool), NESTS, 1.0, 0.7, _gumbels(rng, 50), 0.6, 0.3)
    assert (none == 0).all()


@pytest.mark.parametrize("first, second", [(0.5, 0.6), (0.3, 0.4), (0.9, 0.0), (1.2, 0.0)])
def test_split_shares_out_of_rank_order_are_a_scenario_error(first, second):
    with pytest.raises(ScenarioError, match="rank-split award"):
        split_shares(first, second)


def test_split_shares_of_china_mobile_s_tender():
    s1, s2, s3 = split_shares(0.588, 0.294)
    assert s3 == pytest.approx(0.118) and s1 + s2 + s3 == pytest.approx(1.0)
