"""Calendar quarters, the model's unit of time.

The scenario loader turns ``'2019Q2'``, ``'2020-08-17'``, :class:`datetime.date` and ``(year, q)``
into one :class:`Quarter`, so the rest of the code handles a single type (STYLE rule 10).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter.

    Args:
        year: calendar year.
        q: quarter of the year, 1-4.
    """

    year: int
    q: int

    def __post_init__(self) -> None:
        if not 1 <= self.q <= 4:
            raise ValueError(f"quarter must be 1-4, got {self.q}")

    @classmethod
    def parse(cls, value: object) -> Quarter:
        """Read a quarter from ``'2019Q2'``, ``'2019-05-16'``, a date or a Quarter.

        Raises:
            ValueError: if the value is none of these.
        """
        if isinstance(value, Quarter):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, (value.month - 1) // 3 + 1)
        if isinstance(value, str):
            m = _QUARTER_RE.match(value)
            if m:
                return cls(int(m.group(1)), int(m.group(2)))
            m = _DATE_RE.match(value)
            if m:
                try:
                    day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError as e:
                    raise ValueError(f"{value!r} is not a valid date ({e})") from None
                return cls.parse(day)
        raise ValueError(
            f"expected a quarter like '2019Q2' or a date like '2019-05-16', got {value!r}")

    @property
    def index(self) -> int:
        """Quarters since year 0, for arithmetic."""
        return self.year * 4 + self.q - 1

    def __add__(self, n: int) -> Quarter:
        i = self.index + int(n)
        return Quarter(i // 4, i % 4 + 1)

    def __sub__(self, other: Quarter) -> int:
        return self.index - other.index

    @property
    def decimal_year(self) -> float:
        """Mid-quarter as a decimal year (2019Q1 -> 2019.125), for plots."""
        return self.year + (self.q - 0.5) / 4

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


def quarter_range(start: Quarter, end: Quarter) -> list[Quarter]:
    """All quarters from ``start`` to ``end`` inclusive."""
    return [start + i for i in range(end - start + 1)]
