"""The browser app (``techbloc app``): explore scenarios, move levers, watch the world split.

A Solara app served from this process: :mod:`app.session` holds the logic (scenarios as text,
replicates stepped in lockstep, tables for the inspector), :mod:`app.pages` the page, and
:mod:`app.mesa_view` Mesa's own SolaraViz over one replicate. Figures come from :mod:`analysis`.
Solara is imported only here and in the page modules, never by ``sim`` or ``analysis``.
"""
