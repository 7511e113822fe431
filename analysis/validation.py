"""The honest validation protocol of country stances (docs/ODD.md §1.2, issue 16).

Three checks, each beside naive rules that get probabilities from the same data as the model:

- **Temporal.** The model is fitted on the stances at the ends of 2019-2021 only. It is scored on
  all stances at the end of 2024 and on the 2022-2024 **transitions**: the countries still open
  at the end of 2021, where "no change" (persistence) is the rule to beat.
- **Spatial.** k-fold cross-validation over countries: the weights are refitted on the other
  folds' 2019-2021 stances and the held-out countries are scored (at the ends of 2021 and 2024);
  the mean and spread over folds are reported. A fold's fit sees nothing of its held-out
  countries' outcomes: its objective scores the training countries' stances alone (the
  Europe-wide share term is dropped), no value fitted on every country is kept (the calibrated
  values it does not refit return to their defaults, the posterior is not drawn from), and 5G
  launches are emergent in the fit as in the scoring (:func:`fold_scenario`).
- **Baselines with probabilities.** Each naive rule is an indicator (all open; persistence; US
  treaty ally; treaty ally in Europe, North America or East Asia-Pacific; Fourteen Eyes member)
  turned into probabilities of open, restrict and ban by a logistic fit of the stance on the
  indicator over the fit set. For one categorical indicator the maximum-likelihood multinomial
  logit gives each indicator value its class frequencies; a Jeffreys prior (half a count per
  class) keeps them off 0 and 1, so Brier and ranked probability scores stay finite and fair.

Scores: balanced accuracy of open vs not open (call not open when P >= 0.5), the Brier score of
P(not open) and the ranked probability score (RPS) over the ordered levels open < restrict < ban,
overall and by the record's confidence grade (H, M, L) of the scored row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from techbloc.analysis.load import groups

LEVELS = ("open", "restrict", "ban")
#: Regions where the "ally in the western theatres" rule applies (World Bank regions).
ALLY_REGIONS = ("Europe & Central Asia", "North America", "East Asia & Pacific")
RULES = ("all_open", "persistence", "treaty_ally", "ally_region", "fourteen_eyes")
FIT_YEARS = (2019, 2020, 2021)
GRADES = ("H", "M", "L")


def _level(stance: pd.Series) -> np.ndarray:
    """Stances as 0 (open), 1 (restrict), 2 (ban)."""
    codes = {s: i for i, s in enumerate(LEVELS)}
    return stance.astype(str).map(codes).to_numpy(int)


def rps(p: np.ndarray, y: np.ndarray) -> float:
    """Mean ranked probability score of class probabilities against ordered outcomes.

    RPS = (1 / (K − 1)) · Σ_k (F_k − O_k)², the squared distance between the cumulative
    predicted and observed distributions over the first K − 1 levels, averaged over rows; 0 is
    perfect, 1 the worst (all mass on the far level).

    Args:
        p: probabilities, shape (n, K), rows summing to 1.
        y: observed level indices in 0..K-1, shape (n,).
    """
    p = np.asarray(p, float)
    y = np.asarray(y, int)
    k = p.shape[1]
    cum_p = np.cumsum(p, axis=1)[:, :-1]
    cum_o = (y[:, None] <= np.arange(k - 1)[None, :]).astype(float)
    return float(np.mean(np.sum((cum_p - cum_o) ** 2, axis=1) / (k - 1)))


def balanced_accuracy(y: np.ndarray, call: np.ndarray) -> float:
    """Mean of the true-positive and true-negative rates (NaN if a class is absent)."""
    y, call = np.asarray(y, bool), np.asarray(call, bool)
    if y.all() or (~y).all():
        return float("nan")
    return float(((call & y).sum() / y.sum() + (~call & ~y).sum() / (~y).sum()) / 2)


def scores(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Balanced accuracy, Brier of P(not open) and RPS of class probabilities ``p``."""
    p = np.asarray(p, float)
    y = np.asarray(y, int)
    not_open = 1.0 - p[:, 0]
    return {"n": len(y),
            "balanced_accuracy": balanced_accuracy(y > 0, not_open >= 0.5),
            "brier": float(np.mean((not_open - (y > 0)) ** 2)) if len(y) else float("nan"),
            "rps": rps(p, y) if len(y) else float("nan")}


