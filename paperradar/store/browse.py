"""The store's read paths for browsing: day navigation, a day's size, and whole embedding sets.

The web page asks these on every request, so each is one indexed query: the neighbouring days
come from the ``observations_day`` index instead of grouping the whole table, and the embedding
matrix is read in one pass for the in-memory nearest-neighbour index. ``Store`` mixes this in.
"""

from __future__ import annotations

import numpy as np

from paperradar.store.sql import Tables

Vectors = np.ndarray[tuple[int, int], np.dtype[np.float32]]


class BrowseTables(Tables):
    """Read-only helpers for the radar page; mixed into ``Store``."""

    def adjacent_days(self, day: str) -> tuple[str | None, str | None]:
        """The nearest days with papers before and after ``day`` (None at either end)."""
        before = self._db.execute(
            "SELECT max(observed_on) FROM observations WHERE observed_on < ?", (day,)
        ).fetchone()[0]
        after = self._db.execute(
            "SELECT min(observed_on) FROM observations WHERE observed_on > ?", (day,)
        ).fetchone()[0]
        return before, after

    def day_size(self, day: str) -> int:
        """Observations on ``day``: cheap, and it changes whenever an ingest adds to the day."""
        row = self._db.execute(
            "SELECT count(*) FROM observations WHERE observed_on = ?", (day,)
        ).fetchone()
        return int(row[0])

    def embedding_count(self, model: str) -> int:
        row = self._db.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model,))
        return int(row.fetchone()[0])

    def all_embeddings(self, model: str) -> tuple[np.ndarray, Vectors]:
        """Every stored vector of ``model``: store keys and a (n, dim) matrix in the same order."""
        rows = self._db.execute(
            "SELECT pk, vector FROM embeddings WHERE model = ? ORDER BY pk", (model,)
        ).fetchall()
        pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4")
        dim = len(rows[0][1]) // 4 if rows else 0
        return pks, matrix.reshape(len(rows), dim).astype(np.float32)
