"""The rank stage: one day's papers ordered for the reader, with the reasons behind each place.

``rank_day`` gathers what the scorer learns from (the profile, feedback papers, followed
authors' earlier papers, a fixed sample of earlier papers as "not picked"), featurises
everything under one idf, embeds what the store has no vector for yet, and hands it to
``score.score``. It writes nothing but embeddings, so it can be re-run at will.
``rank_papers`` (``call.py``) is the same ranking on papers in memory, with no store, for other
tools. ``stage.ranked`` is what the other stages call: it keeps ``rank_day``'s result in the
store and returns the stored ranking while it holds. ``score`` turns features into scored
``Ranked`` papers, with ``model`` (the per-reader classifier), ``explain`` (reasons in words)
and ``diversity``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from paperradar.enrich import embed
from paperradar.errors import NotFoundError
from paperradar.models import Paper
from paperradar.profile import Profile, load
from paperradar.rank.call import features, rank_papers
from paperradar.rank.features import counts, text_of
from paperradar.rank.records import Ranked, Weights
from paperradar.rank.score import score
from paperradar.store import Store

__all__ = [
    "RankResult",
    "Ranked",
    "Weights",
    "backend_weights",
    "explain",
    "latest_day",
    "rank_day",
    "rank_papers",
]

FOLLOWED_HISTORY = 200  # earlier papers per reader taken from followed authors
MIN_EMBEDDED_BACKGROUND = 200  # fewer embedded earlier papers: sample from all of them
Vectors = np.ndarray[Any, np.dtype[np.float32]]


@dataclass
class RankResult:
    """A day's ranking: the ranked papers best first, the profile they were ranked for, and how
    many papers the day had. ``ranked_at`` is set when the ranking was read from the store."""

    day: str
    ranked: list[Ranked]
    profile: Profile
    candidates: int
    muted: int
    timings: dict[str, float] = field(default_factory=dict)
    embedded: int = 0
    ranked_at: str | None = None


class _Clock:
    """Seconds per step, rounded to milliseconds, for ``--json`` and the benchmarks."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._last, 3)
        self._last = now


def latest_day(store: Store) -> str:
    days = store.days()
    if not days:
        raise NotFoundError("the store is empty: run `radar ingest arxiv` or `radar demo` first")
    return days[0][0]


def rank_day(
    store: Store,
    day: str | None = None,
    *,
    weights: Weights = Weights(),
    embedding: str = embed.DEFAULT,
    profile: Profile | None = None,
) -> RankResult:
    """Rank the papers seen on ``day`` (the latest day with papers when None)."""
    clock = _Clock()
    day = day or latest_day(store)
    weights = backend_weights(weights, embedding)
    vectors_wanted = bool(weights.embedding) and embedding != "none"
    spare = None
    if vectors_wanted and store.unembedded_on(day, embedding):
        # A day not embedded yet (ingest embeds as it goes; a day from `radar import` or an
        # interrupted ingest is not): a worker loads the model while the store is read.
        spare = embed.spare_encoder(embedding)
    try:
        profile, weights, groups = _gather(
            store, day, profile, weights, embedding if vectors_wanted else None
        )
        clock.lap("load")
        everyone = [p for g in groups for p in g]
        pending = None
        if vectors_wanted:
            # Started first: a forked worker may encode while the tf-idf rows are counted here.
            pending = embed.start_embedding(store, everyone, list(profile.topics), embedding, spare)
    except BaseException:
        if spare is not None:  # not handed its texts: stop it rather than leave it waiting
            spare.cancel()
        raise
    raw = counts([text_of(p) for p in everyone])
    clock.lap("count")
    vectors, topic_emb, embedded = _vectors(pending, len(everyone), profile)
    clock.lap("embed")
    feats, training = features(groups, raw, vectors, topic_emb, weights)
    clock.lap("features")
    candidates = groups[0]
    buzz = store.buzz([p.pk for p in candidates], until=day) if store.post_count() else {}
    ranked = score(feats, profile, training, weights, buzz)
    clock.lap("score")
    return RankResult(
        day=day,
        ranked=ranked,
        profile=profile,
        candidates=len(candidates),
        muted=len(candidates) - len(ranked),
        timings=clock.timings,
        embedded=embedded,
    )


