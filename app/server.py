"""Start the app's web server (what ``techbloc app`` calls).

Solara reads its settings from the environment when first imported, so they are set here before
the import: no telemetry, no fonts or scripts from a CDN (the page works offline), production
mode (no code reloading).
"""

from __future__ import annotations

import errno
import os

#: Solara settings for a local, offline server.
SOLARA_ENV = {
    "SOLARA_APP": "techbloc.app.routes",
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",

    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_SESSION_HTTPS_ONLY": "False",  # plain http on localhost
    # A closed tab's session (its runs) is freed after this; Solara's default keeps it a day.
    "SOLARA_KERNEL_CULL_TIMEOUT": "15m",
}


def configure() -> None:
    """Put :data:`SOLARA_ENV` in the environment (values already set there win).

    Must run before Solara is first imported: it reads its settings once, at import.
    """
    for key, value in SOLARA_ENV.items():
        os.environ.setdefault(key, value)


def check_listen(host: str, port: int) -> None:
    """Refuse, before Solara loads, an address the server could not listen on.

    Raises:
        TechblocError: the port is taken (another app?) or the host is not this machine's,
            naming ``--port`` or ``--host``.
    """
    import socket

    from techbloc.sim.errors import TechblocError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise TechblocError(f"cannot find the address {host!r} ({e.strerror or e})",
                            key="--host", hint="use 127.0.0.1 (this machine) or 0.0.0.0") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as e:
            raise TechblocError(f"cannot listen on {host}:{port} ({e.strerror or e})",
                                key="--port" if e.errno == errno.EADDRINUSE else "--host",
                                hint="another program (a techbloc app?) uses it; choose another "
                                "--port" if e.errno == errno.EADDRINUSE else None) from None


def serve(host: str = "127.0.0.1", port: int = 8765, scenario: str | None = None) -> None:
    """Serve the app until interrupted, printing its address once it listens.

    Args:
        host: interface to listen on (127.0.0.1: this machine only).
        port: TCP port.
        scenario: the scenario the page opens with (default: the page's own default).
    """
    configure()
    if scenario:
        os.environ["TECHBLOC_APP_SCENARIO"] = scenario
    import uvicorn
    from solara.server.starlette import app as starlette_app

    config = uvicorn.Config(starlette_app, host=host, port=port, log_level="warning",
                            ws_max_size=16 * 2**20)
    server = uvicorn.Server(config)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    url = f"http://{shown}:{port}/"

    startup = server.startup

    async def startup_then_print(sockets=None):
        await startup(sockets=sockets)
        if server.started:
            print(f"techbloc app: serving on {url} (Ctrl-C to stop)", flush=True)

    server.startup = startup_then_print
    server.run()
