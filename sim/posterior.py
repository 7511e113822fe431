"""Parameter uncertainty: a posterior ensemble of the country weights (ODD §1.2, issue 16).

:func:`sim.calibration.fit_posterior` runs approximate Bayesian computation by sequential
Monte Carlo (pyabc's ABC-SMC) over the country weights of
:data:`sim.calibration.COUNTRY_BOUNDS`, with uniform priors on their bounds and the
calibration's discrepancy (ranked probability score of the fitted years' stances, 2019-2024 or
2019-2021, plus half the error of Europe's 2020 China-bloc share) as the distance. Each
evaluation runs fresh replicates, so the model is stochastic as ABC expects; the sampler is
single-core and seeded, so the ensemble is deterministic for a seed. The last generation,
resampled by its importance weights, is written as a small parquet of draws beside its
calibration (``<name>_posterior.parquet`` beside
``scenarios/<name>.yaml``).

Runs use it through two settings (``techbloc run --uncertainty``): ``uncertainty.parameters``
gives each replicate its own draw (chosen by the replicate's seed from the ``posterior``
stream), replacing only the values that came from the calibrated scenario (a value set by the
user's scenario, a sweep or ``--set`` is kept); ``uncertainty.noise`` false runs every
replicate on the scenario's own seed, so the replicates differ by their parameters only.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim import rng
from techbloc.sim.calibrations import CALIBRATIONS, FITTED_THROUGH  # noqa: F401 - API
from techbloc.sim.errors import DataError, ScenarioError

#: The ensemble's columns that are not parameters: the draw's number, the final tolerance and the
#: number of evaluations (the same on every row).
META = ("draw", "epsilon", "evaluations")

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
#: The ensemble of ``calibrated``, which runs use.
POSTERIOR = SCENARIOS / "calibrated_posterior.parquet"
#: The origins (``Scenario.origins``) of values a posterior may replace: those of a calibration.
CALIBRATED_ORIGINS = tuple(o for name in CALIBRATIONS
                           for o in (f"file {name}.yaml", f"parent {name}"))


def calibration_of(scenario) -> str | None:
    """The shipped calibration the scenario's fitted values come from, None if none does.

    Read from the values' origins (``parent calibrated-2021`` after :func:`rebase`); a scenario
    mixing two calibrations is refused.
    """
    names = {o.split(" ", 1)[1].removesuffix(".yaml") for o in scenario.origins.values()
             if o in CALIBRATED_ORIGINS}
    if len(names) > 1:
        raise ScenarioError(f"'{scenario.name}' takes values from two calibrations "
                            f"({', '.join(sorted(names))}); extend one of them")
    return names.pop() if names else None


def posterior_path(name: str) -> Path:
    """The ensemble of the shipped calibration ``name``."""
    return POSTERIOR if name == "calibrated" else SCENARIOS / f"{name}_posterior.parquet"


def rebase(scenario, name: str):
    """The scenario run on the shipped calibration ``name`` instead of the one it extends.

    Every value the scenario took from a calibration (or left at its default where ``name``
    sets it) takes ``name``'s instead (its default where ``name`` does not set it), with the
    origin ``parent <name>``, so the replicates' posterior draws come from ``name``'s ensemble;
    values the scenario, a sweep or ``--set`` gave are kept. ``techbloc hindcast`` scores the
    validation protocol's 2019-2021 fit this way, and ``techbloc run --calibration`` runs any
    scenario on either; every shipped scenario extends ``calibrated``.

    Raises:
        ScenarioError: ``name`` is not a shipped calibration.
    """
    from techbloc.sim import params as params_mod
    from techbloc.sim.scenario import DEFAULT, load_scenario

    if name not in CALIBRATIONS:
        raise ScenarioError(f"unknown calibration {name!r}",
                            hint="one of " + ", ".join(CALIBRATIONS))
    if calibration_of(scenario) == name:
        return scenario  # already on it
    cal = load_scenario(name)
    keys = {k for k, o in scenario.origins.items() if o in CALIBRATED_ORIGINS}
    keys |= {k for k in cal.origins if scenario.origins.get(k, DEFAULT) == DEFAULT}
    if not keys:
        return scenario
    values = {k: cal.params[k] if k in cal.origins else params_mod.FLAT[k].default
              for k in sorted(keys)}
    return scenario.with_start_values(values, f"parent {name}")


def read_draws(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped (or given) posterior ensemble, checked.

    Raises:
        DataError: the file is missing, unreadable, or holds a column that is not a parameter,
            or a value outside its parameter's range.
    """
    from techbloc.sim import params as params_mod

    path = Path(path) if path else POSTERIOR
    if not path.exists():
        raise DataError("no posterior ensemble", file=str(path),
                        hint="write one with: techbloc calibrate --countries --posterior")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise DataError(f"cannot read the posterior ensemble: {exc}", file=str(path)) from None
    keys = [c for c in df.columns if c not in META]
    if not keys or len(df) == 0:
        raise DataError("the posterior ensemble has no parameters or no draws", file=str(path))
    for k in keys:
        p = params_mod.FLAT.get(k)
        if p is None:
            raise DataError(f"column {k!r} is not a model parameter", file=str(path), key=k)
        v = df[k].to_numpy(float)
        if not np.all((v >= p.range[0]) & (v <= p.range[1])):
            raise DataError(f"values of {k} outside its range {p.range}", file=str(path), key=k)
    return df


