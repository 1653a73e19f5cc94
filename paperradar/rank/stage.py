"""The rank stage as a stored stage: ``ranked`` is how the briefing, the page, the feeds and the
demo get a day's ranking.

A day's ranking is kept in the store with a digest of everything it was computed from: the
reader's profile, feedback and settings (``store.reader_state``), the day's size, the posts
behind the buzz, and the weights. ``ranked`` returns the stored ranking while its digest still
matches and otherwise ranks the day with ``rank_day``, stores it and returns it. What is stored
is what the ranker decided (order, scores, parts, reasons); what is cheap to read again is read
again on load (the papers by key, the profile, the buzz), so a stored ranking gives every reader
exactly what a fresh one would. Only the reader's own ranking is kept: rankings with other
weights or another embedding (``radar rank --popularity``, the evaluation) are computed and
returned, never stored. Two threads asking for the same unranked day do not both rank it: the
second waits for the first and reads what it stored.
"""

from __future__ import annotations

import hashlib
import threading
import time

from paperradar.enrich import embed
from paperradar.profile import load
from paperradar.rank import RankResult, latest_day, rank_day
from paperradar.rank.records import Ranked, Weights
from paperradar.store import Store
from paperradar.store.rankings import RankedRow, StoredRanking

__all__ = ["digest", "last_ranked", "ranked"]

SCORER = 2  # raised when the scorer changes, so rankings stored by an older one are redone
_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_GUARD = threading.Lock()


def digest(
    store: Store, day: str, weights: Weights = Weights(), embedding: str = embed.DEFAULT
) -> str:
    """What a ranking of ``day`` depends on, in 24 hex digits; a few indexed counts, ~1 ms."""
    state = (
        SCORER,
        store.reader_state(),
        store.day_size(day),
        store.posts_state(),
        weights,
        embedding,
    )
    return hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()


def ranked(
    store: Store,
    day: str | None = None,
    *,
    weights: Weights = Weights(),
    embedding: str = embed.DEFAULT,
    fresh: bool = False,
) -> RankResult:
    """The day's ranking (the latest day when None): the stored one while it holds, else ranked
    now and stored. ``fresh`` ranks again even when the stored one holds (``radar rank``)."""
    day = day or latest_day(store)
    if weights != Weights() or embedding != embed.DEFAULT:
        return rank_day(store, day, weights=weights, embedding=embedding)
    if not fresh and (found := _matching(store, day)) is not None:
        return found
    with _lock(store, day):
        # Another thread may have ranked the day while this one waited for the lock.
        if not fresh and (found := _matching(store, day)) is not None:
            return found
        # Taken before ranking: a change that lands while the day is ranked makes the stored
        # digest stale, so the next call ranks again rather than keep a ranking that missed it.
        want = digest(store, day)
        result = rank_day(store, day)
        store.save_ranking(_stored(result, want))
        return result


def last_ranked(store: Store, day: str) -> RankResult | None:
    """The day's stored ranking whether or not it still holds (None when there is none or a
    paper of it has since left the store): what the page shows when a re-rank failed."""
    found = store.stored_ranking(day)
    return _loaded(store, found) if found is not None else None


def _matching(store: Store, day: str) -> RankResult | None:
    if store.ranking_digest(day) != digest(store, day):
        return None
    found = store.stored_ranking(day)
    return _loaded(store, found) if found is not None else None


def _loaded(store: Store, stored: StoredRanking) -> RankResult | None:
    start = time.perf_counter()
    pks = [row.pk for row in stored.rows]
    papers = store.papers_by_pk(pks)
    # A paper folded into another by a later ingest takes its row along: the ranking is short.
    if len(papers) != len(pks) or len(pks) != stored.candidates - stored.muted:
        return None
    # The same call rank_day makes, so the buzz shown is the buzz the scores were made with.
    buzz = store.buzz(pks, until=stored.day) if store.post_count() else {}
    items = [
        Ranked(
            paper=p,
            score=row.score,
            reasons=row.reasons,
            parts=row.parts,
            buzz=buzz.get(p.pk),
            close=row.close,
        )
        for p, row in zip(papers, stored.rows, strict=True)
    ]
    return RankResult(
        day=stored.day,
        ranked=items,
        profile=load(store),
        candidates=stored.candidates,
        muted=stored.muted,
        timings={"stored": round(time.perf_counter() - start, 3)},
        embedded=0,
        ranked_at=stored.ranked_at,
    )


def _stored(result: RankResult, want: str) -> StoredRanking:
    return StoredRanking(
        day=result.day,
        digest=want,
        candidates=result.candidates,
        muted=result.muted,
        embedded=result.embedded,
        timings=result.timings,
        ranked_at="",
        rows=tuple(
            RankedRow(r.paper.pk, r.score, r.parts, r.reasons, r.close) for r in result.ranked
        ),
    )


def _lock(store: Store, day: str) -> threading.Lock:
    # Keyed by the database file, not the connection: each web thread has its own connection.
    with _GUARD:
        return _LOCKS.setdefault((str(store.path.resolve()), day), threading.Lock())
