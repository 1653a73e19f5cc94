"""The paper store: SQLite in WAL mode, and the only module that speaks SQL.

Everything the stages share goes through the methods of ``Store``: upserting Items (one paper,
one row, joined on arXiv id, then DOI, then title key), reading papers back with what each source
observed, full-text search (FTS5, bm25), ingest cursors and runs. Every write happens inside a
transaction and every upsert is idempotent, so any stage can be re-run. The interface is kept
narrow on purpose: a PostgreSQL backend will implement the same methods.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from paperradar.errors import NotFoundError, StoreError
from paperradar.ids import normalize_doi, parse_arxiv_id
from paperradar.models import Item, Observation, Paper
from paperradar.store.briefs import BriefTables
from paperradar.store.browse import BrowseTables
from paperradar.store.merge import COLUMNS, Prepared, Row, merge, prepare
from paperradar.store.posts import PostTables
from paperradar.store.rankings import RankingTables
from paperradar.store.reader import CHUNK as _CHUNK
from paperradar.store.reader import ReaderTables, now_iso
from paperradar.store.stats import UpsertStats as UpsertStats

DB_NAME = "radar.db"
T = TypeVar("T")
_SELECT = "SELECT pk, " + ", ".join(COLUMNS) + " FROM papers"
_INSERT = f"INSERT INTO papers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_UPDATE = "UPDATE papers SET " + ", ".join(f"{c} = ?" for c in COLUMNS) + " WHERE pk = ?"
_OBSERVE = (
    "INSERT INTO observations (pk, source, observed_on, data) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (pk, source, observed_on) DO UPDATE SET data = excluded.data "
    "WHERE data IS NOT excluded.data"
)


@dataclass(frozen=True)
class Run:
    id: int
    command: str
    started_at: str
    finished_at: str | None
    status: str
    counts: dict[str, Any]
    errors: dict[str, str]


class Store(ReaderTables, BriefTables, BrowseTables, PostTables, RankingTables):
    """A paper store in ``home``/radar.db; use as a context manager or call ``close``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA cache_size = -65536")
        self._db.execute("PRAGMA busy_timeout = 10000")
        self._fts: _DeferredIndex | None = None
        self._migrate()

    @classmethod
    def open(cls, home: Path) -> Store:
        return cls(home / DB_NAME)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        current = self._db.execute("PRAGMA user_version").fetchone()[0]
        scripts = sorted(
            (int(f.name.split("_", 1)[0]), f)
            for f in resources.files("paperradar.migrations").iterdir()
            if re.match(r"\d{4}_.*\.sql$", f.name)
        )
        latest = scripts[-1][0] if scripts else 0
        if current > latest:
            raise StoreError(
                f"{self.path} was written by a newer Paper Radar (schema {current}, this version "
                f"knows {latest}); upgrade paper-radar"
            )
        for number, script in scripts:
            if number > current:
                # executescript commits on its own; the version bump rides in the same script.
                self._db.executescript(
                    f"BEGIN;\n{script.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;"
                )

    def _write(self) -> Any:
        return self.transaction()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside leaves the store as it was."""
        self._db.execute("BEGIN IMMEDIATE")
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
            for chunk in _chunks(map(prepare, items), _CHUNK):
                stats.add(self._upsert_chunk(chunk))
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
            # Only the index's own triggers step aside; any other trigger keeps firing per row.
            triggers = self._db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'papers' AND name LIKE 'papers_fts_%'"
            ).fetchall()
            for name, _ in triggers:
                self._db.execute(f"DROP TRIGGER {name}")
            try:
                for chunk in _chunks(items, batch):
                    stats = UpsertStats()
                    # Indexed batch by batch, so the index work overlaps with a reader still
                    # parsing the rest (bulk.py); a row already indexed counts as pre-existing.
                    self._fts = _DeferredIndex()
                    for small in _chunks(chunk, _CHUNK):
                        stats.add(self._upsert_chunk(small))
                    self._flush_index(self._fts)
                    yield stats
            finally:
                self._fts = None
            for _, sql in triggers:
                self._db.execute(sql)

    def _flush_index(self, deferred: _DeferredIndex) -> None:
        self._db.executemany(
            "INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors) "
            "VALUES ('delete', ?, ?, ?, ?)",
            [(pk, *values) for pk, values in deferred.stale.items()],
        )
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS reindex (pk INTEGER PRIMARY KEY)")
        self._db.execute("DELETE FROM temp.reindex")
        self._db.executemany(
            "INSERT INTO temp.reindex VALUES (?)", ((pk,) for pk in deferred.reindex)
        )
        self._db.execute(
            "INSERT INTO papers_fts (rowid, title, abstract, authors) "
            "SELECT pk, title, abstract, authors FROM papers "
            "WHERE pk IN (SELECT pk FROM temp.reindex)"
        )
        self._db.execute("DELETE FROM temp.reindex")

    def _upsert_chunk(self, items: Sequence[Prepared]) -> UpsertStats:
        stats = UpsertStats()
        rows = [item.row for item in items]
        known = _Known()
        self._load(known, "arxiv_id", {r["arxiv_id"] for r in rows if r["arxiv_id"]})
        self._load(known, "doi", {r["doi"] for r in rows if r["doi"]})
        self._load(known, "title_key", {r["title_key"] for r in rows if r["title_key"] is not None})
        observations = []
        for item, new in zip(items, rows, strict=True):
            old = known.find(new)
            if old is None:
                if new["doi"] and new["doi"] in known.by_doi:
                    new["doi"] = None  # that DOI already names another arXiv paper
                pk = self._db.execute(_INSERT, [new[c] for c in COLUMNS]).lastrowid
                assert pk is not None
                new["pk"] = pk
                if self._fts is not None:
                    self._fts.inserted(pk)
                known.add(new)
                stats.inserted += 1
            else:
                other = known.by_doi.get(new["doi"]) if new["doi"] else None
                if other is not None and other["pk"] != old["pk"] and other["arxiv_id"] is None:
                    old = self._absorb(known, keep=old, drop=other)
                merged = merge(old, new)
                if merged["doi"] != old["doi"] and merged["doi"] in known.by_doi:
                    merged["doi"] = old["doi"]
                if merged == old:
                    stats.unchanged += 1
                else:
                    if self._fts is not None and _text_changed(old, merged):
                        self._fts.changing(old)
                    self._db.execute(_UPDATE, [*(merged[c] for c in COLUMNS), old["pk"]])
                    known.add(merged)
                    stats.updated += 1
                pk = old["pk"]
            if item.observed_on:
                observations.append((pk, item.source, item.observed_on, item.data))
        before = self._db.total_changes
        self._db.executemany(_OBSERVE, observations)
        stats.observations = self._db.total_changes - before
        return stats

    def _load(self, known: _Known, column: str, values: set[Any]) -> None:
        if not values:
            return
        marks = ",".join("?" * len(values))
        cursor = self._db.execute(f"{_SELECT} WHERE {column} IN ({marks})", list(values))
        names = ["pk", *COLUMNS]
        for values_row in cursor:
            known.add(dict(zip(names, values_row, strict=True)))

    def _absorb(self, known: _Known, keep: Row, drop: Row) -> Row:
        """Fold a DOI-only paper into the arXiv paper that turned out to carry its DOI."""
        self._db.execute(
            "UPDATE OR IGNORE observations SET pk = ? WHERE pk = ?", (keep["pk"], drop["pk"])
        )
        if self._fts is not None:
            self._fts.deleting(drop)
        self._db.execute("DELETE FROM papers WHERE pk = ?", (drop["pk"],))
        known.forget(drop)
        merged = merge(keep, {**drop, "version": None})
        if self._fts is not None and _text_changed(keep, merged):
            self._fts.changing(keep)
        self._db.execute(_UPDATE, [*(merged[c] for c in COLUMNS), keep["pk"]])
        known.add(merged)
        return merged

    # -- reading papers -----------------------------------------------------------------------

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM papers").fetchone()[0])

    def get(self, ref: str) -> Paper:
        """A paper by arXiv id or URL (any form), DOI, ``doi:…`` or ``paper:N``."""
        ref = ref.strip()
        if ref.startswith("paper:") and ref[6:].isdigit():
            where, value = "pk = ?", ref[6:]
        elif parsed := parse_arxiv_id(ref):
            where, value = "arxiv_id = ?", parsed[0]
        elif doi := normalize_doi(ref):
            where, value = "doi = ?", doi
        else:
            raise NotFoundError(
                f"{ref!r} is not a paper id (use an arXiv id like 2506.01234, a DOI, or paper:N)"
            )
        papers = self._papers(f"{_SELECT} WHERE {where}", (value,))
        if not papers:
            raise NotFoundError(f"no paper {ref!r} in the store")
        return papers[0]

    def papers(
        self, *, day: str | None = None, source: str | None = None, limit: int | None = None
    ) -> list[Paper]:
        """Papers a source reported on ``day`` (any source, any day when omitted), most-upvoted
        on Hugging Face first, then newest first."""
        clauses, params = [], []
        if day or source:
            sub = "SELECT pk FROM observations WHERE 1"
            if day:
                sub += " AND observed_on = ?"
                params.append(day)
            if source:
                sub += " AND source = ?"
                params.append(source)
            clauses.append(f"pk IN ({sub})")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = (
            f"SELECT * FROM ({_SELECT}{where}) AS p ORDER BY "
            "(SELECT max(json_extract(o.data, '$.upvotes')) FROM observations o "
            " WHERE o.pk = p.pk AND o.source = 'hf-daily') DESC NULLS LAST, "
            "announced DESC NULLS LAST, arxiv_id DESC"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self._papers(sql, params)

    def papers_by_pk(self, pks: Sequence[int]) -> list[Paper]:
        """Papers by store key, in the order asked (unknown keys are skipped)."""
        found: dict[int, Paper] = {}
        for start in range(0, len(pks), _CHUNK):
            part = list(pks[start : start + _CHUNK])
            marks = ",".join("?" * len(part))
            found.update((p.pk, p) for p in self._papers(f"{_SELECT} WHERE pk IN ({marks})", part))
        return [found[pk] for pk in pks if pk in found]

    def iter_papers(self, batch: int = 1000) -> Iterator[Paper]:
        """Every paper, in insertion order, without holding them all in memory."""
        last = 0
        while True:
            page = self._papers(f"{_SELECT} WHERE pk > ? ORDER BY pk LIMIT {batch}", (last,))
            if not page:
                return
            yield from page
            last = page[-1].pk

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Paper, float]]:
        """Full-text search in bm25 order (best first); the score is bm25's, lower is better."""
        expression = fts_query(query)
        if not expression:
            return []
        hits = self._db.execute(
            "SELECT rowid, bm25(papers_fts, 5.0, 1.0, 2.0) AS score FROM papers_fts "
            "WHERE papers_fts MATCH ? ORDER BY score LIMIT ?",
            (expression, limit),
        ).fetchall()
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        by_pk = {
            p.pk: p for p in self._papers(f"{_SELECT} WHERE pk IN ({marks})", [h[0] for h in hits])
        }
        return [(by_pk[pk], float(score)) for pk, score in hits if pk in by_pk]

    def days(self) -> list[tuple[str, int]]:
        """Days with observations, newest first, with how many papers each."""
        rows = self._db.execute(
            "SELECT observed_on, count(DISTINCT pk) FROM observations "
            "GROUP BY observed_on ORDER BY observed_on DESC"
        )
        return [(day, int(n)) for day, n in rows]

    def _papers(self, sql: str, params: Sequence[Any]) -> list[Paper]:
        rows = self._db.execute(sql, params).fetchall()
        if not rows:
            return []
        observed: dict[int, list[Observation]] = {}
        pks = [row[0] for row in rows]
        for start in range(0, len(pks), _CHUNK):
            part = pks[start : start + _CHUNK]
            cursor = self._db.execute(
                "SELECT pk, source, observed_on, data FROM observations "
                f"WHERE pk IN ({','.join('?' * len(part))}) ORDER BY observed_on, source",
                part,
            )
            for pk, source, day, data in cursor:
                observed.setdefault(pk, []).append(Observation(source, day, json.loads(data)))
        return [_paper(row, tuple(observed.get(row[0], ()))) for row in rows]

    # -- cursors and runs ---------------------------------------------------------------------

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

    def start_run(self, command: str) -> int:
        with self.transaction():
            run_id = self._db.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, now_iso())
            ).lastrowid
        assert run_id is not None
        return run_id

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], errors: dict[str, str]
    ) -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ?, errors = ? WHERE id = ?",
                (now_iso(), status, json.dumps(counts), json.dumps(errors), run_id),
            )

    def runs(self, limit: int = 20) -> list[Run]:
        rows = self._db.execute(
            "SELECT id, command, started_at, finished_at, status, counts, errors FROM runs "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [Run(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6])) for r in rows]

    def size_report(self) -> dict[str, int]:
        """Bytes on disk per table and index (dbstat), for the storage benchmark."""
        try:
            rows = self._db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
        except sqlite3.OperationalError:
            return {}
        return {name: int(size) for name, size in rows}


