"""Compiled kernels of the quarterly step (Numba), one loop per mechanism over the agents' rows.

A quarter of the default world is a few hundred operators and two hundred countries: as NumPy
array operations it is some 400 calls of a few microseconds each, most of the time spent in call
overhead rather than arithmetic. These kernels do the same arithmetic in one compiled pass over the
rows, in the same order of operations as the array formulas they replace (documented beside each
mechanism), so the results agree with those formulas to the last bit except where ``exp`` or
``log`` is taken: NumPy's vectorised versions and the C library's (used here) differ in the last
bit for a few values in a hundred. Gumbel variates are computed with the C library's ``log``
exactly as ``numpy.random.Generator.gumbel`` computes them, so every random decision is the one
NumPy's own Gumbel draws would give.

Kernels are compiled on first use and cached beside this file (``cache=True``); the first run on
a new machine pays the compilation, about a second or two.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

NEG = -np.inf


@njit(cache=True)
def _gumbel(u: float) -> float:
    """``Generator.gumbel``'s variate of the uniform ``u``: 0 − log(−log(1 − u))."""
    return 0.0 - math.log(-math.log(1.0 - u))


@njit(cache=True)
def _inclusive(z, nests, n_nests, mu, lam, m_safe, iv):
    """Nest maxima (0 where a nest has nothing) and inclusive values of one row, in place.

    ``z`` holds U/(μλ), −inf where unavailable. IV_k = μλ·(ln Σ_{v∈k} exp(z_v − m_k) + m_k),
    −inf for an empty nest; the sums run over each nest's vendors in increasing column order.
    """
    n_v = z.size
    for k in range(n_nests):
        m = NEG
        for v in range(n_v):
            if nests[v] == k and z[v] > m:
                m = z[v]
        m_safe[k] = m if math.isfinite(m) else 0.0
    for k in range(n_nests):
        total = 0.0
        for v in range(n_v):
            if nests[v] == k:
                total += math.exp(z[v] - m_safe[k])
        iv[k] = mu * lam * (math.log(total) + m_safe[k]) if total > 0.0 else NEG


@njit(cache=True)
def _gumbel_max(z, iv, nests, n_nests, mu, alt, nest, uniforms):
    """Best nest by IV_k/μ + G_k, then best vendor in it by z_v + G_v; −1 if nothing is available.

    ``alt`` (V,) and ``nest`` (K,) are standard Gumbel draws, or with ``uniforms`` the uniforms
    they come from (:func:`_gumbel`): then only the variates that matter are computed, those of
    the available nests and of the winning nest's vendors. Ties go to the first index, as
    ``argmax`` does.
    """
    k_star, best = -1, NEG
    for k in range(n_nests):
        if math.isfinite(iv[k]):
            s = iv[k] / mu + (_gumbel(nest[k]) if uniforms else nest[k])
            if k_star < 0 or s > best:
                k_star, best = k, s
    if k_star < 0:
        return -1
    choice, best = -1, NEG
    for v in range(z.size):
        if nests[v] == k_star:
            s = z[v] + (_gumbel(alt[v]) if uniforms else alt[v])
            if choice < 0 or s > best:
                choice, best = v, s
    return choice


@njit(cache=True)
def _probability(z, iv, avail, nests, n_nests, mu, lam, v):
    """Nested-logit probability of vendor ``v`` given the row's z and IV (0 if unavailable).

    P(v) = exp(IV_k/μ − ln Σ_j exp(IV_j/μ)) · exp(z_v − IV_k/(μλ)), k the nest of v.
    """
    if not avail[v]:
        return 0.0
    m = NEG
    for k in range(n_nests):
        a = iv[k] / mu
        if a > m:
            m = a
    m_safe = m if math.isfinite(m) else 0.0
    total = 0.0
    for k in range(n_nests):
        total += math.exp(iv[k] / mu - m_safe)
    if total == 0.0:
        return 0.0
    top = math.log(total) + m_safe
    if not math.isfinite(top):
        return 0.0
    k = nests[v]
    p_nest = math.exp(iv[k] / mu - top)
    p_within = math.exp(z[v] - (iv[k] / (mu * lam) if math.isfinite(iv[k]) else 0.0))
    return p_nest * p_within


