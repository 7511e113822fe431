"""Country policy: an ordered-logit rule with hysteresis and bandwagoning (ODD §7.5).

Following Christie, Jakobsen & Jakobsen (2023), who fit an ordered logit to 70 states' Huawei
stances, the latent score is S_i = E_i − C_i + ε_i: security dependence on the US, national power,
alignment, peers and supply risk push toward exclusion (E_i); the installed base, the price gap,
trade with China, retaliation and Belt & Road finance pull against it (C_i). Thresholds θ_1 < θ_2
map S_i to open < restrict < ban; stepping down needs S_i below θ_k − h (hysteresis: undoing a ban
is harder than not making one, as the UK's 2020 reversal and its 2027 removal deadline show).
The ban cut-point may differ by country (partial proportional odds, :func:`ban_cutpoints`):
covariates can weigh more at θ_2 than at θ_1, deciding which excluding states ban outright.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from techbloc.sim import kernels

OPEN, RESTRICT, BAN = 0, 1, 2


@dataclass(frozen=True)
class PolicyInputs:
    """The per-country terms of the policy score, each shape (C,) unless noted.

    Attributes:
        security: s_i, security ties to the US in [0, 1].
        intel: ι_i, 1.0 for members of the Fourteen Eyes intelligence-sharing group.
        power: standardised log GDP.
        alignment: a_i in [−1, 1].
        peer: share of peers (weighted) that restrict or ban, in [0, 1].
        unreliability: 1 − ρ_china, scalar.
        us_exports: x_i^US, share of exports to the US.
        installed: h_i, China-bloc share of the installed base.
        price_gap: ln(p_west / p_china,i).
        china_exports: x_i^CN, share of exports to China.
        bri: 1.0 for Belt & Road MoU countries.
        frontline: f_i, 1.0 for frontline states (``frontline.csv``).
        disposition: u_i, the persistent country disposition (:func:`draw_disposition`).
        declaration: d_i(t), 1.0 from the quarter a country signed a 5G security declaration
            with the US (``us_5g_declarations.csv``).
    """

    security: np.ndarray
    intel: np.ndarray
    power: np.ndarray
    alignment: np.ndarray
    peer: np.ndarray
    unreliability: float
    us_exports: np.ndarray
    installed: np.ndarray
    price_gap: np.ndarray
    china_exports: np.ndarray
    bri: np.ndarray
    frontline: np.ndarray | float = 0.0
    disposition: np.ndarray | float = 0.0
    declaration: np.ndarray | float = 0.0


def static_terms(x: PolicyInputs, p: dict) -> tuple[np.ndarray, ...]:
    """The terms of :func:`score` that do not change from quarter to quarter by themselves.

    Security, power, trade, the price gap and Belt & Road membership change only with the year,
    an event or a parameter; the model computes these terms once for each such change.

    Returns:
        (w_s·s·g + w_sb·s + w_ι·ι·g + w_pow·power + w_f·f·g + u, w_x·σ·x^US, w_p·gap, w_t·x^CN,
        w_r·r·x^CN, w_b·BRI·(b+c)·(1 − κ·s)). The frontline term and the disposition u are
        added only when switched on (weight or σ_u not 0), and the Belt & Road term is damped
        only when κ > 0, so with them off the numbers are those of the model without them.
    """
    g, sigma = p["us.ally_pressure"], p["us.secondary_sanctions"]
    b, c, r = p["china.bri_discount"], p["china.cooperation"], p["china.retaliation"]
    base = (p["country.w_security"] * x.security * g
            + p["country.w_security_base"] * x.security
            + p["country.w_intel"] * x.intel * g
            + p["country.w_power"] * x.power)
    if p["country.w_frontline"]:
        base = base + p["country.w_frontline"] * x.frontline * g
    if p["country.disposition_sd"]:
        base = base + x.disposition
    bri = p["country.w_bri"] * x.bri * (b + c)
    if p["country.bri_ally_discount"]:
        bri = bri * (1.0 - p["country.bri_ally_discount"] * x.security)
    return (
        base,
        p["country.w_us_exposure"] * sigma * x.us_exports,
        p["country.w_price"] * x.price_gap,
        p["country.w_trade_china"] * x.china_exports,
        p["country.w_retaliation"] * r * x.china_exports,
        bri,
    )


def score(x: PolicyInputs, p: dict, static: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """Deterministic part E_i − C_i of the policy score.

    E_i = w_s·s_i·g + w_sb·s_i + w_ι·ι_i·g + w_pow·power_i + w_f·f_i·g + u_i + w_a·a_i
    + w_peer·peer_i + w_risk·(1 − ρ_china) + w_x·σ·x_i^US and C_i = w_c·h_i·(1 − subsidy)
    + w_p·gap_i + w_t·x_i^CN + w_r·r·x_i^CN + w_b·BRI_i·(b + c)·(1 − κ·s_i), added in this order;
    then the declaration term w_d·d_i(t)·g, only when w_d ≠ 0 (it changes within a year, so it
    is not one of the :func:`static_terms`; with w_d = 0 the numbers are those without it).

    Args:
        x: the per-country inputs.
        p: resolved parameters (flat dict with ``country.*``, ``us.*``, ``china.*`` keys).
        static: :func:`static_terms` of ``x`` and ``p``, if already computed.
    """
    base, us_exposure, price, trade, retaliation, bri = (
        static if static is not None else static_terms(x, p))
    pressure = (
        base
        + p["country.w_alignment"] * x.alignment
        + p["country.w_peer"] * x.peer
        + p["country.w_risk"] * x.unreliability
        + us_exposure
    )
    cost = (
        p["country.w_installed"] * x.installed * (1.0 - p["us.rip_replace_subsidy"])
        + price + trade + retaliation + bri
    )
    out = pressure - cost
    if p["country.w_declaration"]:
        out = out + declaration_term(x, p)
    return out


def declaration_term(x: PolicyInputs, p: dict) -> np.ndarray | float:
    """w_d·d_i(t)·g: a US 5G security declaration times ally pressure (ODD §7.5).

    The signatory's public commitment to a "rigorous evaluation" of suppliers raises its
    propensity to exclude in any form, as the patron's pressure made bilateral.
    """
    return p["country.w_declaration"] * np.asarray(x.declaration, float) * p["us.ally_pressure"]


#: The terms of the policy score, in the order :func:`terms` returns them: exclusion pressure
#: (positive) first, then the costs of exclusion (entered with a negative sign).
TERMS = (
    "security_pressure", "security_base", "intel_sharing", "power", "frontline", "disposition",
    "alignment", "peers", "supply_risk",
    "us_exposure", "declaration",
    "installed_base", "price_gap", "china_trade", "retaliation", "belt_and_road",
)


def terms(x: PolicyInputs, p: dict) -> dict[str, np.ndarray]:
    """The signed contribution of each term to the deterministic score, keyed as in TERMS.

    Their sum is :func:`score` (to rounding): a positive term pushes toward exclusion, a negative
    one against it. This is what explains a decision ("why did Germany restrict in 2024?").

    Args:
        x: the per-country inputs.
        p: resolved parameters.
    """
    g, sigma = p["us.ally_pressure"], p["us.secondary_sanctions"]
    b, c, r = p["china.bri_discount"], p["china.cooperation"], p["china.retaliation"]
    shape = np.shape(x.security)
    out = {
        "security_pressure": p["country.w_security"] * x.security * g,
        "security_base": p["country.w_security_base"] * x.security,
        "intel_sharing": p["country.w_intel"] * x.intel * g,
        "power": p["country.w_power"] * x.power,
        "frontline": p["country.w_frontline"] * x.frontline * g,
        "disposition": x.disposition if p["country.disposition_sd"] else 0.0,
        "alignment": p["country.w_alignment"] * x.alignment,
        "peers": p["country.w_peer"] * x.peer,
        "supply_risk": p["country.w_risk"] * x.unreliability,
        "us_exposure": p["country.w_us_exposure"] * sigma * x.us_exports,
        "declaration": declaration_term(x, p),
        "installed_base": -p["country.w_installed"] * x.installed
        * (1.0 - p["us.rip_replace_subsidy"]),
        "price_gap": -p["country.w_price"] * x.price_gap,
        "china_trade": -p["country.w_trade_china"] * x.china_exports,
        "retaliation": -p["country.w_retaliation"] * r * x.china_exports,
        "belt_and_road": -p["country.w_bri"] * x.bri * (b + c)
        * (1.0 - p["country.bri_ally_discount"] * x.security),
    }
    return {k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in out.items()}


def draw_disposition(s0: np.ndarray, policy0: np.ndarray,
                     thresholds: tuple[float, float | np.ndarray], sd: float,
                     u: np.ndarray) -> np.ndarray:
    """Persistent dispositions u_i, conditioned on the stance each country starts from.

    u_i ~ Normal(0, σ_u) truncated to the interval that puts the start score S̄_i + u_i at the
    country's 2019Q1 level: (−∞, θ_1 − S̄_i] for open, (θ_1 − S̄_i, θ_2 − S̄_i] for restrict and
    (θ_2 − S̄_i, ∞) for ban. A country that excluded before the US campaign thus keeps a score
    that holds its stance without pressure, and an open country cannot start excluding by its
    disposition alone. Drawn by inversion of one uniform per country (deterministic for the
    uniforms).

    Args:
        s0: deterministic start scores S̄_i (2019Q1), shape (C,).
        policy0: start levels (0 open, 1 restrict, 2 ban), shape (C,).
        thresholds: (θ_1, θ_2); θ_2 may be per country (:func:`ban_cutpoints`).
        sd: σ_u ≥ 0; 0 gives u = 0.
        u: uniforms in [0, 1), shape (C,).
    """
    if sd <= 0:
        return np.zeros(np.shape(s0))
    t1, t2 = thresholds
    s0 = np.asarray(s0, float)
    policy0 = np.asarray(policy0)
    lo = np.where(policy0 == OPEN, -np.inf, np.where(policy0 == RESTRICT, t1, t2)) - s0
    hi = np.where(policy0 == OPEN, t1, np.where(policy0 == RESTRICT, t2, np.inf)) - s0
    hi = np.maximum(hi, lo + 1e-9)  # θ_1 = θ_2 leaves restrict an empty interval
    q = np.clip(np.asarray(u, float), 1e-12, 1 - 1e-12)
    return sd * truncated_normal_ppf(q, lo / sd, hi / sd)


def truncated_normal_ppf(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Quantile q of the standard normal truncated to [a, b], accurate deep in either tail.

    Works in logs: for a < 0, log Φ(x) = log(Φ(a) + q·Z) with Z = Φ(b) − Φ(a); for a ≥ 0 the
    mirror image, log Φ(−x) = log(Φ(−b) + (1 − q)·Z), so no probability is ever the
    difference of two numbers close to 1. Only ``scipy.special`` is needed (already loaded by
    the model's imports; ``scipy.stats`` would cost a fresh process ~0.7 s). Agrees with
    ``scipy.stats.truncnorm.ppf`` to ~1e-13 (tested).

    Args:
        q: probabilities in (0, 1).
        a: lower truncation bound in standard units (−inf allowed).
        b: upper bound, b > a (+inf allowed).
    """
    from scipy.special import log_ndtr, ndtr, ndtri_exp

    q, a, b = np.broadcast_arrays(np.asarray(q, float), np.asarray(a, float),
                                  np.asarray(b, float))
    left = a < 0
    # Mirror the right-hand cases so that every bound pair (lo, hi) has lo < 0.
    lo, hi = np.where(left, a, -b), np.where(left, b, -a)
    p = np.where(left, q, 1.0 - q)
    log_lo, log_hi = log_ndtr(lo), log_ndtr(hi)
    with np.errstate(divide="ignore"):
        # log Z: for hi ≤ 0 both masses are small, take log Φ(hi) + log(1 − Φ(lo)/Φ(hi));
        # for hi > 0, Z = 1 − Φ(lo) − Φ(−hi) without cancellation.
        log_mass = np.where(
            hi <= 0,
            log_hi + np.log1p(-np.exp(log_lo - np.where(hi <= 0, log_hi, 0.0))),
            np.log1p(-ndtr(lo) - ndtr(-hi)))
        log_phi = np.minimum(np.logaddexp(log_lo, np.log(p) + log_mass), 0.0)
    x = ndtri_exp(log_phi)
    return np.where(left, x, -x)


