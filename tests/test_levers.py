"""Monotone responses to the levers, averaged over replicates with common random numbers."""

from sim.world import load_world
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


def test_ally_pressure_raises_allied_bans():
    world = load_world()
    allies = set(world.countries.loc[world.countries["us_treaty_ally"] == 1, "iso3"])

    def allied_bans(res):
        c = res.countries[(res.countries["date"] == END) & res.countries["iso3"].isin(allies)]
        return (c["policy"] == "ban").groupby(c["replicate"]).sum().to_numpy()

    lo = allied_bans(cached_run("baseline", REPS, 21, END, us__ally_pressure=0.0))
    hi = allied_bans(cached_run("baseline", REPS, 21, END, us__ally_pressure=0.8))
    assert (hi - lo).mean() >= 3, f"allied bans: {lo.mean():.1f} -> {hi.mean():.1f}"
