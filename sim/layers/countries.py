"""The country layer: governments' Huawei policy and their alignment (ODD §7.5, §7.6).

Each quarter a country may review its policy: the score S_i = E_i − C_i + ε_i of
:mod:`sim.mechanisms.policy` (computed for all countries in one kernel pass) against the
thresholds, with hysteresis; then alignment drifts toward its target. A new ban schedules the
removal of China-bloc sites through the operator layer's narrow interface (:class:`SiteBook`).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Protocol

import numpy as np
from techbloc.sim import kernels
from techbloc.sim.errors import TechblocError, did_you_mean
from techbloc.sim.layers.shared import Shared
from techbloc.sim.mechanisms import network, policy
from techbloc.sim.policy_data import declared
from techbloc.sim.world import POLICIES

#: Country-level outputs of the policy layer (columns of the country table).
COUNTRY_RECORDS = ("policy", "alignment")


class SiteBook(Protocol):
    """What the country layer needs of the operators: their networks and removal."""

    def installed_china_share(self) -> np.ndarray:
        """China-bloc share of each country's 4G + 5G installed base."""

    def schedule_removal(self, banned_now: np.ndarray | None, years: np.ndarray,
                         lifted: np.ndarray) -> None:
        """Start removal where a ban is new (over ``years`` per country), stop where lifted."""


#: The parameters the country layer reads (tests/sim/test_layers.py checks it reads no
#: other).
COUNTRY_PARAMS = (
    "mechanisms.policy", "mechanisms.peer_effects", "mechanisms.alignment",
    "mechanisms.removal", "country.review_prob", "country.review_attention",
    "country.threshold_restrict",
    "country.threshold_ban", "country.hysteresis", "country.hysteresis_ban",
    "country.w_alignment", "country.w_peer", "country.w_risk",
    "country.w_installed", "country.score_noise", "country.alignment_speed",
    "country.removal_years", "us.rip_replace_subsidy",
    # read by policy.static_terms, policy.terms and policy.target_alignment
    "country.w_security", "country.w_security_base", "country.w_intel",
    "country.w_power", "country.w_us_exposure", "country.w_price",
    "country.w_trade_china", "country.w_retaliation", "country.w_bri",
    "country.alignment_gain", "us.ally_pressure", "us.secondary_sanctions",
    "china.bri_discount", "china.cooperation", "china.retaliation",
    # issue 16: frontline states, Belt & Road damped by ties, the disposition
    "country.w_frontline", "country.bri_ally_discount", "country.disposition_sd",
    "country.escalation_rate", "country.ban_shift_frontline",
    "country.ban_shift_security", "country.ban_shift_assurance",
    "country.assurance_restricting",
    # US 5G security declarations (us_5g_declarations.csv), ODD §7.5
    "country.w_declaration", "country.ban_shift_declaration",
    "country.ban_shift_five_eyes",
    # exclusion by law, a latent class (stream ban_form), ODD §7.5
    "country.ban_form_share",
    # a ban's lead time before its purchase stop, ODD §7.5
    "country.ban_lead_quarters")


