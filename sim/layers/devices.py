"""The device layer: handset makers, their chip supply, the Android channel, device revenue.

ODD §7.8. Buyers in each country choose a maker by logit (:mod:`sim.mechanisms.devices`, one
kernel pass); US controls cut listed makers' chip supply and Google services, own operating
systems grow an ecosystem, and the device revenue of a network vendor's family feeds back into
its network quality through :meth:`DeviceLayer.revenue_factor`.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from techbloc.sim import kernels
from techbloc.sim.layers.shared import Shared
from techbloc.sim.mechanisms import devices

#: Device-maker outputs of the model table (ODD §4.11); ``device_share_<f>`` per maker too.
DEVICE_METRICS = (
    "huawei_consumer_revenue_usd", "huawei_carrier_revenue_usd", "huawei_device_units",
    "huawei_share_china", "huawei_share_outside_china", "own_os_share", "own_os_quality",
    "android_cutoff",
)


class DeviceLayer:
    """Handset makers: ownership, listing, chip supply ρ_f, own-OS ecosystems, unit sales.

    Args:
        shared: the model's shared state.
        rev_share0: the network vendors' 2019 revenue shares (the carrier-revenue reference).
    """

    PARAMS = ("mechanisms.devices", "us.export_controls", "us.android_cutoff",
              "china.cooperation", "devices.income_elasticity", "devices.beta_price",
              "devices.price_income_elasticity", "devices.w_ecosystem",
              "devices.w_ecosystem_china", "devices.beta_supply", "devices.noise",
              "devices.chip_threshold", "devices.chip_stockpile", "devices.chip_capability0",
              "devices.chip_indigenisation", "devices.chip_indigenisation_cooperation",
              "devices.device_life",
              "devices.os_half_base", "devices.os_speed", "devices.os_cooperation",
              "rollout.gdp_pc_ref", "vendors.revenue_memory")

    def __init__(self, shared: Shared, rev_share0: np.ndarray) -> None:
        self.shared = shared
        p, n_c, n_v = shared.values, shared.n_countries, shared.n_vendors
        self.market, self.n_markets = shared.market, shared.n_markets
        d = shared.world.devices
        self.data = d
        n_f = len(d.ids) if d is not None else 0
        self.n = n_f
        self.rev_share0 = rev_share0
        rec = shared.records.rows("firms", DEVICE_METRICS)
        self._rec = dict(zip(DEVICE_METRICS, rec, strict=True))
        # Market × maker unit shares per step; the last market row is the world.
        self.rec_units = np.zeros((shared.n_steps, self.n_markets + 1, n_f))
        self.factor = np.ones(n_v)  # smoothed device revenue / 2019, per network vendor
        self._abroad = self.market != 0
        self._sums: SimpleNamespace | None = None  # sums of units (_units)
        self._key = None  # the inputs of the last units computed
        self._weights = (None, None)  # (values.version, (β_d,i, w_E,i, α − β_d,i·ln asp))
        if d is None:
            self.units = np.zeros((n_c, 0))
            return
        self._rec_share = shared.records.rows("device_shares", [f"device_share_{f}"
                                                                for f in d.ids])
        self._has_os = d.platform >= 0
        self._platform = np.maximum(d.platform, 0)
        if "huawei" in d.ids:  # Huawei's 2019 carrier revenue per quarter (0 if unknown)
            h = d.ids.index("huawei")
            self._huawei = (h, d.vendor[h], np.nan_to_num(d.carrier_revenue_2019[h]) / 4)
        else:
            self._huawei = None
        self.units_year = devices.country_units(shared.population, shared.gdp_pc, self.market,
                                                d.market_units, p["devices.income_elasticity"])
        self.log_price = np.log(d.asp)
        self.owned = d.parent >= 0  # still owned by its parent
        self.listed = self._listed()
        self.denial = np.zeros(n_f)  # share of chip needs denied and not covered by stock
        self.dep0 = d.chip_dependence.copy()  # d_f: controlled share of chip needs, 2019
        self.dep = self.dep0.copy()  # d_f·(1 − K_f)
        self.capability = np.zeros(n_f)  # K_f, domestic chip capability (0 until controls)
        self.stock = np.full(n_f, p["devices.chip_stockpile"])  # S_f, quarters of chip needs
        self.rho = np.ones(n_f)
        self.os_quality = np.zeros(len(d.platforms))
        self.os_base = np.zeros(len(d.platforms))
        self.cut = np.zeros(n_f)
        rest = devices.utilities(np.zeros((self.n_markets, n_f)), self.market, self.log_price,
                                 self._price_weight(), self._eco_weight(), np.ones(n_f),
                                 np.ones(n_f), p["devices.beta_supply"])
        self.asc = devices.fit_constants(d.share, self.market, self.units_year, rest,
                                         p["devices.noise"])
        self._quarter_units = self.units_year / 4.0
        self.units = self._units(np.ones(n_f))
        # Revenue of the 2019 state, the reference of the device factor; Huawei's other
        # consumer devices (wearables, PCs, tablets) make up the rest of its reported revenue.
        phones = self.units.sum(axis=0) * d.asp
        family = np.bincount(self._owner(), phones, minlength=n_f)
        self.other = np.where(np.isnan(d.consumer_revenue_2019), 0.0,
                              np.maximum(0.0, d.consumer_revenue_2019 / 4 - family))
        self.vendor_rev0 = self._vendor_revenue(phones)

    def _owner(self) -> np.ndarray:
        """Index of the maker that owns each maker now (itself unless its parent still does)."""
        d = self.data
        return np.where(self.owned, d.parent, np.arange(len(d.ids)))

    def _listed(self) -> np.ndarray:
        """Makers under US controls: listed themselves or owned by a listed parent."""
        d = self.data
        return d.listed | (self.owned & d.listed[np.maximum(d.parent, 0)])

    def _price_weight(self) -> np.ndarray:
        p = self.shared.values
        return devices.price_weight(p["devices.beta_price"], self.shared.gdp_pc,
                                    p["rollout.gdp_pc_ref"], p["devices.price_income_elasticity"])

    def _eco_weight(self) -> np.ndarray:
        p = self.shared.values
        return np.where(self.market == 0, p["devices.w_ecosystem_china"],
                        p["devices.w_ecosystem"])

    def _units(self, eco: np.ndarray) -> np.ndarray:
        """Handsets sold this quarter, countries × makers, given the makers' ecosystems.

        The same inputs (ecosystems, chip supply, parameters) give the same units: they are
        reused, with their sums, until one changes (in a quarter without export controls or an
        Android cut-off nothing does).
        """
        p = self.shared.values
        key = (p.version, eco.tobytes(), self.rho.tobytes())
        if self._key == key:
            return self.units
        self._key = key
        if self._weights[0] != p.version:  # the price and ecosystem weights, α − β·ln asp
            beta = self._price_weight()
            self._weights = (p.version, (beta, self._eco_weight(), devices.brand_price_utility(
                self.asc, self.market, self.log_price, beta)))
        _, w_eco, base = self._weights[1]
        supply = p["devices.beta_supply"] * np.log(np.maximum(self.rho, 1e-9))
        n_c, n_f = base.shape
        units, sold, abroad = np.empty((n_c, n_f)), np.empty(n_f), np.empty(n_f)
        by_market = np.empty((self.n_markets, n_f))
        kernels.device_units(base, w_eco, eco, supply, p["devices.noise"], self._quarter_units,
                             self.market, self._abroad, units, sold, by_market, abroad)
        self._sums = SimpleNamespace(sold=sold, by_market=by_market, abroad=abroad, record=None)
        return units

    def _vendor_revenue(self, phones: np.ndarray) -> np.ndarray:
        """Device revenue per network vendor, USD per quarter.

        Phones of the maker and the makers it owns, plus its other consumer devices.
        """
        d, n_v = self.data, self.shared.n_vendors
        vendor = d.vendor[self._owner()]
        linked = vendor >= 0
        rev = np.bincount(vendor[linked], phones[linked], minlength=n_v)
        own = d.vendor >= 0
        return rev + np.bincount(d.vendor[own], self.other[own], minlength=n_v)

    def revenue_factor(self) -> np.ndarray | None:
        """Device revenue / 2019 per network vendor, or None when devices are off (ODD §7.8)."""
        if self.data is None or not self.shared.on("devices"):
            return None
        return self.factor

    def step(self) -> None:
        """Chip supply, GMS, buyers' logit, own-OS ecosystems and device revenue (ODD §7.8)."""
        d, sh = self.data, self.shared
        if d is None or not sh.on("devices"):
            return
        p = sh.values
        u, cutoff, coop = p["us.export_controls"], p["us.android_cutoff"], p["china.cooperation"]
        # Honor-style spin-offs: from their date, a maker owned by a listed parent leaves it if
        # the controls bite then (the sale was the answer to them).
        if (u > 0 or cutoff > 0) and self.owned.any():
            self.owned &= ~(sh.t >= d.independent_from)
        self.listed = self._listed()
        # Chips (ODD §7.8): domestic capability grows logistically under controls (faster with
        # China's cooperation lever); a stockpile covers the denied share until it is spent.
        growing = self.listed & (u > 0)
        if growing.any():
            self.capability = np.where(growing & (self.capability == 0),
                                       p["devices.chip_capability0"], self.capability)
            self.capability = devices.chip_capability(
                self.capability, growing, p["devices.chip_indigenisation"]
                + p["devices.chip_indigenisation_cooperation"] * coop)
            self.dep = self.dep0 * (1.0 - self.capability)
        threshold = p["devices.chip_threshold"]
        reach = max(0.0, u - threshold) / (1.0 - threshold)
        if reach > 0 or self.denial.any():
            self.stock, self.denial = devices.chip_stock(self.stock,
                                                         reach * self.listed * self.dep)
            self.rho = 1.0 - self.denial
        self.cut = cutoff * self.listed
        has_os = self._has_os
        os_q = np.where(has_os, self.os_quality[self._platform], 0.0)
        eco = devices.ecosystem(d.gms_dependence, self.cut, os_q)
        self.units = self._units(eco)
        sold = self._sums.sold
        new_os = np.bincount(d.platform[has_os], (sold * self.cut)[has_os],
                             minlength=len(d.platforms))
        self.os_base = devices.installed_base(self.os_base, new_os, p["devices.device_life"])
        self.os_quality = devices.os_quality_drift(
            self.os_quality, self.os_base, p["devices.os_half_base"],
            p["devices.os_speed"] * (1.0 + p["devices.os_cooperation"] * coop))
        rev = self._vendor_revenue(sold * d.asp)
        ratio = np.divide(rev, self.vendor_rev0, out=np.ones(sh.n_vendors),
                          where=self.vendor_rev0 > 0)
        m = p["vendors.revenue_memory"]
        self.factor = m * self.factor + (1.0 - m) * ratio

    def record(self, t: int, rev_share: np.ndarray) -> None:
        """Write quarter ``t``: unit shares by market, Huawei's figures, the own OS.

        Args:
            t: the quarter.
            rev_share: the network vendors' smoothed shares of all equipment revenue (carrier
                revenue relative to 2019).
        """
        rm, d = self._rec, self.data
        rm["android_cutoff"][t] = self.shared.values["us.android_cutoff"]
        if d is None:
            return
        sums = self._sums  # of self.units (_units)
        sold = sums.sold
        owned = self.owned.tobytes()
        if sums.record is None or sums.record[0] != owned:  # once per units and ownership
            total = sold.sum()
            shares = devices.market_shares(self.units, self.market, self.n_markets,
                                           by_market=sums.by_market)
            huawei = ()
            if self._huawei is not None:
                h = self._huawei[0]
                family = self._owner() == h
                huawei = (sold[family].sum(), sold[family] @ d.asp[family] + self.other[h],
                          shares[0, h], sums.abroad[h] / sums.abroad.sum())
            sums.record = (owned, total, shares, sold / total, huawei)
        _, total, shares, world, huawei = sums.record
        self.rec_units[t, :-1] = shares
        self.rec_units[t, -1] = world
        self._rec_share[:, t] = world  # device_share_<f>
        if self._huawei is not None:
            _, v, carrier_q = self._huawei
            (rm["huawei_device_units"][t], rm["huawei_consumer_revenue_usd"][t],
             rm["huawei_share_china"][t], rm["huawei_share_outside_china"][t]) = huawei
            rm["huawei_carrier_revenue_usd"][t] = carrier_q * rev_share[v] / self.rev_share0[v]
        rm["own_os_share"][t] = (sold * self.cut)[self._has_os].sum() / total
        rm["own_os_quality"][t] = self.os_quality[0] if self.os_quality.size else 0.0