@njit(cache=True)
def _award_row(u, avail, nests, n_nests, mu, lam, dual, g_alt1, g_nest1, g_alt2, g_nest2,
               uniforms, out, work, avail2, split=False, s1=1.0, s2=0.0):
    """One operator's contract shares, written into ``out``; returns their sum.

    The nested-logit draw by Gumbel-max at both levels; with ``dual``, a second draw without the
    first vendor, the two splitting the contract in proportion to their nested-logit
    probabilities in the first draw's choice set (:func:`sim.mechanisms.choice.award`); with
    ``split``, the first three of the ranking in shares s1, s2, 1 − s1 − s2, the third the
    runner-up of the second draw (:func:`sim.mechanisms.choice.split_award`). The ``g_*`` are
    Gumbel draws, or their uniforms (see :func:`_gumbel_max`). ``work`` is scratch space of at
    least 3·V + 3·K floats, ``avail2`` of V booleans.
    """
    n_v = u.size
    scale = mu * lam
    z, z2 = work[:n_v], work[n_v:2 * n_v]
    m_safe = work[2 * n_v:2 * n_v + n_nests]
    iv, iv2 = work[2 * n_v + n_nests:2 * n_v + 2 * n_nests], work[2 * n_v + 2 * n_nests:]
    for v in range(n_v):
        z[v] = (u[v] if avail[v] else NEG) / scale
        out[v] = 0.0
    _inclusive(z, nests, n_nests, mu, lam, m_safe, iv)
    first = _gumbel_max(z, iv, nests, n_nests, mu, g_alt1, g_nest1, uniforms)
    if first < 0:
        return 0.0
    out[first] = 1.0
    if split or dual:  # the second draw, without the first vendor
        for v in range(n_v):
            avail2[v] = avail[v] and v != first
            z2[v] = z[v] if avail2[v] else NEG
        _inclusive(z2, nests, n_nests, mu, lam, m_safe, iv2)
        second = _gumbel_max(z2, iv2, nests, n_nests, mu, g_alt2, g_nest2, uniforms)
        if second >= 0 and split:
            out[first], out[second], avail2[second], z2[second] = s1, s2, False, NEG
            _inclusive(z2, nests, n_nests, mu, lam, m_safe, iv2)
            third = _gumbel_max(z2, iv2, nests, n_nests, mu, g_alt2, g_nest2, uniforms)
            if third >= 0:
                out[third] = 1.0 - s1 - s2
            else:  # two vendors available: they split the contract in the ratio s1 : s2
                out[first], out[second] = s1 / (s1 + s2), s2 / (s1 + s2)
        elif second >= 0:
            p1 = _probability(z, iv, avail, nests, n_nests, mu, lam, first)
            p2 = _probability(z, iv, avail, nests, n_nests, mu, lam, second)
            w1 = p1 / (p1 + p2)
            out[first] = w1
            out[second] = 1.0 - w1
    total = out[0]
    for v in range(1, n_v):
        total += out[v]
    return total


