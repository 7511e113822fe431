"""The parameter tree: every coefficient of the model, declared once (STYLE rule 2).

Each :class:`Param` carries its default, unit, range, description, source and role:

- ``lever``: a policy instrument a scenario sets or an event changes over time;
- ``uncertainty``: a behavioural coefficient that is not known well and should be swept;
- ``setting``: a switch or a technical choice.

``docs/parameters.md`` is generated from this tree (``techbloc params --markdown``), the scenario
validator reads it, and the model reads resolved values from a flat ``{"group.name": value}`` dict.
Symbols follow docs/ODD.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType

from techbloc.sim.errors import ScenarioError, did_you_mean

ROLES = ("lever", "uncertainty", "setting")


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Args:
        default: value used when a scenario does not set it.
        unit: physical or index unit, e.g. ``"share of price"``.
        range: inclusive (low, high) of admissible values.
        description: what it means, with its ODD symbol.
        source: literature source, or ``"assumed"`` / ``"calibrated"``.
        role: ``lever``, ``uncertainty`` or ``setting``.
        symbol: the symbol used in docs/ODD.md.
    """

    default: float | bool
    unit: str
    range: tuple[float, float]
    description: str
    source: str
    role: str = "uncertainty"
    symbol: str = ""

    @property
    def kind(self) -> type:
        """The Python type values must have (bool or float)."""
        return bool if isinstance(self.default, bool) else float

    def check(self, key: str, value: object, *, file: str | None = None, line: int | None = None):
        """Validate and normalise a value for this parameter.

        Returns:
            The value as ``bool`` or ``float``.

        Raises:
            ScenarioError: wrong type or out of range, naming the key, value, unit and range.
        """
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ScenarioError(
                    f"expected true or false, found {value!r}", file=file, line=line, key=key
                )
            return value
        if isinstance(value, bool) or not isinstance(value, Real):  # numpy numbers too
            raise ScenarioError(
                f"expected a number ({self.unit}) in [{self.range[0]}, {self.range[1]}], "
                f"found {value!r}",
                file=file,
                line=line,
                key=key,
            )
        lo, hi = self.range
        if not lo <= value <= hi:
            raise ScenarioError(
                f"{value!r} is outside the range [{lo}, {hi}] ({self.unit})",
                file=file,
                line=line,
                key=key,
            )
        return float(value)


def _p(default, unit, lo, hi, description, source="assumed", role="uncertainty", symbol=""):
    return Param(default, unit, (lo, hi), description, source, role, symbol)


_SWITCH = "on/off"

