"""Waiting for the write lock: one writer at a time, and the others wait their turn, visibly.

SQLite lets one connection write at a time; in WAL mode readers never wait. A bulk import holds
the write lock for its whole all-or-nothing transaction, minutes for a large snapshot, so a
``radar follow`` or a feedback click from the page started meanwhile must wait that long rather
than fail after SQLite's usual few seconds. A writer waits quietly for ``QUIET`` seconds (the
common case: another command's short write), then logs once who it is waiting for and keeps
waiting up to ``RADAR_STORE_WAIT`` seconds (default ten minutes) in all; after that it gives up
with a ``StoreError`` that says what holds the store, never a ``database is locked`` traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable

from paperradar.errors import ConfigError, StoreError

WAIT_ENV = "RADAR_STORE_WAIT"
DEFAULT_WAIT = 600.0  # seconds: long enough for the import of a large snapshot
QUIET = 2.0  # seconds waited before saying so

log = logging.getLogger(__name__)


def wait_limit() -> float:
    """How long a writer waits for the lock in all, in seconds (``RADAR_STORE_WAIT``)."""
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ConfigError(f"{WAIT_ENV}={text!r}: write the seconds to wait, e.g. 600")
    return seconds


def set_timeout(db: sqlite3.Connection, seconds: float) -> None:
    db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")


def is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def begin(db: sqlite3.Connection, limit: float, holder: Callable[[], str]) -> None:
    """``BEGIN IMMEDIATE`` on ``db``, whose busy timeout is ``QUIET``: waits for the write lock
    up to ``limit`` seconds, logging who holds it (``holder()``) once the wait is noticeable."""
    try:
        db.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as exc:
        if not is_busy(exc) or limit <= QUIET:
            raise gave_up(exc, holder(), limit) from exc
    who = holder()
    log.warning("radar: waiting for %s to finish writing to the store…", who)
    set_timeout(db, limit - QUIET)
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise gave_up(exc, who, limit) from exc
    finally:
        set_timeout(db, QUIET)


def gave_up(exc: sqlite3.OperationalError, who: str, limit: float) -> StoreError:
    if not is_busy(exc):
        return StoreError(f"cannot write to the store: {exc}")
    return StoreError(
        f"the store is busy: waited {limit:g} s for {who} to finish writing to it; run this "
        f"again when it has finished (or set {WAIT_ENV}=SECONDS to wait longer)"
    )