@njit(cache=True)
def award_gumbel(u, available, nests, n_nests, mu, lam, dual_prob, g_alt1, g_nest1, g_alt2,
                 g_nest2, dual_u, split=False, s1=1.0, s2=0.0):
    """Contract shares of every row of ``u`` given standard Gumbel draws, (O, V).

    Args:
        u: systematic utilities, (O, V).
        available: allowed vendors, (O, V).
        nests: nest of each vendor, (V,).
        n_nests: number of nests K.
        mu: Gumbel scale μ.
        lam: nest dissimilarity λ.
        dual_prob: probability of a dual award, decided by ``dual_u < dual_prob``.
        g_alt1: standard Gumbel draws of the first draw over vendors, (O, V).
        g_nest1: of the first draw over nests, (O, K).
        g_alt2: of the second draw over vendors, (O, V).
        g_nest2: of the second draw over nests, (O, K).
        dual_u: uniforms, (O,).
        split: every row awards by rank split (shares ``s1``, ``s2``, 1 − s1 − s2).
        s1: the first-ranked vendor's share of a rank-split award.
        s2: the second-ranked vendor's share.
    """
    n_o, n_v = u.shape
    shares = np.empty((n_o, n_v))
    work = np.empty(3 * n_v + 3 * n_nests)
    avail2 = np.empty(n_v, dtype=np.bool_)
    for o in range(n_o):
        _award_row(u[o], available[o], nests, n_nests, mu, lam, dual_u[o] < dual_prob,
                   g_alt1[o], g_nest1[o], g_alt2[o], g_nest2[o], False, shares[o], work,
                   avail2, split, s1, s2)
    return shares


@njit(cache=True)
def gumbel(u):
    """``Generator.gumbel``'s variates of the non-zero uniforms ``u``, bit for bit (any shape)."""
    out = np.empty(u.shape)
    flat_u, flat = u.ravel(), out.ravel()
    for i in range(flat_u.size):
        flat[i] = _gumbel(flat_u[i])
    return out


@njit(cache=True)
def award_rows(rows, log_price, quality, installed4, sites, peer_cn, op_country, unreliability,
               us_exposure, restricted, alignment, china, bloc_sign, home, banned, nests,
               n_nests, coef, mu, lam, dual_prob, u_alt1, u_nest1, u_alt2, u_nest2, u_row,
               dual_u, award, award_total, split, s1, s2):
    """New contract shares of the tendering operators ``rows``, written into ``award``.

    Per row o: the utility of each vendor (:func:`sim.mechanisms.choice.utilities`, term by
    term in its order), then :func:`_award_row` with the row's uniforms, of which only the
    Gumbel variates that can matter are computed.

    Args:
        rows: tendering operators, increasing, shape (R,).
        log_price: ln p by country and vendor, (C, V).
        quality: effective quality q·ρ^κ, (V,).
        installed4: 4G installed base by vendor, (O, V).
        sites: 5G sites by vendor, (O, V).
        peer_cn: China-bloc share of each country's peers' networks, (C,).
        op_country: country index of each operator, (O,).
        unreliability: 1 − ρ, (V,).
        us_exposure: e_o, (O,).
        restricted: 1.0 where the operator's country restricts, (O,).
        alignment: a_i per country, (C,).
        china: China-bloc mask, (V,).
        bloc_sign: +1 west, −1 China bloc, (V,).
        home: +1 for an operator of the US hub, −1 of the China hub, 0 elsewhere, (O,).
        banned: True where the operator's country bans China-bloc vendors, (O,).
        nests: nest of each vendor, (V,).
        n_nests: number of nests K.
        coef: β_price, β_quality, β_lockin, β_peer, β_risk, β_sanction·σ, β_restrict,
            β_alignment, β_home.
        mu: Gumbel scale μ.
        lam: nest dissimilarity λ.
        dual_prob: probability of a dual award.
        u_alt1: uniforms of the first draw over vendors, row ``u_row[j]`` for row j, (·, V).
        u_nest1: uniforms of the first draw over nests, (·, K).
        u_alt2: uniforms of the second draw over vendors, (·, V).
        u_nest2: uniforms of the second draw over nests, (·, K).
        u_row: the row of the uniforms of each of ``rows``, (R,) (``GumbelBlock.index``).
        dual_u: the rows' uniforms deciding a dual award, (R,).
        award: contract shares, (O, V); rows ``rows`` overwritten.
        award_total: their row sums, (O,); entries ``rows`` overwritten.
        split: True where the operator awards by rank split (a state-planned tender), (O,).
        s1: the first-ranked vendor's share of a rank-split award.
        s2: the second-ranked vendor's share (the third takes 1 − s1 − s2).
    """
    n_v = log_price.shape[1]
    b_price, b_quality, b_lockin, b_peer, b_risk = coef[0], coef[1], coef[2], coef[3], coef[4]
    b_sanction, b_restrict, b_align, b_home = coef[5], coef[6], coef[7], coef[8]
    u = np.empty(n_v)
    avail = np.empty(n_v, dtype=np.bool_)
    installed = np.empty(n_v)
    work = np.empty(3 * n_v + 3 * n_nests)
    avail2 = np.empty(n_v, dtype=np.bool_)
    for j in range(rows.size):
        o = rows[j]
        c = op_country[o]
        base = 0.0
        for v in range(n_v):
            installed[v] = installed4[o, v] + sites[o, v]
            base += installed[v]
        for v in range(n_v):
            cn = 1.0 if china[v] else 0.0
            lockin = installed[v] / base if base > 0.0 else 0.0
            peer = peer_cn[c] if china[v] else 1.0 - peer_cn[c]
            hub = 1.0 if home[o] * bloc_sign[v] > 0 else 0.0
            u[v] = ((((((((-b_price * log_price[c, v] + b_quality * quality[v])
                          + b_lockin * lockin) + b_peer * peer) - b_risk * unreliability[v])
                       - b_sanction * us_exposure[o] * cn) - b_restrict * restricted[o] * cn)
                     + b_align * alignment[c] * bloc_sign[v]) + b_home * hub)
            avail[v] = not (banned[o] and china[v])
        r = u_row[j]
        award_total[o] = _award_row(u, avail, nests, n_nests, mu, lam, dual_u[j] < dual_prob,
                                    u_alt1[r], u_nest1[r], u_alt2[r], u_nest2[r], True,
                                    award[o], work, avail2, split[o], s1, s2)


