"""Hindcast skill: the model's 2019-2024 predictions scored against the observed record.

Stance skill per country at a year's end: balanced accuracy of open vs not-open, ordinal accuracy
over the three classes, and the Brier score of the predicted probability of not-open (the share
of replicates not open), each beside two naive rules: "every country stays open" and "a country
excludes Huawei if and only if it is a US treaty ally" (which predicts restrict for allies).
Vendor shares are compared with Dell'Oro's series (renormalised to the five modelled vendors)
and the European Chinese-vendor share with Strand Consult's; patterns P1-P7 of the literature
get a pass/fail with the measured values, on the figures and tolerances of
:data:`techbloc.analysis.patterns.PATTERNS` (the ones the tests use).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from techbloc.analysis import style
from techbloc.analysis.load import groups
from techbloc.analysis.markets import markets
from techbloc.analysis.patterns import device_ratios, europe_share, evaluate  # noqa: F401


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean of the true-positive and true-negative rates (NaN if a class is absent)."""
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    if y_true.all() or (~y_true).all():
        return float("nan")
    tpr = (y_pred & y_true).sum() / y_true.sum()
    tnr = (~y_pred & ~y_true).sum() / (~y_true).sum()
    return float((tpr + tnr) / 2)


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of probabilities ``p`` against outcomes ``y`` in {0, 1}."""
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def predictions(countries: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per country at the end of ``year``: P(not open) and the modal policy across replicates."""
    at = countries[countries["date"] == f"{year}Q4"]
    if at.empty:
        raise KeyError(f"the run does not reach {year}Q4")
    pol = at["policy"].astype(str)
    p = (pol != "open").groupby(at["iso3"]).mean().rename("p_not_open")
    mode = pol.groupby(at["iso3"]).agg(lambda s: s.value_counts().idxmax()).rename("predicted")
    return pd.concat([p, mode], axis=1).reset_index()


def stance_skill(countries: pd.DataFrame, observed: pd.DataFrame, year: int) -> dict:
    """Scores of the model and of the two naive rules at the end of ``year``."""
    pred = predictions(countries, year)
    obs = observed[observed["year"] == year][["iso3", "stance"]].astype({"stance": str})
    g = groups()[["iso3", "us_treaty_ally"]].astype({"iso3": str})
    df = obs.merge(pred.astype({"iso3": str}), on="iso3").merge(g, on="iso3")
    y = (df["stance"] != "open").to_numpy()
    ally = df["us_treaty_ally"].to_numpy(bool)
    rules = {
        "model": (df["p_not_open"].to_numpy(), df["predicted"].to_numpy()),
        "all_open": (np.zeros(len(df)), np.full(len(df), "open")),
        "treaty_ally": (ally.astype(float), np.where(ally, "restrict", "open")),
    }
    out = {"year": year, "n_countries": len(df), "observed_not_open": int(y.sum())}
    for name, (p, cls) in rules.items():
        out[name] = {"balanced_accuracy": balanced_accuracy(y, p >= 0.5),
                     "ordinal_accuracy": float(np.mean(cls == df["stance"].to_numpy())),
                     "brier": brier(p, y)}
    df = df.assign(error=np.abs(df["p_not_open"] - y))
    out["confusion"] = pd.crosstab(df["stance"], df["predicted"]).reindex(
        index=["open", "restrict", "ban"], columns=["open", "restrict", "ban"],
        fill_value=0).to_dict()
    worst = df.sort_values("error", ascending=False).head(10)
    out["most_wrong"] = [{"iso3": r.iso3, "observed": r.stance, "predicted": r.predicted,
                          "p_not_open": round(float(r.p_not_open), 3)}
                         for r in worst.itertuples()]
    return out


def vendor_share_error(model: pd.DataFrame, observed: pd.DataFrame) -> dict:
    """Mean absolute error of yearly revenue shares against Dell'Oro, per year and overall.

    Dell'Oro's shares cover all telecom equipment vendors; they are renormalised to the five
    modelled ones before comparison.
    """
    years = sorted(set(observed["year"]))
    m = model.assign(year=model["date"].str[:4].astype(int))
    rows = {}
    for year in years:
        obs = observed[observed["year"] == year].set_index("vendor")["share"]
        obs = obs / obs.sum()
        at = m[m["year"] == year]
        if at.empty:
            continue
        pred = pd.Series({v: at[f"revenue_share_{v}"].mean() for v in obs.index})
        pred = pred / pred.sum()
        rows[year] = {"mae": float((pred - obs).abs().mean()),
                      "china_bloc_model": float(pred.get("huawei", 0) + pred.get("zte", 0)),
                      "china_bloc_observed": float(obs.get("huawei", 0) + obs.get("zte", 0))}
    overall = float(np.mean([r["mae"] for r in rows.values()])) if rows else float("nan")
    return {"by_year": rows, "mae": overall}