#: The tree: group -> name -> Param. Keys are addressed as ``group.name``.
TREE: Mapping[str, Mapping[str, Param]] = MappingProxyType({
    "us": MappingProxyType({
        "export_controls": _p(0.0, "share of US-origin inputs denied", 0, 1,
            "u(t): share of the critical US-jurisdiction inputs (chips, EDA, software) that "
            "listed vendors can no longer obtain; multiplies each targeted vendor's dependence d_v",
            "BIS entity list 2019-05-16; FDPR amendments 2020-05-15 and 2020-08-17 (lit. §3g)",
            "lever", "u"),
        "ally_pressure": _p(0.0, "index 0-1", 0, 1,
            "g(t): diplomatic pressure on security partners to exclude Chinese vendors; "
            "enters the policy score through security ties s_i·g and pulls alignment toward the US",
            "Christie, Jakobsen & Jakobsen 2023 (security dependence drives exclusion)",
            "lever", "g"),
        "secondary_sanctions": _p(0.0, "index 0-1", 0, 1,
            "σ(t): threat of US penalties on firms and states that buy from listed vendors; "
            "weighs with exposure to US markets", "assumed", "lever", "σ"),
        "rip_replace_subsidy": _p(0.0, "share of removal cost reimbursed", 0, 1,
            "Share of the cost of removing China-bloc equipment that a US or allied programme "
            "reimburses; lowers the cost of exclusion in the policy score",
            "FCC Secure and Trusted Communications Networks Reimbursement Program, $1.9bn of "
            "$4.98bn needed (lit. §3d)", "lever"),
        "android_cutoff": _p(0.0, "share of new handsets without GMS", 0, 1,
            "A(t): share of a listed device maker's handsets sold without Google Mobile Services "
            "(Google's licence withdrawn under the Entity List; old models keep it for a while "
            "under the temporary general licence)",
            "BIS entity list 2019-05-16; TGL 2019-05-20 to 2020-08-13 (lit. §3g)", "lever", "A"),
    }),
    "china": MappingProxyType({
        "bri_discount": _p(0.07, "share of price", 0, 0.5,
            "b(t): concessional finance for China-bloc equipment in Belt & Road MoU countries, "
            "as an equivalent price discount. Default: about 2 pp of interest below market over a "
            "7-year loan with 2 years' grace (Tele Norte Leste 2011), about 7 % of price in NPV",
            "Bloomberg 2011 via lit. §3f; NPV conversion is an estimate", "lever", "b"),
        "cooperation": _p(0.0, "index 0-1", 0, 1,
            "c(t): China's technology-cooperation programme: speeds vendors' indigenisation and "
            "pulls partner countries' alignment", "assumed", "lever", "c"),
        "retaliation": _p(0.0, "index 0-1", 0, 1,
            "r(t): credibility of Chinese trade retaliation against excluding countries, "
            "weighted by their exports to China", "assumed", "lever", "r"),
    }),
    "vendors": MappingProxyType({
        "kappa": _p(1.0, "exponent", 0, 10,
            "κ: how strongly supply unreliability degrades effective quality q_v·ρ_v^κ",
            "assumed", symbol="κ"),
        "indigenisation": _p(0.04, "share of dependence per quarter", 0, 0.2,
            "δ: quarterly rate at which targeted vendors replace US inputs while u > 0 "
            "(Huawei's HiSilicon and domestic EDA effort)", "assumed", symbol="δ"),
        "indigenisation_cooperation": _p(0.03, "share of dependence per quarter", 0, 0.2,
            "δ_c: extra indigenisation rate per unit of China's cooperation lever c",
            "assumed", symbol="δ_c"),
        "increasing_returns": _p(0.02, "quality per quarter per unit revenue share", 0, 0.5,
            "η: quality drift with revenue share above the mean, η·(R_v/ΣR − 1/|V|) per quarter; "
            "scale economies in R&D (Arthur 1989)", "Arthur 1989 (lit. §2b); magnitude assumed",
            symbol="η"),
        "revenue_memory": _p(0.8, "weight on last quarter", 0, 0.99,
            "Smoothing of the revenue share used for increasing returns (exponential average)",
            "assumed", "setting"),
        "other_equipment_share": _p(0.75, "share of equipment revenue", 0, 0.99,
            "ω: share of a vendor's telecom equipment revenue outside 5G RAN (4G RAN, core, "
            "transport, routers), held at the 2019 shares; a vendor's equipment revenue share "
            "is (1 − ω)·its 5G RAN share + ω·its 2019 share",
            "estimate: RAN about 40 % of Dell'Oro's total telecom equipment and 5G about half "
            "of RAN in 2020-2022 (lit. §3a), so 5G RAN about a quarter", symbol="ω"),
        "equipment_market_usd": _p(93e9, "USD per year", 1e9, 1e12,
            "M: total telecom equipment market (RAN, core, transport, broadband access, routers) "
            "in which a quarter's 5G RAN purchases take their place and displace the rest, which "
            "keeps the 2019 shares (mechanisms.equipment_market; ODD §7.2)",
            "estimate: Dell'Oro about $90-95bn in 2020 and about $100bn in 2021 (lit. §3a), "
            "held at the 2020 midpoint", symbol="M"),
        "base_station_price_usd": _p(28_000.0, "USD per real base station at price index 1",
            1_000, 500_000,
            "p_BS: RAN equipment price of one real 5G base station at price index 1 (Ericsson); "
            "converts the model's purchases (price index × modelled sites of rollout.site_unit "
            "base stations) into USD",
            "estimate: China Mobile's 2020 tender, CNY 37.1bn for 232,000 base stations, about "
            "$22,600 each (Light Reading, 27 April 2020), at the tender's mean price index 0.81 "
            "(Huawei 0.80, ZTE 0.75, Ericsson 1.00 weighted by 57/29/12 %, sim/data/vendors.yaml)",
            symbol="p_BS"),
    }),
    "country": MappingProxyType({
        "review_prob": _p(0.25, "probability per quarter", 0, 1,
            "ψ: chance a government reviews its Huawei policy in a quarter (with attention α > "
            "0: the chance while its case is unchanged)", "assumed", symbol="ψ"),
        "review_attention": _p(0.0, "per unit of score", 0, 20,
            "α: attention to a changed case: a government whose settled score (without the "
            "shock) has moved by ΔS̄ (in absolute value) since its last review reviews with "
            "chance 1 − (1 − ψ)·exp(−α·ΔS̄), so reviews cluster after a lever moves and thin out "
            "while it holds (0 switches it off: the constant chance ψ)",
            "Baumgartner & Jones 1993 and Jones & Baumgartner 2005 (punctuated equilibrium: "
            "policy attention shifts in bursts when the case changes); Kingdon 1984 (policy "
            "windows); the form is assumed (ODD §7.5)", symbol="α"),
        "w_security": _p(2.5, "score per unit s_i·g", 0, 20,
            "w_s: weight of security dependence on the US times ally pressure",
            "Christie et al. 2023 (sign)", symbol="w_s"),
        "w_security_base": _p(1.5, "score per unit s_i", 0, 10,
            "w_s0: weight of security ties alone, before any explicit pressure",
            "Christie et al. 2023 (sign); calibrated to 2019 stances", symbol="w_s0"),
        "w_intel": _p(0.0, "score per unit ι_i·g", 0, 20,
            "w_ι: weight of intelligence-sharing membership (Fourteen Eyes, ι_i = 1) times ally "
            "pressure: the US tied intelligence sharing to Huawei decisions in 2019-2020",
            "Pompeo (Feb 2019), Grenell letter (Mar 2019), sim/data/SOURCES.md; calibrated",
            symbol="w_ι"),
        "w_power": _p(0.3, "score per sd of log GDP", 0, 5,
            "w_pow: weight of national power (standardised log GDP)",
            "Christie et al. 2023 (less powerful states accept Huawei more)", symbol="w_pow"),
        "w_alignment": _p(0.5, "score per unit alignment", 0, 10,
            "w_a: weight of alignment a_i (−1 China, +1 US)", "assumed", symbol="w_a"),
        "w_peer": _p(1.5, "score per share of peers excluding", 0, 20,
            "w_peer: bandwagoning on allies and neighbours that restrict or ban",
            "Granovetter 1978; Centola & Macy 2007 (lit. §2c)", symbol="w_peer"),
        "w_risk": _p(2.0, "score per unit unreliability", 0, 20,
            "w_risk: weight of China-bloc supply unreliability 1−ρ_china (the UK's 'game changer')",
            "UK NCSC July 2020 review of the FDPR (lit. §3g)", symbol="w_risk"),
        "w_us_exposure": _p(2.0, "score per unit σ·x_US", 0, 20,
            "w_x: secondary-sanction exposure through exports to the US", "assumed", symbol="w_x"),
        "w_installed": _p(1.5, "score per share of China-bloc 4G", 0, 20,
            "w_c: cost of exclusion from the installed China-bloc base h_i (net of subsidy)",
            "GSMA 2019; Strand 2019; Oxford Economics 2019-20 (lit. §3d)", symbol="w_c"),
        "w_price": _p(2.0, "score per log price gap", 0, 20,
            "w_p: cost of exclusion from the price gap ln(p_west / p_china,i)",
            "lit. §3c (10-30 % discounts)", symbol="w_p"),
        "w_trade_china": _p(1.0, "score per share of exports to China", 0, 20,
            "w_t: baseline pull of trade with China against exclusion",
            "Christie et al. 2023 (trade with China matters)", symbol="w_t"),
        "w_retaliation": _p(3.0, "score per unit r·x_CN", 0, 20,
            "w_r: weight of threatened retaliation times exports to China", "assumed",
            symbol="w_r"),
        "w_bri": _p(2.0, "score per unit (b + c) in BRI countries", 0, 20,
            "w_b: pull of Belt & Road finance and cooperation against exclusion", "assumed",
            symbol="w_b"),
        "w_frontline": _p(0.0, "score per unit f_i·g", 0, 20,
            "w_f: weight of frontline exposure (f_i = 1 for states facing a standing military "
            "threat from Russia or China, sim/data/frontline.csv) times ally pressure: a state "
            "whose security hangs on the US patron heeds its pressure more (0 switches it off)",
            "Christie et al. 2023 (security dependence); RAND 2022 (each ally's own risk "
            "assessment); NATO Warsaw Summit 2016 (eastern flank); calibrated", symbol="w_f"),
        "bri_ally_discount": _p(0.0, "share of the Belt & Road pull per unit s_i", 0, 1,
            "κ: how much security ties to the US damp Belt & Road's pull: the BRI term is "
            "w_b·BRI_i·(b + c)·(1 − κ·s_i) (0 switches the interaction off)",
            "observed record (a third of the European allies with an MoU excluded by 2024); "
            "calibrated", symbol="κ"),
        "disposition_sd": _p(0.0, "score (sd)", 0, 10,
            "σ_u: standard deviation of the persistent country disposition u_i, drawn once per "
            "replicate from a normal truncated so that the 2019Q1 score puts the country at its "
            "2019Q1 stance (0 switches it off)",
            "random-effects ordered logit (country heterogeneity beyond the covariates; RAND "
            "2022: each ally's own risk assessment); calibrated", symbol="σ_u"),
        "condition_released": _p(True, _SWITCH, 0, 1,
            "when a forced country is released (a release event), redraw its disposition u_i "
            "from the same normal truncated so that its score at that review holds the stance it "
            "was forced to, as at the start for the 2019Q1 stances (off: u_i keeps its 2019 "
            "draw, and a country forced against its score leaves the forced stance at its next "
            "review)",
            "the disposition is a latent trait conditioned on the stances observed (random-"
            "effects ordered logit, ODD §7.5); a release is a forecast origin", "setting"),
        "escalation_rate": _p(0.0, "hazard per quarter per unit g·(1 − ρ_china)·s_i", 0, 20,
            "λ: escalation of a restriction into a ban: a restricting country bans in a quarter "
            "with probability 1 − exp(−λ·g·(1 − ρ_china)·s_i) (0 switches the ratchet off)",
            "UK 35 % cap (Jan 2020) to ban (Jul 2020) after the FDPR (NCSC review, lit. §3g); EU "
            "5G Toolbox (Jan 2020) and Commission statement (Jun 2023); Christie et al. 2023 "
            "(security dependence); fitted to 2019-2021", symbol="λ"),
        "ban_shift_frontline": _p(0.0, "score per unit f_i·g", 0, 20,
            "δ_f: how much further frontline exposure (f_i·g) moves a country toward the ban "
            "cut-point than toward the restriction's: θ_2,i = max(θ_1, θ_2 − g·(δ_f·f_i + "
            "δ_s·s_i)) for a country open when it reviews (a restriction keeps θ_2), a partial "
            "proportional-odds (generalised ordered logit) term that decides which new "
            "exclusions are bans (0 switches it off)",
            "Williams 2006 (generalised ordered logit); Christie et al. 2023 (security "
            "dependence; ordered logit of 70 states); NATO Warsaw Summit 2016 (eastern flank); "
            "RAND 2022 (Japan's quiet exclusion); fitted to 2019-2021", symbol="δ_f"),
        "ban_shift_security": _p(0.0, "score per unit s_i·g", 0, 20,
            "δ_s: how much further security dependence on the US (s_i·g) moves a country toward "
            "the ban cut-point than toward the restriction's (the θ_2,i of δ_f; 0 switches it "
            "off)",
            "Williams 2006 (generalised ordered logit); Christie et al. 2023 (states that depend "
            "on US security guarantees reject Huawei far more); fitted to 2019-2021",
            symbol="δ_s"),
        "ban_shift_five_eyes": _p(0.0, "score per unit e_i·g", 0, 20,
            "δ_5: how much further Five Eyes membership (e_i·g) moves a country open when it "
            "reviews toward the ban cut-point than toward the restriction's: θ_2,i falls by "
            "δ_5·e_i·g as with δ_f (0 switches it off)",
            "ASD head's speech (October 2018: 5G erases the core/edge distinction); Australia's "
            "5G exclusion (August 2018); GCSB on Spark (November 2018); UK cap to ban "
            "(January to July 2020, lit. §3d); Williams 2006 (generalised ordered logit); fitted "
            "to 2019-2021 (ODD §7.5)", symbol="δ_5"),
        "ban_form_share": _p(0.0, "share of countries", 0, 1,
            "π: share of countries whose new exclusions take the ban form (a latent class drawn "
            "once per replicate, stream ban_form: a state with a ban-shaped instrument, a law or "
            "binding licence condition, rather than case-by-case authorisation or guidance); for "
            "such a state open when it reviews θ_2,i = θ_1 (0 switches it off)",
            "EU 5G Toolbox (January 2020: the instrument is national); UK Telecommunications "
            "(Security) Act 2021; PTS licence conditions (Sweden, October 2020); France's 2019 "
            "authorisation law; Germany's IT Security Act 2.0 (2021); RAND 2022 (allies' "
            "different instruments); fitted to 2019-2021 (ODD §7.5)", symbol="π"),
        "ban_shift_assurance": _p(0.0, "score per unit ι_i·(1 − ρ_china)", 0, 20,
            "δ_a: supply-assurance ban channel: the ban cut-point of an intelligence-sharing "
            "state (ι_i = 1) falls by δ_a·(1 − ρ_china), the China bloc's supply unreliability "
            "under export controls, in full for a country open when it reviews and by the share "
            "η for one restricting: θ_2,i = max(θ_1, θ_2 − g·(δ_f·f_i + δ_s·s_i) − "
            "δ_a·ι_i·(1 − ρ_china)) (0 switches it off)",
            "UK NCSC review of the FDPR (July 2020: Huawei's kit could no longer be assured; "
            "lit. §3g); Sweden's PTS decision on Säpo's and the Armed Forces' assessments "
            "(October 2020); Williams 2006 (generalised ordered logit); fitted to 2019-2021",
            symbol="δ_a"),
        "assurance_restricting": _p(1.0, "share of the assurance shift", 0, 1,
            "η: share of the supply-assurance shift δ_a·ι_i·(1 − ρ_china) that applies to a "
            "country already restricting when it reviews (1: a restriction resting on "
            "assurance is re-decided as a ban in full, as the UK's was; 0: only new exclusions "
            "take the shift, as with δ_f)",
            "UK 35 % cap (January 2020) to ban (July 2020) after the FDPR (NCSC review, lit. "
            "§3d, §3g); assumed", symbol="η"),
        "w_declaration": _p(0.0, "score per unit d_i·g", 0, 20,
            "w_d: weight of a US 5G security declaration (d_i = 1 from the quarter country i "
            "signed a joint declaration, memorandum or commitment with the US, "
            "sim/data/us_5g_declarations.csv) times ally pressure: the signatory's public "
            "commitment to a rigorous evaluation of suppliers raises its propensity to exclude "
            "(0 switches it off)",
            "US joint declarations and memoranda on 5G security, 2019-2021 (sim/data/SOURCES.md); "
            "Christie et al. 2023 (patron-client); fitted to 2019-2021 (ODD §7.5)",
            symbol="w_d"),
        "ban_shift_declaration": _p(0.0, "score per unit d_i·g", 0, 20,
            "δ_d: how much further a US 5G security declaration (d_i·g) moves a signatory open "
            "when it reviews toward the ban cut-point: θ_2,i falls by δ_d·d_i·g as with δ_f "
            "(0 switches it off)",
            "US joint declarations and memoranda on 5G security, 2019-2021 (sim/data/SOURCES.md); "
            "Williams 2006 (generalised ordered logit); fitted to 2019-2021 (ODD §7.5)",
            symbol="δ_d"),
        "threshold_restrict": _p(2.8, "score", -10, 10,
            "θ_1: score above which a reviewing country moves from open to restrict",
            "calibrated by hand to P3-P4 (docs/ODD.md §7.5)", symbol="θ_1"),
        "threshold_ban": _p(4.0, "score", -10, 10,
            "θ_2: score above which a reviewing country moves to ban",
            "calibrated by hand to P3-P4 (docs/ODD.md §7.5)",
            symbol="θ_2"),
        "hysteresis": _p(6.0, "score", 0, 10,
            "h: to lift a restriction the score must fall below θ_1 minus h (bans: h_ban); as "
            "large as h_ban since issue 16: no exclusion was lifted in the 2019-2021 fit years "
            "(nor later)",
            "Krolikowski & Hall 2023 (reversals are rare and costly); observed record 2019-2021 "
            "(sim/data/observed/stances.csv: no exclusion lifted)", symbol="h"),
        "hysteresis_ban": _p(6.0, "score", 0, 20,
            "h_ban: to lift a ban the score must fall below the ban threshold minus h_ban (a ban "
            "is a law or binding decision; no Huawei 5G ban was repealed in 2018-2024)",
            "observed record 2018-2024 (sim/data/observed/stances.csv: no ban lifted); UK "
            "Telecommunications (Security) Act 2021, Australia's TSSR 2018", symbol="h_ban"),
        "score_noise": _p(0.4, "logistic scale", 0.01, 5,
            "scale of the logistic shock ε_i of the ordered-logit policy score", "assumed",
            symbol="ε"),
        "alignment_speed": _p(0.05, "share of gap per quarter", 0, 1,
            "ν: speed at which alignment a_i moves toward its target", "assumed", symbol="ν"),
        "alignment_gain": _p(2.0, "per unit pull", 0, 20,
            "γ: steepness of the target alignment tanh(γ·(pull_US − pull_CN)) (IMF 'preferential "
            "attachment' to the main hub)", "Cerdeiro et al. 2021 (rule); gain assumed",
            symbol="γ"),
        "ban_lead_quarters": _p(0.0, "quarters", 0, 8,
            "L: a ban's lead time: for L quarters after a country decides a ban its operators "
            "treat it as a restriction (no China-bloc purchase barred outright, no contract "
            "voided), then the purchase stop takes effect; removal is scheduled from the "
            "decision; L is fixed when the ban is decided and rounded up to whole quarters (0: "
            "the stop in the decision's own quarter, the model before it); tested and "
            "rejected, off (ODD §7.5)",
            "UK DCMS July 2020 (purchases stopped from 1 January 2021); PTS October 2020 "
            "(Sweden: installations from 2021); ISED May 2022 (Canada: purchases stopped from 1 "
            "September 2022); set from these dates, not fitted", symbol="L"),
        "removal_years": _p(5.0, "years", 0.25, 15,
            "time allowed to remove China-bloc equipment after a ban (UK 2020→2027 = 7; "
            "Germany 2024→2029 = 5)", "UK DCMS 2020; German agreements 2024 (lit. §3d)"),
        "removal_cost_per_site": _p(590_000.0, "USD per site", 0, 5e6,
            "cost of replacing one site's China-bloc equipment: FCC $4.98bn for about 8,400 "
            "locations", "FCC 2022 (lit. §3d); per-site figure derived"),
    }),
    "operator": MappingProxyType({
        "beta_price": _p(3.0, "utility per log price", 0, 20,
            "β_p: price sensitivity of contract awards", "assumed (no published estimate, "
            "lit. §2d)", symbol="β_p"),
        "beta_quality": _p(3.0, "utility per quality unit", 0, 20,
            "β_q: weight of effective quality q_v·ρ_v^κ", "assumed", symbol="β_q"),
        "beta_lockin": _p(2.5, "utility per installed share", 0, 20,
            "β_l: switching cost, weight of the operator's installed share L_ov",
            "Farrell & Klemperer 2007 (lit. §2f)", symbol="β_l"),
        "beta_peer": _p(1.0, "utility per bloc share of peers", 0, 20,
            "β_n: peer effect of the vendor's bloc share among trade and regional neighbours",
            "Brock & Durlauf 2001 (lit. §2e)", symbol="β_n"),
        "beta_risk": _p(2.0, "utility per unit unreliability", 0, 20,
            "β_r: aversion to supply risk 1−ρ_v", "assumed", symbol="β_r"),
        "beta_sanction": _p(3.0, "utility per unit σ·e_o", 0, 20,
            "β_s: deterrence of secondary sanctions by the operator's US exposure e_o",
            "assumed", symbol="β_s"),
        "beta_restrict": _p(1.0, "utility", 0, 20,
            "β_P: penalty on China-bloc vendors where the country restricts them",
            "assumed", symbol="β_P"),
        "beta_alignment": _p(0.3, "utility per unit alignment", 0, 20,
            "β_a: tilt toward the bloc the country is aligned with (bloc(v) = +1 west, −1 china)",
            "assumed", symbol="β_a"),
        "beta_home": _p(2.0, "utility", 0, 20,
            "β_h: preference of a hub's operators (CHN, USA) for their own bloc's vendors "
            "(state-owned Chinese operators; China Mobile's 2020 5G tender went 86 % to Huawei "
            "and ZTE)", "China Mobile 2020 tender (lit. §3a); magnitude calibrated by hand",
            symbol="β_h"),
        "noise": _p(1.0, "utility (Gumbel scale)", 0.05, 10,
            "μ: scale of idiosyncratic Gumbel shocks ε_ov ('market vagaries')", "assumed",
            "lever", "μ"),
        "nest": _p(0.7, "dissimilarity 0-1", 0.05, 1,
            "λ: nested-logit dissimilarity within a bloc nest (1 = plain multinomial logit)",
            "lit. §2d (Ericsson and Nokia are close substitutes)", symbol="λ"),
        "dual_sourcing": _p(0.3, "probability", 0, 1,
            "chance an award goes to two vendors: the second is drawn from the same nested logit "
            "without the first, and the two split the contract in proportion to their choice "
            "probabilities", "Asia Times 2020 (one RAN vendor per region is the norm)"),
        "split_first": _p(0.588, "share of the contract", 0, 1,
            "s_1: share of a rank-split tender (a state-planned roll-out's, ODD §7.6) won by the "
            "first-ranked vendor; the second takes s_2, the third 1 − s_1 − s_2",
            "China Mobile's 2020 5G tender by base stations: 57.3 % first, 28.7 % second, "
            "11.5 % third, 2.6 % to a fourth (CICT, not modelled), so 57.3/97.5 (lit. §3a; "
            "Capacity Media and RCR Wireless, March-April 2020)", symbol="s_1"),
        "split_second": _p(0.294, "share of the contract", 0, 1,
            "s_2: share of a rank-split tender won by the second-ranked vendor",
            "China Mobile's 2020 5G tender: 28.7/97.5 (lit. §3a)", symbol="s_2"),
        "contract_years": _p(5.0, "years", 1, 15,
            "mean contract length; awards are re-tendered with hazard 1/(4·years) per quarter",
            "Strand Consult (3-5 year replacement cycle, lit. §2f)"),
        "equipment_life": _p(8.0, "years", 2, 20,
            "life of installed RAN; a share 1/(4·life) of sites is refreshed each quarter with "
            "the current contract's vendors", "Strand Consult (lit. §2f); assumed"),
    }),
    "rollout": MappingProxyType({
        "bass_p": _p(0.03, "per year", 0, 1,
            "p: Bass coefficient of innovation for 5G sites (annual)",
            "Sultan, Farley & Lehmann 1990 mean (lit. §2a)", symbol="p"),
        "bass_q": _p(0.5, "per year", 0, 3,
            "q: Bass coefficient of imitation (annual; 5G faster than consumer durables)",
            "Sultan et al. 1990 range 0.3-0.5, high end (lit. §2a, §3h)", symbol="q"),
        "launch_lag": _p(1.5, "years per log unit of GDP per capita", 0, 10,
            "delay of a country's 5G launch: 2019 + lag·ln(gdp_pc_ref / gdp_pc)",
            "calibrated to lit. §3h (Korea/US 2019, India 2022, Sub-Saharan Africa 2023+)"),
        "gdp_pc_ref": _p(40_000.0, "USD per person", 1000, 200_000,
            "GDP per capita at or above which 5G launches in 2019", "calibrated to lit. §3h"),
        "sites_per_1000": _p(0.6, "sites per 1000 people", 0.01, 10,
            "5G site target density at the reference GDP per capita",
            "estimate: China ~2.4 sites/1000 by 2023, Europe ~0.5 (lit. §3h)"),
        "density_elasticity": _p(0.5, "elasticity", 0, 2,
            "elasticity of site density to GDP per capita", "assumed"),
        "removal_drag": _p(0.3, "share of roll-out speed", 0, 1,
            "slow-down of new 5G roll-out while China-bloc equipment is being removed",
            "UK 2-3 year delay, GSMA 18 months (lit. §3d)"),
        "site_unit": _p(7.0, "real base stations per modelled site", 1, 50,
            "u_s: how many real 5G base stations one modelled site stands for; converts a state "
            "plan's base-station target (sim/data/rollout_plans.csv) into the model's site "
            "units", "calibrated: China's share of the world's 5G sites at end-2020 and "
            "end-2022 (MIIT 718,000 and 2.31 M, over 60 % of the world's; issue 17)",
            symbol="u_s"),
        "plan_p": _p(0.13, "per year", 0, 4,
            "p_plan: Bass coefficient of innovation of a state-planned roll-out (a quota the "
            "state-owned operators build to, whatever the installed base)",
            "calibrated with u_s to MIIT's end-2020 and end-2022 counts", symbol="p_plan"),
        "plan_q": _p(0.6, "per year", 0, 3,
            "q_plan: Bass coefficient of imitation of a state-planned roll-out",
            "calibrated with u_s and p_plan to MIIT's end-2020 and end-2022 counts",
            symbol="q_plan"),
        "observed_launches": _p(True, _SWITCH, 0, 1,
            "take each country's 5G launch quarter from sim/data/launch_5g.csv where recorded; "
            "off (the hindcast), every launch after the run's start comes from the roll-out "
            "mechanism (income, Belt and Road finance and vendor offers)", "setting", "setting"),
        "bri_launch_boost": _p(0.5, "share of GDP per capita", 0, 5,
            "b_L: concessional finance and cheaper China-bloc vendor offers raise the purchasing "
            "power a Belt and Road member open to China-bloc vendors brings to its 5G launch: "
            "delay = lag·ln(gdp_pc_ref / (gdp_pc·(1 + b_L)))",
            "calibrated to the launch dates of sim/data/launch_5g.csv (the rows added in "
            "observed/launches_5g.csv held out; issue 17)", symbol="b_L"),
    }),
    "devices": MappingProxyType({
        "beta_price": _p(1.0, "utility per log USD at the reference income", 0, 10,
            "β_d: price sensitivity of handset buyers in a country at the reference GDP per "
            "capita; it scales with (gdp_pc_ref / gdp_pc_i)^ε_d", "assumed", symbol="β_d"),
        "price_income_elasticity": _p(0.5, "elasticity", 0, 2,
            "ε_d: how much more price-sensitive buyers in poorer countries are",
            "assumed", symbol="ε_d"),
        "w_ecosystem": _p(0.5, "utility per unit ecosystem", 0, 20,
            "w_E: weight of the app ecosystem E_f (1 with GMS) outside China, where Google's "
            "services are the norm", "calibrated to Huawei's 2020-2022 consumer revenue with "
            "the chip parameters (issue 17); Huawei's share outside China fell by about 90 % "
            "without GMS and chips (lit. §3g)", symbol="w_E"),
        "w_ecosystem_china": _p(0.0, "utility per unit ecosystem", 0, 20,
            "w_E^CN: weight of the app ecosystem inside China, where Google's services are "
            "blocked and buyers never had GMS", "0: Huawei's handsets sold in China never "
            "carried GMS, so losing it changes nothing there (issue 17)", symbol="w_E^CN"),
        "beta_supply": _p(2.0, "utility per log supply reliability", 0, 20,
            "β_S: weight of chip supply reliability ln ρ_f: handsets a maker cannot build "
            "because its chips are denied", "assumed; calibrated by hand to P5", symbol="β_S"),
        "noise": _p(1.0, "utility (Gumbel scale)", 0.05, 10,
            "μ_d: scale of buyers' idiosyncratic taste; the 2019 brand constants are fitted "
            "at this scale", "assumed", symbol="μ_d"),
        "chip_stockpile": _p(2.5, "quarters of chip needs", 0, 20,
            "S_0: stockpile a listed maker holds when controls first deny it chips, in quarters "
            "of its full chip needs; it covers the denied share until spent",
            "Huawei's chip stockpiles of 2019-2020 and the FDPR's 120-day wind-down (lit. §3g); "
            "calibrated to the 2020-2022 consumer revenue", symbol="S_0"),
        "chip_threshold": _p(0.4, "level of u", 0, 0.99,
            "θ_d: export controls below this level miss handset chips; above it the share "
            "(u − θ_d)/(1 − θ_d) is denied. The entity listing (u = 0.4) cut US-origin parts "
            "but left HiSilicon's chips made abroad; the foreign direct product rule closed that",
            "BIS 2019-05-16 and FDPR 2020-05-15 / 2020-08-17 (lit. §3g); Huawei was the world's "
            "largest smartphone seller in Q2 2020", symbol="θ_d"),
        "chip_capability0": _p(0.06, "share", 0.001, 1,
            "K_0: domestic chip capability of a listed maker when controls start: the share of "
            "its controlled chips it could already replace at home",
            "calibrated to Huawei's 2020-2022 consumer revenue (HiSilicon designs, SMIC's 14 nm "
            "in 2019; lit. §3g)", symbol="K_0"),
        "chip_indigenisation": _p(0.22, "per quarter", 0, 1,
            "δ_d: logistic growth rate of a listed maker's domestic chip capability K while "
            "controls last, K ← K + (δ_d + δ_dc·c)·K·(1 − K); its controlled dependence is "
            "d_f·(1 − K) (HiSilicon on domestic foundries; the Kirin 9000S in 2023)",
            "calibrated to Huawei's 2020-2022 consumer revenue; 2023-2024 held out", symbol="δ_d"),
        "chip_indigenisation_cooperation": _p(0.1, "per quarter per unit c", 0, 1,
            "δ_dc: extra growth rate of domestic chip capability per unit of China's "
            "cooperation lever c", "assumed", symbol="δ_dc"),
        "os_half_base": _p(300e6, "handsets in use", 1e6, 5e9,
            "B_½: installed base of an own operating system at which its app ecosystem reaches "
            "half the value of GMS (app-ecosystem increasing returns)", "assumed",
            symbol="B_½"),
        "os_speed": _p(0.1, "share of gap per quarter", 0, 1,
            "ν_os: speed at which an own OS's ecosystem quality e_p moves toward "
            "B_p / (B_p + B_½)", "assumed", symbol="ν_os"),
        "os_cooperation": _p(1.0, "multiplier per unit c", 0, 10,
            "k_c: China's cooperation lever speeds the own-OS ecosystem: ν_os·(1 + k_c·c)",
            "assumed", symbol="k_c"),
        "device_life": _p(3.0, "years", 0.5, 10,
            "life of a handset in use: a share 1/(4·life) of an own OS's installed base retires "
            "each quarter", "assumed (replacement cycles of about 3 years)"),
        "income_elasticity": _p(0.5, "elasticity", 0, 2,
            "elasticity of a country's handset purchases per person to GDP per capita, within "
            "its market (a market's 2019 total is data)", "assumed"),
        "w_revenue": _p(0.5, "share of the device revenue change", 0, 1,
            "w_D: how much a vendor's device revenue, relative to 2019, scales the revenue "
            "share that drives its network quality (R&D funded by devices and networks)",
            "assumed (DESIGN §5.3)", symbol="w_D"),
    }),
    "enterprise": MappingProxyType({
        "firms_per_country": _p(20.0, "firms", 1, 10_000,
            "enterprises simulated per country (an array population, not Mesa agents); 20 "
            "gives about 4,000 firms, 4,975 about a million", "setting", "setting"),
        "adoption_p": _p(0.05, "per year", 0, 1,
            "p_e: Bass innovation rate of 5G-era services (IoT platforms, cloud, AI) among "
            "firms", "assumed (consumer-durable p ≈ 0.03, lit. §2a)", symbol="p_e"),
        "adoption_q": _p(0.5, "per year", 0, 3,
            "q_e: Bass imitation rate: adoption speeds with the share of the country's firms "
            "that have adopted", "assumed (lit. §2a)", symbol="q_e"),
        "pre5g_adoption": _p(0.3, "share of the adoption hazard", 0, 1,
            "φ: adoption hazard before the country's 5G network is built (on 4G and fibre); "
            "it rises to 1 with 5G coverage", "assumed", symbol="φ"),
        "review_years": _p(4.0, "years", 0.5, 20,
            "mean time between an adopter's reviews of its provider bloc (hazard 1/(4·years) "
            "per quarter)", "assumed (multi-year cloud contracts)"),
        "switching_cost": _p(1.5, "utility", 0, 20,
            "β_sw: advantage of the bloc a reviewing adopter already uses", "Farrell & "
            "Klemperer 2007 (lit. §2f); magnitude assumed", symbol="β_sw"),
        "w_network": _p(1.5, "utility per unit (2·n_i − 1)", 0, 20,
            "w_n: complementarity with the country's network: n_i is the China-bloc share of "
            "the network in service", "assumed", symbol="w_n"),
        "w_exposure": _p(4.0, "utility per unit σ·e_US", 0, 20,
            "w_x: a firm selling to the US avoids China-bloc stacks under secondary sanctions",
            "assumed", symbol="w_x"),
        "w_exposure_base": _p(1.0, "utility per unit e_US", 0, 20,
            "w_x0: the same without sanctions (customers' and auditors' requirements)",
            "assumed", symbol="w_x0"),
        "w_china_exports": _p(1.0, "utility per unit e_CN", 0, 20,
            "w_xc: pull of China-bloc stacks on firms that sell to China", "assumed",
            symbol="w_xc"),
        "w_alignment": _p(0.5, "utility per unit alignment", 0, 20,
            "w_ae: tilt toward the bloc the country is aligned with (−a_i for China)",
            "assumed", symbol="w_ae"),
        "w_policy": _p(1.0, "utility", 0, 20,
            "w_P: penalty on China-bloc stacks where the country restricts or bans Chinese "
            "network vendors", "assumed", symbol="w_P"),
        "w_peer": _p(1.0, "utility per unit (2·c_i − 1)", 0, 20,
            "w_pe: network effect of the China-bloc share c_i among the country's adopters",
            "Brock & Durlauf 2001 (lit. §2e); magnitude assumed", symbol="w_pe"),
        "china_advantage": _p(0.3, "utility", -10, 10,
            "α_e: China-bloc providers' price advantage (positive favours them)", "assumed",
            symbol="α_e"),
        "noise": _p(1.0, "utility (logistic scale)", 0.05, 10,
            "μ_e: scale of a firm's idiosyncratic logistic shock in the bloc choice", "assumed",
            symbol="μ_e"),
    }),
    "uncertainty": MappingProxyType({
        "parameters": _p(True, _SWITCH, 0, 1,
            "draw each replicate's calibrated weights from the posterior ensemble "
            "(scenarios/calibrated_posterior.parquet; techbloc run --uncertainty parameters or "
            "both); only values that came from the calibrated scenario are replaced",
            "setting", "setting"),
        "noise": _p(True, _SWITCH, 0, 1,
            "give each replicate its own random numbers; false runs every replicate on the "
            "scenario's seed, so they differ by their parameter draws only (--uncertainty "
            "parameters)", "setting", "setting"),
    }),
    "mechanisms": MappingProxyType({
        name: _p(True, _SWITCH, 0, 1, f"switch for the {name.replace('_', ' ')} mechanism",
                 "setting", "setting")
        for name in (
            "supply_risk", "indigenisation", "increasing_returns", "policy", "peer_effects",
            "removal", "rollout", "alignment", "devices", "enterprises", "split_awards",
            "equipment_market",
        )
    }),
})

