"""The shipped calibrations and the last year-end each was fitted to (docs/ODD.md §1.2).

Each is ``scenarios/<name>.yaml`` with its posterior ensemble beside it as
``<name>_posterior.parquet``: ``calibrated``, fitted on the whole record 2019-2024, which every
shipped scenario extends and runs use; and ``calibrated-2021``, the validation protocol's
2019-2021 fit, which ``techbloc hindcast`` scores. Nothing is imported here, so the command line
reads its choices from this map at start-up (:mod:`sim.posterior` holds what uses them).
"""

FITTED_THROUGH = {"calibrated": 2024, "calibrated-2021": 2021}
CALIBRATIONS = tuple(FITTED_THROUGH)
