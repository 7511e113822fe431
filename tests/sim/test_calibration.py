"""Calibration recovers a known parameter on a synthetic record; the command writes a scenario."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from techbloc.sim import load_scenario, run
from techbloc.sim.calibration import calibrate, launch_settings, make_objective


def test_recovers_a_known_threshold_from_synthetic_stances():
    truth = 2.2
    base = load_scenario("sanctions-2019")
    # The synthetic record is every replicate's stances (several realisations per country) from
    # seeds the fit never uses: the Brier score is proper, so its expected minimum is the truth.
    # (A modal record would not do: it understates exclusion where P(not open) < 0.5.)
    # Made in the fit's own launch regime (emergent launches, as the hindcast scores them) and,
    # like the fit's trials, at the calibrated point values (no posterior draws).
    res = run(base, set={"country.threshold_restrict": truth, **launch_settings(),
                         "uncertainty.parameters": False},
              replications=8, seed=99, horizon="2019Q1:2021Q4")
    c = res.countries[res.countries["date"].isin(["2019Q4", "2020Q4", "2021Q4"])]
    observed = c.rename(columns={"policy": "stance"})[["iso3", "date", "stance"]]
    observed["year"] = observed["date"].str[:4].astype(int)
    cal = calibrate(base, observed, bounds={"country.threshold_restrict": (1.5, 4.0)},
                    trials=60, replications=4, seed=1, europe_weight=0.0, ban_weight=0.0)
    assert cal.values["country.threshold_restrict"] == pytest.approx(truth, abs=0.35)
    assert len(cal.trials) >= 40 and cal.objective == cal.trials["objective"].min()


def test_the_fit_runs_in_the_hindcasts_launch_regime_unless_told_otherwise():
    """By default no recorded launch date enters the fit: moving one leaves the objective."""
    import dataclasses

    from techbloc.sim.observed import stances
    from techbloc.sim.world import load_world

    assert launch_settings() == {"rollout.observed_launches": False}
    w = load_world()
    launch = w.launch.copy()
    i = int(np.flatnonzero(w.countries["iso3"].astype(str).to_numpy() == "GBR")[0])
    launch[i] = 11  # the UK's 2019Q2 launch moved to 2021Q4
    moved = dataclasses.replace(w, launch=launch, _cache={})
    obs = stances()
    obs = obs[obs["year"] <= 2021]
    x = np.array([2.9])
    names = ["country.threshold_restrict"]

    def value(world, launches):
        return make_objective(load_scenario("sanctions-2019"), obs, names, replications=1,
                              seed=4, launches=launches, world=world)(x)

    assert value(None, "emergent") == value(moved, "emergent")
    assert value(None, "observed") != value(moved, "observed")
    with pytest.raises(ValueError, match="launches must be one of"):
        launch_settings("recorded")


def test_bounds_outside_the_parameter_range_are_refused():
    with pytest.raises(ValueError, match="inside its range"):
        calibrate("baseline", pd.DataFrame(columns=["iso3", "year", "stance"]),
                  bounds={"us.ally_pressure": (0.0, 2.0)}, trials=4)


@pytest.mark.parametrize("through, name", [(2021, "calibrated-2021"), (2024, "calibrated")])
def test_calibrate_command_writes_a_loadable_scenario_into_a_new_folder(tmp_path, through, name):
    from techbloc.sim.scenario import find

    shipped = find(name).read_bytes()
    out = tmp_path / "fit"
    proc = subprocess.run([sys.executable, "-m", "techbloc", "calibrate", "--trials", "20",
                           "-n", "2", "--fit-through", str(through), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    s = load_scenario(out / f"{name}.yaml")
    assert s.name == name and "country.threshold_restrict" in s.origins
    assert f"fitted to the 2019-{through} record" in s.title.lower()
    assert (out / "trials.csv").exists()
    # 2022-2024 are out of sample only for the protocol's 2019-2021 fit
    assert ("out-of-sample" in proc.stdout) == (through == 2021)
    assert "2024 in-sample" in proc.stdout or through == 2021
    assert "treaty_ally" in proc.stdout
    # Adopting the fit is a separate step the command names; the shipped file is untouched.
    assert f"cp {out / f'{name}.yaml'} scenarios/{name}.yaml" in proc.stdout
    assert find(name).read_bytes() == shipped


def test_trials_run_at_point_values_not_posterior_draws():
    """What a trial does not fit stays at its calibrated value, whatever the base's uncertainty."""
    from techbloc.sim.observed import stances

    record = stances()
    record = record[record["year"].isin([2019, 2020])]
    x = np.array([2.5])
    values = []
    for drawn in (True, False):
        base = load_scenario("sanctions-2019", set={"uncertainty.parameters": drawn})
        f = make_objective(base, record, ["country.threshold_restrict"], fit_years=(2019, 2020),
                           replications=2, seed=3, europe_weight=0.0)
        values.append(f(x))
    assert values[0] == values[1]