@njit(cache=True)
def enterprise_step(state, country, pull, hazard, us_term, cn_term, incumbent, noise, review,
                    adopt_u, review_u, shock, shock_uniform, adopted, china):
    """One quarter of enterprise adoption and review, in place, with the per-country counts.

    Per firm n of country i (:func:`sim.mechanisms.enterprises.step`, term by term in its
    order): ΔV = D_i − us_term_n + cn_term_n + incumbent[state_n] + μ_e·ε_n; a firm acts if it
    has adopted and reviews (``review_u < review``) or has not and adopts (``adopt_u < h_i``),
    and an acting firm takes the China bloc where ΔV > 0, else the west.

    Args:
        state: adoption state per firm (0 none, 1 west, 2 china), int8, updated in place.
        country: country index per firm.
        pull: D_i per country.
        hazard: adoption hazard h_i per country.
        us_term: (w_x·σ + w_x0)·e_n^US per firm.
        cn_term: w_xc·e_n^CN per firm.
        incumbent: β_sw·inc by state code, (3,).
        noise: μ_e.
        review: review hazard per quarter.
        adopt_u: uniforms deciding adoption, (N,).
        review_u: uniforms deciding a review, (N,).
        shock: standard logistic draws ε, (N,); with ``shock_uniform``, the non-zero uniforms
            U they come from: ε = log(U/(1 − U)), as ``Generator.logistic`` computes it (with
            the C library's log), computed only for the firms that act.
        shock_uniform: whether ``shock`` holds uniforms.
        adopted: adopters per country, written (C,).
        china: China-bloc adopters per country, written (C,).
    """
    n_c = adopted.size
    west_n = np.zeros(n_c, dtype=np.int64)
    china_n = np.zeros(n_c, dtype=np.int64)
    for n in range(state.size):
        i = country[n]
        s = state[n]
        if s != 0:
            act = review_u[n] < review
        else:
            act = adopt_u[n] < hazard[i]
        if act:
            dv = pull[i]
            dv -= us_term[n]
            dv += cn_term[n]
            dv += incumbent[s]
            if shock_uniform:
                x = shock[n]
                dv += noise * (0.0 + 1.0 * math.log(x / (1.0 - x)))
            else:
                dv += noise * shock[n]
            s = 2 if dv > 0 else 1
            state[n] = s
        if s == 1:
            west_n[i] += 1
        elif s == 2:
            china_n[i] += 1
    for i in range(n_c):
        china[i] = china_n[i]
        adopted[i] = west_n[i] + china[i]


