"""Mechanisms: pure functions of arrays, parameters and a random stream (STYLE rule 4).

One module per mechanism of docs/ODD.md §7 (Submodels): ``sanctions`` (supply reliability and
indigenisation), ``vendors`` (increasing returns), ``bri`` (concessional prices), ``network``
(peer exposure), ``policy`` (country ordered-logit rule, hysteresis, alignment), ``choice``
(operator contract awards by nested logit) and ``rollout`` (Bass roll-out, equipment refresh,
rip-and-replace). None of them knows about files, YAML or Mesa.
"""
