"""The store's briefing tables: the archive of written briefings, the LLM answer cache, and the
counts the briefing needs about a day (per-source items, how often a phrase appears over time).

Mixed into ``Store`` like the reader tables, so the brief stage reads and writes only through the
store. A briefing is kept per (day, language) and replaced when the day is briefed again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from paperradar.store.sql import Tables, now_iso


@dataclass(frozen=True)
class StoredBriefing:
    day: str
    lang: str
    composer: str
    created_at: str
    title: str
    body: dict[str, Any]


@dataclass(frozen=True)
class CachedAnswer:
    response: str
    prompt_tokens: int
    completion_tokens: int


def _stored(row: Any) -> StoredBriefing:
    return StoredBriefing(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))


class BriefTables(Tables):
    """Briefings, the LLM cache and day statistics; mixed into ``Store``."""

    def save_briefing(
        self, day: str, lang: str, composer: str, title: str, body: dict[str, Any]
    ) -> None:
        with self._write():
            self._db.execute(
                "INSERT INTO briefings (day, lang, composer, created_at, title, body) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, lang) DO UPDATE SET "
                "composer = excluded.composer, created_at = excluded.created_at, "
                "title = excluded.title, body = excluded.body",
                (day, lang, composer, now_iso(), title, json.dumps(body, ensure_ascii=False)),
            )

    def briefing(self, day: str, lang: str = "en") -> StoredBriefing | None:
        row = self._db.execute(
            "SELECT day, lang, composer, created_at, title, body FROM briefings "
            "WHERE day = ? AND lang = ?",
            (day, lang),
        ).fetchone()
        return _stored(row) if row else None

    def briefings(self, limit: int = 60) -> list[StoredBriefing]:
        """The archive, newest day first (bodies included; a briefing is a few kilobytes)."""
        rows = self._db.execute(
            "SELECT day, lang, composer, created_at, title, body FROM briefings "
            "ORDER BY day DESC, lang LIMIT ?",
            (limit,),
        )
        return [_stored(r) for r in rows]

    def cached_answer(self, key: str) -> CachedAnswer | None:
        row = self._db.execute(
            "SELECT response, prompt_tokens, completion_tokens FROM llm_cache WHERE key = ?", (key,)
        ).fetchone()
        return CachedAnswer(row[0], int(row[1]), int(row[2])) if row else None

    def cache_answer(self, key: str, model: str, answer: CachedAnswer) -> None:
        with self._write():
            self._db.execute(
                "INSERT OR REPLACE INTO llm_cache "
                "(key, model, response, prompt_tokens, completion_tokens, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    model,
                    answer.response,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    now_iso(),
                ),
            )

    def source_counts(self, day: str) -> dict[str, int]:
        """How many papers each source reported on ``day``."""
        rows = self._db.execute(
            "SELECT source, count(DISTINCT pk) FROM observations WHERE observed_on = ? "
            "GROUP BY source ORDER BY source",
            (day,),
        )
        return {source: int(n) for source, n in rows}

    def phrase_share(self, phrase: str, first: str, last: str) -> tuple[int, int]:
        """(papers matching ``phrase``, all papers) among those seen from ``first`` to ``last``."""
        total = self._db.execute(
            "SELECT count(DISTINCT pk) FROM observations WHERE observed_on BETWEEN ? AND ?",
            (first, last),
        ).fetchone()[0]
        words = re.findall(r"\w+", phrase)
        expression = '"' + " ".join(words) + '"'
        if not total or not words:
            return 0, int(total)
        hits = self._db.execute(
            "SELECT count(DISTINCT o.pk) FROM observations o WHERE o.observed_on BETWEEN ? AND ? "
            "AND o.pk IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)",
            (first, last, expression),
        ).fetchone()[0]
        return int(hits), int(total)