def roll_out(sites, award, award_total, frac, removal_rate, remove, china, removal_drag, target,
             p, q, active, prices, op_country, by_country, contracts):
    """:func:`_roll_out` with ``p`` and ``q`` given per operator or as one number for all."""
    n_o = sites.shape[0]
    p = np.broadcast_to(np.asarray(p, dtype=np.float64), (n_o,))
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), (n_o,))
    return _roll_out(sites, award, award_total, frac, removal_rate, remove, china, removal_drag,
                     target, p, q, active, prices, op_country, by_country, contracts)


@njit(cache=True)
def _roll_out(sites, award, award_total, frac, removal_rate, remove, china, removal_drag, target,
             p, q, active, prices, op_country, by_country, contracts):
    """One quarter of each operator's sites: refresh, removal under a ban, Bass roll-out.

    Per operator, in this order (the formulas of :mod:`sim.mechanisms.rollout`, term by term):

    - refresh (:func:`~sim.mechanisms.rollout.refresh`): a share ``frac`` = 1/(4·life) of the
      sites is replaced with the award's vendors (nothing without an award);
    - removal (:func:`~sim.mechanisms.rollout.remove`), where ``removal_rate`` > 0 and
      ``remove``: up to that many China-bloc sites are removed and rebuilt with the (west-only)
      award; an operator with a removal rate and China-bloc sites left builds new sites
      ``removal_drag`` slower;
    - roll-out (:func:`~sim.mechanisms.rollout.bass_increment`): (p + q·N/m)/4, capped at 1,
      times (m − N)⁺ and (1 − drag) new sites for a launched operator, split by the award;
      p and q are the operator's own (state-planned roll-outs run at their own speed).

    Sites bought (refreshed, rebuilt and new) are paid at the operator's prices.

    Args:
        sites: 5G sites by vendor, (O, V).
        award: contract shares, (O, V).
        award_total: the award's row sums, (O,).
        frac: share refreshed this quarter.
        removal_rate: China-bloc sites to remove this quarter, (O,); 0 for none.
        remove: whether removal is on (``mechanisms.removal``).
        china: China-bloc mask, (V,).
        removal_drag: share of roll-out speed lost while removing.
        target: site target m, (O,).
        p: annual Bass coefficient of innovation per operator, (O,).
        q: annual Bass coefficient of imitation per operator, (O,).
        active: True after launch, (O,).
        prices: effective price by country and vendor, (C, V).
        op_country: country of each operator, (O,).
        by_country: receives the sites by country and vendor, (C, V).
        contracts: receives the operators holding an award of each vendor, (V,).

    Returns:
        (the new sites, a new array (O, V); revenue by vendor (V,); China-bloc sites removed).
        Sums over operators run in operator order.
    """
    n_o, n_v = sites.shape
    new_sites = np.empty((n_o, n_v))
    revenue = np.zeros(n_v)
    by_country[:] = 0.0
    contracts[:] = 0
    out = np.empty(n_v)
    bought = np.empty(n_v)
    removed_total = 0.0
    for o in range(n_o):
        s = new_sites[o]
        has = award_total[o] > 0
        total = 0.0
        for v in range(n_v):  # refresh
            out[v] = sites[o, v] * frac if has else 0.0
            total = out[v] if v == 0 else total + out[v]
        for v in range(n_v):
            b = total * award[o, v]
            bought[v] = b
            s[v] = (sites[o, v] - out[v]) + b
        drag = 0.0
        rate = removal_rate[o]
        if rate > 0:
            if remove:  # removal
                cn_total, first = 0.0, True
                for v in range(n_v):
                    if china[v]:
                        cn_total = s[v] if first else cn_total + s[v]
                        first = False
                removed = min(rate, cn_total)
                keep = (cn_total - removed) / cn_total if cn_total > 0 else 1.0
                rebuilt = removed if has else 0.0
                for v in range(n_v):
                    if china[v]:
                        s[v] = s[v] * keep
                    r = rebuilt * award[o, v]
                    s[v] = s[v] + r
                    bought[v] += r
                removed_total += removed
            left = 0.0
            for v in range(n_v):
                if china[v]:
                    left += s[v]
            if left > 0:
                drag = removal_drag
        built = s[0]
        for v in range(1, n_v):
            built += s[v]
        new = 0.0
        if active[o]:  # roll-out
            m = target[o]
            share = built / m if m > 0 else 0.0
            speed = min(1.0, (p[o] + q[o] * share) / 4.0)
            new = speed * max(m - built, 0.0) * (1.0 - drag)
        c = op_country[o]
        for v in range(n_v):
            a = award[o, v]
            add = new * a
            x = s[v] + add
            s[v] = x
            revenue[v] += prices[c, v] * (bought[v] + add)
            by_country[c, v] += x
            if a > 0:
                contracts[v] += 1
    return new_sites, revenue, removed_total