def backend_weights(weights: Weights, embedding: str) -> Weights:
    """``weights`` with the embedding's share and relevance floor filled in from the backend
    (``embedding``: its name, or "none" for words only), where the caller left them None."""
    if embedding == "none":
        return weights.with_changes(embedding=0.0, floor=-1.0)
    backend_class = embed.BACKENDS.get(embedding)
    changes: dict[str, float] = {}
    if weights.embedding is None:
        changes["embedding"] = float(getattr(backend_class, "share", 0.2))
    if weights.floor is None:
        changes["floor"] = float(getattr(backend_class, "floor", -1.0))
    return weights.with_changes(**changes) if changes else weights


def _vectors(
    pending: embed.PendingEmbedding | None, rows: int, profile: Profile
) -> tuple[Vectors, Vectors | None, int]:
    """Every paper's vector (no columns when embeddings are off), the topics' vectors, and how
    many vectors had to be computed."""
    if pending is None:
        return np.zeros((rows, 0), dtype=np.float32), None, 0
    vectors, extra, stats = pending.result()
    return vectors, (extra if len(profile.topics) else None), stats.computed


def _gather(
    store: Store, day: str, profile: Profile | None, weights: Weights, embedded: str | None
) -> tuple[Profile, Weights, list[list[Paper]]]:
    """The reader's profile, the weights the store's settings leave, and the papers to rank and
    learn from: the day's, liked, followed authors' earlier ones, disliked, background."""
    profile = profile or load(store)
    candidates = store.papers(day=day)
    if not candidates:
        raise NotFoundError(f"no papers seen on {day}; `radar papers --days` lists the days")
    if store.setting("popularity", "on") == "off":
        weights = weights.with_changes(popularity=0.0)
    seen = {p.pk for p in candidates}
    # Feedback on today's own papers trains too: a like on the page lifts the paper and its
    # neighbours in the next ranking (the scorer keeps a paper from explaining itself).
    liked = list({p.pk: p for p in (*profile.liked, *profile.saved)}.values())
    disliked = list(profile.disliked)
    followed = _followed_history(store, profile, day, seen | {p.pk for p in liked})
    taken = seen | {p.pk for p in (*liked, *disliked, *followed)}
    # Background papers with vectors only: a store filled by `radar import` has thousands
    # without, and encoding 1,500 of them would cost a minute of MiniLM on every ranking.
    wanted = weights.negatives + len(taken)
    pool = store.sample_pks(wanted, before=day, embedded=embedded) if embedded else []
    if len(pool) < min(weights.negatives, MIN_EMBEDDED_BACKGROUND):
        pool = store.sample_pks(wanted, before=day)
    sample = [pk for pk in pool if pk not in taken][: weights.negatives]
    background = store.papers_by_pk(sample)
    return profile, weights, [candidates, liked, followed, disliked, background]


def _followed_history(store: Store, profile: Profile, day: str, exclude: set[int]) -> list[Paper]:
    if not profile.authors:
        return []
    pks = store.pks_by_author_surname([a.surname for a in profile.authors])
    found = []
    for paper in store.papers_by_pk([pk for pk in pks if pk not in exclude][:2000]):
        if (paper.announced or "") < day and profile.followed_author(paper.authors):
            found.append(paper)
    found.sort(key=lambda p: p.announced or "", reverse=True)
    return found[:FOLLOWED_HISTORY]


def explain(result: RankResult) -> dict[str, Any]:
    """The ranking as the stable ``--json`` schema."""
    return {
        "day": result.day,
        "candidates": result.candidates,
        "muted": result.muted,
        "profile_empty": result.profile.empty,
        "timings": result.timings,
        "embedded": result.embedded,
        "items": [
            {"rank": n, **r.to_json(), "links": r.paper.links}
            for n, r in enumerate(result.ranked, 1)
        ],
    }