def ban_cutpoints(thresholds: tuple[float, float], frontline: np.ndarray | float,
                  security: np.ndarray | float, p: dict,
                  current: np.ndarray | None = None, intel: np.ndarray | float = 0.0,
                  unreliability: float = 0.0,
                  declaration: np.ndarray | float = 0.0,
                  five_eyes: np.ndarray | float = 0.0,
                  by_law: np.ndarray | None = None) -> float | np.ndarray:
    """The ban cut-point θ_2,i of each country: partial proportional odds (generalised logit).

    In the plain (proportional-odds) ordered logit every covariate moves a country toward both
    cut-points alike. Here frontline exposure f_i and security dependence s_i, both times ally
    pressure g, may weigh more at the ban cut-point than at the restriction's (Williams 2006's
    generalised ordered logit): θ_2,i = max(θ_1, θ_2 − g·(δ_f·f_i + δ_s·s_i)). The shift
    changes which excluding states ban, not whether they exclude (P(not open) is untouched); the
    floor θ_1 keeps the levels ordered (at θ_2,i = θ_1 every exclusion is a ban).

    The shift sets the form of a new exclusion: it applies to countries that are open when they
    review (``current`` open); a country that already restricts or bans keeps the plain θ_2, so
    a restriction is not re-decided as a ban (ODD §7.5).

    A third, supply-assurance term lowers the cut-point further by δ_a·ι_i·(1 − ρ̄_china) for
    the intelligence-sharing states (ι_i = 1), whose security agencies assess whether the
    vendor's kit can still be assured once export controls cut its supply (the NCSC's review of
    July 2020): for an open country in full and for a restricting one by the share η
    (``country.assurance_restricting``), since a restriction that rests on assurance is what
    the loss of assurance undoes (the UK's cap of January 2020, its ban of July 2020).

    A US 5G security declaration d_i(t) may shift it too, by δ_d·d_i·g for a signatory open when
    it reviews (``country.ban_shift_declaration``, ODD §7.5): the declarations' supplier
    criteria exclude a class of vendor from the whole network, the shape of a ban. Five Eyes
    membership e_i may shift it by δ_5·e_i·g for a member open when it reviews
    (``country.ban_shift_five_eyes``, ODD §7.5): their signals agencies hold that 5G leaves no
    core to confine a high-risk vendor from.

    A country of the latent class ``by_law`` (a ban-shaped instrument, drawn with probability
    π = ``country.ban_form_share``, ODD §7.5) that is open when it reviews gets θ_2,i = θ_1:
    its new exclusion is a ban.

    Args:
        thresholds: (θ_1, θ_2).
        frontline: f_i, shape (C,) or a scalar.
        security: s_i, shape (C,) or a scalar.
        p: resolved parameters (``country.ban_shift_frontline`` δ_f,
            ``country.ban_shift_security`` δ_s, ``us.ally_pressure`` g,
            ``country.ban_shift_assurance`` δ_a, ``country.assurance_restricting`` η).
        current: the countries' levels before the review, shape (C,); None shifts every
            country's cut-point (by the open countries' rule).
        intel: ι_i, 1.0 for the intelligence-sharing states, shape (C,) or a scalar.
        unreliability: 1 − ρ̄_china, the China bloc's supply unreliability.
        declaration: d_i(t), 1.0 for the signatories of a declaration, shape (C,) or a scalar.
        five_eyes: e_i, 1.0 for the Five Eyes, shape (C,) or a scalar.
        by_law: the countries of the ban-form class, boolean of shape (C,), or None (none).

    Returns:
        θ_2 itself (a float) when δ_f = δ_s = δ_a = δ_d = δ_5 = 0 and no country is of the
        ban-form class, so the model without them is bit-identical; otherwise an array of shape
        (C,).
    """
    t1, t2 = thresholds
    d_f, d_s = p["country.ban_shift_frontline"], p["country.ban_shift_security"]
    d_a, d_d = p["country.ban_shift_assurance"], p["country.ban_shift_declaration"]
    d_5 = p["country.ban_shift_five_eyes"]
    law = by_law is not None and bool(np.any(by_law))
    if not (d_f or d_s or d_a or d_d or d_5 or law):
        return t2
    g = max(float(p["us.ally_pressure"]), 0.0)
    shift = g * (d_f * np.asarray(frontline, float) + d_s * np.asarray(security, float))
    if d_d:
        shift = shift + g * d_d * np.asarray(declaration, float)
    if d_5:
        shift = shift + g * d_5 * np.asarray(five_eyes, float)
    if current is not None:
        shift = np.where(np.asarray(current) == OPEN, shift, 0.0)
    if d_a:
        assurance = d_a * max(float(unreliability), 0.0) * np.asarray(intel, float)
        if current is not None:
            cur = np.asarray(current)
            assurance = assurance * np.where(
                cur == OPEN, 1.0,
                np.where(cur == RESTRICT, float(p["country.assurance_restricting"]), 0.0))
        shift = shift + assurance
    cut = np.maximum(float(t1), float(t2) - shift)
    if law:
        opened = np.ones(len(by_law), bool) if current is None else np.asarray(current) == OPEN
        cut = np.where(np.asarray(by_law) & opened, float(t1), cut)
    return cut


