"""The store's ranking tables: each day's stored ranking (the rank stage's output) and the cheap
counts that tell whether it still holds.

Mixed into ``Store`` like the briefing tables, so the rank stage reads and writes its rankings
only through the store. A ranking is kept per day, rows in rank order with exact scores, parts
and reasons; saving a day again replaces its ranking in one transaction, so a reader never sees
half of one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from paperradar.store.sql import Tables, now_iso


@dataclass(frozen=True)
class RankedRow:
    """One ranked paper as stored: the paper by key, its score, the score's parts, the reasons."""

    pk: int
    score: float
    parts: dict[str, float]
    reasons: tuple[str, ...]
    close: bool = True  # above the relevance floor


@dataclass(frozen=True)
class StoredRanking:
    """A day's stored ranking, best first, and the digest of what it was computed from."""

    day: str
    digest: str
    candidates: int
    muted: int
    embedded: int
    timings: dict[str, float]
    ranked_at: str
    rows: tuple[RankedRow, ...]


class RankingTables(Tables):
    """Stored rankings and the posts' state; mixed into ``Store``."""

    def save_ranking(self, ranking: StoredRanking) -> None:
        """Keep ``ranking`` as its day's ranking, replacing any earlier one."""
        with self._write():
            self._db.execute("DELETE FROM rankings WHERE day = ?", (ranking.day,))
            self._db.execute(
                "INSERT INTO rankings (day, digest, candidates, muted, embedded, timings, "
                "ranked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    ranking.day,
                    ranking.digest,
                    ranking.candidates,
                    ranking.muted,
                    ranking.embedded,
                    json.dumps(ranking.timings),
                    ranking.ranked_at or now_iso(),
                ),
            )
            self._db.executemany(
                "INSERT INTO ranked_papers (day, position, pk, score, parts, reasons, close) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        ranking.day,
                        n,
                        row.pk,
                        row.score,
                        json.dumps(row.parts),
                        json.dumps(row.reasons, ensure_ascii=False),
                        int(row.close),
                    )
                    for n, row in enumerate(ranking.rows, 1)
                ),
            )

    def forget_ranking(self, day: str) -> None:
        """Drop the day's stored ranking, so the next reader ranks the day again: for a change
        its digest cannot see, such as categories filled into papers already on the day (the
        digest counts the day's observations, and filling adds none)."""
        with self._write():
            self._db.execute("DELETE FROM rankings WHERE day = ?", (day,))

    def ranking_digest(self, day: str) -> str | None:
        """The digest of the day's stored ranking (None when there is none): one indexed read,
        so a caller can tell a ranking still holds without loading it."""
        row = self._db.execute("SELECT digest FROM rankings WHERE day = ?", (day,)).fetchone()
        return str(row[0]) if row else None

    def stored_ranking(self, day: str) -> StoredRanking | None:
        head = self._db.execute(
            "SELECT day, digest, candidates, muted, embedded, timings, ranked_at FROM rankings "
            "WHERE day = ?",
            (day,),
        ).fetchone()
        if head is None:
            return None
        rows = self._db.execute(
            "SELECT pk, score, parts, reasons, close FROM ranked_papers WHERE day = ? "
            "ORDER BY position",
            (day,),
        )
        return StoredRanking(
            day=head[0],
            digest=head[1],
            candidates=int(head[2]),
            muted=int(head[3]),
            embedded=int(head[4]),
            timings=json.loads(head[5]),
            ranked_at=head[6],
            rows=tuple(
                RankedRow(
                    int(pk),
                    float(score),
                    json.loads(parts),
                    tuple(json.loads(reasons)),
                    bool(close),
                )
                for pk, score, parts, reasons, close in rows
            ),
        )

    def posts_state(self) -> tuple[int, ...]:
        """Counts that change whenever posts, their likes and reposts or their links to papers
        change: what a ranking's buzz depends on, read without reading the posts."""
        posts = self._db.execute(
            "SELECT count(*), total(likes), total(reposts), coalesce(max(pk), 0) FROM posts"
        ).fetchone()
        refs = self._db.execute("SELECT count(*), count(paper_pk) FROM post_refs").fetchone()
        return tuple(int(v) for v in (*posts, *refs))
