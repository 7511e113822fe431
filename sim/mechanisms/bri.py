"""Belt & Road concessional finance as a price discount (ODD §7.3).

China's policy banks have financed Huawei and ZTE deals conditionally (lit. §3f: $2.99bn drawn of
$40bn of headline credit lines by 2011), so the discount applies only to China-bloc vendors in
countries with a Belt & Road MoU.
"""

from __future__ import annotations

import numpy as np


def effective_prices(
    price: np.ndarray, china: np.ndarray, bri: np.ndarray, discount: float
) -> np.ndarray:
    """Price each country pays each vendor: p_v·(1 − b·[v ∈ china]·BRI_i).

    Args:
        price: p_v, vendor price index (Ericsson = 1), shape (V,).
        china: True for China-bloc vendors, shape (V,).
        bri: True for countries with a Belt & Road MoU, shape (C,).
        discount: b(t), share of price, in [0, 1).

    Returns:
        Effective prices, shape (C, V).
    """
    return price[None, :] * (1.0 - discount * np.outer(bri, china))


def price_gap(prices: np.ndarray, china: np.ndarray) -> np.ndarray:
    """Log price advantage of the cheapest China-bloc vendor over the cheapest west vendor.

    Args:
        prices: effective prices, shape (C, V).
        china: True for China-bloc vendors.

    Returns:
        ln(min p_west / min p_china) per country, shape (C,); positive when China is cheaper.
    """
    return np.log(prices[:, ~china].min(axis=1)) - np.log(prices[:, china].min(axis=1))
