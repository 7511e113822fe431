"""The page of ``techbloc app``: explore a scenario, compare two, or watch one replicate in Mesa.

Three routes share one browser session's state:

- ``/`` (Explore): pick or upload a scenario, set the levers, run replicates in the server a
  quarter at a time (a background task, so the page answers while it runs), watch the adoption
  curves with bands, the world map, the policy counts and a country inspector; export tables,
  figures and the settings as a scenario file.
- ``/compare``: two scenarios run with the same seeds, their curves, paired difference and maps.
- ``/mesa``: Mesa's own SolaraViz over one replicate (:mod:`app.mesa_view`).

This module is the Explore page and the helpers the other views share; :mod:`app.routes`
assembles the routes (it imports this module, never the reverse).

Figures are drawn by :mod:`analysis`; the run is :class:`app.session.Ensemble`.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import time
from collections.abc import Callable

import solara
import solara.lab
from techbloc.app import session as S
from techbloc.sim.errors import TechblocError

DEFAULT_SCENARIO = "sanctions-2019"
TITLE = "techbloc: tech-alliance scenario explorer"
FIGURE_DPI = 90
MAP_SIZE = (7.0, 3.9)  # inches: the map image the inspector's clicks are read from
TICK_MS = 200  # how often a playing page asks whether the run has advanced


@functools.lru_cache(maxsize=1)
def scenario_names() -> tuple[str, ...]:
    """The scenarios on the search path (as ``techbloc scenarios`` lists them)."""
    from techbloc.sim.scenario import available

    return tuple(available())


@functools.lru_cache(maxsize=64)
def named(name: str):
    """A named scenario, loaded once per server."""
    from techbloc.sim.scenario import load_scenario

    return load_scenario(name)


@functools.lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """iso3 -> 'Name (ISO)' for the inspector's picker, sorted by name."""
    from techbloc.sim.world import load_world

    c = load_world().countries.sort_values("name")
    return {iso: f"{name} ({iso})" for iso, name in zip(c["iso3"], c["name"], strict=True)}


def _start_scenario() -> str:
    name = os.environ.get("TECHBLOC_APP_SCENARIO", DEFAULT_SCENARIO)
    return name if name in scenario_names() else scenario_names()[0]


# ----------------------------------------------------------------------------- session state
# Module-level reactives are per browser session (Solara keeps one value per kernel).
base_name = solara.reactive(_start_scenario())
upload = solara.reactive(None)          # the last S.Upload, valid or not
use_upload = solara.reactive(False)     # run the uploaded scenario instead of a named one
lever_values = solara.reactive({})      # dotted key -> slider value
held_levers = solara.reactive(())       # levers whose slider was moved: held all horizon
replications = solara.reactive(5)
seed = solara.reactive(0)
end = solara.reactive("2030Q4")
ensemble = solara.reactive(None)        # the S.Ensemble of the current run
tick = solara.reactive(0)               # bumped when the run advances (views re-read it)
playing = solara.reactive(False)
redraw_every = solara.reactive(4)
figure_kind = solara.reactive("adoption")
map_value = solara.reactive("policy")
country = solara.reactive("DEU")
replicate = solara.reactive(0)
run_error = solara.reactive(None)


def base_scenario():
    """The scenario the settings start from: the uploaded one, or the named one."""
    up = upload.value
    if use_upload.value and up is not None and up.scenario is not None:
        return up.scenario
    return named(base_name.value)


def reset_settings(scenario) -> None:
    """Levers, seed, replications and horizon from a (new) base scenario; drop the run."""
    playing.set(False)
    lever_values.set({k: float(scenario.params[k]) for k in S.LEVERS})
    held_levers.set(())
    seed.set(int(scenario.seed))
    replications.set(int(min(scenario.replications, S.MAX_APP_REPLICATIONS)))
    end.set(str(scenario.horizon[1]))
    ensemble.set(None)
    run_error.set(None)
    tick.set(0)


