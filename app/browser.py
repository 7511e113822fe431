"""Drive the app in a real headless Chromium: start ``techbloc app``, open a browser.

Used by the end-to-end tests (``tests/app``) and by ``tools/app_screenshot.py``. Chromium is the
machine's own (Debian's ``chromium`` package at :data:`CHROMIUM`), launched by Playwright with
``executable_path``; Playwright never downloads a browser here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = os.environ.get("TECHBLOC_CHROMIUM", "/usr/bin/chromium")
#: Flags for a sandbox-less, offline machine: without the networking ones Chromium's background
#: connections are refused and slow every page.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    """The Chromium executable, or a RuntimeError saying how to install it."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: install Debian's package "
                           "(apt-get install chromium) or set TECHBLOC_CHROMIUM")
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def techbloc_command() -> list[str]:
    """The ``techbloc`` console script of this Python, or ``python -m techbloc``."""
    script = Path(sys.executable).with_name("techbloc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "techbloc"]


@contextlib.contextmanager
def app_server(port: int | None = None, scenario: str | None = None, timeout: float = 90.0,
               log: Path | None = None) -> Iterator[str]:
    """Run ``techbloc app`` in a subprocess until the block ends; yield its URL once it answers.

    Raises:
        RuntimeError: the server exited or did not answer within ``timeout`` seconds (the
            message carries its output).
    """
    port = port or free_port()
    cmd = [*techbloc_command(), "app", "--port", str(port)]
    if scenario:
        cmd += ["--scenario", scenario]
    out = open(log, "w+b") if log else __import__("tempfile").TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"techbloc app exited with {proc.returncode}:\n"
                                   + _tail(out))
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"techbloc app did not answer at {url} within {timeout:.0f} "
                                   "s:\n" + _tail(out))
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


def _tail(out, n: int = 4000) -> str:
    out.flush()
    out.seek(0)
    return out.read().decode(errors="replace")[-n:]


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright Chromium browser (the machine's, headless)."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