def ordered_probabilities(s: np.ndarray, thresholds: tuple[float, float | np.ndarray],
                          scale: float) -> np.ndarray:
    """Ordered-logit probabilities of open, restrict and ban for a score without hysteresis.

    Args:
        s: deterministic score E − C, shape (C,).
        thresholds: (θ_1, θ_2) with θ_1 ≤ θ_2; θ_2 may be per country (:func:`ban_cutpoints`).
        scale: logistic scale of ε.

    Returns:
        Shape (C, 3), rows summing to 1.
    """
    t1, t2 = thresholds
    above1 = 1.0 / (1.0 + np.exp(-(s - t1) / scale))  # P(S > θ_1)
    above2 = 1.0 / (1.0 + np.exp(-(s - t2) / scale))  # P(S > θ_2)
    return np.stack([1.0 - above1, above1 - above2, above2], axis=1)


def hysteresis_pair(thresholds: tuple[float, float | np.ndarray], h: float,
                    h_ban: float) -> tuple[float, float | np.ndarray]:
    """(h_1, h_2) for :func:`update_policy`: a ban is never easier to lift than a restriction.

    A ban is kept while S > θ_2 − h_2 with h_2 = max(h_ban, θ_2 − θ_1 + h), so its floor is at
    most the restriction's, θ_1 − h: a lifted ban would otherwise fall to a restriction the
    country keeps while its ban lapses, and with a high θ_2 a ban could lapse at scores where a
    restriction holds. No ban or restriction was lifted in the record (2019-2021, and later).
    With per-country cut-points θ_2,i (:func:`ban_cutpoints`) h_2 is per country too.
    """
    t1, t2 = thresholds
    if np.ndim(t2):
        return float(h), np.maximum(float(h_ban), np.asarray(t2, float) - t1 + h)
    return float(h), float(max(h_ban, t2 - t1 + h))