@njit(cache=True)
def device_units(base, w_eco, eco, supply, noise, quarter_units, market, abroad, units, sold,
                 by_market, sold_abroad):
    """Handsets sold per country and maker by the buyers' logit, with their sums.

    U_if = base_if + w_E,i·E_f + supply_f (:func:`sim.mechanisms.devices.add_utilities`),
    s_if = exp(U_if/μ − max_f U_if/μ) / Σ_f of the same (absent makers, U = −inf, get 0), and
    units_if = quarter_units_i·s_if. The sums run over countries in order.

    Args:
        base: α_{m(i)f} − β_d,i·ln asp_f, (C, F).
        w_eco: w_E,i, (C,).
        eco: E_f, (F,).
        supply: β_S·ln ρ_f, (F,).
        noise: μ_d.
        quarter_units: handsets bought per country this quarter, (C,).
        market: market of each country, (C,).
        abroad: True for countries outside China, (C,).
        units: receives the units, (C, F).
        sold: receives the units per maker, (F,).
        by_market: receives the units per market and maker, (M, F).
        sold_abroad: receives the units per maker outside China, (F,).
    """
    n_c, n_f = base.shape
    z = np.empty(n_f)
    sold[:] = 0.0
    by_market[:] = 0.0
    sold_abroad[:] = 0.0
    for i in range(n_c):
        top = NEG
        for f in range(n_f):
            x = (base[i, f] + w_eco[i] * eco[f] + supply[f]) / noise
            z[f] = x
            if x > top:
                top = x
        total = 0.0
        for f in range(n_f):
            e = math.exp(z[f] - top)
            z[f] = e
            total += e
        q, k = quarter_units[i], market[i]
        for f in range(n_f):
            x = q * (z[f] / total)
            units[i, f] = x
            sold[f] += x
            by_market[k, f] += x
            if abroad[i]:
                sold_abroad[f] += x


