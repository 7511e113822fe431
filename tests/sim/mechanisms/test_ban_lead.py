"""A ban's lead time L (``country.ban_lead_quarters``, ODD §7.5): its purchase stop follows the
decision by L quarters, during which the country's operators see a restriction."""

from techbloc.sim import TechAllianceModel, load_scenario

# A ban forced on the UK in 2020Q3 (the July 2020 decision), no other decision in the run.
TEXT = ("name: x\nparams: {{mechanisms.policy: false, country.ban_lead_quarters: {lead}}}\n"
        "events:\n  - {{at: 2020Q3, country_policy: {{iso3: GBR, policy: ban}}}}\n")


def _seen(tmp_path, lead):
    """Per quarter, as the operators see it when they tender: (UK's policy, its operators
    barred from China-bloc vendors, its operators restricted)."""
    f = tmp_path / f"lead{lead}.yaml"
    f.write_text(TEXT.format(lead=lead))
    m = TechAllianceModel(load_scenario(f, horizon="2019Q1:2021Q4"), seed=3)
    countries, operators = m.layers.countries, m.layers.operators
    gbr = m.world.codes().index("GBR")
    ops = countries.op_country == gbr
    out, step = [], operators.step

    def watched(*args, **kwargs):  # the operators' own step, observed as it starts
        pol = countries.policy_context()
        out.append((int(countries.policy[gbr]), bool(pol.banned[ops].all()),
                    bool(pol.restricted[ops].all())))
        return step(*args, **kwargs)

    operators.step = watched
    while m.running:
        m.step()
    return out, m


def test_the_purchase_stop_follows_the_decision_by_the_lead_time(tmp_path):
    for lead in (0, 2, 5):
        seen, _ = _seen(tmp_path, lead)
        banned_at = [i for i, (pol, _, _) in enumerate(seen) if pol == 2]
        assert banned_at, "the forced ban was not applied"
        barred = [b for pol, b, _ in seen if pol == 2]
        restricted = [r for pol, _, r in seen if pol == 2]
        # exactly L quarters of restriction, then the purchase stop for good
        assert barred == [False] * lead + [True] * (len(barred) - lead), lead
        assert restricted == [not b for b in barred], lead
        assert all(not b and not r for pol, b, r in seen if pol != 2)


def test_the_lead_time_keeps_china_bloc_contracts_until_the_stop(tmp_path):
    # A ban in force voids the UK operators' China-bloc contracts and bars new ones; during
    # the lead time they are kept, so more China-bloc 5G kit stands in the UK when it ends.
    def at_end(lead, end):
        f = tmp_path / f"end{lead}.yaml"
        f.write_text(TEXT.format(lead=lead))
        m = TechAllianceModel(load_scenario(f, horizon=f"2019Q1:{end}"), seed=3)
        while m.running:
            m.step()
        ops = m.layers.countries.op_country == m.world.codes().index("GBR")
        china = m.world.vendors.china
        return (float(m.layers.operators.award[ops][:, china].sum()),
                float(m.layers.operators.sites[ops][:, china].sum()))

    now, later = at_end(0, "2021Q1"), at_end(4, "2021Q1")
    assert now[0] == 0.0 and later[0] > 0.0  # contracts voided at once, or kept in the lead
    assert later[1] > now[1]
    # once the lead has run, the contracts are voided too
    assert at_end(4, "2021Q4")[0] == 0.0


def test_a_lead_time_changed_after_a_ban_does_not_reopen_purchases(tmp_path):
    # L is fixed when the ban is decided: an event raising it later leaves the stop in force
    f = tmp_path / "later.yaml"
    f.write_text(TEXT.format(lead=0) + "  - {at: 2021Q2, set: {country.ban_lead_quarters: 8}}\n")
    m = TechAllianceModel(load_scenario(f, horizon="2019Q1:2021Q4"), seed=3)
    countries = m.layers.countries
    gbr = m.world.codes().index("GBR")
    ops = countries.op_country == gbr
    barred = []
    while m.running:
        m.step()
        if countries.policy[gbr] == 2:
            barred.append(bool(countries.policy_context().banned[ops].all()))
    assert barred and all(barred)