def settings_yaml() -> str:
    """The current settings as a scenario file (see :func:`app.session.scenario_yaml`)."""
    up = upload.value
    uploaded = up.doc if use_upload.value and up is not None and up.doc is not None else None
    levers = lever_values.value or {k: float(base_scenario().params[k]) for k in S.LEVERS}
    title = "" if uploaded is not None else S.app_title(base_scenario(), levers)
    return S.scenario_yaml(None if uploaded is not None else base_name.value, levers,
                           seed.value, replications.value, end.value, uploaded=uploaded,
                           title=title, held=held_levers.value)


def exported_name() -> str:
    """The exported file's name: the scenario's own name plus ``.yaml``."""
    import yaml

    return f"{yaml.safe_load(settings_yaml())['name']}.yaml"


def is_current(ens) -> bool:
    """Whether a run was made with the current settings."""
    return ens is not None and ens.yaml == settings_yaml()


def new_run():
    """A fresh run (quarter 0) from the current settings; None and an error shown if invalid."""
    try:
        ens = S.Ensemble(settings_yaml(), seed.value, replications.value, exported_name())
    except TechblocError as e:
        run_error.set(str(e))
        return None
    run_error.set(None)
    ensemble.set(ens)
    tick.set(0)
    return ens


def ensure_run():
    """The current run if its settings are current, else a new one."""
    ens = ensemble.value
    return ens if is_current(ens) and ens.running else new_run()


def png(fig, dpi: int = FIGURE_DPI, tight: bool = True) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return buf.getvalue()


def Image(data: bytes, alt: str, classes: list[str] | None = None):
    """A PNG shown at the width of its container."""
    src = "data:image/png;base64," + base64.b64encode(data).decode()
    return solara.HTML(tag="img", attributes={"src": src, "alt": alt,
                                              "style": "width: 100%; display: block"},
                       classes=classes or [])


# ----------------------------------------------------------------------------- figures
def current_figure(ens, kind: str, frames=None):
    """The selected figure of a run: adoption curves, policy counts or vendor shares."""
    from matplotlib.ticker import MaxNLocator
    from techbloc.analysis.curves import adoption_curves, adoption_figure, policy_curves

    model, countries = frames if frames is not None else ens.frames()
    horizon = (str(ens.scenario.horizon[0]), str(ens.scenario.horizon[1]))
    title = ens.scenario.title or ens.scenario.name
    if kind == "policies":
        fig, ax = policy_curves(countries, title="Huawei policy of the world's governments")
        _fix_xlim(ax, horizon)
        return fig
    if kind == "vendors":
        fig, ax = adoption_curves(model, by="vendor")
        _fix_xlim(ax, horizon)
        return fig
    fig, axes = adoption_figure(model, countries, title=_short(title, 70), horizon=horizon,
                                regions=_regions(), figsize=(9.2, 5.0))
    for ax in axes:  # fewer year ticks than a full-size figure: the panels are small here
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    return fig


def _fix_xlim(ax, horizon: tuple[str, str]) -> None:
    import numpy as np
    from techbloc.analysis import style

    start, end_ = (float(v) for v in style.quarter_to_year(list(horizon)))
    for a in np.atleast_1d(ax):  # one axes, or the vendors' panels
        a.set_xlim(start - 0.125, end_ + 0.125)


@functools.lru_cache(maxsize=1)
def _regions() -> tuple[str, ...]:
    from techbloc.sim.world import load_world

    return tuple(sorted(load_world().countries["region"].unique()))


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def map_figure(ens, value: str, frames=None):
    """The world map at the run's current quarter."""
    from matplotlib.figure import Figure
    from techbloc.analysis.maps import world_map

    _, countries = frames if frames is not None else ens.frames()
    fig = Figure(figsize=MAP_SIZE, layout="constrained")
    ax = fig.subplots()
    # The tables' own last quarter: a background run may have stepped since they were taken.
    world_map(countries, frames_date(countries), value, ax=ax)
    return fig, ax


def frames_date(table) -> str:
    """The last quarter in a run's table (replicates step in lockstep, so it is every one's)."""
    return str(table["date"].iloc[-1])


