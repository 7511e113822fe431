"""Monotone responses to the levers, averaged over replicates with common random numbers."""

import numpy as np
from techbloc.sim.world import load_world

from tests.helpers import cached_run

REPS = 6
END = "2030Q4"


def _at_end(res):
    return res.model[res.model["date"] == END]


def test_export_controls_lower_china_bloc_share():
    lo = _at_end(cached_run("baseline", REPS, 21, END, us__export_controls=0.0))
    hi = _at_end(cached_run("baseline", REPS, 21, END, us__export_controls=0.9))
    d = hi["share_china"].to_numpy() - lo["share_china"].to_numpy()
    assert d.mean() < -0.02, f"expected lower 2030 China-bloc share, mean change {d.mean():+.3f}"


def test_bri_discount_raises_china_bloc_share_in_bri_countries():
    world = load_world()
    bri = set(world.countries.loc[world.member("bri_mou_year", 2019), "iso3"])

    def bri_share(res):
        c = res.countries[(res.countries["date"] == END) & res.countries["iso3"].isin(bri)]
        g = c.assign(cn=c["china_share"] * c["sites"]).groupby("replicate")[["cn", "sites"]].sum()
        return (g["cn"] / g["sites"]).to_numpy()

    lo = bri_share(cached_run("baseline", REPS, 21, END, china__bri_discount=0.0))
    hi = bri_share(cached_run("baseline", REPS, 21, END, china__bri_discount=0.3))
    assert (hi - lo).mean() > 0.02, f"BRI share change {(hi - lo).mean():+.3f}"


def test_ally_pressure_raises_allied_exclusions():
    world = load_world()
    allies = set(world.countries.loc[world.countries["us_treaty_ally"] == 1, "iso3"])

    def allied(res, level):
        c = res.countries[(res.countries["date"] == END) & res.countries["iso3"].isin(allies)]
        hit = c["policy"] != "open" if level == "not_open" else c["policy"] == "ban"
        return hit.groupby(c["replicate"]).sum().to_numpy()

    lo_run = cached_run("baseline", REPS, 21, END, us__ally_pressure=0.0)
    hi_run = cached_run("baseline", REPS, 21, END, us__ally_pressure=0.8)
    lo, hi = allied(lo_run, "not_open"), allied(hi_run, "not_open")
    assert (hi - lo).mean() >= 5, f"allied exclusions: {lo.mean():.1f} -> {hi.mean():.1f}"
    lo, hi = allied(lo_run, "ban"), allied(hi_run, "ban")
    assert np.all(hi >= lo) and hi.mean() > lo.mean(), f"allied bans: {lo} -> {hi}"
