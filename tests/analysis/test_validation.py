"""The validation protocol (issue 16): scores with known answers, fitted baselines, folds."""

import numpy as np
import pandas as pd
import pytest
from techbloc.analysis import validation as v
from techbloc.sim.observed import stances


def test_rps_known_answers():
    # Certain and right: 0. Certain open for a ban: the worst, 1.
    assert v.rps([[1, 0, 0]], [0]) == 0.0
    assert v.rps([[1, 0, 0]], [2]) == pytest.approx(1.0)
    # Certain restrict for a ban costs half of certain open for a ban (one level off of two).
    assert v.rps([[0, 1, 0]], [2]) == pytest.approx(0.5)
    # Uniform forecast of an open outcome: ((1/3 - 1)^2 + (2/3 - 1)^2) / 2.
    assert v.rps([[1 / 3, 1 / 3, 1 / 3]], [0]) == pytest.approx(((2 / 3) ** 2 + (1 / 3) ** 2) / 2)


def test_rps_is_ordinal_where_brier_is_not():
    # Both forecasts give P(not open) = 1 for a restricting country, so Brier ties; RPS prefers
    # the one that put the mass on restrict rather than ban.
    near, far = np.array([[0, 1, 0]]), np.array([[0, 0, 1]])
    assert v.scores(near, [1])["brier"] == v.scores(far, [1])["brier"] == 0.0
    assert v.rps(near, [1]) < v.rps(far, [1])


def test_fit_rule_reproduces_class_frequencies_with_jeffreys_prior():
    x = ["a"] * 4 + ["b"] * 2
    y = np.array([0, 0, 0, 2, 1, 1])
    p = v.fit_rule(x, y, ["a", "b", "c"])
    assert p[0] == pytest.approx(np.array([3.5, 0.5, 1.5]) / 5.5)
    assert p[1] == pytest.approx(np.array([0.5, 2.5, 0.5]) / 3.5)
    # A value never seen gets the pooled frequencies; every row is a distribution.
    assert p[2] == pytest.approx(np.array([3.5, 2.5, 1.5]) / 7.5)
    assert np.allclose(p.sum(axis=1), 1) and (p > 0).all()


def test_folds_partition_the_countries_and_spread_the_excluders():
    obs = stances()
    iso = sorted(set(obs["iso3"]))
    parts = v.folds(iso, obs, 5, seed=3)
    flat = [c for f in parts for c in f]
    assert sorted(flat) == iso and len(flat) == len(set(flat))
    at = obs[obs["year"] == 2021].set_index("iso3")["stance"]
    excluders = [sum(at[c] != "open" for c in f) for f in parts]
    assert max(excluders) - min(excluders) <= 1
    assert parts == v.folds(iso, obs, 5, seed=3)  # deterministic for a seed
    assert parts != v.folds(iso, obs, 5, seed=4)
    with pytest.raises(ValueError, match="at least 2 folds"):
        v.folds(iso, obs, 1, seed=3)


def _table(probs: dict[str, tuple[float, float, float]], year: int, reps: int = 10):
    """A countries table whose replicate shares of each level are ``probs``."""
    rows = []
    for iso, p in probs.items():
        counts = np.round(np.array(p) * reps).astype(int)
        levels = np.repeat(v.LEVELS, counts)
        for r, lvl in enumerate(levels):
            rows.append({"replicate": r, "date": f"{year}Q4", "iso3": iso, "policy": lvl})
    return pd.DataFrame(rows)


def test_temporal_transitions_score_only_countries_open_at_the_end_of_the_fit_years():
    obs = stances()
    iso = sorted(set(obs["iso3"]))
    at21 = obs[obs["year"] == 2021].set_index("iso3")["stance"]
    at24 = obs[obs["year"] == 2024].set_index("iso3")["stance"]
    # A model that knows the 2024 answer exactly.
    truth = {c: tuple(float(at24[c] == lvl) for lvl in v.LEVELS) for c in iso}
    t21 = {c: tuple(float(at21[c] == lvl) for lvl in v.LEVELS) for c in iso}
    countries = pd.concat([_table(truth, 2024), _table(t21, 2021)], ignore_index=True)
    out = v.temporal(countries, obs, v.initial_stances())
    tr = out["transitions"]
    assert tr["n"] == int((at21 == "open").sum())
    assert tr["not_open"] == int(((at21 == "open") & (at24 != "open")).sum())
    assert tr["model"]["all"]["brier"] == 0.0 and tr["model"]["all"]["rps"] == 0.0
    # Every fitted rule is a proper probability, worse than the oracle and finite.
    for rule in v.RULES:
        b = out["all_stances"][rule]["all"]["brier"]
        assert 0 < b < 1
    # Persistence carries 2021 forward; on all 2024 stances it beats "all open".
    assert (out["all_stances"]["persistence"]["all"]["brier"]
            < out["all_stances"]["all_open"]["all"]["brier"])
    # Scores by confidence grade cover every scored row.
    blk = out["all_stances"]["model"]
    assert sum(blk[g]["n"] for g in v.GRADES if g in blk) == blk["all"]["n"]


def test_spatial_scores_held_out_countries_only():
    obs = stances()
    seen = []

    def fit(record):
        seen.append(set(record["iso3"]))
        assert record["year"].max() <= 2021  # the fit never sees the test years
        # A model that predicts each country's 2019Q1 start stance forever.
        init = v.initial_stances()
        probs = {c: tuple(float(init.get(c, "open") == lvl) for lvl in v.LEVELS)
                 for c in sorted(set(obs["iso3"]))}
        return pd.concat([_table(probs, y) for y in (2021, 2024)], ignore_index=True)

    out = v.spatial(fit, obs, v.initial_stances(), k=4, seed=2)
    assert len(seen) == 4
    for train, test in zip(seen, out["folds"], strict=True):
        assert not train & set(test)
    # This model is the persistence rule from the start stances, so the two score alike.
    s = out["summary"]["2024"]
    assert s["model"]["brier"]["mean"] == pytest.approx(s["persistence"]["brier"]["mean"],
                                                        abs=0.05)
    assert s["model"]["brier"]["sd"] >= 0