def click_country(fig, ax, fx: float, fy: float) -> str | None:
    """The country under a click at fractions (fx, fy) of the map image (from its top left)."""
    from techbloc.analysis.maps import country_at

    w, h = fig.get_size_inches() * fig.dpi
    lon, lat = ax.transData.inverted().transform((fx * w, (1 - fy) * h))
    return country_at(float(lon), float(lat))


# ----------------------------------------------------------------------------- components
@solara.component_vue("upload.vue")
def UploadBox(event_upload: Callable[[dict], None] | None = None,
              max_bytes: int = S.MAX_UPLOAD_BYTES):
    """A click-or-drop box that sends the chosen file's name and text to ``event_upload``.

    A file over ``max_bytes`` is not sent: only its name and size, so the page says why.
    """


@solara.component_vue("ticker.vue")
def Ticker(interval: int, event_tick: Callable[[dict], None] | None = None):
    """Calls ``event_tick`` every ``interval`` ms while mounted (the redraw clock of a run)."""


@solara.component_vue("map_image.vue")
def ClickableImage(src: str, event_click: Callable[[dict], None] | None = None):
    """An image that reports clicks as fractions of its width and height."""


@solara.component
def ScenarioCard():
    """Pick a named scenario or upload one; errors are shown as the CLI prints them."""
    names = list(scenario_names())

    def pick(name):
        base_name.set(name)
        use_upload.set(False)
        reset_settings(named(name))

    def on_upload(data):
        up = S.check_upload(str(data.get("name", "uploaded.yaml")), str(data.get("text", "")),
                            size=int(data.get("size") or 0))
        upload.set(up)
        if not up.errors:
            use_upload.set(True)
            reset_settings(up.scenario)

    with solara.Card("Scenario", classes=["scenario-card"]):
        solara.Select("Named scenario", values=names, value=base_name.value, on_value=pick)
        UploadBox(event_upload=on_upload)
        up = upload.value
        if up is not None and up.errors:
            with solara.Column(classes=["upload-errors"], gap="2px"):
                solara.Error(f"{up.name} is not a valid scenario ({len(up.errors)} "
                             f"error{'s' if len(up.errors) > 1 else ''}); nothing changed:",
                             dense=True)
                for e in S.shown_errors(up):
                    solara.HTML(tag="pre", unsafe_innerHTML=_escape(e),
                                style="white-space: pre-wrap; overflow-wrap: anywhere; "
                                "font-size: 12px; margin: 0",
                                classes=["upload-error"])
        elif up is not None and use_upload.value:
            solara.Success(f"Using uploaded {up.name}", dense=True,
                           style_="overflow-wrap: anywhere")  # a long name wraps in the card


def _escape(text: str) -> str:
    import html

    return html.escape(text)


@solara.component
def LeverSlider(lever: S.Lever, value: float, on_value: Callable[[float], None],
                changes: list[str], held: bool = False):
    """One lever: name, symbol, value and unit above a slider marked with its range."""
    cls = "lever-" + lever.key.replace(".", "-")
    with solara.Column(gap="0px", classes=["lever", cls], style="margin-bottom: 6px"):
        with solara.Tooltip(lever.description):
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"<b>{_escape(lever.label)}</b> <i>{_escape(lever.symbol)}</i> = "
                f"<b class='lever-value'>{value:g}</b> "
                f"<span style='color:#666'>({_escape(lever.unit)}; {lever.low:g}–{lever.high:g})"
                "</span>"), style="font-size: 13px")
        solara.SliderFloat("", value=value, min=lever.low, max=lever.high, step=lever.step,
                           on_value=on_value, thumb_label=True)
        if changes:
            solara.HTML(tag="div", unsafe_innerHTML=_escape(
                ("held all run, overriding the scenario's events: " if held else
                 "scenario events then set it (move the slider to hold it): ")
                + "; ".join(changes)),
                style="font-size: 11px; color: #8a6d3b; margin-top: -4px")


@solara.component
def LeverCard():
    """The seven levers as sliders: untouched, the scenario's trajectory; moved, held."""
    scenario = base_scenario()
    changes = S.lever_events(scenario)
    values = lever_values.value or {k: float(scenario.params[k]) for k in S.LEVERS}
    with solara.Card("Levers (a moved slider holds its value)", classes=["lever-card"]):
        for lever in S.levers():
            def set_value(v, key=lever.key):
                lever_values.set({**values, key: float(v)})
                held_levers.set(tuple(sorted({*held_levers.value, key})))

            LeverSlider(lever, values[lever.key], set_value, changes[lever.key],
                        lever.key in held_levers.value)


