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


# --- Nothing of a held-out country reaches its fold's fit (issue 16's two known leaks) ---------

_FOLD_BOUNDS = {"country.threshold_restrict": (1.5, 4.0)}


def _fold_with(iso3: str, k: int = 5, seed: int = 1):
    obs = stances()
    parts = v.folds(sorted(set(obs["iso3"])), obs, k, seed)
    test = next(p for p in parts if iso3 in p)
    train = obs[~obs["iso3"].isin(test) & obs["year"].isin(v.FIT_YEARS)]
    return train, test


def _moved_launch(iso3: str, quarter: int):
    """The shipped world with ``iso3``'s observed 5G launch moved to ``quarter`` (after 2019Q1)."""
    import dataclasses

    from techbloc.sim.world import load_world

    w = load_world()
    launch = w.launch.copy()
    i = int(np.flatnonzero(w.countries["iso3"].astype(str).to_numpy() == iso3)[0])
    assert launch[i] >= 0 and launch[i] != quarter
    launch[i] = quarter
    return dataclasses.replace(w, launch=launch, _cache={})


def test_a_held_out_countrys_launch_and_european_share_never_reach_its_folds_fit():
    """Germany launched 5G in 2019Q3; moved to 2021Q4, its 2020 sites and launch change.

    The fold that holds Germany out must fit the same values, trial for trial. The old regime
    (recorded launch dates, Europe's 2020 share over every European country) is the control: it
    sees the move, so the check can fail.
    """
    from techbloc.sim.calibration import calibrate

    train, test = _fold_with("DEU")
    assert "DEU" not in set(train["iso3"])
    moved = _moved_launch("DEU", 11)
    kw = {"trials": 16, "replications": 1, "seed": 3, "bounds": _FOLD_BOUNDS}
    fits = [v.fold_calibration("sanctions-2019", train, world=w, **kw) for w in (None, moved)]
    assert fits[0].values == fits[1].values
    pd.testing.assert_frame_equal(fits[0].trials, fits[1].trials)
    # The leaky regime of main before the fix: the same fold, Germany's launch now counts.
    base = v.fold_scenario("sanctions-2019", _FOLD_BOUNDS)
    old = [calibrate(base, train, europe_weight=0.5, launches="observed", world=w, score="rps",
                     **kw).trials for w in (None, moved)]
    assert not np.allclose(old[0]["objective"], old[1]["objective"])


def test_a_held_out_countrys_record_never_reaches_its_folds_fit():
    """Changing a held-out country's recorded stances leaves what the fit receives unchanged."""
    obs = stances()
    _, test = _fold_with("DEU")
    flipped = obs.copy()
    # Germany's 2019 and 2020 stances and its 2022-2024 ones flipped (2021 kept, which the
    # folds are stratified by, so the fold assignment is the same).
    m = (flipped["iso3"] == "DEU") & (flipped["year"] != 2021)
    flipped.loc[m, "stance"] = np.where(flipped.loc[m, "stance"] == "open", "ban", "open")
    records = []

    def fit(record):
        records.append(record.sort_values(["iso3", "year"]).reset_index(drop=True))
        init = v.initial_stances()
        probs = {c: tuple(float(init.get(c, "open") == lvl) for lvl in v.LEVELS)
                 for c in sorted(set(obs["iso3"]))}
        return pd.concat([_table(probs, y) for y in (2021, 2024)], ignore_index=True)

    a = v.spatial(fit, obs, v.initial_stances(), k=5, seed=1)
    b = v.spatial(fit, flipped, v.initial_stances(), k=5, seed=1)
    assert a["folds"] == b["folds"]
    j = next(i for i, p in enumerate(a["folds"]) if "DEU" in p)
    pd.testing.assert_frame_equal(records[j], records[5 + j])
    # The check can fail: the folds that train on Germany do see the flip.
    assert any(not records[i].equals(records[5 + i]) for i in range(5) if i != j)


def test_fold_scenario_keeps_no_value_fitted_on_every_country():
    from techbloc.sim.params import defaults, resolve
    from techbloc.sim.posterior import CALIBRATED_ORIGINS
    from techbloc.sim.scenario import load_scenario

    shipped = load_scenario("sanctions-2019")
    calibrated = [k for k, o in shipped.origins.items() if o in CALIBRATED_ORIGINS]
    assert "operator.beta_restrict" in calibrated
    s = v.fold_scenario("sanctions-2019", _FOLD_BOUNDS)
    values = resolve(s.params)
    # Only the keys the fold refits still hold a shipped value (every trial replaces it).
    assert {k for k, o in s.origins.items() if o in CALIBRATED_ORIGINS} <= set(_FOLD_BOUNDS)
    prior = defaults()
    for k in calibrated:
        if k not in _FOLD_BOUNDS:
            assert values[k] == prior[k], k
    assert not values["rollout.observed_launches"]
    assert not values["uncertainty.parameters"]


