"""US export controls acting on vendors: supply reliability and indigenisation (ODD §7.1).

Export controls deny a share ``u`` of the US-jurisdiction inputs a targeted vendor depends on
(Farrell & Newman 2019's chokepoint). What the vendor cannot source makes its supply unreliable;
while controls last, it replaces US inputs at a rate that China's cooperation programme raises.
"""

from __future__ import annotations

import numpy as np


def supply_reliability(u: float, dependence: np.ndarray, targeted: np.ndarray) -> np.ndarray:
    """Supply reliability ρ_v = 1 − u·d_v for targeted vendors, 1 for the others.

    Args:
        u: export controls u(t), share of US inputs denied, in [0, 1].
        dependence: d_v, share of critical inputs under US jurisdiction, in [0, 1].
        targeted: True for vendors the controls apply to.

    Returns:
        ρ_v in [0, 1].
    """
    return np.where(targeted, 1.0 - u * dependence, 1.0)


def indigenise(
    dependence: np.ndarray, targeted: np.ndarray, u: float, delta: float, delta_c: float, c: float
) -> np.ndarray:
    """One quarter of indigenisation: d_v ← d_v·(1 − δ − δ_c·c) for targeted vendors while u > 0.

    Args:
        dependence: current d_v.
        targeted: True for vendors under controls.
        u: export controls u(t); nothing happens while it is 0.
        delta: base rate δ per quarter.
        delta_c: extra rate δ_c per unit of cooperation.
        c: China's cooperation lever c(t).
    """
    if u <= 0:
        return dependence
    rate = min(1.0, delta + delta_c * c)
    return np.where(targeted, dependence * (1.0 - rate), dependence)


def effective_quality(quality: np.ndarray, rho: np.ndarray, kappa: float) -> np.ndarray:
    """Effective quality q_v·ρ_v^κ: what an unreliable supply chain delivers."""
    return quality * rho**kappa
