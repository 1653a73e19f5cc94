"""Reading papers back: by id, by day and source in a named order, by store key, by full-text
search, or all of them in pages; each paper comes with what every source observed about it.

``PAPERS`` is the papers table's one column list (merge.COLUMNS, the row merge.py folds) with its
statements. How a listing is ordered is the caller's choice, named by ``PaperOrder``; the SQL
behind each name stays here, with the rest of the store's SQL. ``Store`` mixes this in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from enum import Enum
from typing import Any

from paperradar.errors import NotFoundError
from paperradar.ids import normalize_doi, parse_arxiv_id
from paperradar.models import Observation, Paper
from paperradar.store.fts import fts_query
from paperradar.store.merge import COLUMNS, Row
from paperradar.store.sql import KEYS, Table, Tables, rows_in

PAPERS = Table("papers", COLUMNS)


class PaperOrder(Enum):
    """The order ``Store.papers`` lists papers in.

    ``MOST_UPVOTED`` (the default: ``radar papers``, the demo page, the ranker's candidates):
    papers with the most upvotes on Hugging Face Daily Papers first (the highest count any of
    its reports gave), papers HF never reported after them; within equal upvotes, newest
    announced first, then the higher arXiv id. ``NEWEST``: the same without the upvotes.
    """

    MOST_UPVOTED = "most-upvoted"
    NEWEST = "newest"


_NEWEST = "announced DESC NULLS LAST, arxiv_id DESC"
_ORDER_BY = {
    PaperOrder.MOST_UPVOTED: "(SELECT max(json_extract(o.data, '$.upvotes')) FROM observations o "
    f"WHERE o.pk = p.pk AND o.source = 'hf-daily') DESC NULLS LAST, {_NEWEST}",
    PaperOrder.NEWEST: _NEWEST,
}


class PaperTables(Tables):
    """The read side of papers and observations; mixed into ``Store``."""

    def count(self, *, day: str | None = None, source: str | None = None) -> int:
        """How many papers there are, or how many ``papers(day=, source=)`` would list."""
        where, params = _observed(day, source)
        where = f" WHERE {where}" if where else ""
        return int(self._db.execute(f"SELECT count(*) FROM papers{where}", params).fetchone()[0])

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
        papers = self._query(f"{PAPERS.select} WHERE {where}", (value,))
        if not papers:
            raise NotFoundError(f"no paper {ref!r} in the store")
        return papers[0]

    def papers(
        self,
        *,
        day: str | None = None,
        source: str | None = None,
        limit: int | None = None,
        order: PaperOrder = PaperOrder.MOST_UPVOTED,
    ) -> list[Paper]:
        """Papers a source reported on ``day`` (any source, any day when omitted), in ``order``."""
        where, params = _observed(day, source)
        where = f" WHERE {where}" if where else ""
        sql = f"SELECT * FROM ({PAPERS.select}{where}) AS p ORDER BY {_ORDER_BY[order]}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self._query(sql, params)

    def uncategorised(
        self, *, day: str | None = None, source: str | None = None, limit: int = 1000
    ) -> list[str]:
        """The arXiv ids of papers with no categories that a source reported on ``day`` (by
        ``source``), most upvoted first: HF Daily Papers names a paper by its id alone, and
        until its categories are known no category mute or follow applies to it."""
        where, params = _observed(day, source)
        sql = (
            "SELECT arxiv_id FROM papers AS p WHERE categories = '' AND arxiv_id IS NOT NULL"
            f"{f' AND {where}' if where else ''} ORDER BY {_ORDER_BY[PaperOrder.MOST_UPVOTED]}"
            f" LIMIT {int(limit)}"
        )
        return [str(row[0]) for row in self._db.execute(sql, params)]

    def papers_by_pk(self, pks: Sequence[int]) -> list[Paper]:
        """Papers by store key, in the order asked (unknown keys are skipped)."""
        found = {p.pk: p for p in self._papers(self._rows_by_pk(pks))}
        return [found[pk] for pk in pks if pk in found]

    def iter_papers(self, batch: int = 1000) -> Iterator[Paper]:
        """Every paper, in insertion order, without holding them all in memory."""
        last = 0
        while True:
            page = self._query(f"{PAPERS.select} WHERE pk > ? ORDER BY pk LIMIT {batch}", (last,))
            if not page:
                return
            yield from page
            last = page[-1].pk

    def search(self, query: str, *, limit: int = 20) -> list[tuple[Paper, float]]:
        """Full-text search in bm25 order (best first); the score is bm25's, lower is better."""
        hits = self.search_keys(query, limit=limit)
        by_pk = {p.pk: p for p in self._papers(self._rows_by_pk([pk for pk, _ in hits]))}
        return [(by_pk[pk], score) for pk, score in hits if pk in by_pk]

    def search_keys(
        self, query: str, *, limit: int = 20, any_word: bool = False
    ) -> list[tuple[int, float]]:
        """Store keys and bm25 scores (lower is better) of the best full-text matches, every
        word required or, with ``any_word``, any of them; what a search ranks before it reads
        the papers."""
        expression = fts_query(query, any_word=any_word)
        if not expression:
            return []
        hits = self._db.execute(
            "SELECT rowid, bm25(papers_fts, 5.0, 1.0, 2.0) AS score FROM papers_fts "
            "WHERE papers_fts MATCH ? ORDER BY score LIMIT ?",
            (expression, limit),
        ).fetchall()
        return [(int(pk), float(score)) for pk, score in hits]

    def days(self) -> list[tuple[str, int]]:
        """Days with observations, newest first, with how many papers each."""
        rows = self._db.execute(
            "SELECT observed_on, count(DISTINCT pk) FROM observations "
            "GROUP BY observed_on ORDER BY observed_on DESC"
        )
        return [(day, int(n)) for day, n in rows]

    def _rows_by_pk(self, pks: Sequence[int]) -> list[Any]:
        return list(rows_in(self._db, f"{PAPERS.select} WHERE pk IN {KEYS}", pks))

    def _query(self, sql: str, params: Sequence[Any]) -> list[Paper]:
        return self._papers(self._db.execute(sql, params).fetchall())

    def _papers(self, rows: Sequence[Sequence[Any]]) -> list[Paper]:
        """Rows read with ``PAPERS.select`` as Papers, each with its observations."""
        observed: dict[int, list[Observation]] = {}
        for pk, source, day, data in rows_in(
            self._db,
            f"SELECT pk, source, observed_on, data FROM observations WHERE pk IN {KEYS} "
            "ORDER BY observed_on, source",
            [row[0] for row in rows],
        ):
            observed.setdefault(pk, []).append(Observation(source, day, json.loads(data)))
        return [_paper(PAPERS.record(row), tuple(observed.get(row[0], ()))) for row in rows]


def _observed(day: str | None, source: str | None) -> tuple[str, list[str]]:
    """The condition "reported on ``day`` by ``source``" on a paper's ``pk`` (either may be
    None: any day, any source), with its parameters; "" when both are None."""
    if not day and not source:
        return "", []
    sub, params = "SELECT pk FROM observations WHERE 1", []
    if day:
        sub += " AND observed_on = ?"
        params.append(day)
    if source:
        sub += " AND source = ?"
        params.append(source)
    return f"pk IN ({sub})", params


def _paper(record: Row, observations: tuple[Observation, ...]) -> Paper:
    """A Paper from its row: the columns are its fields, but for the encoded ones and the title
    key (a join key the store keeps, not part of the paper)."""
    fields = {name: value for name, value in record.items() if name != "title_key"}
    fields["authors"] = tuple(json.loads(record["authors"]))
    fields["categories"] = tuple(record["categories"].split())
    return Paper(**fields, observations=observations)