def model_probabilities(countries: pd.DataFrame, year: int) -> pd.DataFrame:
    """Share of replicates open, restricting and banning per country at the end of ``year``."""
    at = countries[countries["date"] == f"{year}Q4"]
    if at.empty:
        raise KeyError(f"the run does not reach {year}Q4")
    pol = at["policy"].astype(str)
    p = pd.crosstab(at["iso3"].astype(str), pol, normalize="index")
    return p.reindex(columns=list(LEVELS), fill_value=0.0)


def indicators(iso3: Sequence[str], observed: pd.DataFrame, persistence_year: int | None,
               initial: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each naive rule's indicator per country (categorical values).

    Args:
        iso3: the countries.
        observed: the record (``iso3, year, stance``).
        persistence_year: the year whose stance persistence carries forward; None to use
            ``initial`` (the 2019Q1 stances the model starts from).
        initial: iso3 -> stance at the start (countries not listed are open).
    """
    g = groups().astype({"iso3": str}).set_index("iso3").reindex(list(iso3))
    if persistence_year is None:
        init = initial or {}
        persist = [init.get(c, "open") for c in iso3]
    else:
        at = observed[observed["year"] == persistence_year].astype({"iso3": str})
        persist = at.set_index("iso3")["stance"].astype(str).reindex(list(iso3)).tolist()
    ally = g["us_treaty_ally"].to_numpy(bool) | g["nato"].to_numpy(bool)
    from techbloc.sim.world import load_world

    c = load_world().countries.set_index("iso3")
    intel = c["intel_sharing"].reindex(list(iso3)).fillna(0).to_numpy(int) == 1
    return pd.DataFrame({
        "all_open": "all",
        "persistence": persist,
        "treaty_ally": np.where(ally, "ally", "other"),
        "ally_region": np.where(ally & g["region"].isin(ALLY_REGIONS).to_numpy(), "yes", "no"),
        "fourteen_eyes": np.where(intel, "member", "other"),
    }, index=pd.Index(list(iso3), name="iso3"))


def fit_rule(x_fit: Sequence, y_fit: np.ndarray, x_new: Sequence) -> np.ndarray:
    """Class probabilities for ``x_new`` from a multinomial logit of ``y_fit`` on indicator ``x``.

    With one categorical regressor the maximum-likelihood fit reproduces each value's class
    frequencies; half a count per class (Jeffreys prior) keeps them inside (0, 1). A value
    never seen in the fit set gets the pooled frequencies.
    """
    x_fit, x_new = np.asarray(x_fit, object), np.asarray(x_new, object)
    y_fit = np.asarray(y_fit, int)
    pooled = np.bincount(y_fit, minlength=3) + 0.5
    table = {}
    for v in set(x_fit.tolist()):
        counts = np.bincount(y_fit[x_fit == v], minlength=3) + 0.5
        table[v] = counts / counts.sum()
    return np.array([table.get(v, pooled / pooled.sum()) for v in x_new.tolist()])


def _graded(p: np.ndarray, y: np.ndarray, grade: np.ndarray) -> dict:
    out = {"all": scores(p, y)}
    for g in GRADES:
        m = grade == g
        if m.any():
            out[g] = scores(p[m], y[m])
    return out


def score_block(model_p: pd.DataFrame, observed: pd.DataFrame, year: int, iso3: Sequence[str],
                rule_p: Mapping[str, np.ndarray]) -> dict:
    """Model and rules scored on ``iso3`` at the end of ``year``, overall and by grade."""
    obs = observed[observed["year"] == year].astype({"iso3": str}).set_index("iso3")
    iso3 = [c for c in iso3 if c in obs.index and c in model_p.index]
    keep = {c: i for i, c in enumerate(rule_p.get("_iso3", iso3))}
    y = _level(obs.loc[iso3, "stance"])
    grade = obs.loc[iso3, "confidence"].astype(str).to_numpy()
    out = {"year": year, "n": len(iso3), "not_open": int((y > 0).sum()),
           "model": _graded(model_p.loc[iso3, list(LEVELS)].to_numpy(), y, grade)}
    for name, p in rule_p.items():
        if name.startswith("_"):
            continue
        out[name] = _graded(np.asarray(p)[[keep[c] for c in iso3]], y, grade)
    return out


def origin_scenario(scenario, observed: pd.DataFrame, fit_years: Sequence[int] = FIT_YEARS):
    """The forecast from the end of the last fit year: the fit set's stances, then free.

    ``scenario`` (free-running, e.g. ``sanctions-2019``) with, at the last quarter of each fit
    year, every recorded country forced to its stance at that year's end, and all of them
    released at the first quarter after the fit years. Released countries have their
    dispositions redrawn conditioned on the stance they hold (``country.condition_released``),
    so the run forecasts 2022-2024 from the state the record shows at the end of 2021 and
    knows what persistence knows, nothing more: no stance after the last fit year is an input.
    Countries outside the record decide freely throughout; the world-locked hubs (USA, CHN) keep
    their pinned stances and are neither forced nor released.

    Args:
        scenario: a name, path or Scenario.
        observed: the record (``iso3, year, stance``); only the fit years are read.
        fit_years: the years whose year-end stances are imposed.
    """
    from dataclasses import replace

    from techbloc.sim.events import RELEASE_ALL, CountryPolicy, Event
    from techbloc.sim.quarters import Quarter
    from techbloc.sim.scenario import load_scenario
    from techbloc.sim.world import load_world

    base = load_scenario(scenario)
    w = load_world()  # the hubs (world-locked: USA, CHN) keep their own pinned stances
    known = {str(c) for c, locked in zip(w.countries["iso3"], w.locked, strict=True)
             if not locked}
    obs = observed.astype({"iso3": str})
    events = []
    for year in sorted(fit_years):
        at = obs[(obs["year"] == year) & obs["iso3"].isin(known)].sort_values("iso3")
        forced = tuple(CountryPolicy(c, str(st)) for c, st in zip(at["iso3"], at["stance"],
                                                                   strict=True))
        events.append(Event(at=Quarter(year, 4), name=f"record at end-{year}",
                            country_policy=forced))
    events.append(Event(at=Quarter(max(fit_years) + 1, 1), name="forecast origin",
                        release=(RELEASE_ALL,)))
    merged = sorted((*base.events, *events), key=lambda e: (e.at.year, e.at.q))
    return replace(base, events=tuple(merged),
                   description=f"{base.description} Forecast from the end of "
                               f"{max(fit_years)}: the record's stances imposed at each fit "
                               "year's end, then released.")


#: Fewest replicates whose path matches a country's record for the conditioned forecast to use
#: them; below it the country's forecast comes from the run with the record imposed.
MIN_MATCHES = 10


def conditioned_forecast(particles: pd.DataFrame, imposed: pd.DataFrame,
                         observed: pd.DataFrame, fit_years: Sequence[int] = FIT_YEARS,
                         test_year: int = 2024, min_matches: int = MIN_MATCHES
                         ) -> tuple[pd.DataFrame, dict]:
    """Each country's stance at ``test_year`` given its own record in the fit years.

    A localised particle filter: the replicates of a free-running run are particles; for each
    recorded country, those whose stances at the ends of the fit years all equal the record are
    kept, and their shares open, restricting and banning at the end of ``test_year`` are its
    forecast. This is the model's own conditional distribution given what persistence knows
    (the country's stances to the origin), including what a country's staying open through
    the fit years says about its disposition and the shocks it drew, which a single stance
    imposed at the origin does not. Localisation (each country conditioned on its own record,
    not on all at once) is what keeps enough particles; the other countries' stances in the
    kept replicates are the model's, not the record's. A country with fewer than
    ``min_matches`` matching particles takes its forecast from ``imposed``, the run of
    :func:`origin_scenario` (the record imposed to the origin, dispositions conditioned on the
    released stance).

    Args:
        particles: country table of a free-running run from 2019Q1 (many replicates).
        imposed: country table of the :func:`origin_scenario` run.
        observed: the record; only the fit years are read for the conditioning.
        fit_years: the years whose year-end stances condition the forecast.
        test_year: the year forecast.
        min_matches: the fewest matching particles a country's forecast may rest on.

    Returns:
        Probabilities (index iso3, columns :data:`LEVELS`) and, per country, how many particles
        matched and where its forecast came from (``"particles"`` or ``"imposed"``).
    """
    obs = observed.astype({"iso3": str})
    rec = obs[obs["year"].isin(fit_years)].pivot(index="iso3", columns="year",
                                                  values="stance").astype(str)
    dates = {y: f"{y}Q4" for y in (*fit_years, test_year)}
    tab = particles[particles["date"].isin(dates.values())]
    wide = tab.assign(iso3=tab["iso3"].astype(str), policy=tab["policy"].astype(str)).pivot(
        index=["iso3", "replicate"], columns="date", values="policy")
    fallback = model_probabilities(imposed, test_year)
    rows, info = {}, {}
    for c in rec.index:
        if c not in wide.index.get_level_values(0):
            continue
        g = wide.loc[c]
        match = np.logical_and.reduce([g[dates[y]].to_numpy() == rec.at[c, y]
                                       for y in fit_years])
        n = int(match.sum())
        if n >= min_matches:
            share = g.loc[match, dates[test_year]].value_counts(normalize=True)
            rows[c] = [float(share.get(level, 0.0)) for level in LEVELS]
            info[c] = {"matches": n, "source": "particles"}
        elif c in fallback.index:
            rows[c] = fallback.loc[c, list(LEVELS)].tolist()
            info[c] = {"matches": n, "source": "imposed"}
    p = pd.DataFrame.from_dict(rows, orient="index", columns=list(LEVELS))
    p.index.name = "iso3"
    return p, info


def temporal(countries: pd.DataFrame, observed: pd.DataFrame,
             initial: Mapping[str, str], fit_years: Sequence[int] = FIT_YEARS,
             test_year: int = 2024, forecast: pd.DataFrame | None = None) -> dict:
    """Temporal hold-out: rules fitted on the fit years, all scored at ``test_year``.

    Static rules are fitted on the stances at the end of the last fit year (2021: the latest
    state the fit set shows). Persistence carries each country's stance at the end of the last
    fit year forward, with probabilities fitted on the fit set's own transitions (stance at the
    first fit year to stance at the last). Two scorings: every observed country at the end of
    ``test_year``, and the transitions, the countries open at the end of the last fit year.

    Args:
        countries: the free-running run's country table (from 2019Q1, no stance imposed).
        observed: the record.
        initial: iso3 -> stance at 2019Q1.
        fit_years: the years the weights and the rules are fitted on.
        test_year: the year scored.
        forecast: the model's forecast from the end of the last fit year, as probabilities
            (index iso3, columns :data:`LEVELS`; :func:`conditioned_forecast`). When given it
            is the model scored at ``test_year`` (``all_stances``, ``transitions``): it knows
            the record to the origin as persistence does; the free-running run's scores are
            kept under ``free_running``. Without it the free-running run is scored there.
    """
    first, last = min(fit_years), max(fit_years)
    obs = observed.astype({"iso3": str})
    iso3 = sorted(set(obs["iso3"]) & set(countries["iso3"].astype(str)))
    at_last = obs[obs["year"] == last].set_index("iso3")["stance"].reindex(iso3)
    y_last = _level(at_last)
    ind_last = indicators(iso3, obs, last, initial)
    ind_first = indicators(iso3, obs, first, initial)
    rule_p = {"_iso3": iso3}
    for rule in RULES:
        if rule == "persistence":
            rule_p[rule] = fit_rule(ind_first[rule], y_last, ind_last[rule])
        else:
            rule_p[rule] = fit_rule(ind_last[rule], y_last, ind_last[rule])
    in_sample = {"_iso3": iso3, **{r: fit_rule(ind_first[r] if r == "persistence"
                                                else ind_last[r], y_last,
                                                ind_first[r] if r == "persistence"
                                                else ind_last[r]) for r in RULES}}
    open_last = [c for c, s in zip(iso3, at_last, strict=True) if s == "open"]

    def blocks(model_p: pd.DataFrame) -> dict:
        return {"all_stances": score_block(model_p, obs, test_year, iso3, rule_p),
                "transitions": score_block(model_p, obs, test_year, open_last, rule_p)}

    out = {"fit_years": list(fit_years), "test_year": test_year,
           "model_run": "forecast from the end of the last fit year" if forecast is not None
                        else "free-running from 2019Q1",
           "in_sample": score_block(model_probabilities(countries, last), obs, last, iso3,
                                    in_sample),
           **blocks(model_probabilities(countries, test_year) if forecast is None
                    else forecast)}
    if forecast is not None:
        out["free_running"] = blocks(model_probabilities(countries, test_year))
    return out


def initial_stances() -> dict[str, str]:
    """iso3 -> the stance each country starts from at 2019Q1 (sim/data/policy_2019.csv)."""
    from techbloc.sim.world import load_world

    w = load_world()
    return {str(c): LEVELS[int(v)] for c, v in zip(w.countries["iso3"], w.policy0, strict=True)
            if int(v) > 0}


def folds(iso3: Sequence[str], observed: pd.DataFrame, k: int, seed: int,
          year: int = 2021) -> list[list[str]]:
    """``k`` folds of countries, stratified by their stance at the end of ``year``.

    Countries are shuffled within each stance by a seeded generator and dealt round-robin, so
    each fold holds a similar share of excluders; deterministic for a seed.
    """
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, not {k}")
    obs = observed[observed["year"] == year].astype({"iso3": str}).set_index("iso3")["stance"]
    rng = np.random.default_rng(seed)
    out: list[list[str]] = [[] for _ in range(k)]
    i = 0
    for level in LEVELS:
        members = sorted(c for c in iso3 if str(obs.get(c, "open")) == level)
        for c in rng.permutation(members):
            out[i % k].append(str(c))
            i += 1
    return [sorted(f) for f in out]


def spatial(fit: Callable[[pd.DataFrame], pd.DataFrame], observed: pd.DataFrame,
            initial: Mapping[str, str], k: int = 5, seed: int = 1,
            years: Sequence[int] = (2021, 2024), fit_years: Sequence[int] = FIT_YEARS,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """k-fold cross-validation over countries.

    Args:
        fit: given the training countries' record (fit years only), returns the country table
            of a run with weights fitted to it (reaching the last of ``years``).
        observed: the full record.
        initial: iso3 -> stance at 2019Q1 (what the model starts from; the held-out countries'
            persistence rule carries it forward, as their record is unseen).
        k: number of folds.
        seed: seed of the fold assignment.
        years: year-ends at which the held-out countries are scored.
        fit_years: the years of the record the fit may see.
        progress: called as ``progress(fold_done, k)``.

    Returns:
        Per fold and year the scores of the model and the rules on the held-out countries, and
        for each (year, rule, score) the mean and standard deviation over folds.
    """
    obs = observed.astype({"iso3": str})
    iso3 = sorted(set(obs["iso3"]))
    parts = folds(iso3, obs, k, seed)
    per_fold = []
    last = max(fit_years)
    for j, test in enumerate(parts):
        train = [c for c in iso3 if c not in test]
        train_obs = obs[obs["iso3"].isin(train) & obs["year"].isin(fit_years)]
        countries = fit(train_obs)
        y_train = _level(obs[obs["year"] == last].set_index("iso3")["stance"].reindex(train))
        ind_train = indicators(train, obs, None, initial)
        ind_test = indicators(test, obs, None, initial)
        rule_p = {"_iso3": test, **{r: fit_rule(ind_train[r], y_train, ind_test[r])
                                    for r in RULES}}
        per_fold.append({str(y): score_block(model_probabilities(countries, y), obs, y, test,
                                             rule_p) for y in years})
        if progress:
            progress(j + 1, k)
    summary: dict = {}
    for y in map(str, years):
        summary[y] = {}
        for who in ("model", *RULES):
            summary[y][who] = {}
            for metric in ("balanced_accuracy", "brier", "rps"):
                vals = np.array([f[y][who]["all"][metric] for f in per_fold], float)
                summary[y][who][metric] = {"mean": float(np.nanmean(vals)),
                                           "sd": float(np.nanstd(vals, ddof=1))}
    return {"k": k, "seed": seed, "folds": parts, "per_fold": per_fold, "summary": summary}


def report_lines(validation: Mapping) -> list[str]:
    """The protocol's figures as lines of text, for the command line."""
    lines = []
    t = validation.get("temporal")
    if t:
        fy = f"{min(t['fit_years'])}-{max(t['fit_years'])}"
        last, test = max(t["fit_years"]), t["test_year"]
        origin = t.get("model_run", "").startswith("forecast")
        how = (f"model forecast from end-{last} (each country conditioned on its {fy} record)"
               if origin else "model free-running from 2019Q1")
        parts = [("in_sample", t, f"end-{last} (fit set, in sample; model free-running)"),
                 ("all_stances", t, f"all stances at end-{test}; {how}"),
                 ("transitions", t, f"transitions: open at end-{last}, stance at end-{test}; "
                                    f"{how}")]
        if "free_running" in t:
            parts += [("all_stances", t["free_running"],
                       f"all stances at end-{test}; model free-running from 2019Q1"),
                      ("transitions", t["free_running"],
                       f"transitions at end-{test}; model free-running from 2019Q1")]
        f = t.get("forecast")
        for key, where, label in parts:
            b = where[key]
            lines.append(f"temporal, {label} (n={b['n']}, {b['not_open']} not open; rules "
                         f"fitted on {fy}):")
            lines.extend(_rows(b))
            if key == "transitions" and where is t and f and f["from_imposed_run"]:
                lines.append(f"  (the forecast of {', '.join(f['from_imposed_run'])} comes from "
                             "the run with the record imposed to the origin: too few of the "
                             "free-running paths match their record)")
    s = validation.get("spatial")
    if s:
        lines.append(f"spatial {s['k']}-fold cross-validation over countries (weights refitted "
                     "on the other folds' 2019-2021 stances alone, emergent launches; mean ± sd "
                     "over folds):")
        for y, by in s["summary"].items():
            lines.append(f"  held-out countries at end-{y}:")
            for who, m in by.items():
                lines.append(f"    {who:14s} bal.acc {_fmt(m['balanced_accuracy'])}  "
                             f"Brier {_fmt(m['brier'], 3)}  RPS {_fmt(m['rps'], 3)}")
    return lines


def _fmt(m: Mapping, digits: int = 2) -> str:
    return f"{m['mean']:.{digits}f}±{m['sd']:.{digits}f}"


def _rows(block: Mapping) -> list[str]:
    out = []
    for who in ("model", *RULES):
        if who not in block:
            continue
        a = block[who]["all"]
        grades = "  ".join(f"{g}:{block[who][g]['brier']:.3f}/{block[who][g]['rps']:.3f}"
                           for g in GRADES if g in block[who])
        out.append(f"  {who:14s} bal.acc {a['balanced_accuracy']:.2f}  Brier {a['brier']:.3f}  "
                   f"RPS {a['rps']:.3f}   by grade Brier/RPS {grades}")
    return out


#: Calibrated country values fitted outside ``calibrate --countries`` that shape stances, with
#: the bounds a fold refits them in when the scenario sets them. Empty since the ban cut-point
#: shift δ_f, first fitted alone (grid 0-20), joined ``COUNTRY_BOUNDS`` (docs/ODD.md §1.2); a
#: value fitted by hand on every country goes here, so no fold keeps it.
FOLD_EXTRA_BOUNDS: Mapping[str, tuple[float, float]] = {}


def fold_bounds(scenario) -> dict[str, tuple[float, float]]:
    """What a fold refits by default: the country block and the extra calibrated stance values.

    The extra values are those of :data:`FOLD_EXTRA_BOUNDS` the scenario's calibration sets, so
    no stance value fitted on every country is dropped from the model the folds score.
    """
    from techbloc.sim.calibration import COUNTRY_BOUNDS
    from techbloc.sim.posterior import CALIBRATED_ORIGINS
    from techbloc.sim.scenario import load_scenario

    base = load_scenario(scenario)
    extra = {k: b for k, b in FOLD_EXTRA_BOUNDS.items()
             if base.origins.get(k, "") in CALIBRATED_ORIGINS}
    return {**COUNTRY_BOUNDS, **extra}


def fold_scenario(scenario, bounds: Mapping[str, tuple[float, float]]):
    """The scenario a cross-validation fold fits and scores: nothing fitted on every country.

    The calibrated values the fold does not refit (those of the shipped calibration, fitted on
    all 86 countries' stances and Europe's 2020 share, held-out ones included) go back to their
    defaults in ``sim/params.py``, which no fit set; the posterior ensemble (fitted on every
    country too) is not drawn from; and 5G launches come from the
    roll-out rule, as the hindcast scores them, so no held-out country's launch date is an input.

    Args:
        scenario: the free-running historical scenario (a name or a Scenario).
        bounds: the keys the fold refits.
    """
    from techbloc.sim import params as params_mod
    from techbloc.sim.calibration import launch_settings
    from techbloc.sim.posterior import CALIBRATED_ORIGINS
    from techbloc.sim.scenario import load_scenario

    base = load_scenario(scenario)
    prior = params_mod.defaults()
    reset = {k: prior[k] for k, origin in base.origins.items()
             if origin in CALIBRATED_ORIGINS and k not in bounds}
    return base.with_params({**reset, **launch_settings("emergent"),
                             "uncertainty.parameters": False}, origin="cross-validation")


def fold_calibration(scenario, record: pd.DataFrame, trials: int, replications: int, seed: int,
                     bounds: Mapping[str, tuple[float, float]] | None = None,
                     score: str = "rps", world=None):
    """Fit one fold's weights on ``record`` (the training countries' fit years) alone.

    The objective is the stance score of ``record``'s countries only: the Europe-wide 2020
    China-bloc share term of the full calibration is dropped, since its target (Strand
    Consult's 0.51) is one figure over every European country, held-out ones included, and no
    per-country figure exists to form a training-only target (docs/ODD.md §1.2).

    Returns:
        The :class:`sim.calibration.Calibration` (fitted values, objective, trial history).
    """
    from techbloc.sim.calibration import calibrate

    bounds = bounds or fold_bounds(scenario)
    return calibrate(fold_scenario(scenario, bounds), record, bounds=bounds, trials=trials,
                     replications=replications, seed=seed, score=score, europe_weight=0.0,
                     launches="emergent", world=world)


def refit_runner(scenario, trials: int, replications: int, seed: int,
                 score_replications: int, horizon_end: int = 2024,
                 bounds: Mapping[str, tuple[float, float]] | None = None,
                 score: str = "rps") -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A ``fit`` for :func:`spatial`: calibrate on the given record, run the fitted weights.

    The fold's fit and its scoring run share one regime (:func:`fold_scenario`): emergent 5G
    launches, no posterior draws, and the calibrated values it does not refit at their
    defaults; the fit sees the training countries' stances only (:func:`fold_calibration`).

    Args:
        scenario: the free-running historical scenario (a name or a Scenario).
        trials: calibration trials per fold.
        replications: replicates per calibration trial.
        seed: seed of the calibration and of the scoring run.
        score_replications: replicates of the scoring run.
        horizon_end: last year of the scoring run.
        bounds: the fitted parameters and their bounds (default :func:`fold_bounds`: the
            country weights ``techbloc calibrate --countries`` fits, plus δ_f when the
            scenario's calibration sets it).
        score: the calibration's stance score, ``"rps"`` or ``"brier"``.
    """
    from techbloc.sim.experiment import run

    bounds = bounds or fold_bounds(scenario)
    base = fold_scenario(scenario, bounds)

    def fit(record: pd.DataFrame) -> pd.DataFrame:
        cal = fold_calibration(base, record, trials, replications, seed, bounds, score)
        res = run(base.with_params(cal.values, origin="cross-validation fit"),
                  replications=score_replications, seed=seed,
                  horizon=f"2019Q1:{horizon_end}Q4")
        return res.countries

    return fit
