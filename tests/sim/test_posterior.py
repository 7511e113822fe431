"""The posterior ensemble: reading it, and how replicates draw from it (sim/posterior.py)."""

import numpy as np
import pandas as pd
import pytest
from techbloc.sim.errors import DataError
from techbloc.sim.posterior import for_replicate, read_draws
from techbloc.sim.rng import replicate_seeds
from techbloc.sim.scenario import load_scenario


def _draws(tmp_path, **cols):
    df = pd.DataFrame({"draw": [0, 1, 2], **cols, "epsilon": 0.05, "evaluations": 100})
    path = tmp_path / "post.parquet"
    df.to_parquet(path)
    return path


def test_read_draws_checks_columns_and_ranges(tmp_path):
    ok = read_draws(_draws(tmp_path, **{"country.w_peer": [0.5, 1.0, 1.5]}))
    assert list(ok["country.w_peer"]) == [0.5, 1.0, 1.5]
    with pytest.raises(DataError, match="not a model parameter"):
        read_draws(_draws(tmp_path, **{"country.w_pear": [0.5, 1.0, 1.5]}))
    with pytest.raises(DataError, match="outside its range"):
        read_draws(_draws(tmp_path, **{"country.bri_ally_discount": [0.5, 1.0, 1.5]}))
    with pytest.raises(DataError, match="no posterior ensemble"):
        read_draws(tmp_path / "absent.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(DataError, match="cannot read"):
        read_draws(bad)


def test_draws_replace_calibrated_values_only_and_are_deterministic(tmp_path):
    draws = read_draws(_draws(tmp_path, **{"country.w_peer": [0.5, 1.0, 1.5],
                                           "country.w_intel": [0.1, 0.2, 0.3]}))
    base = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": True})
    assert base.origins["country.w_peer"].startswith(("file calibrated", "parent calibrated"))
    user = base.with_params({"country.w_intel": 4.0})  # set by the user: kept
    seeds = replicate_seeds(7, 12)
    picked = []
    for s in seeds:
        scen, seed = for_replicate(user, s, draws)
        assert seed == s  # noise on: each replicate keeps its own seed
        assert scen.params["country.w_intel"] == 4.0
        picked.append(scen.params["country.w_peer"])
        again, _ = for_replicate(user, s, draws)
        assert again.params["country.w_peer"] == picked[-1]
    assert set(picked) <= {0.5, 1.0, 1.5} and len(set(picked)) > 1


def test_noise_off_gives_every_replicate_the_scenario_seed(tmp_path):
    draws = read_draws(_draws(tmp_path, **{"country.w_peer": [0.5, 1.0, 1.5]}))
    scen = load_scenario("sanctions-2019").with_params(
        {"uncertainty.parameters": True, "uncertainty.noise": False})
    seeds = {for_replicate(scen, s, draws)[1] for s in replicate_seeds(3, 5)}
    assert len(seeds) == 1
    plain = load_scenario("sanctions-2019").with_params({"uncertainty.parameters": False})
    s = replicate_seeds(3, 1)[0]
    out, seed = for_replicate(plain, s, draws)  # --uncertainty noise: no draws
    assert seed == s and out.params == plain.params
    # The default is both: calibrated values replaced, the replicate's own seed kept.
    default = load_scenario("sanctions-2019")
    out, seed = for_replicate(default, s, draws)
    assert seed == s and out.params["country.w_peer"] in (0.5, 1.0, 1.5)


def test_shipped_ensemble_is_valid_when_present():
    from techbloc.sim.posterior import POSTERIOR

    if not POSTERIOR.exists():
        pytest.skip("no shipped posterior ensemble")
    d = read_draws()
    assert len(d) >= 50
    assert np.isfinite(d.drop(columns=["draw"]).to_numpy(float)).all()
