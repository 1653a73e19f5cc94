"""``radar serve``: the radar page on localhost, or on a network address behind a token.

Registered on the same ``radar`` app as the other commands. The server is uvicorn with one
worker: the page keeps its rankings in memory and the store is SQLite, so one process is both
the simplest and the fastest arrangement on a laptop.
"""

from __future__ import annotations

import errno
import os
import secrets
import socket
from typing import Annotated

import typer

from paperradar.cli.app import Home, app, out, resolve_home
from paperradar.errors import UsageError


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback unless you add a token).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="RADAR_TOKEN",
            help="Every request must carry it; required when --host is not loopback.",
            show_default=False,
        ),
    ] = None,
    home: Home = None,
) -> None:
    """Serve the radar page: Today, Briefing, Paper, Search, Profile, and a JSON API."""
    import uvicorn

    from paperradar.store import Store
    from paperradar.web import create_app
    from paperradar.web.security import is_loopback

    if not is_loopback(host) and not token:
        raise UsageError(
            f"refusing to serve on {host} without a token: anyone who can reach it could read and "
            "change your profile. Set RADAR_TOKEN or pass --token "
            f"(for example --token {secrets.token_urlsafe(18)})"
        )
    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a TCP port")
    root = resolve_home(home)
    Store.open(root).close()  # a store that cannot open should fail here, not on the first page
    # Bound here, before the address is printed, and handed to uvicorn: a port in use is one
    # line and exit 2, not the address and then uvicorn's startup failure (exit 3).
    listening = _listen(host, port)
    # The address the server answers at: "localhost" only for the default loopback names.
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    shown = f"[{shown}]" if ":" in shown else shown
    address = f"http://{shown}:{port}/"
    out.print(f"Paper Radar is at [bold]{address}[/] (store: {root})")
    if token:
        out.print(
            f"Open {address}?token=… once in each browser; API clients send "
            "`Authorization: Bearer …`."
        )
    out.print("[dim]Press Ctrl+C to stop.[/]")
    config = uvicorn.Config(
        create_app(root, host=host, token=token),
        host=host,
        port=port,
        log_level=os.environ.get("RADAR_LOG_LEVEL", "warning"),
        access_log=False,
    )
    with listening:
        uvicorn.Server(config).run(sockets=[listening])


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, bound the way uvicorn binds its own, or a
    UsageError saying why not (for a port in use, with a free one to try)."""
    sock = socket.socket(_family(host))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is in use (another radar serve?); try --port "
                f"{_free_port(host, port)}"
            ) from exc
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _free_port(host: str, busy: int) -> int:
    """The first port after ``busy`` that ``host`` can listen on (``busy + 1`` if none is)."""
    for candidate in range(busy + 1, min(busy + 50, 65536)):
        with socket.socket(_family(host)) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return busy + 1
