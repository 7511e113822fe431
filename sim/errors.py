"""Exceptions of techbloc: one type per domain, each naming where the problem is and how to fix it.

Every error carries the file, line and key it is about (where known) and a hint. The CLI prints
``str(error)`` on one line, without a traceback, and exits non-zero.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TechblocError(Exception):
    """Base class of every error techbloc raises on purpose.

    Args:
        message: what is wrong, in one sentence.
        file: the file the problem is in, if any.
        line: 1-based line number in ``file``, if known.
        column: 1-based column in ``file``, if known.
        key: the key path (``params.us.export_controls``) or column the problem is about.
        hint: how to fix it (``did you mean 'export_controls'?``).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message, self.file, self.line, self.key, self.hint = message, file, line, key, hint
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file:
            where = str(self.file) + (f":{self.line}" if self.line else "")
            where += (f":{self.column}" if self.line and self.column else "") + ": "
        key = f"{self.key}: " if self.key else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{key}{self.message}{hint}"


class ScenarioError(TechblocError):
    """A scenario (YAML file, name or override) is invalid."""


class DataError(TechblocError):
    """A shipped or user-supplied data file is missing or malformed."""


class SweepError(TechblocError):
    """A sweep design or sweep folder is invalid."""


def describe_os_error(e: OSError) -> str:
    """One line for an operating-system error: the path, what went wrong, what to do."""
    import errno

    what = e.strerror or str(e) or type(e).__name__
    paths = [str(p) for p in (e.filename, e.filename2) if p is not None]
    hint = {errno.ENOSPC: "free some space or write elsewhere",
            errno.EACCES: "choose a folder you may write to",
            errno.EPERM: "choose a folder you may write to",
            errno.EROFS: "choose a writable folder",
            errno.ENOTDIR: "a part of the path is a file, not a folder",
            errno.ENOENT: "check the path; its folder must exist"}.get(e.errno)
    where = " -> ".join(paths) + ": " if paths else ""
    return f"{where}{what}" + (f"; {hint}" if hint else "")


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """Suggest the nearest valid spelling of ``word``, as a hint for an error message.

    Args:
        word: the unknown key as written.
        options: the valid keys.

    Returns:
        ``"did you mean 'x'?"`` or a list of valid keys when nothing is close, or None if empty.
    """
    options = sorted(options)
    if not options:
        return None
    folded = {o.lower(): o for o in reversed(options)}  # NATO finds nato, can finds CAN
    close = (difflib.get_close_matches(word, options, n=1, cutoff=0.6)
             or [folded[c] for c in difflib.get_close_matches(word.lower(), folded, n=1,
                                                             cutoff=0.6)])
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"valid keys: {shown}"
