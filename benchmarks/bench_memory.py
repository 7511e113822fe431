"""Peak resident memory of this process, for the benchmarks."""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB.

    On Linux, ``VmHWM`` of ``/proc/self/status``: the high-water mark of this program's own
    memory. ``getrusage``'s ``ru_maxrss`` is not used there: it survives ``exec``, so a process
    started by a large parent reports at least the parent's size. Elsewhere ``ru_maxrss``.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak if sys.platform == "darwin" else peak * 1024) / 2**20


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (repeats, runs, firms, workers)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, found {value}")
    return value
