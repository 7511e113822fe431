"""Increasing returns to vendor scale (ODD §7.2; Arthur 1989).

A vendor's quality drifts with its revenue share above the mean: η·(R_v/ΣR − 1/|V|) per quarter.
Exclusion that shrinks a vendor's market therefore also slows its progress.
"""

from __future__ import annotations

import numpy as np


def revenue_share(revenue: np.ndarray, previous: np.ndarray, memory: float) -> np.ndarray:
    """Smoothed revenue shares: memory·previous + (1 − memory)·R_v/ΣR (previous if ΣR = 0)."""
    total = revenue.sum()
    if total <= 0:
        return previous
    return memory * previous + (1.0 - memory) * revenue / total


def quality_drift(quality: np.ndarray, share: np.ndarray, eta: float) -> np.ndarray:
    """One quarter of increasing returns: q_v ← max(0, q_v + η·(share_v − 1/|V|))."""
    return np.maximum(0.0, quality + eta * (share - 1.0 / share.size))