class _DeferredIndex:
    """What a bulk upsert must still do to the full-text index once its rows are written.

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


class _Known:
    """Rows of one chunk indexed by each join key, updated as the chunk is written."""

    def __init__(self) -> None:
        self.by_arxiv: dict[str, Row] = {}
        self.by_doi: dict[str, Row] = {}
        self.by_title: dict[int, list[Row]] = {}

    def add(self, row: Row) -> None:
        if row["arxiv_id"]:
            self.by_arxiv[row["arxiv_id"]] = row
        if row["doi"]:
            self.by_doi[row["doi"]] = row
        if row["title_key"] is not None:
            rows = [r for r in self.by_title.get(row["title_key"], []) if r["pk"] != row["pk"]]
            self.by_title[row["title_key"]] = [*rows, row]

    def forget(self, row: Row) -> None:
        if row["arxiv_id"]:
            self.by_arxiv.pop(row["arxiv_id"], None)
        if row["doi"]:
            self.by_doi.pop(row["doi"], None)
        if row["title_key"] is not None:
            self.by_title[row["title_key"]] = [
                r for r in self.by_title.get(row["title_key"], []) if r["pk"] != row["pk"]
            ]

    def find(self, new: Row) -> Row | None:
        if new["arxiv_id"] and new["arxiv_id"] in self.by_arxiv:
            return self.by_arxiv[new["arxiv_id"]]
        compatible = [
            row
            for row in (
                ([self.by_doi[new["doi"]]] if new["doi"] in self.by_doi else [])
                + self.by_title.get(new["title_key"], [])
            )
            if (row["arxiv_id"] is None or new["arxiv_id"] is None)
            and (row["doi"] is None or new["doi"] is None or row["doi"] == new["doi"])
        ]
        return compatible[0] if compatible else None


def _text_changed(old: Row, new: Row) -> bool:
    """Whether the indexed columns differ (the same columns the FTS update trigger watches)."""
    return any(old[name] != new[name] for name in ("title", "abstract", "authors"))


def fts_query(text: str) -> str:
    """A safe FTS5 expression: every word quoted (so ``-``, ``:`` or quotes cannot break the
    syntax), all required; a trailing ``*`` keeps prefix search."""
    terms = re.findall(r"[\w]+\*?", text, flags=re.UNICODE)
    parts = []
    for term in terms:
        star = term.endswith("*")
        word = term.rstrip("*")
        if word:
            parts.append(f'"{word}"' + ("*" if star else ""))
    return " ".join(parts)


def _paper(row: Sequence[Any], observations: tuple[Observation, ...]) -> Paper:
    values = dict(zip(["pk", *COLUMNS], row, strict=True))
    return Paper(
        pk=values["pk"],
        arxiv_id=values["arxiv_id"],
        version=values["version"],
        doi=values["doi"],
        title=values["title"],
        abstract=values["abstract"],
        authors=tuple(json.loads(values["authors"])),
        categories=tuple(values["categories"].split()),
        primary_category=values["primary_category"],
        announced=values["announced"],
        published=values["published"],
        updated=values["updated"],
        abs_url=values["abs_url"],
        pdf_url=values["pdf_url"],
        code_url=values["code_url"],
        project_url=values["project_url"],
        observations=observations,
    )


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