@solara.component
def RunCard():
    """Replicates, seed, horizon; start, pause, step, reset; progress of the run."""
    ens = ensemble.value
    tick.value  # noqa: B018 - re-render when the run advances
    start_q = str(base_scenario().horizon[0])
    ends = S.quarters(end=S.MAX_END)[4:]

    def start():
        e = ensure_run()
        if e is not None:
            e.paused = False
            playing.set(True)

    def pause():
        e = ensemble.value
        if e is not None:
            e.pause()  # the quarter in progress lands before the page reads the status
            tick.set(e.t)
        playing.set(False)

    def step():
        playing.set(False)
        e = ensure_run()
        if e is not None and e.running:
            e.paused = False
            e.run_quarter()
            tick.set(e.t)

    def reset():
        playing.set(False)
        old = ensemble.value
        if old is not None:
            old.pause()
        new_run()

    def loop():
        # The run's thread only steps: every change the page shows is made on the page's own
        # thread (on_tick, asked by the Ticker), so no redraw is lost.
        e = ensemble.value
        if not playing.value or e is None:
            return
        while e.running and not e.paused and ensemble.value is e:
            try:
                if not e.run_quarter():
                    break
            except Exception as exc:  # shown on the page by on_tick; the server keeps running
                e.error = f"{type(exc).__name__}: {exc}"
                break
            time.sleep(0)  # let the page's thread take the interpreter between quarters

    def on_tick(_data=None):
        e = ensemble.value
        if e is None or not playing.value:
            return
        if e.error:
            run_error.set(e.error)
            playing.set(False)
            return
        now = time.perf_counter()
        # Read once: the run goes on while the views are drawn. The run stops playing only
        # once its last quarter has been drawn (a run that ends during a redraw is drawn again
        # on the next tick).
        t, finished = e.t, not e.running
        if e.due(now, max(1, int(redraw_every.value)), tick.value):
            tick.set(t)  # redraws the views here, on the page's thread
            e.draw_seconds = time.perf_counter() - now
            e.drawn_at = time.perf_counter()
        if finished and tick.value == t:  # the last quarter is on the page
            playing.set(False)

    solara.lab.use_task(loop, dependencies=[playing.value], prefer_threaded=True)

    stale = ens is not None and not is_current(ens)
    with solara.Card("Run", classes=["run-card"]):
        if playing.value:
            Ticker(interval=TICK_MS, event_tick=on_tick)
        with solara.Row():
            solara.InputInt("Replicates", value=replications.value,
                            on_value=lambda v: replications.set(
                                int(min(max(v or 1, 1), S.MAX_APP_REPLICATIONS))),
                            classes=["replications"])
            solara.InputInt("Seed", value=seed.value,
                            on_value=lambda v: seed.set(max(int(v or 0), 0)), classes=["seed"])
        solara.Select("Run to (last quarter of the horizon)", values=ends, value=end.value,
                      on_value=end.set, classes=["run-to"])
        # At most this often: a redraw also waits as long as the last one took (docs/app.md).
        solara.SliderInt(f"Redraw the views every {redraw_every.value} quarter(s) at most",
                         value=redraw_every.value, min=1, max=8, on_value=redraw_every.set,
                         thumb_label=False)
        with solara.Row(justify="space-between", classes=["run-buttons"]):
            solara.Button("Start", icon_name="mdi-play", color="primary", on_click=start,
                          disabled=playing.value, classes=["btn-start"])
            solara.Button("Pause", icon_name="mdi-pause", on_click=pause,
                          disabled=not playing.value, classes=["btn-pause"])
            solara.Button("Step", icon_name="mdi-step-forward", on_click=step,
                          disabled=playing.value, classes=["btn-step"])
            solara.Button("Reset", icon_name="mdi-restore", on_click=reset,
                          classes=["btn-reset"])
        if ens is None:
            status = f"Not started: Start or Step runs from {start_q}."
        else:
            done = "finished" if not ens.running else ("running" if playing.value else "paused")
            status = (f"{ens.date}: {ens.t} of {ens.n_steps} quarters, {ens.replications} "
                      f"replicates, {done}")
        solara.HTML(tag="div", unsafe_innerHTML=_escape(status), classes=["run-status"],
                    style="font-size: 13px; margin-top: 6px")
        if stale:
            solara.Warning("Settings changed since this run: Start, Step or Reset begins a new "
                           "run with them.", dense=True, classes=["stale"])
        if run_error.value:
            solara.Error(run_error.value, dense=True, classes=["run-error"])


