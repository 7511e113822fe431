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


def installed_china_share(sites4g: np.ndarray, mix4g: np.ndarray, sites5g: np.ndarray,
                          china: np.ndarray) -> np.ndarray:
    """China-bloc share of an installed base counting 4G and 5G sites together.

    Args:
        sites4g: 4G sites per unit (operator or country), shape (N,).
        mix4g: 4G share by vendor, shape (N, V).
        sites5g: 5G sites by vendor, shape (N, V).
        china: China-bloc mask, shape (V,).
    """
    total = sites4g + sites5g.sum(axis=1)
    cn = sites4g * mix4g[:, china].sum(axis=1) + sites5g[:, china].sum(axis=1)
    return np.divide(cn, total, out=np.zeros_like(cn), where=total > 0)
