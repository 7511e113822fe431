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
#: Device makers: China-bloc makers in reds and oranges, the others in blues and greys.
DEVICE_COLOURS = {"huawei": "#c0392b", "honor": "#e67e22", "xiaomi": "#f39c12",
                  "oppo": "#27ae60", "vivo": "#8e44ad", "transsion": "#a0522d",
                  "other_china": "#e6a0a0", "apple": "#555555", "samsung": "#2c6fbb",
                  "other": "#9db4d0"}
POLICY_COLOURS = {"open": "#7fb77e", "restrict": "#f0b849", "ban": "#b03a2e"}
#: Scenario colours in comparisons (the baseline is black); colour-blind-safe (Okabe-Ito).
SCENARIO_COLOURS = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
                    "#f0e442", "#999999")
BAND_ALPHA = 0.25
FIGSIZE_PANEL = (3.4, 2.6)


def quarter_to_year(dates) -> np.ndarray:
    """'2019Q1'-style labels -> mid-quarter decimal years (2019.125) for a date axis."""
    s = np.asarray(dates, dtype=str)
    year = np.char.partition(s, "Q")[:, 0].astype(float)
    q = np.char.partition(s, "Q")[:, 2].astype(float)
    return year + (q - 0.5) / 4


def date_axis(ax, start: float | None = None, end: float | None = None) -> None:
    """Year ticks on the x axis, light grid."""
    if start is not None and end is not None:
        ax.set_xlim(start, end)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.grid(True, alpha=0.3, linewidth=0.5)