@solara.component
def ExportCard():
    """Downloads: the run's tables, the current figure and map, the settings as YAML."""
    ens = ensemble.value
    tick.value  # noqa: B018

    def table(which: str, fmt: str):
        def data():
            model, countries = ens.frames()
            df = model if which == "model" else countries
            if fmt == "csv":
                return df.to_csv(index=False).encode()
            buf = io.BytesIO()
            df.to_parquet(buf, index=False, engine="pyarrow")
            return buf.getvalue()
        return data

    with solara.Card("Export", classes=["export-card"]):
        solara.FileDownload(settings_yaml, filename=exported_name(),
                            label="Scenario YAML (runs the same with techbloc run)",
                            mime_type="text/yaml")
        if ens is None or ens.t == 0:
            solara.Text("Tables and figures: after a quarter has run.")
            return
        stem = ens.scenario.name
        for which in ("model", "countries"):
            with solara.Row(gap="4px"):
                for fmt in ("csv", "parquet"):
                    solara.FileDownload(table(which, fmt), filename=f"{which}.{fmt}",
                                        label=f"{which}.{fmt}")
        with solara.Row(gap="4px"):
            solara.FileDownload(lambda: png(current_figure(ens, figure_kind.value), dpi=120),
                                filename=f"{stem}-{figure_kind.value}-{ens.date}.png",
                                label="Figure (PNG)", mime_type="image/png")
            solara.FileDownload(lambda: png(map_figure(ens, map_value.value)[0], dpi=120),
                                filename=f"{stem}-map-{ens.date}.png", label="Map (PNG)",
                                mime_type="image/png")


@solara.component
def Header():
    """The scenario's title and description, and the headline numbers of the current quarter."""
    scenario = base_scenario()
    ens = ensemble.value
    tick.value  # noqa: B018
    with solara.Card(classes=["header-card"], style="padding: 4px 12px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_escape(scenario.title or scenario.name),
                    classes=["scenario-title"], style="margin: 4px 0; font-size: 20px")
        solara.HTML(tag="div", unsafe_innerHTML=_escape(scenario.description),
                    classes=["scenario-description"],
                    style="font-size: 13px; color: #444; max-height: 5.5em; overflow-y: auto")
        if ens is not None and ens.t > 0:
            model, _ = ens.frames()
            date = frames_date(model)  # not ens.date: the run may have stepped since
            at = model[model["date"] == date]
            chips = [("quarter", date),
                     ("China-bloc share of 5G sites", f"{at['share_china'].median():.1%}"),
                     ("open", f"{at['n_open'].mean():.0f}"),
                     ("restrict", f"{at['n_restrict'].mean():.0f}"),
                     ("ban", f"{at['n_ban'].mean():.0f}"),
                     ("world GDP on China-bloc networks", f"{at['world_split'].median():.1%}")]
            colours = {"open": "#7fb77e", "restrict": "#f0b849", "ban": "#b03a2e"}
            html = "".join(
                f"<span class='chip chip-{k.split()[0]}' style='display:inline-block;"
                f"margin:4px 8px 4px 0;padding:2px 10px;border-radius:12px;background:"
                f"{colours.get(k, '#eceff1')};color:{'#fff' if k == 'ban' else '#222'};"
                f"font-size:13px'>{_escape(k)}: <b>{_escape(v)}</b></span>"
                for k, v in chips)
            solara.HTML(tag="div", unsafe_innerHTML=html, classes=["stats"])
            solara.HTML(tag="div", unsafe_innerHTML=(
                "countries: mean over replicates; shares: median"), style="font-size: 11px; "
                "color: #777")