def test_the_abc_distance_is_noisier_and_higher_with_fewer_replicates():
    # The ABC's distance is the objective on a few fresh replicates: with one replicate each
    # country's predicted stance is 0 or 1, so the RPS at the same point is higher than with
    # six. This is why calibrate --posterior prints its final tolerance beside the distance at
    # the point fit (ODD §1.2).
    from techbloc.sim.calibration import COUNTRY_BOUNDS, distance_at_point, fit_posterior
    from techbloc.sim.observed import stances

    observed = stances()
    point = {k: load_scenario("calibrated").params[k] for k in COUNTRY_BOUNDS}
    one = distance_at_point("sanctions-2019", observed, point, replications=1, evaluations=5,
                            score="rps")
    six = distance_at_point("sanctions-2019", observed, point, replications=6, evaluations=5,
                            score="rps")
    assert 0.0 < six < one < 0.5
    bounds = {"country.threshold_restrict": (1.0, 4.5)}
    kw = dict(population=6, generations=2, replications=1, draws=10, seed=3, score="rps")
    a = fit_posterior("sanctions-2019", observed, bounds, **kw)
    assert a.equals(fit_posterior("sanctions-2019", observed, bounds, **kw))  # seeded
    assert a["country.threshold_restrict"].between(1.0, 4.5).all() and len(a) == 10


def test_the_fair_rps_is_unbiased_for_any_number_of_replicates_and_the_plain_one_is_not():
    # Ferro (2014): scored on m replicates, the plain RPS of the replicates' shares exceeds the
    # score of the model's own probabilities by p(1 - p)/m per cumulative level; the fair RPS
    # does not. 400 synthetic countries, each open with probability 0.7 and otherwise
    # restricting, all recorded open: the RPS of the probabilities is (0.3² + 0) / 2 = 0.045.
    from techbloc.sim.calibration import stance_rps

    rng = np.random.default_rng(0)
    n = 400
    observed = pd.DataFrame({"iso3": [f"C{i}" for i in range(n)], "year": 2020,
                             "stance": "open"})
    true = 0.3 ** 2 / 2
    for m in (2, 3, 10):
        plain, fair = [], []
        for _ in range(20):
            policy = np.where(rng.random((m, n)) < 0.7, "open", "restrict")
            countries = pd.DataFrame({"date": "2020Q4", "iso3": np.tile(observed["iso3"], m),
                                      "policy": policy.ravel()})
            plain.append(stance_rps(countries, observed, [2020]))
            fair.append(stance_rps(countries, observed, [2020], fair=True))
        assert abs(np.mean(fair) - true) < 0.004, (m, np.mean(fair))
        assert abs(np.mean(plain) - (true + 0.7 * 0.3 / m / 2)) < 0.004, (m, np.mean(plain))
    one = pd.DataFrame({"date": "2020Q4", "iso3": observed["iso3"], "policy": "open"})
    with pytest.raises(ValueError, match="at least 2 replicates"):
        stance_rps(one, observed, [2020], fair=True)


def test_the_europe_band_forgives_the_share_gap_inside_it_and_only_that():
    """``europe_band`` takes min(gap, band) off the share term, so the distance falls with the
    band, by at most ½·band, to the stance score alone once the band holds the gap."""
    from techbloc.sim.calibration import EUROPE_2020, europe_share, stance_rps
    from techbloc.sim.experiment import run_replicate
    from techbloc.sim.observed import stances
    from techbloc.sim.rng import replicate_seeds

    base = load_scenario("sanctions-2019")
    obs = stances()
    record = obs[obs["year"].isin([2019, 2020, 2021])]
    name = ["country.threshold_restrict"]
    x = np.array([base.params[name[0]]])
    d = {band: make_objective(base, record, name, replications=2, seed=5, score="fair_rps",
                              europe_band=band)(x) for band in (0.0, 0.02, 0.09, 1.0)}
    s = base.with_horizon("2019Q1:2021Q4").with_params(
        {**launch_settings(), "uncertainty.parameters": False, name[0]: float(x[0])})
    countries = pd.concat([run_replicate(s, i, sd)[1]
                           for i, sd in enumerate(replicate_seeds(5, 2))], ignore_index=True)
    gap = abs(europe_share(countries, "2020Q4") - EUROPE_2020)
    rps = stance_rps(countries, record, (2019, 2020, 2021), fair=True)
    assert gap > 0.02  # the check below needs a gap the smallest band does not hold
    assert d[0.0] == pytest.approx(rps + 0.5 * gap)
    assert d[0.02] == pytest.approx(rps + 0.5 * (gap - 0.02))
    assert d[1.0] == pytest.approx(rps)
    assert d[0.0] > d[0.02] >= d[0.09] >= d[1.0]


def test_the_floored_tolerance_never_falls_below_the_floor_and_stops_at_it(tmp_path):
    """The schedule of ``fit_posterior(floor=...)`` on a toy model whose distance reaches 0."""
    pyabc = pytest.importorskip("pyabc")
    from techbloc.sim.calibration import _floored_median

    np.random.seed(3)  # noqa: NPY002  (pyabc samples from NumPy's global generator)
    rng = np.random.default_rng(3)
    abc = pyabc.ABCSMC(lambda p: {"y": p["mu"] + 0.05 * rng.standard_normal()},
                       pyabc.Distribution(mu=pyabc.RV("uniform", -2, 4)),
                       lambda x, y: abs(x["y"] - y["y"]), population_size=40,
                       sampler=pyabc.sampler.SingleCoreSampler(), eps=_floored_median(pyabc, 0.2))
    abc.new(f"sqlite:///{tmp_path / 'toy.db'}", {"y": 0.5})
    eps = abc.run(max_nr_populations=12, minimum_epsilon=0.2).get_all_populations()
    eps = eps.loc[eps["t"] >= 0, "epsilon"].to_numpy()
    assert eps[0] > 0.2 and len(eps) < 12  # the plain median schedule would go on below 0.2
    assert eps.min() == pytest.approx(0.2) and eps[-1] == pytest.approx(0.2)
    assert (eps[:-1] > 0.2).all()
