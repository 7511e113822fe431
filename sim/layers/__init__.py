"""The model as layers: one module a population (docs/architecture.md).

:mod:`~sim.layers.vendors`, :mod:`~sim.layers.countries`, :mod:`~sim.layers.operators`,
:mod:`~sim.layers.devices` and :mod:`~sim.layers.enterprises` each hold one class that owns its
population's state arrays, builds them from the world, steps them each quarter, writes its
records and declares the parameters it reads (``PARAMS``). :mod:`~sim.layers.shared` holds what
no population owns. :class:`sim.model.TechAllianceModel` builds them and orders the step.
"""