class CountryLayer:
    """Governments: policy (open, restrict, ban), locks, removal horizon, alignment a_i.

    Args:
        shared: the model's shared state.
        op_country: country index of each operator (to map policies onto operators).
    """

    PARAMS = COUNTRY_PARAMS

    def __init__(self, shared: Shared, op_country: np.ndarray) -> None:
        self.shared = shared
        w, n_c = shared.world, shared.n_countries
        self.op_country = op_country
        self.policy = w.policy0.copy()
        self.locked = w.locked.copy()
        self.forced = np.zeros(n_c, dtype=bool)  # locked by a country_policy event
        self.removal_years = np.full(n_c, np.nan)  # per-country override of removal_years
        # the quarter each ban's purchase stop takes effect, set when it is decided: L quarters
        # later (country.ban_lead_quarters, ODD §7.5, rounded up); a ban in force at the start
        # stopped purchases long before it
        self.ban_stop = np.full(n_c, -10**6)
        s, _ = shared.ties(shared.start.year)
        bri_now = shared.members(shared.start.year)["bri"].astype(float)
        self.alignment = self._align(policy.target_alignment(
            s, shared.x_us, shared.x_cn, bri_now, shared.values))
        self.policy_inputs: policy.PolicyInputs | None = None
        self.policy_shock = np.zeros(n_c)
        self.ban_cutpoint: float | np.ndarray = 0.0  # θ_2 or θ_2,i of the last review
        self.frontline = (w.frontline.astype(float) if w.frontline is not None
                          else np.zeros(n_c))
        # the ban-form class: a ban-shaped instrument, drawn once per replicate (ODD §7.5); a
        # country is of it while its uniform lies below π, so a lever on π acts when it changes
        self.law_u = shared.streams["ban_form"].random(n_c)
        # u_i, drawn at the first policy review from the start scores (ODD §7.5)
        self.disposition: np.ndarray | None = None
        # released by an event since the last review: u_i redrawn for their stance (§7.5)
        self.recondition = np.zeros(n_c, dtype=bool)
        # S̄_i at each country's last review, for attention (set at the first review, §7.5)
        self.settled_at_review: np.ndarray | None = None
        self.installed = np.zeros(n_c)  # China-bloc share of the installed base, this quarter
        self.prices = None  # effective prices by country and vendor, this quarter
        self._pol_key, self._pol = None, None
        self._rec_policy = shared.records.per_country("policy", dtype=np.int8)
        self._rec_alignment = shared.records.per_country("alignment")

    def _align(self, alignment: np.ndarray) -> np.ndarray:
        """Pin the hubs (USA, CHN) to the poles of their blocs."""
        return np.where(self.shared.hub, self.shared.hub_alignment, alignment)

    def thresholds(self, security: np.ndarray, intel: np.ndarray | float = 0.0,
                   unreliability: float = 0.0,
                   declaration: np.ndarray | float = 0.0,
                   five_eyes: np.ndarray | float = 0.0) -> tuple[float, float | np.ndarray]:
        """(θ_1, θ_2,i): the ban cut-point per country when it is shifted (ODD §7.5).

        The frontline and security shifts apply to the countries open now (the form of a new
        exclusion); the supply-assurance shift to the intelligence-sharing states open now, and
        by the share η to those restricting; the declaration shift to signatories open now, the
        Five Eyes shift to the Five Eyes open now, and the ban-form class's θ_1 to its members
        open now.
        """
        p = self.shared.values
        t = (p["country.threshold_restrict"], p["country.threshold_ban"])
        return t[0], policy.ban_cutpoints(t, self.frontline, security, p, current=self.policy,
                                          intel=intel, unreliability=unreliability,
                                          declaration=declaration, five_eyes=five_eyes,
                                          by_law=self.law_u < p["country.ban_form_share"])

    def policy_context(self) -> SimpleNamespace:
        """What follows from the countries' policies alone, recomputed when a policy changes.

        Per operator: whether its country bans or restricts China-bloc vendors; per country:
        the share of peers that restrict or ban (computed on first use).
        """
        ban = self.policy == policy.BAN
        # a ban stops purchases once its lead time has run; until then operators see a
        # restriction (with L = 0, every ban at once: the model without the lead time)
        in_force = ban & (self.shared.t >= self.ban_stop)
        key = (self.policy.tobytes(), in_force.tobytes(), self.shared.ctx_version)
        if key != self._pol_key:
            oc = self.op_country
            self._pol = SimpleNamespace(
                banned=in_force[oc],
                restricted=((self.policy == policy.RESTRICT) | (ban & ~in_force))[oc]
                .astype(float),
                peer=None)
            self._pol_key = key
        return self._pol

    def step(self, rho_china: float, sites: SiteBook, price: np.ndarray) -> None:
        """Review policies and drift alignment (ODD §7.5-7.6).

        Args:
            rho_china: supply reliability of the China bloc (the vendor layer's).
            sites: the operator layer (installed base, removal).
            price: the vendors' list prices now.
        """
        sh, p = self.shared, self.shared.values
        n_c = sh.n_countries
        ctx = sh.context(price)
        s = ctx.security
        draws = sh.streams["policy"]
        review_u = draws.random(n_c)
        shock = draws.logistic(0.0, 1.0, n_c)
        self.prices = ctx.prices
        self.installed = sites.installed_china_share()
        if sh.on("policy"):
            if sh.on("peer_effects"):
                pol = self.policy_context()
                if pol.peer is None:
                    excluding = (self.policy >= policy.RESTRICT).astype(float)
                    pol.peer = network.peer_exposure(ctx.weights, excluding)
                peer = pol.peer
            else:
                peer = np.zeros(s.shape)
            x = policy.PolicyInputs(
                security=s, intel=ctx.intel, power=sh.power, alignment=self.alignment,
                peer=peer, unreliability=1.0 - rho_china,
                us_exports=sh.x_us, installed=self.installed,
                price_gap=ctx.price_gap, china_exports=sh.x_cn, bri=ctx.bri,
                frontline=self.frontline,
                disposition=0.0 if self.disposition is None else self.disposition,
                declaration=declared(sh.world.declared, sh.start + sh.t)
                if p["country.w_declaration"] or p["country.ban_shift_declaration"] else 0.0)
            thresholds = self.thresholds(s, ctx.intel, x.unreliability, x.declaration,
                                         ctx.five_eyes)
            if self.disposition is None:  # first review: u_i conditioned on the start stance
                u = sh.streams["disposition"].random(n_c)  # (or on a stance released before)
                held = np.where(self.recondition, self.policy, sh.world.policy0)
                self.disposition = policy.draw_disposition(
                    policy.score(x, p), held, thresholds, p["country.disposition_sd"], u)
                x = replace(x, disposition=self.disposition)
                ctx.score_terms = None
            elif self.recondition.any():  # a forecast origin: condition on the released stance
                self.disposition = self.conditioned_disposition(x, thresholds)
                x = replace(x, disposition=self.disposition)
                ctx.score_terms = None
            released, self.recondition = self.recondition, np.zeros(n_c, dtype=bool)
            # kept for decision_terms(): the inputs, the shocks and the cut-point they met
            self.policy_inputs, self.policy_shock = x, shock
            self.ban_cutpoint = thresholds[1]
            if ctx.score_terms is None:  # once per context (year, parameters, prices)
                ctx.score_terms = policy.static_terms(x, p)
            # policy.score(x, p, ctx.score_terms) + noise·shock, in one pass (same numbers)
            terms = (*ctx.score_terms, self.alignment, p["country.w_alignment"], peer,
                     p["country.w_peer"], p["country.w_risk"] * x.unreliability, self.installed,
                     p["country.w_installed"], 1.0 - p["us.rip_replace_subsidy"])
            score = kernels.policy_scores(*terms, p["country.score_noise"], shock)
            if p["country.w_declaration"]:  # quarterly, so outside the static terms (§7.5)
                score = score + policy.declaration_term(x, p)
            review = self.reviewing(review_u, terms, x, released)
            old = self.policy
            hysteresis = policy.hysteresis_pair(thresholds, p["country.hysteresis"],
                                                p["country.hysteresis_ban"])
            new = policy.update_policy(old, score, thresholds, hysteresis, review)
            escalation_u = sh.streams["escalation"].random(n_c)  # full-size, even when off
            if p["country.escalation_rate"]:  # the ratchet: restrict -> ban (ODD §7.5)
                new = policy.escalate(new, p["country.escalation_rate"], p["us.ally_pressure"],
                                      x.unreliability, s, ~self.locked, escalation_u)
            self.policy = new
            self.on_policy_change(old, self.policy, sites)
        if sh.on("alignment"):
            self.alignment = self._align(policy.drift_alignment(
                self.alignment, ctx.target_alignment, p["country.alignment_speed"]))

    def reviewing(self, u: np.ndarray, terms: tuple, x: policy.PolicyInputs,
                  released: np.ndarray) -> np.ndarray:
        """Who reviews this quarter: U_i < ψ_i and not locked (ODD §7.5, review and attention).

        With attention α > 0, ψ_i grows with the change of the settled score S̄_i (the score's
        ``terms`` without the shock) since the country's last review; the first quarter and a
        country just ``released`` by an event take this quarter's S̄_i as their last review's.
        """
        p = self.shared.values
        if not p["country.review_attention"]:
            return (u < p["country.review_prob"]) & ~self.locked
        settled = kernels.policy_scores(*terms, 0.0, np.zeros_like(u))
        if p["country.w_declaration"]:
            settled = settled + policy.declaration_term(x, p)
        if self.settled_at_review is None:
            self.settled_at_review = settled.copy()
        self.settled_at_review[released] = settled[released]
        chance = policy.review_chance(p["country.review_prob"], p["country.review_attention"],
                                      settled, self.settled_at_review)
        review = (u < chance) & ~self.locked
        self.settled_at_review[review] = settled[review]
        return review

    def conditioned_disposition(self, x: policy.PolicyInputs,
                                thresholds: tuple[float, float | np.ndarray]) -> np.ndarray:
        """The dispositions with those of the countries just released redrawn (ODD §7.5).

        A released country's u_i is drawn afresh from its normal truncated so that its score now
        (without u_i) plus u_i lies in the interval of the stance it was forced to: the record
        up to the release is then the state the model forecasts from, and the stance does not
        lapse at the next review because the 2019 draw disagreed with it. One uniform per
        country is drawn (the ``disposition`` stream), whoever is released.
        """
        sh, p = self.shared, self.shared.values
        u = sh.streams["disposition"].random(sh.n_countries)
        if not p["country.condition_released"]:
            return self.disposition
        s0 = policy.score(replace(x, disposition=0.0), p)
        fresh = policy.draw_disposition(s0, self.policy, thresholds,
                                        p["country.disposition_sd"], u)
        return np.where(self.recondition, fresh, self.disposition)

    def on_policy_change(self, old: np.ndarray, new: np.ndarray, sites: SiteBook) -> None:
        """Schedule removal under a new ban; stop it when a ban is lifted."""
        if old.shape == new.shape and old.tobytes() == new.tobytes():  # nothing changed
            return
        banned_now = (new == policy.BAN) & (old != policy.BAN)
        lifted = (old == policy.BAN) & (new != policy.BAN)
        lead = int(np.ceil(self.shared.values["country.ban_lead_quarters"]))
        self.ban_stop = np.where(banned_now, self.shared.t + lead, self.ban_stop)
        years = np.where(np.isnan(self.removal_years),
                         self.shared.values["country.removal_years"], self.removal_years)
        start = banned_now.any() and self.shared.on("removal")
        sites.schedule_removal(banned_now if start else None, years, lifted)

    def force(self, forced, sites: SiteBook) -> None:
        """Set countries' policies (an event's ``country_policy``), locking them if asked.

        Args:
            forced: :class:`sim.events.CountryPolicy` items.
            sites: the operator layer (removal under a new ban).
        """
        old = self.policy.copy()
        for c in forced:
            i = self.shared.index[c.iso3]
            self.policy[i] = POLICIES.index(c.policy)
            if c.removal_years is not None:
                self.removal_years[i] = c.removal_years
            if c.lock:
                self.locked[i] = True
                self.forced[i] = True
        self.on_policy_change(old, self.policy, sites)

    def release(self, iso3s: tuple[str, ...] | None) -> None:
        """Free forced countries (all of them if ``iso3s`` is None) to review their policy."""
        release = (self.forced if iso3s is None
                   else self.forced & self.shared.index_mask(iso3s))
        self.locked &= ~release | self.shared.world.locked  # the hubs stay pinned
        self.forced &= ~release
        self.recondition |= release & ~self.shared.world.locked

    def decision_terms(self, iso3: str) -> dict[str, float | str]:
        """Why a country holds its policy (see TechAllianceModel.decision_terms)."""
        index = self.shared.index
        if iso3 not in index:
            raise TechblocError(f"unknown country {iso3!r}", hint=did_you_mean(iso3, list(index)))
        if self.policy_inputs is None:
            raise TechblocError("no policy score yet: step the model first (with "
                                "mechanisms.policy on)")
        i, p = index[iso3], self.shared.values
        out: dict[str, float | str] = {k: float(v[i])
                                       for k, v in policy.terms(self.policy_inputs, p).items()}
        out["score"] = float(sum(out.values()))
        out["noise"] = float(p["country.score_noise"] * self.policy_shock[i])
        for key in ("threshold_restrict", "hysteresis", "hysteresis_ban"):
            out[key] = float(p[f"country.{key}"])
        # the ban cut-point the country's last review met: θ_2, or θ_2,i when it is shifted
        out["threshold_ban"] = float(np.broadcast_to(self.ban_cutpoint, np.shape(self.policy))[i])
        out["locked"] = bool(self.locked[i])
        out["policy"] = POLICIES[int(self.policy[i])]
        return out

    def record(self, t: int) -> None:
        """Write quarter ``t``: policy and alignment by country."""
        self._rec_policy[t] = self.policy
        self._rec_alignment[t] = self.alignment
