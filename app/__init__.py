"""The browser app (``techbloc app``): explore scenarios, move levers, watch the world split.

A Solara app served from this process: :mod:`app.session` holds the logic (scenarios as text,
replicates stepped in lockstep, tables for the inspector), :mod:`app.pages` the Explore page,
:mod:`app.compare_view` the comparison, :mod:`app.mesa_view` Mesa's own SolaraViz over one
replicate, and :mod:`app.routes` the three routes in one layout (what Solara serves). Figures
come from :mod:`analysis`.
Solara is imported only here and in the page modules, never by ``sim`` or ``analysis``.
"""