@njit(cache=True)
def update_policy(policy, s, t1, t2, h1, h2, review):
    """New policy levels with per-level hysteresis (:func:`sim.mechanisms.policy.update_policy`).

    For a reviewing country: up = [S > θ_1] + [S > θ_2]; keep = 2 if banned and S > θ_2 − h_2,
    else 1 if at least restricted and S > θ_1 − h_1, else 0; new = max(up, keep). Others keep
    their level.

    Args:
        policy: current levels (0 open, 1 restrict, 2 ban), (C,).
        s: noisy score S, (C,).
        t1: θ_1.
        t2: θ_2,i per country, (C,) (one value repeated without the ban cut-point shift).
        h1: hysteresis of a restriction.
        h2: hysteresis of a ban per country, (C,).
        review: True where the country reviews, (C,).

    Returns:
        The new levels, a new array of ``policy``'s dtype.
    """
    out = policy.copy()
    lo1 = t1 - h1
    for i in range(policy.size):
        if review[i]:
            x = s[i]
            up = (1 if x > t1 else 0) + (1 if x > t2[i] else 0)
            cur = policy[i]
            keep = 2 if (cur == 2 and x > t2[i] - h2[i]) else (1 if (cur >= 1 and x > lo1) else 0)
            out[i] = max(up, keep)
    return out


@njit(cache=True)
def policy_scores(base, us_exposure, price, trade, retaliation, bri, alignment, w_alignment,
                  peer, w_peer, risk, installed, w_installed, kept, noise, shock):
    """Noisy policy scores S_i = E_i − C_i + μ·ε_i (:func:`sim.mechanisms.policy.score`).

    The terms are added in that function's order: E = base + w_a·a + w_peer·peer + risk +
    us_exposure, C = w_c·h·kept + price + trade + retaliation + bri, so the scores are its own
    to the last bit.

    Args:
        base: w_s·s·g + w_sb·s + w_ι·ι·g + w_pow·power, (C,).
        us_exposure: w_x·σ·x^US, (C,).
        price: w_p·gap, (C,).
        trade: w_t·x^CN, (C,).
        retaliation: w_r·r·x^CN, (C,).
        bri: w_b·BRI·(b + c), (C,).
        alignment: a_i, (C,).
        w_alignment: w_a.
        peer: share of peers excluding, (C,).
        w_peer: w_peer.
        risk: w_risk·(1 − ρ_china), a scalar.
        installed: h_i, (C,).
        w_installed: w_c.
        kept: 1 − the rip-and-replace subsidy.
        noise: μ, the scale of the shock.
        shock: standard logistic ε_i, (C,).
    """
    n = base.size
    out = np.empty(n)
    for i in range(n):
        pressure = (((base[i] + w_alignment * alignment[i]) + w_peer * peer[i]) + risk
                    + us_exposure[i])
        cost = ((((w_installed * installed[i]) * kept + price[i]) + trade[i]) + retaliation[i]
                + bri[i])
        out[i] = (pressure - cost) + noise * shock[i]
    return out


@njit(cache=True)
def enterprise_country_terms(network_china, coverage, alignment, policy, adopted, china, count,
                             coef):
    """Per country: the China-bloc pull D_i and the adoption hazard h_i of its enterprises.

    D_i = α_e + w_n·(2·n_i − 1) − w_ae·a_i − w_P·[P_i ≥ restrict] + w_pe·(2·c_i − 1), with c_i
    the China-bloc share of the adopters (0.5 if none), and h_i = min(1, (p_e + q_e·A_i)/4 ·
    (φ + (1 − φ)·coverage_i)), A_i the share adopted: the formulas of
    :func:`sim.mechanisms.enterprises.country_pull` and
    :func:`~sim.mechanisms.enterprises.adoption_hazard`, term by term in their order.

    Args:
        network_china: n_i, China-bloc share of the network in service, (C,).
        coverage: 5G coverage, (C,).
        alignment: a_i, (C,).
        policy: policy level, (C,).
        adopted: adopters, (C,).
        china: China-bloc adopters, (C,).
        count: firms, (C,).
        coef: α_e, w_n, w_ae, w_P, w_pe, p_e, q_e, φ.

    Returns:
        (pull, hazard), each (C,).
    """
    n = network_china.size
    pull, hazard = np.empty(n), np.empty(n)
    alpha, w_n, w_a, w_p, w_pe, p, q, phi = (coef[0], coef[1], coef[2], coef[3], coef[4],
                                              coef[5], coef[6], coef[7])
    for i in range(n):
        share_cn = china[i] / adopted[i] if adopted[i] > 0 else 0.5
        excluding = 1.0 if policy[i] >= 1 else 0.0
        pull[i] = ((((alpha + w_n * (2 * network_china[i] - 1)) - w_a * alignment[i])
                    - w_p * excluding) + w_pe * (2 * share_cn - 1))
        a = adopted[i] / count[i]
        hazard[i] = min(1.0, (p + q * a) / 4.0 * (phi + (1.0 - phi) * coverage[i]))
    return pull, hazard


