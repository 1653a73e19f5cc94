"""The store's posts: researchers' posts and blog entries, what they mention, and paper buzz.

Posts are kept apart from papers: a post is somebody talking, a paper is what they talk about.
``post_refs`` joins the two once the linker has read a post; a mention of a paper the store does
not hold yet waits with ``paper_pk`` NULL until the paper arrives. ``Store`` mixes this in.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from paperradar.models import Buzz, Post
from paperradar.store.stats import UpsertStats

CHUNK = 500
_FORUM = re.compile(r"openreview\.net/\w+\?(?:[^#\s]*&)?id=([A-Za-z0-9_\-]+)")
_POST_COLUMNS = (
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
)
_SELECT_POSTS = "SELECT pk, " + ", ".join(_POST_COLUMNS) + " FROM posts"


@dataclass(frozen=True)
class StoredPost:
    """A post as the store holds it, with the papers it has been linked to."""

    pk: int
    post: Post
    paper_pks: tuple[int, ...] = ()


class PostTables:
    """Posts, their paper mentions and buzz; mixed into ``Store`` (which provides ``_db``)."""

    _db: sqlite3.Connection

    def _write(self) -> Any:  # a write transaction; Store provides it
        raise NotImplementedError

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertStats:
        """Insert new posts and refresh changed ones (counts, edits), in one transaction."""
        stats = UpsertStats()
        marks = ", ".join("?" * len(_POST_COLUMNS))
        with self._write():
            for post in posts:
                row = _row(post)
                old = self._db.execute(
                    f"{_SELECT_POSTS} WHERE source = ? AND uid = ?", (post.source, post.uid)
                ).fetchone()
                if old is None:
                    self._db.execute(
                        f"INSERT INTO posts ({', '.join(_POST_COLUMNS)}) VALUES ({marks})", row
                    )
                    stats.posts_inserted += 1
                elif tuple(old[1:]) != tuple(row):
                    sets = ", ".join(f"{c} = ?" for c in _POST_COLUMNS)
                    self._db.execute(f"UPDATE posts SET {sets} WHERE pk = ?", (*row, old[0]))
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
        for row in self._db.execute(f"{_SELECT_POSTS} ORDER BY posted_at, pk").fetchall():
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
            clauses.append(f"author IN ({','.join('?' * len(authors))})")
            params.extend(authors)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"{_SELECT_POSTS}{where} ORDER BY posted_at DESC, pk DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._with_papers(self._db.execute(sql, params).fetchall())

    def posts_about(self, pk: int, limit: int = 50) -> list[StoredPost]:
        """The posts that mention one paper, most liked first."""
        rows = self._db.execute(
            f"{_SELECT_POSTS} WHERE pk IN (SELECT post_pk FROM post_refs WHERE paper_pk = ?) "
            "ORDER BY likes + reposts DESC, posted_at DESC LIMIT ?",
            (pk, limit),
        ).fetchall()
        return self._with_papers(rows)

    def _with_papers(self, rows: Sequence[Sequence[Any]]) -> list[StoredPost]:
        pks = [row[0] for row in rows]
        linked: dict[int, list[int]] = {}
        for start in range(0, len(pks), CHUNK):
            part = pks[start : start + CHUNK]
            for post_pk, paper_pk in self._db.execute(
                "SELECT post_pk, paper_pk FROM post_refs WHERE paper_pk IS NOT NULL AND post_pk "
                f"IN ({','.join('?' * len(part))}) ORDER BY post_pk, paper_pk",
                part,
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
        refs: dict[int, str] = {}
        for start in range(0, len(pks), CHUNK):
            part = list(pks[start : start + CHUNK])
            for pk, arxiv_id, doi in self._db.execute(
                f"SELECT pk, arxiv_id, doi FROM papers WHERE pk IN ({','.join('?' * len(part))})",
                part,
            ):
                refs[pk] = (
                    f"arxiv:{arxiv_id}" if arxiv_id else f"doi:{doi}" if doi else f"paper:{pk}"
                )
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
        found: dict[int, list[tuple[str, str, int, int, str]]] = {}
        for start in range(0, len(pks), CHUNK):
            part = list(pks[start : start + CHUNK])
            sql = (
                "SELECT DISTINCT r.paper_pk, p.pk, p.author, p.author_name, p.likes, p.reposts, "
                "p.kind FROM post_refs r JOIN posts p ON p.pk = r.post_pk "
                f"WHERE r.paper_pk IN ({','.join('?' * len(part))})"
            )
            params: list[Any] = part
            if until:
                sql += " AND (p.day IS NULL OR p.day <= ?)"
                params = [*part, until]
            for paper_pk, _post_pk, author, name, likes, reposts, kind in self._db.execute(
                sql, params
            ):
                found.setdefault(paper_pk, []).append((author, name, likes, reposts, kind))
        result: dict[int, Buzz] = {}
        for paper_pk, rows in found.items():
            best: dict[str, tuple[str, int]] = {}
            for author, name, likes, reposts, _ in rows:
                shown = name or author
                score = likes + reposts
                if author not in best or score > best[author][1]:
                    best[author] = (shown, score)
            order = sorted(best.items(), key=lambda kv: (-kv[1][1], kv[1][0].casefold()))
            result[paper_pk] = Buzz(
                people=tuple(shown for _, (shown, _) in order),
                handles=tuple(author for author, _ in order),
                posts=len(rows),
                likes=sum(r[2] for r in rows),
                reposts=sum(r[3] for r in rows),
                blogs=sum(1 for r in rows if r[4] == "blog"),
            )
        return result


def _row(post: Post) -> tuple[Any, ...]:
    values = {
        "source": post.source,
        "uid": post.uid,
        "kind": post.kind,
        "author": post.author,
        "author_name": post.author_name,
        "feed": post.feed,
        "title": post.title,
        "url": post.url,
        "posted_at": post.posted_at,
        "day": post.day,
        "text": post.text,
        "html": post.html,
        "links": json.dumps(list(post.links), ensure_ascii=False),
        "likes": post.likes,
        "reposts": post.reposts,
        "replies": post.replies,
    }
    return tuple(values[c] for c in _POST_COLUMNS)


def _post(row: Sequence[Any]) -> Post:
    v = dict(zip(_POST_COLUMNS, row[1:], strict=True))
    return Post(
        source=v["source"],
        uid=v["uid"],
        kind=v["kind"],
        author=v["author"],
        author_name=v["author_name"],
        feed=v["feed"],
        title=v["title"],
        url=v["url"],
        posted_at=v["posted_at"],
        text=v["text"],
        html=v["html"],
        links=tuple(json.loads(v["links"])),
        likes=v["likes"],
        reposts=v["reposts"],
        replies=v["replies"],
    )
