"""The store's reader tables: interest profile, feedback on papers, and embedding vectors.

Kept apart from the paper tables so each half stays readable; ``Store`` mixes this in, so callers
still see one narrow interface. Feedback is keyed by a stable reference (``arxiv:ID``,
``doi:DOI`` or ``title:FOLDED TITLE``) and points at a paper once that paper is in the store:
a seed from a BibTeX file can name a paper that arrives next week.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from paperradar.ids import fold, normalize_doi, parse_arxiv_id
from paperradar.store.sql import KEYS, Tables, marks, now_iso, rows_in

PROFILE_KINDS = (
    "author",
    "topic",
    "category",
    "include",
    "mute-keyword",
    "mute-author",
    "mute-category",
    "person",
    "feed",
)
FEEDBACK_KINDS = ("like", "dislike", "save", "seed")


@dataclass(frozen=True)
class ProfileEntry:
    kind: str
    value: str
    data: dict[str, Any]
    added_at: str


@dataclass(frozen=True)
class Feedback:
    ref: str
    kind: str
    pk: int | None
    label: str
    origin: str
    added_at: str


def paper_ref(text: str) -> str | None:
    """The stable reference of an arXiv id/URL or DOI, or None if ``text`` is neither."""
    if parsed := parse_arxiv_id(text):
        return f"arxiv:{parsed[0]}"
    if doi := normalize_doi(text):
        return f"doi:{doi}"
    return None


def title_ref(title: str) -> str:
    return f"title:{fold(title)}"


class ReaderTables(Tables):
    """Profile, feedback and embeddings; mixed into ``Store``."""

    # -- profile ------------------------------------------------------------------------------

    def add_profile(self, kind: str, value: str, data: dict[str, Any] | None = None) -> bool:
        """Add an entry; False if it was already there (new ``data`` then replaces the old)."""
        with self._write():
            exists = self._db.execute(
                "SELECT 1 FROM profile WHERE kind = ? AND value = ?", (kind, value)
            ).fetchone()
            if exists:
                if data:
                    self._db.execute(
                        "UPDATE profile SET data = ? WHERE kind = ? AND value = ?",
                        (json.dumps(data, sort_keys=True), kind, value),
                    )
                return False
            self._db.execute(
                "INSERT INTO profile (kind, value, data, added_at) VALUES (?, ?, ?, ?)",
                (kind, value, json.dumps(data or {}, sort_keys=True), now_iso()),
            )
        return True

    def remove_profile(self, kind: str, value: str) -> bool:
        with self._write():
            cursor = self._db.execute(
                "DELETE FROM profile WHERE kind = ? AND value = ? COLLATE NOCASE", (kind, value)
            )
        return cursor.rowcount > 0

    def profile_entries(self) -> list[ProfileEntry]:
        rows = self._db.execute(
            "SELECT kind, value, data, added_at FROM profile ORDER BY kind, added_at, value"
        )
        return [ProfileEntry(k, v, json.loads(d), a) for k, v, d, a in rows]

    def reset_profile(self) -> tuple[int, int]:
        """Forget the whole profile and all feedback; returns (entries, feedback) removed."""
        with self._write():
            entries = self._db.execute("DELETE FROM profile").rowcount
            feedback = self._db.execute("DELETE FROM feedback").rowcount
        return entries, feedback

    # -- settings -----------------------------------------------------------------------------

    def setting(self, key: str, default: str = "") -> str:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self._write():
            self._db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def reader_state(self) -> str:
        """A digest of everything reader-side a ranking depends on (profile, feedback,
        settings): equal digests mean an earlier ranking of the same papers still holds."""
        digest = hashlib.blake2b(digest_size=12)
        for sql in (
            "SELECT kind, value FROM profile ORDER BY kind, value",
            "SELECT ref, kind, pk FROM feedback ORDER BY ref, kind",
            "SELECT key, value FROM settings ORDER BY key",
        ):
            for row in self._db.execute(sql):
                digest.update(repr(row).encode())
            digest.update(b"|")
        return digest.hexdigest()

    # -- feedback -----------------------------------------------------------------------------

    def set_feedback(
        self, ref: str, kind: str, *, pk: int | None, label: str = "", origin: str = ""
    ) -> bool:
        """Record feedback; like and dislike replace each other. False if nothing changed. A new
        non-empty ``label`` replaces the old one (an id-list seed gets its paper's title)."""
        with self._write():
            if kind in ("like", "dislike"):
                other = "dislike" if kind == "like" else "like"
                self._db.execute("DELETE FROM feedback WHERE ref = ? AND kind = ?", (ref, other))
            cursor = self._db.execute(
                "INSERT INTO feedback (ref, kind, pk, label, origin, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ref, kind) DO UPDATE SET pk = excluded.pk, "
                "label = CASE WHEN excluded.label = '' THEN label ELSE excluded.label END "
                "WHERE pk IS NOT excluded.pk OR (excluded.label != '' AND label != excluded.label)",
                (ref, kind, pk, label, origin, now_iso()),
            )
        return cursor.rowcount > 0

    def remove_feedback(self, ref: str, kinds: Sequence[str] = FEEDBACK_KINDS) -> int:
        with self._write():
            cursor = self._db.execute(
                f"DELETE FROM feedback WHERE ref = ? AND kind IN {marks(kinds)}", (ref, *kinds)
            )
        return cursor.rowcount

    def feedback(self) -> list[Feedback]:
        rows = self._db.execute(
            "SELECT ref, kind, pk, label, origin, added_at FROM feedback ORDER BY added_at, ref"
        )
        return [Feedback(*row) for row in rows]

    def resolve_feedback(self) -> int:
        """Point waiting feedback at papers that have arrived since; returns how many. Feedback
        known only by its id (a seed from a list of ids) takes the paper's title as its label."""
        waiting = self._db.execute(
            "SELECT ref, kind, label FROM feedback WHERE pk IS NULL"
        ).fetchall()
        resolved = 0
        if not waiting:  # the common case: no write lock taken just to find nothing
            return 0
        with self._write():
            for ref, kind, label in waiting:
                pk = self.pk_of_ref(ref)
                if pk is None:
                    continue
                if label in ("", ref.partition(":")[2]):
                    row = self._db.execute("SELECT title FROM papers WHERE pk = ?", (pk,))
                    label = row.fetchone()[0] or label
                self._db.execute(
                    "UPDATE feedback SET pk = ?, label = ? WHERE ref = ? AND kind = ?",
                    (pk, label, ref, kind),
                )
                resolved += 1
        return resolved

    def pk_of_ref(self, ref: str) -> int | None:
        kind, _, value = ref.partition(":")
        if kind == "arxiv":
            row = self._db.execute("SELECT pk FROM papers WHERE arxiv_id = ?", (value,)).fetchone()
        elif kind == "doi":
            row = self._db.execute("SELECT pk FROM papers WHERE doi = ?", (value,)).fetchone()
        elif kind == "title" and value:
            row = self._title_match(value)
        else:
            row = None
        return int(row[0]) if row else None

    def _title_match(self, folded: str) -> tuple[int] | None:
        # The title key also hashes the first author; a seed may not know the authors, so the
        # match goes through full-text search and compares folded titles exactly.
        words = folded.split()[:12]
        if not words:
            return None
        query = " ".join(f'"{w}"' for w in words)
        rows = self._db.execute(
            "SELECT p.pk, p.title FROM papers_fts JOIN papers p ON p.pk = papers_fts.rowid "
            "WHERE papers_fts MATCH ? LIMIT 50",
            (f"title : ({query})",),
        ).fetchall()
        for pk, title in rows:
            if fold(title) == folded:
                return (int(pk),)
        return None

    # -- embeddings ---------------------------------------------------------------------------

    def embeddings(self, model: str, pks: Sequence[int]) -> dict[int, tuple[str, bytes]]:
        rows = rows_in(
            self._db,
            f"SELECT pk, hash, vector FROM embeddings WHERE model = ? AND pk IN {KEYS}",
            pks,
            before=(model,),
        )
        return {int(pk): (str(digest), bytes(blob)) for pk, digest, blob in rows}

    def put_embeddings(self, model: str, rows: Iterable[tuple[int, str, bytes]]) -> None:
        with self._write():
            self._db.executemany(
                "INSERT INTO embeddings (pk, model, hash, vector) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (model, pk) DO UPDATE SET hash = excluded.hash, "
                "vector = excluded.vector",
                [(pk, model, digest, blob) for pk, digest, blob in rows],
            )

    def text_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        rows = rows_in(
            self._db,
            f"SELECT hash, vector FROM text_embeddings WHERE model = ? AND hash IN {KEYS}",
            hashes,
            before=(model,),
        )
        return {str(h): bytes(v) for h, v in rows}

    def put_text_embeddings(self, model: str, rows: Iterable[tuple[str, bytes]]) -> None:
        with self._write():
            self._db.executemany(
                "INSERT OR REPLACE INTO text_embeddings (model, hash, vector) VALUES (?, ?, ?)",
                [(model, digest, blob) for digest, blob in rows],
            )

    def unembedded_on(self, day: str, model: str) -> int:
        """How many of the papers seen on ``day`` have no vector under ``model``."""
        row = self._db.execute(
            "SELECT count(DISTINCT o.pk) FROM observations o WHERE o.observed_on = ? AND NOT "
            "EXISTS (SELECT 1 FROM embeddings e WHERE e.model = ? AND e.pk = o.pk)",
            (day, model),
        ).fetchone()
        return int(row[0])

    def pks_without_embedding(self, model: str, limit: int | None = None) -> list[int]:
        sql = (
            "SELECT pk FROM papers WHERE pk NOT IN (SELECT pk FROM embeddings WHERE model = ?) "
            "ORDER BY pk DESC"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [int(r[0]) for r in self._db.execute(sql, (model,))]

    # -- what the ranker samples --------------------------------------------------------------

    def sample_pks(
        self, n: int, *, before: str | None = None, seed: int = 0, embedded: str | None = None
    ) -> list[int]:
        """Up to ``n`` papers announced before ``before`` (any when None), the same ones for the
        same seed: the ranker's "unseen" negatives. With ``embedded``, only papers that have a
        vector under that model, so a sample never sets off encoding an unembedded backlog."""
        clauses: list[str] = []
        params: list[Any] = []
        if before:
            clauses.append("(announced < ? OR announced IS NULL)")
            params.append(before)
        if embedded:
            clauses.append("pk IN (SELECT pk FROM embeddings WHERE model = ?)")
            params.append(embedded)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        # A multiplicative hash of pk orders rows pseudo-randomly without a full random sort.
        rows = self._db.execute(
            f"SELECT pk FROM papers {where} ORDER BY (pk * 2654435761 + ?) % 4294967291 LIMIT ?",
            (*params, seed, n),
        )
        return [int(r[0]) for r in rows]

    def pks_by_author_surname(self, surnames: Sequence[str], limit: int = 2000) -> list[int]:
        """Papers whose author list contains one of ``surnames`` (candidates; the caller checks
        the full name)."""
        words = [w for w in (fold(s) for s in surnames) if w]
        if not words:
            return []
        query = " OR ".join(f'"{w}"' for w in words)
        rows = self._db.execute(
            "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (f"authors : ({query})", limit),
        )
        return [int(r[0]) for r in rows]