@njit(cache=True)
def tenders(renew_u, renew_prob, launch, t, award_total, banned, award, china):
    """The operators that tender this quarter, and which have launched 5G.

    An operator that has launched (launch ≤ t) tenders at its launch, when its contract comes
    up for renewal (``renew_u < renew_prob``), while it holds no award, and when its country
    bans a China-bloc vendor it holds a contract with.

    Args:
        renew_u: uniforms, (O,).
        renew_prob: probability of a renewal this quarter, 1/(4·contract years).
        launch: the quarter index of each operator's launch, (O,).
        t: this quarter's index.
        award_total: the award's row sums, (O,).
        banned: True where the operator's country bans China-bloc vendors, (O,).
        award: contract shares, (O, V).
        china: China-bloc mask, (V,).

    Returns:
        (indices of the tendering operators in increasing order, active mask (O,)).
    """
    n_o, n_v = award.shape
    active = np.empty(n_o, dtype=np.bool_)
    rows = np.empty(n_o, dtype=np.int64)
    k = 0
    for o in range(n_o):
        on = launch[o] <= t
        active[o] = on
        if not on:
            continue
        tender = launch[o] == t or renew_u[o] < renew_prob or award_total[o] == 0
        if not tender and banned[o]:
            for v in range(n_v):
                if china[v] and award[o, v] > 0:
                    tender = True
        if tender:
            rows[k] = o
            k += 1
    return rows[:k].copy(), active


@njit(cache=True)
def enterprise_record(adopted, china, count, gdp, region, adoption, china_share, by_region):
    """This quarter's enterprise outputs from the adopters per country.

    Per country: the share adopted (``adoption``) and the China-bloc share of the adopters
    (``china_share``, left as it is where nobody has adopted); per region r, the GDP-weighted
    China-bloc and west adopters, Σ_{i∈r} gdp_i·x_i/count_i (``by_region``, (R, 2), not yet
    divided by the region's GDP).

    Args:
        adopted: adopters per country, (C,).
        china: China-bloc adopters per country, (C,).
        count: firms per country, (C,).
        gdp: GDP per country, (C,).
        region: region index per country, (C,).
        adoption: receives adopted/count, (C,).
        china_share: receives china/adopted where adopted > 0, (C,).
        by_region: receives the regional sums, (R, 2).

    Returns:
        (Σ gdp·adoption, Σ gdp·china/count), summed over countries in order.
    """
    by_region[:] = 0.0
    adopt_gdp, china_gdp = 0.0, 0.0
    for i in range(adopted.size):
        a = adopted[i] / count[i]
        adoption[i] = a
        if adopted[i] > 0:
            china_share[i] = china[i] / adopted[i]
        adopt_gdp += gdp[i] * a
        china_gdp += gdp[i] * (china[i] / count[i])
        by_region[region[i], 0] += gdp[i] * china[i] / count[i]
        by_region[region[i], 1] += gdp[i] * (adopted[i] - china[i]) / count[i]
    return adopt_gdp, china_gdp