@functools.lru_cache(maxsize=len(CALIBRATIONS))
def _shipped(name: str = "calibrated") -> pd.DataFrame:
    """The shipped calibration ``name``'s ensemble, read once per process."""
    return read_draws(posterior_path(name))


def for_replicate(scenario, seed: int, draws: pd.DataFrame | None = None):
    """The scenario and seed one replicate runs with, under the uncertainty settings.

    Args:
        scenario: the replicate's scenario.
        seed: the replicate's seed.
        draws: the ensemble (default: that of the calibration the scenario's values come
            from, read when parameters are drawn).

    Returns:
        (scenario, seed): with ``uncertainty.parameters`` on, the calibrated values replaced by
        the draw the replicate's ``posterior`` stream picks; with ``uncertainty.noise`` off, the
        scenario's own seed (the same for every replicate) instead of the replicate's.
    """
    from techbloc.sim.params import resolve

    values = resolve(scenario.params)
    if values["uncertainty.parameters"]:
        draws = _shipped(calibration_of(scenario) or "calibrated") if draws is None else draws
        row = int(rng.stream(seed, "posterior").integers(len(draws)))
        keys = _drawn(scenario, draws)
        if keys:
            scenario = scenario.with_start_values(
                {k: float(draws[k].iloc[row]) for k in keys}, "posterior draw")
    if not values["uncertainty.noise"]:
        seed = rng.replicate_seeds(int(scenario.seed), 1)[0]
    return scenario, seed


def _drawn(scenario, draws: pd.DataFrame) -> list[str]:
    """The ensemble's parameters whose value in ``scenario`` came from the calibrated one."""
    return [c for c in draws.columns
            if c not in META and scenario.origins.get(c, "") in CALIBRATED_ORIGINS]


def check_drawable(scenario) -> None:
    """Check, before a run starts, the ensemble its replicates will draw from.

    Raises:
        DataError: ``uncertainty.parameters`` on and the ensemble missing or damaged (read here,
            before any run folder exists, rather than in the first replicate).
        ScenarioError: ``uncertainty.parameters`` on and ``uncertainty.noise`` off, but no
            parameter of the ensemble takes its value from the calibrated scenario (the scenario
            does not extend it, or ``--set`` holds them all): every replicate would be one run.
    """
    from techbloc.sim.params import resolve

    values = resolve(scenario.params)
    if not values["uncertainty.parameters"]:
        return
    draws = _shipped(calibration_of(scenario) or "calibrated")
    if not values["uncertainty.noise"] and not _drawn(scenario, draws):
        raise ScenarioError(
            f"nothing to draw: no weight of the posterior ensemble in '{scenario.name}' comes "
            "from the calibrated scenario (it does not extend it, or --set holds them), so with "
            "uncertainty.noise off every replicate would be the same run",
            key="uncertainty.parameters",
            hint="use --uncertainty noise or both, or extend calibrated (baseline does)")
