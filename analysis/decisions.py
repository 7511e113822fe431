"""Why a country decided what it did: the signed terms of its policy score (ODD §7.5).

The score S_i = E_i − C_i + ε_i is a sum of terms; :meth:`sim.model.TechAllianceModel.
decision_terms` returns each term's signed contribution (positive pushes toward exclusion), the
noise draw and the thresholds. :func:`decision_figure` draws them as a bar per term beside the
thresholds the total is compared with.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from techbloc.analysis import style
from techbloc.sim.mechanisms.policy import TERMS

#: Readable names of the score's terms (keys of ``sim.mechanisms.policy.TERMS``).
TERM_LABELS = {
    "security_pressure": "security ties × ally pressure", "security_base": "security ties",
    "intel_sharing": "intelligence sharing × pressure",
    "power": "national power", "frontline": "frontline state × pressure",
    "disposition": "own disposition (persistent)", "alignment": "alignment with the US",
    "peers": "peers excluding",
    "supply_risk": "China-bloc supply risk", "us_exposure": "exports to US × sanctions",
    "installed_base": "installed China-bloc 4G", "price_gap": "price gap",
    "china_trade": "trade with China", "retaliation": "retaliation threat",
    "belt_and_road": "Belt & Road finance", "declaration": "US 5G declaration × pressure",
}


def decision_table(terms: Mapping[str, float | str]) -> list[tuple[str, float]]:
    """The terms as (label, contribution) rows in ``TERMS`` order, then noise and the total."""
    rows = [(TERM_LABELS.get(k, k), float(terms[k])) for k in TERMS]
    rows.append(("noise this quarter", float(terms["noise"])))
    rows.append(("score + noise", float(terms["score"]) + float(terms["noise"])))
    return rows


def decision_figure(terms: Mapping[str, float | str], title: str = ""):
    """Horizontal bars of the score's terms, the total, and the restrict and ban thresholds.

    Args:
        terms: what ``TechAllianceModel.decision_terms(iso3)`` returns.
        title: figure title (e.g. the country and quarter).

    Returns:
        (fig, ax).
    """
    rows = decision_table(terms)
    labels = [r[0] for r in rows]
    values = [r[1] for r in rows]
    fig = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax = fig.subplots()
    y = list(range(len(rows)))[::-1]
    colours = [style.WEST if v > 0 else style.CHINA for v in values[:-2]]
    colours += ["#999999", "black"]
    ax.barh(y, values, color=colours, height=0.65)
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="grey", linewidth=0.6)
    for key, colour, name in (("threshold_restrict", style.POLICY_COLOURS["restrict"],
                               "restrict above"),
                              ("threshold_ban", style.POLICY_COLOURS["ban"], "ban above")):
        ax.axvline(float(terms[key]), color=colour, linestyle="--", linewidth=1.2,
                   label=f"{name} {float(terms[key]):g}")
    ax.set_xlabel("contribution to the policy score (+ toward exclusion, − against)",
                  fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(True, axis="x", alpha=0.3, linewidth=0.5)
    locked = " (locked by a scenario event)" if terms.get("locked") else ""
    fig.legend(fontsize=8, loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle(f"{title + ': ' if title else ''}policy {terms['policy']}{locked}",
                 fontsize=11)
    return fig, ax
