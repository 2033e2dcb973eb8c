"""Serve a Solara page on 127.0.0.1 until interrupted: the one server both apps share.

The port is bound here, before Solara is imported, so that a port in use is refused in
one line (:class:`sim.errors.InputError`, exit status 2) and nothing listens anywhere but
on the loopback interface. Solara's telemetry and its font download are switched off:
the page needs nothing from the network.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from sim.errors import InputError

HOST = "127.0.0.1"
"""The only interface the apps listen on."""

OFFLINE = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports to mixpanel.com
    "SOLARA_ASSETS_FONTAWESOME_ENABLED": "False",  # no icon font fetched from a CDN
    "SOLARA_THEME_SHOW_BANNER": "False",
}


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: a free port the system picks).

    Also switches Solara's network features off (:data:`OFFLINE`), before anything imports
    Solara, which reads its settings once, on import.

    Raises:
        InputError: the port is in use or may not be bound.
    """
    os.environ.update(OFFLINE)
    # Solara's advice on Mesa's own code (a hook after an early return) and on https
    # cookies: not the user's concern on 127.0.0.1
    warnings.filterwarnings("ignore", category=UserWarning, module=r"solara\.")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as err:
        sock.close()
        what = "is in use" if err.errno == errno.EADDRINUSE else f"cannot be bound ({err.strerror})"
        raise InputError(
            f"port {port} on {HOST} {what} (expected a free port; choose another with --port)",
            key="--port",
        ) from None
    sock.listen(128)
    return sock


def serve(app: str, sock: socket.socket, what: str, routes: Sequence[Any] = ()) -> int:
    """Serve the Solara page ``app`` (``"module:Page"``) on ``sock`` until Ctrl-C or SIGTERM.

    ``routes`` are Starlette routes served beside the page (before Solara's own). Prints
    the address first (one line, flushed), then blocks. Returns 0 once the server has
    shut down cleanly.
    """
    os.environ["SOLARA_APP"] = app
    host, port = sock.getsockname()[:2]
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    import uvicorn  # solara's server; imported here so that `metropoli --help` stays fast
    from solara.server.starlette import app as starlette_app

    starlette_app.router.routes[0:0] = list(routes)

    class Server(uvicorn.Server):
        """Uvicorn's server, stopping on SIGINT or SIGTERM without raising them again."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            """Shut down gracefully on SIGINT and SIGTERM, then return (exit status 0)."""
            stop = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in stop}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(starlette_app, log_level="warning", lifespan="on", access_log=False)
    server = Server(config)
    print(f"{what} on http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
