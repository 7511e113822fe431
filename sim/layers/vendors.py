"""The vendor layer: supply reliability, indigenisation and quality drift of the RAN vendors.

ODD §7.2 (supply risk), §7.3 (indigenisation), §7.4 (increasing returns). The five vendors'
state is a handful of arrays of length V; the operators book their purchases here.
"""

from __future__ import annotations

import numpy as np
from techbloc.sim.layers.shared import Shared
from techbloc.sim.mechanisms import sanctions, vendors

#: Per-vendor outputs, ``<metric>_<vendor id>`` columns of the model table (DESIGN §5.6).
VENDOR_METRICS = ("share", "quality", "dependence", "revenue_share", "contracts")
#: Fields an event may change (sim.events.VENDOR_FIELDS), by their array here.
_EVENT_FIELDS = {"price": "price", "quality": "quality", "us_input_dependence": "dependence"}


class VendorLayer:
    """RAN vendors: prices, quality q_v, US-input dependence d_v, supply reliability ρ_v.

    Args:
        shared: the model's shared state.
    """

    PARAMS = ("mechanisms.supply_risk", "mechanisms.indigenisation",
              "mechanisms.increasing_returns", "mechanisms.devices", "us.export_controls",
              "vendors.indigenisation", "vendors.indigenisation_cooperation",
              "china.cooperation", "vendors.increasing_returns", "vendors.revenue_memory",
              "vendors.other_equipment_share", "devices.w_revenue", "mechanisms.equipment_market",
              "vendors.equipment_market_usd", "vendors.base_station_price_usd",
              "rollout.site_unit")

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        v = shared.world.vendors
        n_v = len(v.ids)
        self.ids, self.china = v.ids, v.china
        self.price = v.price.copy()
        self.quality = v.quality.copy()
        self.dependence = v.dependence.copy()
        self.rev_share = v.equipment_share_2019 / v.equipment_share_2019.sum()
        self.rev_share0 = self.rev_share.copy()  # 2019, the reference of carrier revenue
        # Share of all telecom equipment revenue: 5G RAN (1 − ω) plus the rest at 2019 (ω).
        self.equipment_share = self.rev_share0.copy()
        self.revenue = np.zeros(n_v)  # this quarter's equipment revenue, USD
        self.nests = v.china.astype(int)  # nest 0 = west, 1 = china
        self.rho = np.ones(n_v)
        cn_weights = v.base_share * v.china
        self._cn_weights, self._cn_weights_total = cn_weights, cn_weights.sum()
        self.china_cols = v.china.nonzero()[0].tolist()  # China-bloc vendor columns
        # share, quality, dependence, revenue_share, contracts: one (V × steps) block each
        self._rec = [shared.records.rows("vendors", [f"{m}_{vid}" for vid in v.ids])
                     for m in VENDOR_METRICS]

    def set_attribute(self, vendor_id: str, name: str, value: float) -> None:
        """Change one attribute of a vendor (an event's ``vendor`` part)."""
        getattr(self, _EVENT_FIELDS[name])[self.ids.index(vendor_id)] = value

    def rho_china(self) -> float:
        """Supply reliability of the China bloc, weighted by the vendors' 2019 shares."""
        return float(self.rho @ self._cn_weights / self._cn_weights_total)

    def step(self, device_factor: np.ndarray | None) -> None:
        """Supply reliability, indigenisation and quality drift for this quarter.

        Args:
            device_factor: device revenue relative to 2019 per vendor (the device layer's),
                which couples quality to device sales (ODD §7.8); None when devices are off.
        """
        sh, p, v = self.shared, self.shared.values, self.shared.world.vendors
        u = p["us.export_controls"] if sh.on("supply_risk") else 0.0
        self.rho = sanctions.supply_reliability(u, self.dependence, v.targeted)
        if sh.on("indigenisation"):
            self.dependence = sanctions.indigenise(
                self.dependence, v.targeted, p["us.export_controls"],
                p["vendors.indigenisation"], p["vendors.indigenisation_cooperation"],
                p["china.cooperation"])
        if sh.on("increasing_returns"):
            share = self.rev_share if device_factor is None else vendors.coupled_share(
                self.rev_share, device_factor, p["devices.w_revenue"])
            self.quality = vendors.quality_drift(self.quality, share,
                                                 p["vendors.increasing_returns"])

    def book(self, revenue: np.ndarray) -> None:
        """The operators' purchases of the quarter by vendor (price index × sites): shares.

        Sets the smoothed 5G RAN share (which drives quality) and the share of all equipment
        revenue (Huawei's carrier revenue): with ``mechanisms.equipment_market`` the quarter's
        purchases in USD within a market of fixed size, else (1 − ω)·smoothed 5G share + ω·2019.
        """
        self.revenue = revenue
        p = self.shared.values
        self.rev_share = vendors.revenue_share(revenue, self.rev_share, p["vendors.revenue_memory"])
        self.equipment_share = self._equipment_share(self.rev_share)

    def _usd(self, revenue: np.ndarray) -> np.ndarray:
        """Purchases in price index × modelled sites, in USD."""
        p = self.shared.values
        return revenue * p["vendors.base_station_price_usd"] * p["rollout.site_unit"]

    def _equipment_share(self, ran5g_share: np.ndarray) -> np.ndarray:
        """This quarter's shares of all telecom equipment revenue (ODD §7.2).

        Args:
            ran5g_share: the 5G RAN share the fixed-ω form uses (the smoothed one for the
                carrier revenue, the quarter's for the record).
        """
        p = self.shared.values
        if self.shared.on("equipment_market"):
            return vendors.market_share(self._usd(self.revenue), self.rev_share0,
                                        p["vendors.equipment_market_usd"] / 4.0)
        return vendors.equipment_share(ran5g_share, self.rev_share0,
                                       p["vendors.other_equipment_share"])

    def record(self, t: int, share: np.ndarray, contracts: np.ndarray) -> None:
        """Write quarter ``t``: site share and contracts (from the operators) and own state."""
        rev_total = self.revenue.sum()
        # This quarter's share of all equipment revenue (ODD §7.2): its 5G RAN purchases
        # (the smoothed share in a quarter without any) and the rest of the market at 2019.
        rev_share = self._equipment_share(
            self.revenue / rev_total if rev_total > 0 else self.rev_share)
        for block, values in zip(self._rec, (share, self.quality, self.dependence, rev_share,
                                             contracts), strict=True):
            block[:, t] = values