def test_folds_refit_every_calibrated_stance_value_by_default():
    """δ_f is fitted on every country, so the folds refit it rather than keep it or drop it."""
    from techbloc.sim.calibration import COUNTRY_BOUNDS
    from techbloc.sim.params import resolve
    from techbloc.sim.posterior import CALIBRATED_ORIGINS

    bounds = v.fold_bounds("sanctions-2019")
    # δ_f is fitted jointly with the country block, so every fold refits it too.
    assert "country.ban_shift_frontline" in COUNTRY_BOUNDS
    s = v.fold_scenario("sanctions-2019", bounds)
    kept = {k for k, o in s.origins.items() if o in CALIBRATED_ORIGINS}
    # Only β_restrict (no stance depends on it) is left out, and it is at its default.
    assert kept <= set(bounds)
    assert resolve(s.params)["operator.beta_restrict"] == 1.0


def _paths(rows):
    """A particle table from {replicate: {iso3: (stance 2019, 2020, 2021, 2024)}}."""
    out = []
    for rep, by in rows.items():
        for c, path in by.items():
            for year, st in zip((2019, 2020, 2021, 2024), path, strict=True):
                out.append({"replicate": rep, "iso3": c, "date": f"{year}Q4", "policy": st})
    return pd.DataFrame(out)


def test_conditioned_forecast_keeps_only_paths_that_match_each_countrys_own_record():
    obs = pd.DataFrame([{"iso3": c, "year": y, "stance": st, "confidence": "M"}
                        for c, path in {"AAA": ("open", "open", "open", "restrict"),
                                        "BBB": ("open", "restrict", "restrict", "restrict")
                                        }.items()
                        for y, st in zip((2019, 2020, 2021, 2024), path, strict=True)])
    # AAA: 12 paths stay open to 2021 (3 of them restrict by 2024); 8 paths left early and
    # ban by 2024, and must not count. BBB: only 4 paths match its record: too few.
    rows = {}
    for r in range(20):
        aaa = (("open", "open", "open", "restrict" if r < 3 else "open") if r < 12
               else ("open", "restrict", "ban", "ban"))
        bbb = ("open", "restrict", "restrict", "ban") if r < 4 else ("open",) * 4
        rows[r] = {"AAA": aaa, "BBB": bbb}
    imposed = _paths({r: {"AAA": ("open",) * 4, "BBB": ("open", "restrict", "restrict",
                                                         "restrict")} for r in range(5)})
    p, info = v.conditioned_forecast(_paths(rows), imposed, obs, min_matches=10)
    assert info["AAA"] == {"matches": 12, "source": "particles"}
    assert p.loc["AAA"].tolist() == pytest.approx([9 / 12, 3 / 12, 0.0])
    # BBB falls back to the run with the record imposed.
    assert info["BBB"] == {"matches": 4, "source": "imposed"}
    assert p.loc["BBB"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    # With a lower bar BBB's four matching paths are used (all ban by 2024).
    p2, info2 = v.conditioned_forecast(_paths(rows), imposed, obs, min_matches=4)
    assert info2["BBB"]["source"] == "particles" and p2.loc["BBB", "ban"] == 1.0
    assert np.allclose(p.sum(axis=1), 1)


def test_origin_scenario_imposes_the_fit_years_record_and_releases_after():
    from techbloc.sim.experiment import run

    obs = stances()
    sc = v.origin_scenario("sanctions-2019", obs)
    names = [e.name for e in sc.events]
    assert "record at end-2021" in names and names[-1] != "record at end-2021"
    release = [e for e in sc.events if e.release]
    assert [str(e.at) for e in release] == ["2022Q1"]
    # No stance after 2021 is an input.
    assert not [e for e in sc.events if e.country_policy and e.at.year > 2021]
    c = run(sc, replications=3, seed=2, horizon="2019Q1:2023Q4").countries
    at = obs[obs["year"] == 2021].astype({"iso3": str}).set_index("iso3")["stance"]
    got = c[c["date"] == "2021Q4"].astype({"iso3": str, "policy": str})
    got = got[got["iso3"].isin(at.index)]
    assert (got["policy"].to_numpy() == at[got["iso3"]].to_numpy()).all()
    # Released at 2022Q1: the record's countries decide again; the hubs stay pinned.
    from techbloc.sim.model import TechAllianceModel

    m = TechAllianceModel(sc.with_horizon("2019Q1:2022Q1"), seed=2)
    m.run_model()
    cl = m.layers.countries
    for iso, locked in (("DEU", False), ("GBR", False), ("USA", True), ("CHN", True)):
        assert bool(cl.locked[m.country(iso).index]) is locked, iso
    assert not cl.forced.any()