@solara.component
def FigureCard():
    """The run's figure (adoption curves, policies or vendors) at the quarter reached."""
    ens = ensemble.value
    tick.value  # noqa: B018 - re-render when the run advances
    kind = figure_kind.value
    with solara.Card(classes=["figure-card"], style="padding: 4px 8px"):
        with solara.ToggleButtonsSingle(value=kind, on_value=figure_kind.set, dense=True):
            solara.Button("Adoption by region", value="adoption")
            solara.Button("Policies", value="policies")
            solara.Button("Vendors", value="vendors")
        if ens is None or ens.t == 0:
            solara.Info("Start or Step the run to draw the adoption curves.", dense=True)
            return
        frames = ens.frames()  # one read: the run may step on while the figure is drawn
        data = png(current_figure(ens, kind, frames))
        date = frames_date(frames[0])  # the figure's own quarter
        Image(data, f"{kind} figure at {date}", classes=["run-figure", f"fig-{date}"])


@solara.component
def MapCard():
    """The world map at the quarter reached; a click picks the country to inspect."""
    ens = ensemble.value
    tick.value  # noqa: B018
    value = map_value.value
    with solara.Card(classes=["map-card"], style="padding: 4px 8px"):
        with solara.ToggleButtonsSingle(value=value, on_value=map_value.set, dense=True):
            solara.Button("Policy", value="policy")
            solara.Button("China-bloc share", value="china_share")
        if ens is None or ens.t == 0:
            solara.Info("The map shows each country's policy once a quarter has run.",
                        dense=True)
            return

        frames = ens.frames()
        fig, ax = map_figure(ens, value, frames)
        data = png(fig, tight=False)

        def on_click(pos):
            iso = click_country(fig, ax, float(pos["x"]), float(pos["y"]))
            if iso is not None and iso in country_names():
                country.set(iso)

        src = "data:image/png;base64," + base64.b64encode(data).decode()
        with solara.Div(classes=["world-map", f"map-{frames_date(frames[1])}"]):
            ClickableImage(src=src, event_click=on_click)
        solara.HTML(tag="div", unsafe_innerHTML="Click a country to inspect it.",
                    style="font-size: 11px; color: #777")


@solara.component
def Inspector():
    """One country: policy history, its operators' vendor mix, the terms of its decision."""
    from techbloc.analysis.curves import country_figure
    from techbloc.analysis.decisions import decision_figure, decision_table

    ens = ensemble.value
    tick.value  # noqa: B018
    names = country_names()
    iso = country.value
    rep = min(replicate.value, ens.replications - 1) if ens is not None else 0
    with solara.Card("Country inspector", classes=["inspector-card"]):
        with solara.Row():
            solara.Select("Country", values=list(names.values()), value=names.get(iso, iso),
                          on_value=lambda label: country.set(label[-4:-1]),
                          classes=["country-select"])
            if ens is not None:
                solara.Select("Replicate (operators and decision)",
                              values=[str(i) for i in range(ens.replications)], value=str(rep),
                              on_value=lambda v: replicate.set(int(v)))
        if ens is None or ens.t == 0:
            solara.Info("Run a quarter to inspect a country.", dense=True)
            return
        with solara.Row(style="flex-wrap: wrap; align-items: flex-start"):
            with solara.Column(style="flex: 1 1 420px; min-width: 380px"):
                _, countries = ens.frames()
                horizon = (str(ens.scenario.horizon[0]), str(ens.scenario.horizon[1]))
                hist = png(country_figure(countries, iso, horizon,
                                          title=names.get(iso, iso))[0])
                Image(hist, f"policy history of {iso}", classes=["country-history"])
            with solara.Column(style="flex: 1 1 420px; min-width: 380px"):
                try:
                    terms = ens.decision_terms(iso, rep)
                except TechblocError as e:
                    solara.Warning(str(e), dense=True)
                    terms = None
                if terms is not None:
                    dec = png(decision_figure(
                        terms, title=f"{names.get(iso, iso)}, {ens.date}, replicate {rep}")[0])
                    Image(dec, f"decision terms of {iso}", classes=["decision-figure"])
                    total = decision_table(terms)[-1][1]
                    solara.HTML(tag="div", classes=["decision-summary"], unsafe_innerHTML=(
                        f"score + noise = <b>{total:.2f}</b>; restrict above "
                        f"{terms['threshold_restrict']:g}, ban above {terms['threshold_ban']:g}"
                        f"; lifting a restriction needs {terms['hysteresis']:g} and a ban "
                        f"{terms['hysteresis_ban']:g} below its threshold"),
                        style="font-size: 12px")
        ops = ens.operators(iso, rep)
        solara.HTML(tag="div", unsafe_innerHTML=_escape(
            f"Operators in replicate {rep} at {ens.date}: the vendor mix of their 5G sites "
            "and of their current contract"),
            style="font-size: 13px; font-weight: bold; margin-top: 8px")
        solara.HTML(tag="div", unsafe_innerHTML=operator_html(ops), classes=["operators"])


