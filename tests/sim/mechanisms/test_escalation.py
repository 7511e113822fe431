"""The escalation ratchet (ODD §7.5): a restriction hardens into a ban with a hazard per quarter."""

import numpy as np
from techbloc.sim import run
from techbloc.sim.mechanisms.policy import BAN, OPEN, RESTRICT, escalate


def _share_escalating(rate, pressure=1.0, unreliability=0.5, security=1.0, n=20_000):
    rng = np.random.default_rng(3)
    pol = np.full(n, RESTRICT, dtype=np.int8)
    new = escalate(pol, rate, pressure, unreliability, np.full(n, security),
                   np.ones(n, dtype=bool), rng.random(n))
    return float((new == BAN).mean())


def test_only_eligible_restrictions_harden_and_nothing_loosens():
    pol = np.array([OPEN, RESTRICT, BAN, RESTRICT], dtype=np.int8)
    eligible = np.array([True, True, True, False])
    new = escalate(pol, 50.0, 1.0, 1.0, np.ones(4), eligible, np.zeros(4))
    assert new.tolist() == [OPEN, BAN, BAN, RESTRICT]
    assert new.dtype == pol.dtype


def test_switched_off_or_without_pressure_nothing_changes():
    pol = np.array([RESTRICT] * 3, dtype=np.int8)
    u = np.zeros(3)
    assert escalate(pol, 0.0, 1.0, 1.0, np.ones(3), np.ones(3, bool), u).tolist() == [1, 1, 1]
    assert escalate(pol, 5.0, 0.0, 1.0, np.ones(3), np.ones(3, bool), u).tolist() == [1, 1, 1]
    assert escalate(pol, 5.0, 1.0, 0.0, np.ones(3), np.ones(3, bool), u).tolist() == [1, 1, 1]
    assert escalate(pol, 5.0, 1.0, 1.0, np.zeros(3), np.ones(3, bool), u).tolist() == [1, 1, 1]


def test_hazard_matches_the_formula_and_rises_with_each_factor():
    # q = 1 − exp(−λ·g·(1 − ρ)·s): with λ = 1, g = 1, 1 − ρ = 0.5, s = 1, q = 0.393
    q = _share_escalating(1.0)
    assert abs(q - (1 - np.exp(-0.5))) < 0.015, q
    base = _share_escalating(0.5)
    assert _share_escalating(1.0) > base + 0.05
    assert _share_escalating(0.5, pressure=2.0) > base + 0.05
    assert _share_escalating(0.5, unreliability=1.0) > base + 0.05
    assert _share_escalating(0.5, security=0.3) < base - 0.05


def test_the_ratchet_raises_bans_and_removal_in_a_run():
    # Free-running sanctions-2019 to 2022: with the ratchet on (λ = 2) more country-replicates
    # ban at end-2022 and the removal bill is larger than with it off; off, the run is
    # unchanged by the parameter's existence (same seed, same tables as the default).
    kw = dict(replications=4, seed=2, horizon="2019Q1:2022Q4")
    off = run("sanctions-2019", **kw)
    on = run("sanctions-2019", set={"country.escalation_rate": 2.0}, **kw)
    last = "2022Q4"

    def bans(r):
        at = r.countries[r.countries["date"] == last]
        return int((at["policy"].astype(str) == "ban").sum())

    def cost(r):
        return float(r.model[r.model["date"] == last]["rip_replace_cost_usd"].sum())

    assert bans(on) > bans(off), (bans(on), bans(off))
    assert cost(on) > cost(off), (cost(on), cost(off))
    default = run("sanctions-2019", set={"country.escalation_rate": 0.0}, **kw)
    assert default.countries["policy"].equals(off.countries["policy"])
