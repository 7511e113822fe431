"""Reading the data CSVs of ``sim/data``: every way a file can be unreadable is a located error.

:func:`_read_csv` and :func:`_fail` turn a missing file, bad encoding, a parser error, a missing
column or a bad value into a :class:`~sim.errors.DataError` naming the file, line and column.
Shared by :mod:`sim.world`, :mod:`sim.policy_data` and :mod:`sim.observed`.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from techbloc.sim.errors import DataError


def _fail(file: Path, row: int | None, column: str, message: str) -> DataError:
    # Row numbers are the 1-based line in the CSV file (header is line 1).
    return DataError(message, file=str(file), line=None if row is None else row + 2, key=column)


def _read_csv(path: Path, columns: Iterable[str], **kwargs) -> pd.DataFrame:
    """Read a data CSV, turning every way it can be unreadable into a located DataError."""
    if not path.exists():
        raise DataError("file not found", file=str(path), hint="reinstall techbloc")
    kwargs.setdefault("index_col", False)  # a row longer than the header is not an index
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, encoding="utf-8", **kwargs)
    except pd.errors.ParserWarning:  # pandas would drop the extra fields
        raise _long_row(path) from None
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=str(path)) from None
    except pd.errors.EmptyDataError:
        raise DataError("empty file; expected a header and rows", file=str(path)) from None
    except pd.errors.ParserError as e:
        raise DataError(f"not a readable CSV file ({e})".replace("\n", " "),
                        file=str(path)) from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _fail(path, None, missing[0], "column missing; expected columns: "
                    + ", ".join(columns))
    return df


def _long_row(path: Path) -> DataError:
    """The error for the first row with more fields than the header has columns."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        for row in rows:
            if len(row) > len(header):
                return DataError(f"{len(row)} fields in a row under {len(header)} columns (a "
                                 "comma inside a value needs quotes)", file=str(path),
                                 line=rows.line_num)
    return DataError("a row has more fields than the header has columns", file=str(path))
