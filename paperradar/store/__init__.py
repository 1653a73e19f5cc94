"""The paper store: SQLite in WAL mode, and the only package that speaks SQL.

Everything the stages share goes through the methods of ``Store``: upserting Items (one paper,
one row, joined on arXiv id, then DOI, then title key), reading papers back with what each source
observed, full-text search (FTS5, bm25), ingest cursors and runs. Every write happens inside a
transaction and every upsert is idempotent, so any stage can be re-run. The interface is kept
narrow on purpose: a PostgreSQL backend will implement the same methods.

This module opens the database, migrates it and runs transactions; each concern's methods live in
a module of its own mixed into ``Store``: papers.py (reading papers), upsert.py with merge.py
(writing them), fts.py (the search index), reader.py (profile, feedback, embeddings), posts.py,
briefs.py, browse.py, runs.py; sql.py holds what they share, schema.py applies the migrations
and busy.py waits for another process's write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from paperradar.errors import StoreError
from paperradar.models import Item
from paperradar.store import busy, fts, schema
from paperradar.store.briefs import BriefTables
from paperradar.store.browse import BrowseTables
from paperradar.store.merge import Prepared, prepare
from paperradar.store.papers import PaperOrder as PaperOrder
from paperradar.store.papers import PaperTables
from paperradar.store.posts import PostTables
from paperradar.store.rankings import RankingTables
from paperradar.store.reader import ReaderTables
from paperradar.store.runs import Run as Run
from paperradar.store.runs import RunTables
from paperradar.store.sql import CHUNK, batches, now_iso
from paperradar.store.stats import UpsertStats as UpsertStats
from paperradar.store.upsert import write_chunk

DB_NAME = "radar.db"


class Store(
    PaperTables, ReaderTables, BriefTables, BrowseTables, PostTables, RankingTables, RunTables
):
    """A paper store in ``home``/radar.db; use as a context manager or call ``close``."""

    def __init__(self, path: Path, *, wait: float | None = None) -> None:
        self.path = path
        # A command may wait minutes behind an import; a person clicking on the page may not.
        self._wait = busy.wait_limit() if wait is None else wait
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Opening waits as long as a writer would: another process may be creating or
            # migrating this very store (schema.py), and that is never worth an error.
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=self._wait
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA cache_size = -65536")
            schema.migrate(self._db, path)
            busy.set_timeout(self._db, busy.QUIET)
            self._mark_interrupted()
        except sqlite3.OperationalError as exc:
            if busy.is_busy(exc):
                raise busy.gave_up(exc, "another radar command", self._wait) from exc
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc

    def _mark_interrupted(self) -> None:
        # Only if the lock comes within a moment: a store opened for reading must not wait for an
        # import to record what it will read as interrupted anyway (runs.py).
        wait, self._wait = self._wait, 0.0
        try:
            self.mark_interrupted()
        except StoreError:
            pass  # the write lock is held; the next command to open the store marks them
        finally:
            self._wait = wait

    @classmethod
    def open(cls, home: Path, *, wait: float | None = None) -> Store:
        """The store in ``home``; a writer waits ``wait`` seconds for the lock (default
        ``RADAR_STORE_WAIT``)."""
        return cls(home / DB_NAME, wait=wait)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[None]:  # what the mixins call (sql.Tables)
        return self.transaction()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside leaves the store as it was. Waits for another
        process's write to finish first (busy.py), for up to RADAR_STORE_WAIT seconds."""
        busy.begin(self._db, self._wait, self.writer)
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writing papers -----------------------------------------------------------------------

    def upsert(self, items: Iterable[Item]) -> UpsertStats:
        """Merge Items into papers and record their observations, in one transaction."""
        stats = UpsertStats()
        with self.transaction():
            for chunk in batches(map(prepare, items), CHUNK):
                stats.add(write_chunk(self._db, chunk))
        return stats

    def upsert_stream(
        self, items: Iterable[Prepared], batch: int = 20_000
    ) -> Iterator[UpsertStats]:
        """Upsert a long stream of prepared Items in one transaction, yielding stats every
        ``batch`` items.

        Used by bulk import: the full-text index is brought up to date once per batch with one
        INSERT ... SELECT instead of a trigger per row (about twice as fast). If the stream
        raises, the transaction rolls back and nothing at all is written.
        """
        with self.transaction():
            triggers = fts.suspend_triggers(self._db)
            for chunk in batches(items, batch):
                stats = UpsertStats()
                # Indexed batch by batch, so the index work overlaps with a reader still
                # parsing the rest (bulk.py); a row already indexed counts as pre-existing.
                deferred = fts.Deferred()
                for small in batches(chunk, CHUNK):
                    stats.add(write_chunk(self._db, small, deferred))
                self._flush_index(deferred)
                yield stats
            fts.restore_triggers(self._db, triggers)

    def _flush_index(self, deferred: fts.Deferred) -> None:
        fts.flush(self._db, deferred)  # a method of its own so bench/ingest.py can time it

    # -- cursors and size -----------------------------------------------------------------------

    def cursor(self, source: str, key: str = "default") -> str | None:
        row = self._db.execute(
            "SELECT value FROM cursors WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        return str(row[0]) if row else None

    def set_cursor(self, source: str, value: str, key: str = "default") -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO cursors (source, key, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (source, key, value, now_iso()),
            )

    def size_report(self) -> dict[str, int]:
        """Bytes on disk per table and index (dbstat), for the storage benchmark."""
        try:
            rows = self._db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
        except sqlite3.OperationalError:
            return {}
        return {name: int(size) for name, size in rows}
