"""``radar serve``: the radar page on localhost, or on a network address behind a token.

Registered on the same ``radar`` app as the other commands. The server is uvicorn with one
worker: the page keeps its rankings in memory and the store is SQLite, so one process is both
the simplest and the fastest arrangement on a laptop.
"""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer

from paperradar.cli.app import Home, app, err, out, resolve_home
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
    try:
        uvicorn.run(
            create_app(root, host=host, token=token),
            host=host,
            port=port,
            log_level=os.environ.get("RADAR_LOG_LEVEL", "warning"),
            access_log=False,
        )
    except OSError as exc:  # port in use, address not available
        err.print(f"[red]radar: error:[/] cannot listen on {host}:{port}: {exc}")
        raise typer.Exit(2) from exc