def review_chance(psi: float, attention: float, settled: np.ndarray,
                  last: np.ndarray) -> float | np.ndarray:
    """Each country's chance to review its policy this quarter (ODD §7.5, attention).

    A government attends to a settled policy when its case changes (punctuated equilibrium:
    Baumgartner & Jones 1993; Jones & Baumgartner 2005): with attention α > 0 the chance is
    1 − (1 − ψ)·exp(−α·|S̄_i − S̄_i,last|), S̄_i the country's settled score now (without the
    shock) and S̄_i,last its value at the country's last review. Reviews then cluster after a
    lever moves the scores and thin out while the levers hold (to ψ plus what the slow drift
    since the last review adds). α = 0 is the constant ψ.

    Args:
        psi: ψ, the chance while the case is unchanged.
        attention: α ≥ 0, per unit of score.
        settled: S̄_i now, shape (C,).
        last: S̄_i at each country's last review, shape (C,).
    """
    if not attention:
        return psi
    moved = np.abs(np.asarray(settled, dtype=float) - np.asarray(last, dtype=float))
    return 1.0 - (1.0 - psi) * np.exp(-attention * moved)


def update_policy(
    policy: np.ndarray,
    s: np.ndarray,
    thresholds: tuple[float, float | np.ndarray],
    hysteresis: float | tuple[float, float | np.ndarray],
    review: np.ndarray,
) -> np.ndarray:
    """New policy levels of reviewing countries, with hysteresis.

    A reviewing country moves up to the highest level whose threshold its (noisy) score exceeds
    (up = #{k: S > θ_k}). It keeps a ban while S > θ_2 − h_2 and a restriction while
    S > θ_1 − h_1; a lifted ban falls to restrict or open by the restriction's rule:
    new = max(up, keep), keep = 2 if banned and S > θ_2 − h_2, else 1 if at least restricted and
    S > θ_1 − h_1, else 0. With one h for both levels this is min(max(current, up), down),
    down = #{k: S > θ_k − h}.

    Args:
        policy: current levels (0 open, 1 restrict, 2 ban), shape (C,).
        s: noisy score S_i, shape (C,).
        thresholds: (θ_1, θ_2); θ_2 may be per country, shape (C,) (:func:`ban_cutpoints`).
        hysteresis: h ≥ 0 for both levels, or (h_1, h_2): lifting a restriction and lifting a
            ban (a ban is a law; repealing it takes more than a restriction's undoing); h_2 may
            be per country.
        review: True where the country reviews its policy this quarter.
    """
    h1, h2 = (tuple(hysteresis) if isinstance(hysteresis, tuple | list)
              else (hysteresis, hysteresis))
    t1, t2 = thresholds
    s = np.asarray(s, dtype=float)
    return kernels.update_policy(np.asarray(policy), s, float(t1),
                                 np.broadcast_to(np.asarray(t2, dtype=float), s.shape),
                                 float(h1), np.broadcast_to(np.asarray(h2, dtype=float), s.shape),
                                 np.broadcast_to(np.asarray(review, dtype=bool), s.shape))


