"""The full-text index over papers (FTS5 on title, abstract and authors), seen from the store.

Ordinary writes keep the index exact through triggers (migrations/0001_init.sql). A bulk import
sets those triggers aside and brings the index up to date once per batch instead: ``Deferred``
remembers, while rows are written, which indexed text must leave the index and which rows must be
(re)added, and ``flush`` applies that in two statements. ``fts_query`` turns what a reader types
into an FTS5 expression that cannot be a syntax error.
"""

from __future__ import annotations

import re
import sqlite3

from paperradar.store.merge import Row

INDEXED = ("title", "abstract", "authors")  # the columns papers_fts_update watches


class Deferred:
    """What a bulk upsert must still do to the index once its rows are written.

    ``stale`` keeps the text each pre-existing row had when it was first touched (the text the
    index holds, needed to delete it); ``reindex`` is every row whose current text must be added.
    """

    def __init__(self) -> None:
        self.stale: dict[int, tuple[str, str, str]] = {}
        self.reindex: set[int] = set()
        self._fresh: set[int] = set()

    def inserted(self, pk: int) -> None:
        self._fresh.add(pk)
        self.reindex.add(pk)

    def changing(self, row: Row) -> None:
        pk = row["pk"]
        if pk not in self._fresh and pk not in self.stale:
            self.stale[pk] = (row["title"], row["abstract"], row["authors"])
        self.reindex.add(pk)

    def deleting(self, row: Row) -> None:
        self.changing(row)
        self.reindex.discard(row["pk"])
        self._fresh.discard(row["pk"])


def text_changed(old: Row, new: Row) -> bool:
    """Whether the indexed columns differ, i.e. whether the update trigger would fire."""
    return any(old[name] != new[name] for name in INDEXED)


def suspend_triggers(db: sqlite3.Connection) -> list[str]:
    """Drop the index's own triggers and return their SQL for ``restore_triggers``; any other
    trigger on papers keeps firing per row. Call inside a transaction: a rollback restores them."""
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name = 'papers' AND name LIKE 'papers_fts_%'"
    ).fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    return [sql for _, sql in triggers]


def restore_triggers(db: sqlite3.Connection, triggers: list[str]) -> None:
    for sql in triggers:
        db.execute(sql)


def flush(db: sqlite3.Connection, deferred: Deferred) -> None:
    """Delete the stale text from the index, then index the current text of every row due."""
    db.executemany(
        "INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors) "
        "VALUES ('delete', ?, ?, ?, ?)",
        [(pk, *values) for pk, values in deferred.stale.items()],
    )
    # A temp table, not IN (?…): a batch reindexes up to tens of thousands of rows at once.
    db.execute("CREATE TEMP TABLE IF NOT EXISTS reindex (pk INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.reindex")
    db.executemany("INSERT INTO temp.reindex VALUES (?)", ((pk,) for pk in deferred.reindex))
    db.execute(
        "INSERT INTO papers_fts (rowid, title, abstract, authors) "
        "SELECT pk, title, abstract, authors FROM papers "
        "WHERE pk IN (SELECT pk FROM temp.reindex)"
    )
    db.execute("DELETE FROM temp.reindex")


def fts_query(text: str, *, any_word: bool = False) -> str:
    """A safe FTS5 expression: every word quoted (so ``-``, ``:`` or quotes cannot break the
    syntax), all required, or with ``any_word`` any one of them (bm25 then ranks the papers
    with more and rarer words first); a trailing ``*`` keeps prefix search."""
    parts = []
    for term in re.findall(r"[\w]+\*?", text, flags=re.UNICODE):
        word = term.rstrip("*")
        if word:
            parts.append(f'"{word}"' + ("*" if term.endswith("*") else ""))
    return (" OR " if any_word else " ").join(parts)
