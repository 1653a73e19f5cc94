"""The store's schema: the numbered scripts of ``paperradar/migrations`` applied in order, once.

Several ``radar`` commands may open a new home at the same moment (a cron job, the page, a
terminal), so reading ``user_version`` and applying what it lacks happen inside one
``BEGIN IMMEDIATE`` transaction: the first process migrates, the others wait for its write lock,
then find the schema current and apply nothing. ``executescript`` would commit any open
transaction before it runs, so each script is split into statements and run with ``execute``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from paperradar.errors import StoreError


def scripts() -> list[tuple[int, str]]:
    """Every migration as (number, SQL text), in order."""
    found = sorted(
        (int(f.name.split("_", 1)[0]), f)
        for f in resources.files("paperradar.migrations").iterdir()
        if re.match(r"\d{4}_.*\.sql$", f.name)
    )
    return [(number, f.read_text()) for number, f in found]


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store at ``path`` to the latest schema, atomically across processes.

    The caller's busy timeout decides how long a process waits for another one migrating."""
    todo = scripts()
    latest = todo[-1][0] if todo else 0
    if _version(db) == latest:  # the common case: no write lock taken at all
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        current = _version(db)  # again, now that no one else can be migrating
        if current > latest:
            raise StoreError(
                f"{path} was written by a newer Paper Radar (schema {current}, this version "
                f"knows {latest}); upgrade paper-radar"
            )
        for number, script in todo:
            if number > current:
                for statement in statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def statements(script: str) -> Iterator[str]:
    """The statements of ``script``, one at a time: a statement ends at a ``;`` that SQLite
    calls complete, so the ``;`` inside a trigger body, a string or a comment does not split."""
    start = 0
    for mark in re.finditer(";", script):
        piece = script[start : mark.end()]
        if sqlite3.complete_statement(piece):
            if _has_sql(piece):
                yield piece
            start = mark.end()
    if _has_sql(script[start:]):
        raise StoreError(f"migration ends in an incomplete statement: {script[start:][:60]!r}")


def _has_sql(text: str) -> bool:
    """Whether ``text`` holds more than whitespace and ``--`` comments."""
    return bool(re.sub(r"--[^\n]*", "", text).strip(" \t\n;"))