def escalate(policy: np.ndarray, rate: float, pressure: float, unreliability: float,
             security: np.ndarray, eligible: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Escalation (a ratchet): a restriction hardens into a ban with a hazard per quarter.

    Under sustained US pressure a restriction is a step on a ladder, not a resting place: the
    UK's 35 % cap of January 2020 became a ban in July 2020 once the FDPR cut Huawei's chip
    supply; Sweden's and Estonia's conditions became exclusion; the EU Toolbox's restrictions
    were followed by the Commission's call of June 2023 to exclude. A restricting, eligible
    country bans this quarter with probability q_i = 1 − exp(−λ·g·(1 − ρ_china)·s_i): the hazard
    grows with ally pressure g, with the vendor's supply unreliability and with the country's
    security dependence on the US s_i. The ratchet only tightens (a ban is kept by the ordered
    rule's hysteresis, :func:`hysteresis_pair`); open countries and bans are untouched.

    Args:
        policy: levels after this quarter's review (0 open, 1 restrict, 2 ban), shape (C,).
        rate: λ ≥ 0 (0 switches the ratchet off and returns ``policy`` unchanged).
        pressure: ally pressure g.
        unreliability: 1 − ρ_china.
        security: s_i in [0, 1], shape (C,).
        eligible: True where the country may change its policy (not locked), shape (C,).
        u: uniforms in [0, 1), shape (C,).

    Returns:
        New levels, shape (C,).
    """
    policy = np.asarray(policy)
    if rate <= 0:
        return policy
    exposure = max(float(pressure), 0.0) * max(float(unreliability), 0.0)
    q = 1.0 - np.exp(-rate * exposure * np.clip(np.asarray(security, float), 0.0, None))
    hardens = (policy == RESTRICT) & np.asarray(eligible, bool) & (np.asarray(u, float) < q)
    return np.where(hardens, BAN, policy).astype(policy.dtype)


def target_alignment(
    security: np.ndarray, us_exports: np.ndarray, china_exports: np.ndarray, bri: np.ndarray,
    p: dict,
) -> np.ndarray:
    """Target alignment tanh(γ·(pull_US − pull_CN)) in (−1, 1).

    The pulls follow the IMF's 'preferential attachment' (Cerdeiro et al. 2021): each country leans
    to the hub it trades with most, plus the hub that protects it (s_i, raised by ally pressure g)
    or pays it (Belt & Road finance b and cooperation c).
    """
    pull_us = security * (1.0 + p["us.ally_pressure"]) + us_exports
    pull_cn = china_exports + bri * (p["china.bri_discount"] + p["china.cooperation"])
    return np.tanh(p["country.alignment_gain"] * (pull_us - pull_cn))


def drift_alignment(alignment: np.ndarray, target: np.ndarray, speed: float) -> np.ndarray:
    """One quarter of alignment drift: a ← a + ν·(a* − a)."""
    return alignment + speed * (target - alignment)
