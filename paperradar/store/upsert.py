"""Writing reports into papers: which stored paper each report is about, and the SQL of folding it
in (merge.py says how the fields combine; this module finds the paper and writes the result).

A report joins a paper on its arXiv id, else on its DOI, else on its title key (folded title plus
first author's surname), never across two different arXiv ids or two different DOIs. ``Known``
indexes one chunk's candidate papers by those keys; ``write_chunk`` inserts or merges each report
and records its observation. When an arXiv paper turns out to carry the DOI of a paper known
only by DOI, the two are one paper: the DOI-only one is absorbed into it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from paperradar.store import fts
from paperradar.store.merge import Prepared, Row, merge
from paperradar.store.papers import PAPERS
from paperradar.store.sql import KEYS, rows_in
from paperradar.store.stats import UpsertStats

_OBSERVE = (
    "INSERT INTO observations (pk, source, observed_on, data) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (pk, source, observed_on) DO UPDATE SET data = excluded.data "
    "WHERE data IS NOT excluded.data"
)


class Known:
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
            self.by_title[row["title_key"]] = [*self._others(row), row]

    def forget(self, row: Row) -> None:
        if row["arxiv_id"]:
            self.by_arxiv.pop(row["arxiv_id"], None)
        if row["doi"]:
            self.by_doi.pop(row["doi"], None)
        if row["title_key"] is not None:
            self.by_title[row["title_key"]] = self._others(row)

    def _others(self, row: Row) -> list[Row]:
        return [r for r in self.by_title.get(row["title_key"], []) if r["pk"] != row["pk"]]

    def find(self, new: Row) -> Row | None:
        """The paper ``new`` reports on: same arXiv id, else the first paper sharing its DOI or
        title key that no arXiv id or DOI tells apart."""
        if new["arxiv_id"] and new["arxiv_id"] in self.by_arxiv:
            return self.by_arxiv[new["arxiv_id"]]
        by_doi = [self.by_doi[new["doi"]]] if new["doi"] in self.by_doi else []
        for row in by_doi + self.by_title.get(new["title_key"], []):
            if (row["arxiv_id"] is None or new["arxiv_id"] is None) and (
                row["doi"] is None or new["doi"] is None or row["doi"] == new["doi"]
            ):
                return row
        return None


def write_chunk(
    db: sqlite3.Connection, items: Sequence[Prepared], index: fts.Deferred | None = None
) -> UpsertStats:
    """Fold up to ``CHUNK`` prepared reports into papers and record their observations.

    ``index`` is given during a bulk import, when the index triggers are suspended and the
    full-text work is deferred to one flush per batch.
    """
    return _Chunk(db, index).write(items)


class _Chunk:
    """One chunk's write: the papers it may touch, loaded in three queries, then kept current."""

    def __init__(self, db: sqlite3.Connection, index: fts.Deferred | None) -> None:
        self.db = db
        self.index = index
        self.known = Known()
        self.stats = UpsertStats()

    def write(self, items: Sequence[Prepared]) -> UpsertStats:
        rows = [item.row for item in items]
        self._load("arxiv_id", {r["arxiv_id"] for r in rows if r["arxiv_id"]})
        self._load("doi", {r["doi"] for r in rows if r["doi"]})
        self._load("title_key", {r["title_key"] for r in rows if r["title_key"] is not None})
        observations = []
        for item, new in zip(items, rows, strict=True):
            old = self.known.find(new)
            pk = self._insert(new) if old is None else self._merge(old, new)
            if item.observed_on:
                observations.append((pk, item.source, item.observed_on, item.data))
        before = self.db.total_changes
        self.db.executemany(_OBSERVE, observations)
        self.stats.observations = self.db.total_changes - before
        return self.stats

    def _load(self, column: str, values: set[object]) -> None:
        for row in rows_in(self.db, f"{PAPERS.select} WHERE {column} IN {KEYS}", values):
            self.known.add(PAPERS.record(row))

    def _insert(self, new: Row) -> int:
        if new["doi"] and new["doi"] in self.known.by_doi:
            new["doi"] = None  # that DOI already names another arXiv paper
        pk = self.db.execute(PAPERS.insert, PAPERS.values(new)).lastrowid
        assert pk is not None
        new["pk"] = pk
        if self.index is not None:
            self.index.inserted(pk)
        self.known.add(new)
        self.stats.inserted += 1
        return pk

    def _merge(self, old: Row, new: Row) -> int:
        other = self.known.by_doi.get(new["doi"]) if new["doi"] else None
        if other is not None and other["pk"] != old["pk"] and other["arxiv_id"] is None:
            old = self._absorb(keep=old, drop=other)
        merged = merge(old, new)
        if merged["doi"] != old["doi"] and merged["doi"] in self.known.by_doi:
            merged["doi"] = old["doi"]  # a DOI stays with the paper that has it
        if merged == old:
            self.stats.unchanged += 1
        else:
            self._update(old, merged)
            self.stats.updated += 1
        return int(old["pk"])

    def _absorb(self, keep: Row, drop: Row) -> Row:
        """Fold a DOI-only paper into the arXiv paper that turned out to carry its DOI."""
        self.db.execute(
            "UPDATE OR IGNORE observations SET pk = ? WHERE pk = ?", (keep["pk"], drop["pk"])
        )
        if self.index is not None:
            self.index.deleting(drop)
        self.db.execute("DELETE FROM papers WHERE pk = ?", (drop["pk"],))
        self.known.forget(drop)
        merged = merge(keep, {**drop, "version": None})
        self._update(keep, merged)
        return merged

    def _update(self, old: Row, merged: Row) -> None:
        if self.index is not None and fts.text_changed(old, merged):
            self.index.changing(old)
        self.db.execute(PAPERS.update, [*PAPERS.values(merged), old["pk"]])
        self.known.add(merged)
