"""The compare route: two scenarios run with the same seeds, side by side with their difference.

Runs go through :func:`sim.experiment.run` (as ``techbloc compare`` does) in a background thread;
the figures and the table come from :mod:`analysis.compare` and :mod:`analysis.maps`.
"""

from __future__ import annotations

import solara
from techbloc.app import pages
from techbloc.app import session as S
from techbloc.sim.errors import TechblocError

CURRENT = "current settings (Explore)"

scenario_a = solara.reactive(pages.DEFAULT_SCENARIO)
scenario_b = solara.reactive("baseline")
n_reps = solara.reactive(5)
cmp_seed = solara.reactive(20190516)
cmp_end = solara.reactive("2030Q4")
request = solara.reactive(0)  # bumped by the Compare button


def _load(choice: str):
    if choice == CURRENT:
        return S.load_text(pages.settings_yaml(), pages.exported_name())
    return pages.named(choice)


def run_pair(a: str, b: str, n: int, seed: int, end: str) -> dict:
    """Run A and B with the same replicate seeds; the runs, figures and table as PNG/HTML."""
    from techbloc.analysis.compare import compare, compare_figure
    from techbloc.analysis.maps import world_map
    from techbloc.sim.experiment import run

    sa, sb = _load(a), _load(b)
    if sa.name == sb.name:
        raise TechblocError(f"pick two different scenarios (both are {sa.name!r})",
                            key="compare")
    horizon = f"2019Q1:{end}"
    runs = {s.name: run(s, replications=n, seed=seed, horizon=horizon) for s in (sa, sb)}
    # Levels above, the paired difference A - B below (one figure, one shared time axis).
    overlay, _ = compare_figure(runs, baseline=sb.name)
    maps = []
    for s in (sa, sb):
        fig, _ = world_map(runs[s.name].countries, end, "policy", title=s.name)
        maps.append(pages.png(fig))
    table = compare(runs, baseline=sb.name)
    table = table[table["metric"].isin(["share_china", "n_restrict", "n_ban", "world_split"])]
    return {"a": sa.name, "b": sb.name, "overlay": pages.png(overlay), "maps": maps,
            "table": table}


def table_html(table) -> str:
    """The comparison table: baseline, value, paired difference and its 90 % interval."""
    rows = "".join(
        f"<tr><td>{r.date}</td><td>{r.metric}</td><td>{r.baseline:.3g}</td><td>{r.value:.3g}"
        f"</td><td><b>{r.diff:+.3g}</b></td><td>[{r.lo:+.3g}, {r.hi:+.3g}]</td></tr>"
        for r in table.itertuples())
    return ("<table class='op-table cmp-table' style='font-size:12px;border-collapse:collapse' "
            "cellpadding='4'><tr><th>date</th><th>metric</th><th>B (baseline)</th><th>A</th>"
            "<th>A − B</th><th>90 % interval (paired)</th></tr>" + rows + "</table>")


@solara.component
def CompareView():
    """Settings in the sidebar; the two runs and their difference in the main area."""
    choices = [CURRENT, *pages.scenario_names()]
    args = (scenario_a.value, scenario_b.value, n_reps.value, cmp_seed.value, cmp_end.value)

    def work():
        if request.value == 0:
            return None
        return run_pair(*args)

    result = solara.use_thread(work, dependencies=[request.value])
    with solara.Sidebar():
        with solara.Card("Compare two scenarios", classes=["compare-card"]):
            solara.Select("A", values=choices, value=scenario_a.value, on_value=scenario_a.set,
                          classes=["compare-a"])
            solara.Select("B (the baseline of the difference)", values=choices,
                          value=scenario_b.value, on_value=scenario_b.set,
                          classes=["compare-b"])
            with solara.Row():
                solara.InputInt("Replicates", value=n_reps.value, on_value=lambda v: n_reps.set(
                    int(min(max(v or 1, 2), S.MAX_APP_REPLICATIONS))))
                solara.InputInt("Seed (both)", value=cmp_seed.value,
                                on_value=lambda v: cmp_seed.set(max(int(v or 0), 0)))
            solara.Select("Run to", values=S.quarters()[4:], value=cmp_end.value,
                          on_value=cmp_end.set)
            solara.Button("Compare", icon_name="mdi-compare", color="primary",
                          on_click=lambda: request.set(request.value + 1),
                          disabled=result.state == solara.ResultState.RUNNING,
                          classes=["btn-compare"])
            solara.Text("Both run with the same replicate seeds (common random numbers), so "
                        "replicate i of A and of B differ by their levers and events only.",
                        style="font-size: 12px; color: #666")
    with solara.Column(style="padding: 0 8px"):
        if request.value == 0:
            solara.Info("Pick two scenarios and press Compare.")
            return
        if result.state == solara.ResultState.RUNNING:
            solara.Info(f"Running {args[0]} and {args[1]} ({args[2]} replicates each)…")
            solara.ProgressLinear(True)
            return
        if result.error is not None:
            solara.Error(f"{result.error}", classes=["compare-error"])
            return
        r = result.value
        if r is None:
            return
        solara.HTML(tag="h3", unsafe_innerHTML=pages._escape(f"A = {r['a']}, B = {r['b']}"),
                    classes=["compare-title"])
        with solara.Column(style="max-width: 1000px"):
            pages.Image(r["overlay"], "curves of A and B, and their paired difference A - B",
                        classes=["compare-overlay", "compare-diff"])
        with solara.Row(style="flex-wrap: wrap", gap="8px"):
            for i, data in enumerate(r["maps"]):
                with solara.Column(style="flex: 1 1 520px"):
                    pages.Image(data, f"map of {'AB'[i]}", classes=[f"compare-map-{'ab'[i]}"])
        solara.HTML(tag="div", unsafe_innerHTML=table_html(r["table"]),
                    classes=["compare-table"])
