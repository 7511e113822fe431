"""Dated and flagged facts about countries that enter the policy rule (ODD §7.5).

Two small files of ``sim/data``, read into per-country arrays in the order of ``countries.csv``:
the frontline states (``frontline.csv``) and the US 5G security declarations
(``us_5g_declarations.csv``). Each reader raises a :class:`~sim.errors.DataError` naming the file,
line and column of a bad row; a world folder without the file has none of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from techbloc.sim.csvread import _fail, _read_csv
from techbloc.sim.quarters import Quarter

#: The kinds of signed bilateral document the declarations file records (SOURCES.md).
DECLARATION_FORMS = ("joint_declaration", "memorandum", "commitment")
DECLARATION_COLUMNS = ("iso3", "date", "form", "signatories", "confidence", "source", "note")


def read_frontline(path: Path, iso3: pd.Series) -> np.ndarray:
    """Frontline states (``frontline.csv``) as 1.0 per country, 0 elsewhere (ODD §7.5).

    A world folder without the file has no frontline states.
    """
    out = np.zeros(len(iso3))
    if not path.exists():
        return out
    df = _read_csv(path, ("iso3", "theatre", "since", "basis"), dtype=str, keep_default_na=False)
    index = {code: i for i, code in enumerate(iso3)}
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in index:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        if r.theatre not in ("Russia", "China"):
            raise _fail(path, row, "theatre", f"expected Russia or China, found {r.theatre!r}")
        if not (r.since.isascii() and r.since.isdigit()) or not 1900 <= int(r.since) <= 2019:
            raise _fail(path, row, "since", f"expected a year from 1900 up to 2019 (the model's "
                        f"start), found {r.since!r}")
        if not r.basis.strip():
            raise _fail(path, row, "basis", "empty; give the basis and its source")
        if out[index[r.iso3]]:
            raise _fail(path, row, "iso3", f"{r.iso3!r} appears twice")
        out[index[r.iso3]] = 1.0
    return out


def read_declarations(path: Path, iso3: pd.Series) -> np.ndarray:
    """The quarter from which each country's 5G security declaration with the US counts.

    One row per signatory (``us_5g_declarations.csv``: the joint declarations, memoranda of
    understanding and commitments of 2019-2021, ODD §7.5). A world folder without the file has
    no declarations.

    Args:
        path: the CSV file.
        iso3: the world's country codes, in array order.

    Returns:
        Shape (C,): :attr:`Quarter.index` of the signing quarter, +inf where a country signed
        none. d_i(t) = 1 from that quarter on (:func:`declared`).

    Raises:
        DataError: a missing column, an unknown or repeated country, a date that is not a valid
            YYYY-MM-DD day in 2018-2030, an unknown form, an empty signatories field, a
            confidence other than H, M or L, or a source that is not a web address.
    """
    out = np.full(len(iso3), np.inf)
    if not path.exists():
        return out
    df = _read_csv(path, DECLARATION_COLUMNS, dtype=str, keep_default_na=False)
    index = {code: i for i, code in enumerate(iso3)}
    for row, r in enumerate(df.itertuples(index=False)):
        if r.iso3 not in index:
            raise _fail(path, row, "iso3", f"unknown country {r.iso3!r} (not in countries.csv)")
        try:
            day = dt.date.fromisoformat(r.date.strip())
        except ValueError:
            day = None
        if day is None or not 2018 <= day.year <= 2030:
            raise _fail(path, row, "date", f"expected a date YYYY-MM-DD in 2018-2030, "
                        f"found {r.date!r}")
        if r.form not in DECLARATION_FORMS:
            raise _fail(path, row, "form", f"expected one of {', '.join(DECLARATION_FORMS)}, "
                        f"found {r.form!r}")
        if not r.signatories.strip():
            raise _fail(path, row, "signatories", "empty; name who signed")
        if r.confidence not in ("H", "M", "L"):
            raise _fail(path, row, "confidence", f"expected H, M or L, found {r.confidence!r}")
        if not r.source.strip().startswith(("https://", "http://")):
            raise _fail(path, row, "source", f"expected a web address, found {r.source!r}")
        i = index[r.iso3]
        if np.isfinite(out[i]):
            raise _fail(path, row, "iso3", f"{r.iso3!r} appears twice; one row per signatory "
                        "(its first document; later ones go in the note)")
        out[i] = Quarter.parse(day).index
    return out


def declared(signed: np.ndarray | None, quarter: Quarter) -> np.ndarray | float:
    """d_i(t): 1.0 where a country has signed a declaration by ``quarter``, else 0.

    Args:
        signed: :func:`read_declarations`' array (None: a world without declarations).
        quarter: the current quarter.
    """
    if signed is None:
        return 0.0
    return (signed <= quarter.index).astype(float)