def operator_html(ops) -> str:
    """The operator table as HTML: one column per vendor for the sites, one for the contract.

    Two header rows name the groups ("share of its 5G sites", "share of its current 5G
    contract") above the vendors; every cell is padded and bordered inline, so the headers never
    run together whatever style sheet the page has.
    """
    from techbloc.analysis import style

    if ops.empty:
        return "<i>no operators</i>"
    vendors = [c.removeprefix("sites_") for c in ops.columns if c.startswith("sites_")]
    cell = "padding:3px 8px;border-bottom:1px solid #e0e0e0;text-align:right;white-space:nowrap"
    head_cell = cell + ";background:#eceff1;text-align:center"
    sep = ";border-left:2px solid #b0bec5"

    def th(text, extra="", span=1, rows=1):
        return (f"<th colspan='{span}' rowspan='{rows}' style='{head_cell}{extra}'>"
                f"{_escape(text)}</th>")

    names = [style.VENDOR_NAMES.get(v, v) for v in vendors]
    top = (th("operator", rows=2) + th("market share", rows=2) + th("5G sites", rows=2)
           + th("share of its 5G sites by vendor", sep, span=len(vendors))
           + th("share of its current 5G contract", sep, span=len(vendors)))
    second = "".join(th(n, sep if i == 0 else "") for i, n in enumerate(names)) * 2
    rows = []
    for _, r in ops.iterrows():
        sites = "".join(f"<td style='{cell}{sep if i == 0 else ''}'>{r[f'sites_{v}']:.0%}</td>"
                        for i, v in enumerate(vendors))
        contract = "".join(
            f"<td style='{cell}{sep if i == 0 else ''}'>{r[f'contract_{v}']:.0%}</td>"
            for i, v in enumerate(vendors))
        rows.append(f"<tr><td style='{cell};text-align:left'>{_escape(str(r['operator']))}</td>"
                    f"<td style='{cell}'>{r['market_share']:.0%}</td>"
                    f"<td style='{cell}'>{r['sites']:,.0f}</td>{sites}{contract}</tr>")
    return ("<table class='op-table' style='font-size:12px;border-collapse:collapse'>"
            f"<thead><tr>{top}</tr><tr>{second}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table>")


@solara.component
def ExplorePage():
    """The main view: settings in the sidebar, the run's views in the main area."""
    solara.Title(TITLE)

    def first_visit():
        if not lever_values.value:
            reset_settings(base_scenario())

    solara.use_effect(first_visit, [])
    with solara.Sidebar():
        ScenarioCard()
        RunCard()
        LeverCard()
        ExportCard()
    with solara.Column(style="padding: 0 8px", gap="8px"):
        Header()
        with solara.Row(style="align-items: flex-start; flex-wrap: wrap", gap="8px"):
            with solara.Column(style="flex: 3 1 620px; min-width: 0"):
                FigureCard()
            with solara.Column(style="flex: 2 1 420px; min-width: 0"):
                MapCard()
        Inspector()