def contract_counts(model: pd.DataFrame, claimed: pd.DataFrame) -> dict:
    """The model's operators holding a contract with each vendor beside the vendors' claims.

    Claims (lit. §3e) are company counts of commercial 5G contracts; the model counts operators
    with a 5G award from the vendor at the end of the claim's quarter (mean over replicates).
    Levels differ by construction (469 modelled operators against about 800 in the world, and
    each vendor counts differently), so the comparable figure is the ratio between vendors at
    the same quarter.

    Returns:
        ``rows``: one per claim inside the run (quarter, vendor, claimed, model) and ``ratios``:
        for each quarter with claims by two or more vendors, claimed and model count ratios of
        each vendor to Huawei.
    """
    rows = []
    for r in claimed.itertuples(index=False):
        at = model[model["date"] == r.quarter]
        col = f"contracts_{r.vendor}"
        if at.empty or col not in at.columns:
            continue
        rows.append({"quarter": r.quarter, "vendor": r.vendor, "claimed": int(r.contracts),
                     "model": float(at[col].mean())})
    ratios = []
    df = pd.DataFrame(rows)
    for quarter, g in (df.groupby("quarter") if len(df) else ()):
        if "huawei" in set(g["vendor"]) and len(g) > 1:
            hw = g[g["vendor"] == "huawei"].iloc[0]
            for r in g[g["vendor"] != "huawei"].itertuples():
                ratios.append({"quarter": quarter, "vendor": r.vendor,
                               "claimed_ratio": r.claimed / hw["claimed"],
                               "model_ratio": (r.model / hw["model"]
                                               if hw["model"] > 0 else float("nan"))})
    return {"rows": rows, "ratios": ratios}


def hindcast_figure(countries: pd.DataFrame, observed: pd.DataFrame, year: int = 2024,
                    forecast: pd.DataFrame | None = None, origin: int = 2021):
    """Observed share of countries not open vs the model's mean P(not open), by region.

    Args:
        countries: the free-running run's country table.
        observed: the record.
        year: the year-end compared.
        forecast: optional probabilities (index iso3, columns open/restrict/ban) of the forecast
            from the end of ``origin`` (:func:`techbloc.analysis.validation.conditioned_forecast`),
            drawn as a third bar.
        origin: the forecast's origin year, for its label.
    """
    pred = predictions(countries, year).astype({"iso3": str})
    if forecast is not None:
        pred = pred.merge(pd.DataFrame({"iso3": forecast.index.astype(str),
                                        "p_forecast": 1.0 - forecast["open"].to_numpy()}),
                          on="iso3", how="left")
    obs = observed[observed["year"] == year].astype({"iso3": str, "stance": str})
    df = obs.merge(pred, on="iso3").merge(groups()[["iso3", "region"]].astype({"iso3": str}),
                                          on="iso3")
    cols = ["obs", "p_not_open"] + (["p_forecast"] if forecast is not None else [])
    by = df.assign(obs=(df["stance"] != "open").astype(float)).groupby("region")[cols].mean()
    n = df.groupby("region").size()
    fig = Figure(figsize=(8, 4.6), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(by))
    bars = [("obs", "#555555", "observed"),
            ("p_not_open", style.WEST, "model, free-running from 2019Q1 (mean P)")]
    if forecast is not None:
        bars.append(("p_forecast", "#9ecae1", f"model, forecast from end-{origin} (mean P)"))
    width = 0.8 / len(bars)
    for k, (col, color, label) in enumerate(bars):
        ax.bar(x + (k - (len(bars) - 1) / 2) * width, by[col], width, color=color, label=label)
    ax.set_xticks(x, [f"{r.replace(' & ', ' &' + chr(10))}\n(n={n[r]})" for r in by.index],
                  fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of countries not open\n(restrict or ban)", fontsize=8)
    fig.legend(fontsize=8, loc="outside lower center", ncols=len(bars), frameon=False)
    ax.set_title(f"Huawei stance at end-{year}: observed vs predicted, by region", fontsize=10)
    return fig, ax


def hindcast(model: pd.DataFrame, countries: pd.DataFrame, observed: pd.DataFrame,
             vendor_shares: pd.DataFrame, europe_observed: pd.DataFrame,
             contracts: pd.DataFrame | None = None,
             segments: pd.DataFrame | None = None, china_sites: pd.DataFrame | None = None,
             launches: pd.DataFrame | None = None, ran: pd.DataFrame | None = None) -> dict:
    """Every score of a 2019-2024 run against the record, as JSON-ready data.

    The ``markets`` section (:mod:`techbloc.analysis.markets`) holds the build-out, Huawei's
    revenue paths, launch dates and vendors by country; ``bans``
    (:mod:`techbloc.analysis.bans`) each recorded ban's P(ban) by its year and the bans by group.
    """
    from techbloc.analysis.bans import bans_report
    from techbloc.sim.world import load_world

    europe = europe_share(countries, ["2020Q4", "2022Q4", "2024Q4"])
    vendors = vendor_share_error(model, vendor_shares)
    obs_eu = {int(r.year): float(r.share) for r in europe_observed.itertuples()
              if "projection" not in str(r.measure).lower()}
    return {
        "stances": {str(y): stance_skill(countries, observed, y) for y in (2021, 2024)},
        "vendor_shares": vendors,
        "europe_china_share": {"model": europe, "observed": obs_eu,
                               "mae": float(np.nanmean([abs(europe[f"{y}Q4"] - v)
                                                        for y, v in obs_eu.items()
                                                        if f"{y}Q4" in europe]))},
        "patterns": evaluate(model, countries),
        "contracts": contract_counts(model, contracts) if contracts is not None else None,
        "markets": markets(model, countries, vendor_shares, segments, china_sites, launches,
                           ran),
        "bans": bans_report(countries, observed, load_world()),
    }
