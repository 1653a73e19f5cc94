"""The ``radar`` entry point: registers every command module on the app, runs it, and turns
domain errors into one line on stderr and the exit codes of PRODUCT.md (0 success, 1 ran but
found nothing new or partly failed, 2 usage or configuration error).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading

from rich.markup import escape

# Each command module registers its commands on ``app`` when imported.
from paperradar.cli import (  # noqa: F401
    brief,
    ingest,
    papers,
    rank,
    reader,
    run,
    social,
    web,
)
from paperradar.cli.app import NothingNew, app, err
from paperradar.errors import RadarError


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map domain errors to one line and an exit code.

    Typer itself reports usage errors (exit 2) and interrupts; everything the library raises on
    purpose is a ``RadarError`` and is reported here without a traceback.
    """
    try:
        app(args=argv)
    except NothingNew:
        sys.exit(1)
    except RadarError as exc:
        err.print(f"[red]radar: error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


def console() -> None:
    """The ``radar`` console script and ``python -m paperradar``: ``main``, then a quick exit.

    Tearing the interpreter down after a ranking (freeing SciPy's and NumPy's modules and every
    object) costs about 0.1 s of a 1-2 s command (bench/rank_speed.py's ``exit`` line). Exit
    handlers still run and the output is flushed; only that teardown is skipped, and only when no
    other thread is left (it might still be writing). Tests call ``main``, which exits the
    ordinary way.
    """
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("message") would have printed
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a reader that stopped early (`| head`), or a closed stream
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code or 0)
