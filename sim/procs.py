"""Processes: worker pools' start method, liveness, workers whose parent died, wrapped interrupts.

A sweep's worker processes wait for work from their parent. If the parent is killed alone
(``kill -9 PID``), nothing tells them: :func:`exit_with_parent` starts a thread that checks the
parent every second and ends the worker (and the fork server it came from) once it is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

START_ENV = "TECHBLOC_START_METHOD"  # force fork, spawn or forkserver for local workers
#: Memory a local sweep worker holds: its largest resident size after one baseline replicate to
#: 2030 (the world's tables, the model, the imports) measured 285 MB on Linux, Python 3.11.
WORKER_BYTES = 300 * 2**20


def check_local_workers(workers: int) -> None:
    """Refuse more local worker processes than this machine's memory can hold.

    Each holds about :data:`WORKER_BYTES`; ``--workers 500`` on a laptop started 500 of them.

    Raises:
        SweepError: naming ``workers``, the memory they need and the machine's.
    """
    from techbloc.sim.errors import SweepError

    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: nothing to check
        return
    most = max(1, total // WORKER_BYTES)
    if workers > most:
        raise SweepError(f"{workers} local workers need about {workers * WORKER_BYTES / 2**30:.0f} "
                         f"GB (0.3 GB each); this machine has {total / 2**30:.1f} GB, enough "
                         f"for {most}", key="workers",
                         hint=f"use --workers {min(most, os.cpu_count() or 1)} (the cores), or a "
                         "Dask cluster (--backend dask --scheduler ADDR)")


def pool_context(preload: list[str]):
    """The multiprocessing context of a local worker pool.

    forkserver where the system has it, not fork: forking a parent that runs threads (Dask, a
    notebook's) can deadlock; the server imports ``preload`` once and each worker forks from it.
    ``$TECHBLOC_START_METHOD`` forces another method (the tests run every one).

    Raises:
        SweepError: an unknown start method in the environment.
    """
    import multiprocessing

    from techbloc.sim.errors import SweepError

    methods = multiprocessing.get_all_start_methods()
    method = os.environ.get(START_ENV) or ("forkserver" if "forkserver" in methods else "spawn")
    if method not in methods:
        raise SweepError(f"unknown start method {method!r}; this system has "
                         + ", ".join(methods), key=START_ENV)
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(preload)
    return ctx


def process_alive(pid: int) -> bool:
    """True if process ``pid`` exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):  # Linux: the state after "(name)" in stat
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    return True


def _is_fork_server(pid: int) -> bool:
    try:
        return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def exit_with_parent(parent: int, interval: float = 1.0) -> threading.Thread:
    """Exit this process soon after process ``parent`` dies (a daemon thread watches it).

    A worker started through a fork server (a child of the dead parent, now serving no one) ends
    that server too, so no process of the sweep is left.
    """

    def watch() -> None:
        while process_alive(parent):
            time.sleep(interval)
        server = os.getppid()
        if server not in (parent, 1) and _is_fork_server(server):
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGTERM)
        os._exit(1)

    thread = threading.Thread(target=watch, name="techbloc-parent-watch", daemon=True)
    thread.start()
    return thread


def interrupted(error: BaseException) -> bool:
    """Whether ``error`` is or wraps a KeyboardInterrupt, through causes and contexts at any depth.

    A Ctrl-C or a SIGTERM (which the command turns into a KeyboardInterrupt) that arrives while
    compiled code runs can come back as another error: a numba kernel returns a ``SystemError``
    whose cause is the interrupt. A run stopped so did not fail; a resume runs it again.
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        stack += [e.__cause__, e.__context__]
    return False
