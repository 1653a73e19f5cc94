"""The store's SQL building blocks, shared by every table module: each table's one column list and
the statements derived from it (``Table``), the one way to ask ``IN (…)`` for many keys
(``rows_in``, in chunks of ``CHUNK``), batching, the timestamp format, and the ``Tables`` base
every mixin of ``Store`` inherits (the connection and the write transaction it relies on).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

T = TypeVar("T")


# Keys per IN (...) query and rows per upsert chunk: well under SQLite's variable limit (32766
# since 3.32, 999 before), and large enough that a chunk costs one round trip, not hundreds.
CHUNK = 500
KEYS = "(?…)"  # where ``rows_in`` puts one chunk's placeholders: "WHERE pk IN (?…)"


class Tables:
    """What every table mixin of ``Store`` relies on: ``_db`` and a write transaction."""

    _db: sqlite3.Connection

    def _write(self) -> AbstractContextManager[None]:
        raise NotImplementedError  # Store.transaction


@dataclass(frozen=True)
class Table:
    """A table keyed by an integer ``pk``, and its other columns: the one list its statements
    and records are derived from, so adding a column is one edit."""

    name: str
    columns: tuple[str, ...]

    @cached_property
    def select(self) -> str:
        return f"SELECT pk, {', '.join(self.columns)} FROM {self.name}"

    @cached_property
    def insert(self) -> str:
        return f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES {marks(self.columns)}"

    @cached_property
    def update(self) -> str:
        sets = ", ".join(f"{c} = ?" for c in self.columns)
        return f"UPDATE {self.name} SET {sets} WHERE pk = ?"

    def values(self, record: Mapping[str, Any]) -> list[Any]:
        """The columns of ``record`` in statement order (``pk`` left out)."""
        return [record[c] for c in self.columns]

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        """A row read with ``select`` as a dict of column names, ``pk`` included."""
        return dict(zip(("pk", *self.columns), row, strict=True))


def marks(values: Sized) -> str:
    """``(?, ?, …)``: one placeholder per value."""
    return f"({', '.join('?' * len(values))})"


def rows_in(
    db: sqlite3.Connection,
    sql: str,
    keys: Iterable[Any],
    *,
    before: Sequence[Any] = (),
    after: Sequence[Any] = (),
) -> Iterator[Any]:
    """The rows of ``sql`` for all ``keys``, asked ``CHUNK`` keys at a time.

    ``sql`` holds ``KEYS`` once, where a chunk's placeholders go; ``before`` and ``after`` are
    the parameters on either side of it. Rows come chunk by chunk, so an ORDER BY in ``sql``
    orders each chunk, not the whole answer.
    """
    if sql.count(KEYS) != 1:
        raise ValueError(f"rows_in needs exactly one {KEYS} in {sql!r}")
    for part in batches(keys, CHUNK):
        yield from db.execute(sql.replace(KEYS, marks(part)), [*before, *part, *after])


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def now_iso() -> str:
    """The current UTC time as the store writes it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
