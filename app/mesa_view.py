"""Mesa's own SolaraViz over one replicate: its play/step/reset loop and its parameter sliders.

Mesa users expect to see a model in SolaraViz; this route gives them exactly that, with the
levers as Mesa ``model_params`` sliders and Mesa's plot components reading the model's
DataCollector view (:attr:`sim.model.TechAllianceModel.datacollector`). Replicates with bands,
uploads, exports and comparisons live on the other routes.
"""

from __future__ import annotations

import solara
from techbloc.app import pages
from techbloc.app import session as S
from techbloc.sim.model import TechAllianceModel


class VizModel(TechAllianceModel):
    """TechAllianceModel built from keyword parameters, as SolaraViz (re)creates models.

    Args:
        scenario_name: a scenario on the search path.
        seed: replicate seed as text or int (default: the scenario's).
        scenario: ignored: Mesa 3.5's SolaraViz passes its own scenario object on reset.
        **kwargs: levers as ``group__name`` (SolaraViz passes keyword arguments).
    """

    def __init__(self, scenario_name: str = pages.DEFAULT_SCENARIO, seed: int | str | None = None,
                 scenario: object = None, **kwargs: float) -> None:
        text = str(seed).strip() if seed is not None else ""
        super().__init__(pages.named(scenario_name), seed=int(text) if text.isdigit() else None,
                         **kwargs)


def model_params() -> dict:
    """SolaraViz's parameter inputs: the scenario, the seed and the seven levers."""
    start = pages.named(pages.DEFAULT_SCENARIO)
    out: dict = {
        "scenario_name": {"type": "Select", "value": pages.DEFAULT_SCENARIO,
                          "values": list(pages.scenario_names()), "label": "Scenario"},
        "seed": {"type": "InputText", "value": str(start.seed), "label": "Seed"},
    }
    for lever in S.levers():
        out[lever.key.replace(".", "__")] = {
            "type": "SliderFloat", "value": float(start.params[lever.key]), "min": lever.low,
            "max": lever.high, "step": lever.step,
            "label": f"{lever.label} {lever.symbol} [{lever.low:g}–{lever.high:g}]",
        }
    return out


def _empty_note(ax) -> None:
    """Say what to do on a chart with no data yet (before the first step), not empty axes."""
    if not any(len(line.get_xdata()) for line in ax.get_lines()):
        ax.text(0.5, 0.5, "Press Step (or Play) to simulate the first quarter", ha="center",
                va="center", transform=ax.transAxes, fontsize=10, color="#555555")
        ax.set_xlim(0, 1)


def _share_axes(ax) -> None:
    from techbloc.analysis import style

    ax.set_ylim(0, 1)
    style.percent_axis(ax)
    ax.set_ylabel("China-bloc share of 5G sites")
    ax.set_xlabel("quarters since 2019Q1")
    _empty_note(ax)


def _count_axes(ax) -> None:
    ax.set_ylabel("countries")
    ax.set_xlabel("quarters since 2019Q1")
    _empty_note(ax)


def MapComponent(model: TechAllianceModel):
    """The replicate's world map at its current quarter (drawn by analysis.maps)."""
    from techbloc.analysis.maps import world_map
    from techbloc.sim.results import countries_frame

    if model.t == 0:
        return solara.Info("Step the model to draw the map.")
    last = str(model.start + (model.t - 1))  # the quarter just simulated
    fig, _ = world_map(countries_frame(model, model.spec.name, 0), last, "policy")
    return solara.FigureMatplotlib(fig, format="png", dpi=80)


@solara.component
def MesaView():
    """SolaraViz over a VizModel, with two plot components and the map."""
    from mesa.visualization import SolaraViz, make_plot_component
    from techbloc.analysis import style

    model = solara.use_memo(VizModel, [])
    share = make_plot_component({"share_china": style.CHINA}, post_process=_share_axes)
    counts = make_plot_component({f"n_{p}": c for p, c in style.POLICY_COLOURS.items()},
                                 post_process=_count_axes)
    return SolaraViz(model, components=[share, counts, (MapComponent, 0)],
                     model_params=model_params(), play_interval=150,
                     name="techbloc: one replicate in Mesa's SolaraViz")