#: Flat view ``{"group.name": Param}`` in declaration order.
FLAT: Mapping[str, Param] = MappingProxyType(
    {f"{g}.{n}": p for g, params in TREE.items() for n, p in params.items()}
)


def _lever_columns() -> dict[str, str]:
    names = [k.partition(".")[2] for k in FLAT]
    return {k: (k.partition(".")[2] if names.count(k.partition(".")[2]) == 1
                else k.replace(".", "_"))
            for k, p in FLAT.items() if p.role == "lever"}


#: Every lever (role ``lever``) -> its column in the model table, which records the value applied
#: each quarter: the parameter's name, or ``group_name`` where names repeat (``operator_noise``).
LEVER_COLUMNS: Mapping[str, str] = MappingProxyType(_lever_columns())


def defaults() -> dict[str, float | bool]:
    """All parameters at their defaults, as a flat ``{"group.name": value}`` dict."""
    return {k: p.default for k, p in FLAT.items()}


def check_key(key: str, *, file: str | None = None, line: int | None = None,
              path: str | None = None) -> Param:
    """Look up a dotted parameter key, raising a ScenarioError with a suggestion if unknown.

    Args:
        key: ``group.name``.
        file: file the key was read from, for the message.
        line: line of the key in ``file``.
        path: the key's full path in the document (default ``params.<key>``).
    """
    if key in FLAT:
        return FLAT[key]
    path = path or f"params.{key}"
    group, _, name = key.partition(".")
    if group in TREE:
        hint = did_you_mean(name, TREE[group])
        what = (f"unknown parameter '{name}' in group '{group}'" if name else
                f"'{group}' is a group of parameters; name one, like {group}.{min(TREE[group])}")
        raise ScenarioError(what, file=file, line=line, key=path, hint=hint)
    raise ScenarioError(f"unknown parameter group '{group}'", file=file, line=line,
                        key=path, hint=did_you_mean(group, TREE))


def resolve(overrides: Mapping[str, object]) -> dict[str, float | bool]:
    """Defaults updated with validated overrides (dotted keys)."""
    values = defaults()
    for key, value in overrides.items():
        values[key] = check_key(key).check(f"params.{key}", value)
    return values


def to_markdown() -> str:
    """The parameter tree as a Markdown document (written to docs/parameters.md)."""
    lines = [
        "# Parameters",
        "",
        "Generated from `sim/params.py` by `techbloc params --markdown`; do not edit by hand "
        "(a test fails when this file is stale).",
        "",
        "Roles: **lever** = policy instrument set by scenarios and events; **uncertainty** = "
        "behavioural coefficient to sweep; **setting** = switch or technical choice.",
    ]
    for group, params in TREE.items():
        lines += ["", f"## {group}", "",
                  "| key | symbol | default | unit | range | role | description | source |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, p in params.items():
            rng = "true/false" if p.kind is bool else f"{p.range[0]:g}–{p.range[1]:g}"
            lines.append(
                f"| `{group}.{name}` | {p.symbol} | {p.default} | {p.unit} | {rng} | {p.role} "
                f"| {p.description} | {p.source} |"
            )
    return "\n".join(lines) + "\n"
