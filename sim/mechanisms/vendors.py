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


def equipment_share(ran5g: np.ndarray, share2019: np.ndarray, other: float) -> np.ndarray:
    """A vendor's share of all telecom equipment revenue: (1 − ω)·5G RAN share + ω·2019 share.

    The market outside 5G RAN (4G, core, transport, routers; a share ω of the revenue) is not
    simulated and stays at the 2019 shares (ODD §7.2).
    """
    return (1.0 - other) * ran5g + other * share2019


def market_share(ran5g_usd: np.ndarray, share2019: np.ndarray, market_usd: float) -> np.ndarray:
    """A vendor's share of all telecom equipment revenue in a market of fixed size (ODD §7.2).

    S_v = (R_v + (M − ΣR)⁺·s_v,2019) / max(M, ΣR): the quarter's 5G RAN purchases R_v, in USD,
    take their place in the quarter's equipment market M and displace the rest of it (4G RAN,
    core, transport, routers), which keeps the 2019 shares. 5G weighs as much as was bought:
    little in 2019, about a quarter of the market once China builds.

    Args:
        ran5g_usd: the quarter's 5G RAN revenue by vendor, USD.
        share2019: the vendors' 2019 shares of equipment revenue (summing to 1).
        market_usd: M, the quarter's equipment market, USD (> 0).
    """
    total = float(ran5g_usd.sum())
    rest = max(market_usd - total, 0.0)
    return (ran5g_usd + rest * share2019) / max(market_usd, total)


def quality_drift(quality: np.ndarray, share: np.ndarray, eta: float) -> np.ndarray:
    """One quarter of increasing returns: q_v ← max(0, q_v + η·(share_v − 1/|V|))."""
    return np.maximum(0.0, quality + eta * (share - 1.0 / share.size))


def coupled_share(share: np.ndarray, device_factor: np.ndarray, weight: float) -> np.ndarray:
    """The revenue share that drives quality, scaled by the vendor's device business (ODD §7.8).

    share_v·(1 + w_D·(D̄_v/D_v,2019 − 1)): a vendor whose handset revenue falls funds less R&D, so
    its network quality drifts up more slowly. ``device_factor`` is 1 for vendors without a device
    arm and for any vendor whose device revenue is at its 2019 level, which leaves the share as it
    is (exactly: the product with 1.0 changes no bit).

    Args:
        share: smoothed network revenue shares R̄_v.
        device_factor: smoothed device revenue relative to 2019, D̄_v/D_v,2019.
        weight: w_D in [0, 1].
    """
    return share * (1.0 + weight * (device_factor - 1.0))
