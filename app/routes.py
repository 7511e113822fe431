"""The app's routes: Explore, Compare and the Mesa view, in one layout (``SOLARA_APP``).

This module sits on top of the pages: it imports :mod:`app.pages` (Explore, the shared
helpers), :mod:`app.compare_view` and :mod:`app.mesa_view`, none of which imports it, so the
app's imports point one way (docs/architecture.md).
"""

from __future__ import annotations

import solara
from techbloc.app.compare_view import CompareView
from techbloc.app.mesa_view import MesaView
from techbloc.app.pages import TITLE, ExplorePage

CSS = """
.op-table th { background: #eceff1; text-align: left; }
.op-table td, .op-table th { padding: 3px 8px; }
.op-table td, .op-table th { border-bottom: 1px solid #e0e0e0; }
.lever .v-input__slot { margin-bottom: 0; }
.lever .v-messages { min-height: 0; }
"""


@solara.component
def ComparePage():
    """Two scenarios, the same seeds: their curves overlaid, the paired difference, two maps."""
    solara.Title(TITLE + ": compare")
    CompareView()


@solara.component
def MesaPage():
    """Mesa's SolaraViz over one replicate (see :mod:`app.mesa_view`)."""
    MesaView()


@solara.component
def Layout(children=None):
    """The app bar (title, one button per route) around the page of the route."""
    route, all_routes = solara.use_route()
    with solara.AppLayout(children=children or [], navigation=False, color="#263238") as main:
        with solara.AppBar():
            # Inside the returned element (a component that returns an element drops those
            # made beside it, so a Style made before the layout never reached the page), and in
            # the app bar, not among the layout's children, which fill its sidebar and page.
            solara.Style(CSS)
            for r in all_routes:
                here = r is route
                with solara.Link(solara.resolve_path(r)):
                    solara.Button(r.label, text=True, dark=True, classes=[
                        "nav-" + (r.path.strip("/") or "explore"),
                        "nav-current" if here else "nav-other"],
                        style="font-weight: bold; border-bottom: 2px solid white"
                        if here else "opacity: 0.85")
    return main


routes = [
    # The first route's layout frames every route.
    solara.Route(path="/", component=ExplorePage, label="Explore", layout=Layout),
    solara.Route(path="compare", component=ComparePage, label="Compare"),
    solara.Route(path="mesa", component=MesaPage, label="Mesa view (one replicate)"),
]
