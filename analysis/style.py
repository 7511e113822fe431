"""Colours and axes shared by every techbloc figure (DESIGN §6).

China bloc in the red family, west bloc in the blue family, policies from green (open) to dark red
(ban); dates are decimal years on the x axis; bands are 5-95 % across replicates.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

CHINA = "#c0392b"
WEST = "#2c6fbb"
VENDOR_COLOURS = {
    "huawei": "#c0392b", "zte": "#e67e73",
    "ericsson": "#1f4e8c", "nokia": "#4a90d9", "samsung": "#8fbce6",
}
VENDOR_NAMES = {"huawei": "Huawei", "zte": "ZTE", "ericsson": "Ericsson", "nokia": "Nokia",
                "samsung": "Samsung"}
#: Device makers: ten hues a reader tells apart (Tableau 10); China-bloc makers are drawn solid,
#: the others dashed (:data:`DEVICE_DASHED`), so the bloc reads from the line style, the maker
#: from the colour.
DEVICE_COLOURS = {"huawei": "#d62728", "honor": "#ff7f0e", "xiaomi": "#bcbd22",
                  "oppo": "#2ca02c", "vivo": "#9467bd", "transsion": "#8c564b",
                  "other_china": "#e377c2", "apple": "#7f7f7f", "samsung": "#1f77b4",
                  "other": "#17becf"}
DEVICE_DASHED = frozenset({"apple", "samsung", "other"})
DEVICE_NAMES = {"huawei": "Huawei", "honor": "Honor", "xiaomi": "Xiaomi", "oppo": "Oppo",
                "vivo": "Vivo", "transsion": "Transsion", "other_china": "other Chinese",
                "apple": "Apple", "samsung": "Samsung", "other": "others"}
POLICY_COLOURS = {"open": "#7fb77e", "restrict": "#f0b849", "ban": "#b03a2e"}
#: Scenario colours in comparisons (the baseline is black); colour-blind-safe (Okabe-Ito).
SCENARIO_COLOURS = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
                    "#f0e442", "#999999")
BAND_ALPHA = 0.25
FIGSIZE_PANEL = (3.4, 2.6)

#: Readable names of model-table columns (the unit comes from ``sim.results.MODEL_UNITS``).
MODEL_LABELS = {
    "share_china": "China-bloc share of 5G sites", "sites_total": "5G sites",
    "n_open": "countries open", "n_restrict": "countries restricting",
    "n_ban": "countries banning", "coverage": "5G coverage",
    "rip_replace_cost_usd": "rip-and-replace cost", "polarization": "polarisation",
    "world_split": "world GDP on China-bloc networks",
    "huawei_consumer_revenue_usd": "Huawei consumer revenue",
    "huawei_carrier_revenue_usd": "Huawei carrier revenue",
    "huawei_device_units": "Huawei handsets sold",
    "huawei_share_china": "Huawei handset share in China",
    "huawei_share_outside_china": "Huawei handset share outside China",
    "own_os_share": "handsets on a maker's own OS", "own_os_quality": "own-OS ecosystem quality",
    "enterprise_adoption": "firms using 5G-era services",
    "enterprise_china_share": "China-bloc share of adopting firms",
    "export_controls": "US export controls", "ally_pressure": "US ally pressure",
    "bri_discount": "Belt & Road discount", "android_cutoff": "Android cut-off",
}
#: Prefixed model columns: prefix -> readable name with ``{}`` for the vendor, maker or region.
MODEL_PREFIX_LABELS = {
    "share_": "{} share of 5G sites", "quality_": "{} quality", "dependence_": "{} US dependence",
    "revenue_share_": "{} share of equipment revenue", "contracts_": "operators contracting {}",
    "device_share_": "{} share of handsets", "enterprise_china_": "{}: firms on China-bloc",
    "enterprise_west_": "{}: firms on west-bloc",
}
#: Short names of the parameters analysts sweep (others: their dotted key).
PARAM_NAMES = {
    "us.export_controls": "US export controls", "us.ally_pressure": "US ally pressure",
    "us.secondary_sanctions": "US secondary sanctions",
    "us.rip_replace_subsidy": "rip-and-replace subsidy", "us.android_cutoff": "Android cut-off",
    "china.bri_discount": "Belt & Road discount", "china.cooperation": "China's cooperation",
    "china.retaliation": "China's retaliation", "operator.noise": "market noise",
}


def model_label(column: str) -> str:
    """A readable name for a model-table column.

    For example ``huawei_consumer_revenue_usd`` -> ``Huawei
    consumer revenue``); unknown columns get their underscores turned into spaces.
    """
    if column in MODEL_LABELS:
        return MODEL_LABELS[column]
    for prefix in sorted(MODEL_PREFIX_LABELS, key=len, reverse=True):
        if column.startswith(prefix):
            rest = column.removeprefix(prefix)
            name = VENDOR_NAMES.get(rest) or DEVICE_NAMES.get(rest) or rest.replace("_", " ")
            return MODEL_PREFIX_LABELS[prefix].format(name)
    return column.replace("_", " ")


def summary_label(metric: str) -> str:
    """A sweep's outcome summary as a label.

    For example ``share_china_2030`` -> ``China-bloc share of 5G
    sites, 2030``; ``world_split_end`` -> ``world GDP on China-bloc networks, horizon end``.
    """
    for column in sorted(MODEL_LABELS, key=len, reverse=True):
        if metric.startswith(column + "_"):
            rest = metric.removeprefix(column + "_").replace("_", " ")
            rest = rest.replace("end", "horizon end") if rest.endswith("end") else rest
            return f"{MODEL_LABELS[column]}, {rest}"
    return metric.replace("_", " ")


def param_label(key: str) -> str:
    """A parameter as an axis label: name, ODD symbol and unit, from ``sim.params``.

    For example ``US ally pressure g (index
    0-1)``), from ``sim.params``; an unknown key is returned as it is.
    """
    from techbloc.sim.params import FLAT

    p = FLAT.get(key)
    if p is None:
        return key
    name = PARAM_NAMES.get(key, key)
    symbol = f" {p.symbol}" if p.symbol else ""
    return f"{name}{symbol} ({p.unit})"


def percent_axis(ax, axis: str = "y") -> None:
    """Tick labels of a 0-1 share axis as percentages (the summaries print percentages)."""
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0,
                                                                                 decimals=0))


def quarter_to_year(dates) -> np.ndarray:
    """'2019Q1'-style labels -> mid-quarter decimal years (2019.125) for a date axis."""
    s = np.asarray(dates, dtype=str)
    year = np.char.partition(s, "Q")[:, 0].astype(float)
    q = np.char.partition(s, "Q")[:, 2].astype(float)
    return year + (q - 0.5) / 4


def no_tick_at_right_edge(ax) -> None:
    """Year ticks inside the x limits, none at the right edge.

    In a grid of panels side by side the right edge's year label of one panel would run into
    the left edge's label of the next (a short horizon puts whole years at both edges).
    """
    from matplotlib.ticker import FixedLocator

    lo, hi = ax.get_xlim()
    ticks = MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]).tick_values(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator([t for t in ticks if lo <= t < hi - 0.2]))


def date_axis(ax, start: float | None = None, end: float | None = None) -> None:
    """Year ticks on the x axis, light grid."""
    if start is not None and end is not None:
        ax.set_xlim(start, end)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
    # Under two years there are too few whole years and the ticks fall on half years: written
    # out (2019.5), not as offsets from "+2.02e3".
    ax.ticklabel_format(axis="x", useOffset=False, style="plain")
    ax.grid(True, alpha=0.3, linewidth=0.5)
