"""The store's posts: researchers' posts and blog entries, what they mention, and paper buzz.

Posts are kept apart from papers: a post is somebody talking, a paper is what they talk about.
``post_refs`` joins the two once the linker has read a post; a mention of a paper the store does
not hold yet waits with ``paper_pk`` NULL until the paper arrives. ``Store`` mixes this in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from paperradar.models import Buzz, Post
from paperradar.store.sql import KEYS, Table, Tables, marks, rows_in
from paperradar.store.stats import UpsertStats

_FORUM = re.compile(r"openreview\.net/\w+\?(?:[^#\s]*&)?id=([A-Za-z0-9_\-]+)")
# The posts table's one column list: a Post's fields, plus ``day`` (its property, stored to be
# queried); ``links`` is stored as JSON.
POSTS = Table(
    "posts",
    (
        "source",
        "uid",
        "kind",
        "author",
        "author_name",
        "feed",
        "title",
        "url",
        "posted_at",
        "day",
        "text",
        "html",
        "links",
        "likes",
        "reposts",
        "replies",
    ),
)


@dataclass(frozen=True)
class StoredPost:
    """A post as the store holds it, with the papers it has been linked to."""

    pk: int
    post: Post
    paper_pks: tuple[int, ...] = ()


class PostTables(Tables):
    """Posts, their paper mentions and buzz; mixed into ``Store``."""

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertStats:
        """Insert new posts and refresh changed ones (counts, edits), in one transaction."""
        stats = UpsertStats()
        with self._write():
            for post in posts:
                row = _row(post)
                old = self._db.execute(
                    f"{POSTS.select} WHERE source = ? AND uid = ?", (post.source, post.uid)
                ).fetchone()
                if old is None:
                    self._db.execute(POSTS.insert, row)
                    stats.posts_inserted += 1
                elif list(old[1:]) != row:
                    self._db.execute(POSTS.update, (*row, old[0]))
                    stats.posts_updated += 1
                else:
                    stats.unchanged += 1
        return stats

    def post_counts(self, day: str) -> dict[str, int]:
        """Posts per source dated ``day``, for the run-health line."""
        return dict(
            self._db.execute(
                "SELECT source, count(*) FROM posts WHERE day = ? GROUP BY source", (day,)
            ).fetchall()
        )

    def post_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM posts").fetchone()[0])

    def iter_posts(self) -> Iterator[StoredPost]:
        """Every post, oldest first (the linker reads them all; there are thousands, not
        millions)."""
        for row in self._db.execute(f"{POSTS.select} ORDER BY posted_at, pk").fetchall():
            yield StoredPost(row[0], _post(row))

    def posts(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        authors: Sequence[str] = (),
        source: str | None = None,
        limit: int | None = None,
    ) -> list[StoredPost]:
        """Posts from ``since`` to ``until`` (days, inclusive), newest first, with their papers."""
        clauses, params = [], []
        if since:
            clauses.append("day >= ?")
            params.append(since)
        if until:
            clauses.append("day <= ?")
            params.append(until)
        if source:
            clauses.append("source = ?")
            params.append(source)
        if authors:
            clauses.append(f"author IN {marks(authors)}")
            params.extend(authors)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"{POSTS.select}{where} ORDER BY posted_at DESC, pk DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._with_papers(self._db.execute(sql, params).fetchall())

    def posts_about(self, pk: int, limit: int = 50) -> list[StoredPost]:
        """The posts that mention one paper, most liked first."""
        rows = self._db.execute(
            f"{POSTS.select} WHERE pk IN (SELECT post_pk FROM post_refs WHERE paper_pk = ?) "
            "ORDER BY likes + reposts DESC, posted_at DESC LIMIT ?",
            (pk, limit),
        ).fetchall()
        return self._with_papers(rows)

    def _with_papers(self, rows: Sequence[Sequence[Any]]) -> list[StoredPost]:
        linked: dict[int, list[int]] = {}
        for post_pk, paper_pk in rows_in(
            self._db,
            "SELECT post_pk, paper_pk FROM post_refs WHERE paper_pk IS NOT NULL "
            f"AND post_pk IN {KEYS} ORDER BY post_pk, paper_pk",
            [row[0] for row in rows],
        ):
            if paper_pk not in linked.setdefault(post_pk, []):
                linked[post_pk].append(paper_pk)
        return [StoredPost(row[0], _post(row), tuple(linked.get(row[0], ()))) for row in rows]

    # -- linking ------------------------------------------------------------------------------

    def post_refs(self, post_pk: int) -> list[tuple[str, str, int | None]]:
        return [
            (ref, how, paper_pk)
            for ref, how, paper_pk in self._db.execute(
                "SELECT ref, how, paper_pk FROM post_refs WHERE post_pk = ? ORDER BY ref",
                (post_pk,),
            )
        ]

    def set_post_refs(self, refs: dict[int, list[tuple[str, str, int | None]]]) -> int:
        """Replace the mentions of each given post; returns how many posts changed.

        Each mention is (ref, how, paper_pk): a title match knows its paper already, anything
        else waits for ``resolve_post_refs``. Unchanged posts keep their resolved papers.
        """
        changed = 0
        with self._write():
            for post_pk, wanted in refs.items():
                have = {
                    (ref, how)
                    for ref, how in self._db.execute(
                        "SELECT ref, how FROM post_refs WHERE post_pk = ?", (post_pk,)
                    )
                }
                if have == {(ref, how) for ref, how, _ in wanted}:
                    continue
                changed += 1
                self._db.execute("DELETE FROM post_refs WHERE post_pk = ?", (post_pk,))
                self._db.executemany(
                    "INSERT OR IGNORE INTO post_refs (post_pk, ref, how, paper_pk) "
                    "VALUES (?, ?, ?, ?)",
                    [(post_pk, ref, how, pk) for ref, how, pk in wanted],
                )
        return changed

    def paper_refs_by_pk(self, pks: Sequence[int]) -> dict[int, str]:
        """The canonical ref of each paper (arxiv:ID, else doi:DOI, else paper:PK)."""
        refs = {
            pk: f"arxiv:{arxiv_id}" if arxiv_id else f"doi:{doi}" if doi else f"paper:{pk}"
            for pk, arxiv_id, doi in rows_in(
                self._db, f"SELECT pk, arxiv_id, doi FROM papers WHERE pk IN {KEYS}", pks
            )
        }
        return {pk: refs[pk] for pk in pks if pk in refs}

    def resolve_post_refs(self) -> int:
        """Point every waiting mention at its paper if the store now holds it; returns how many
        were resolved. arXiv ids and DOIs join on the papers' own columns; an OpenReview id on
        a paper link that names it."""
        with self._write():
            before = self._db.total_changes
            self._db.execute(
                "UPDATE post_refs SET paper_pk = (SELECT pk FROM papers "
                "WHERE arxiv_id = substr(post_refs.ref, 7)) "
                "WHERE paper_pk IS NULL AND ref LIKE 'arxiv:%'"
            )
            self._db.execute(
                "UPDATE post_refs SET paper_pk = (SELECT pk FROM papers "
                "WHERE doi = substr(post_refs.ref, 5)) "
                "WHERE paper_pk IS NULL AND ref LIKE 'doi:%'"
            )
            pending = {
                forum
                for (forum,) in self._db.execute(
                    "SELECT DISTINCT substr(ref, 12) FROM post_refs "
                    "WHERE paper_pk IS NULL AND ref LIKE 'openreview:%'"
                )
            }
            if pending:
                # One pass over the papers that link OpenReview at all, not one scan per forum.
                forums: dict[str, int] = {}
                for pk, *urls in self._db.execute(
                    "SELECT pk, abs_url, project_url, pdf_url FROM papers WHERE "
                    "abs_url LIKE '%openreview.net%' OR project_url LIKE '%openreview.net%' "
                    "OR pdf_url LIKE '%openreview.net%'"
                ):
                    for url in urls:
                        if url and (m := _FORUM.search(url)):
                            forums.setdefault(m.group(1), pk)
                self._db.executemany(
                    "UPDATE post_refs SET paper_pk = ? WHERE ref = ? AND paper_pk IS NULL",
                    [(forums[f], f"openreview:{f}") for f in pending if f in forums],
                )
            return self._db.total_changes - before

    def pending_refs(self, prefix: str = "arxiv:") -> list[str]:
        """Mentioned papers the store does not hold yet (for fetching them)."""
        return [
            ref
            for (ref,) in self._db.execute(
                "SELECT DISTINCT ref FROM post_refs WHERE paper_pk IS NULL AND ref LIKE ? "
                "ORDER BY ref",
                (prefix + "%",),
            )
        ]

    def title_rows(self) -> Iterator[tuple[int, str]]:
        """(pk, title) of every paper, for exact-title matching."""
        yield from self._db.execute("SELECT pk, title FROM papers")

    def link_counts(self) -> dict[str, int]:
        row = self._db.execute(
            "SELECT count(*), count(paper_pk), count(DISTINCT post_pk), count(DISTINCT paper_pk) "
            "FROM post_refs"
        ).fetchone()
        return {"mentions": row[0], "resolved": row[1], "posts": row[2], "papers": row[3]}

    def buzz(self, pks: Sequence[int], *, until: str | None = None) -> dict[int, Buzz]:
        """Who has been talking about each paper (up to ``until``, a day, when given)."""
        sql = (
            "SELECT DISTINCT r.paper_pk, p.pk, p.author, p.author_name, p.likes, p.reposts, "
            f"p.kind FROM post_refs r JOIN posts p ON p.pk = r.post_pk WHERE r.paper_pk IN {KEYS}"
        )
        if until:
            sql += " AND (p.day IS NULL OR p.day <= ?)"
        found: dict[int, list[_Mention]] = {}
        for paper_pk, _post_pk, *mention in rows_in(
            self._db, sql, pks, after=(until,) if until else ()
        ):
            found.setdefault(paper_pk, []).append(_Mention(*mention))
        return {paper_pk: _buzz(mentions) for paper_pk, mentions in found.items()}


@dataclass(frozen=True)
class _Mention:
    """One post about a paper, as much of it as buzz needs."""

    author: str
    name: str
    likes: int
    reposts: int
    kind: str


def _buzz(mentions: list[_Mention]) -> Buzz:
    """People in order of their most liked post about the paper (likes plus reposts), then by
    name; each person once, under their display name when they have one."""
    best: dict[str, tuple[str, int]] = {}
    for m in mentions:
        score = m.likes + m.reposts
        if m.author not in best or score > best[m.author][1]:
            best[m.author] = (m.name or m.author, score)
    order = sorted(best.items(), key=lambda kv: (-kv[1][1], kv[1][0].casefold()))
    return Buzz(
        people=tuple(shown for _, (shown, _) in order),
        handles=tuple(author for author, _ in order),
        posts=len(mentions),
        likes=sum(m.likes for m in mentions),
        reposts=sum(m.reposts for m in mentions),
        blogs=sum(1 for m in mentions if m.kind == "blog"),
    )


def _row(post: Post) -> list[Any]:
    values = {name: getattr(post, name) for name in POSTS.columns}
    values["links"] = json.dumps(list(post.links), ensure_ascii=False)
    return POSTS.values(values)


def _post(row: Sequence[Any]) -> Post:
    fields = {name: value for name, value in POSTS.record(row).items() if name not in ("pk", "day")}
    fields["links"] = tuple(json.loads(fields["links"]))
    return Post(**fields)
