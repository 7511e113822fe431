"""Peer exposure over the alliance and regional network (ODD §7.4).

Countries watch allies and neighbours (the row-normalised weights W of :mod:`sim.world`). The same
exposure feeds bandwagoning in country policy (share of peers restricting or banning) and peer
effects in operators' vendor choice (the China-bloc share of peers' networks).
"""

from __future__ import annotations

import numpy as np


def peer_exposure(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Weighted mean of ``x`` over each country's peers: (W·x)_i.

    Args:
        weights: W, shape (C, C), rows summing to 1 (or 0 for isolated countries).
        x: a per-country quantity in [0, 1], shape (C,).
    """
    return weights @ x


def installed_china_share(sites4g: np.ndarray, china4g: np.ndarray, sites5g: np.ndarray,
                          china5g: np.ndarray) -> np.ndarray:
    """China-bloc share of an installed base counting 4G and 5G sites together.

    (sites4g·china4g + china5g) / (sites4g + sites5g), 0 where nothing is installed.

    Args:
        sites4g: 4G sites per unit (operator or country), shape (N,).
        china4g: China-bloc share of the 4G sites, shape (N,).
        sites5g: 5G sites, shape (N,).
        china5g: China-bloc 5G sites, shape (N,).
    """
    total = sites4g + sites5g
    cn = sites4g * china4g + china5g
    return np.divide(cn, total, out=np.zeros(cn.shape), where=total > 0)
