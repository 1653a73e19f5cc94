"""The rank stage: one day's papers ordered for the reader, read from and explained by the store.

``rank_day`` gathers what the scorer learns from (the profile, feedback papers, followed authors'
earlier papers, a fixed sample of earlier papers as "not picked"), featurises everything under
one idf, embeds what the store has no vector for yet, and hands it to ``score.score``. It writes
nothing but embeddings, so it can be re-run at will.
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
from paperradar.rank.features import counts, featurize, text_of
from paperradar.rank.score import Ranked, Training, Weights, score
from paperradar.store import Store

__all__ = ["RankResult", "Ranked", "Weights", "rank_day"]
FOLLOWED_HISTORY = 200  # earlier papers per reader taken from followed authors


@dataclass
class RankResult:
    day: str
    ranked: list[Ranked]
    profile: Profile
    candidates: int
    muted: int
    timings: dict[str, float] = field(default_factory=dict)
    embedded: int = 0


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
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    day = day or latest_day(store)
    spare = None
    if weights.embedding and embedding != "none" and store.unembedded_on(day, embedding):
        # A day not embedded yet (ingest embeds as it goes; a day from `radar import` or an
        # interrupted ingest is not): a worker loads the model while the store is read.
        spare = embed.spare_encoder(embedding)
    try:
        profile, weights, groups = _gather(store, day, profile, weights)
        lap("load")
        everyone = [p for g in groups for p in g]
        pending = None
        if weights.embedding and embedding != "none":
            # Started first: a forked worker may encode while the tf-idf rows are counted here.
            pending = embed.start_embedding(store, everyone, list(profile.topics), embedding, spare)
    except BaseException:
        if spare is not None:  # not handed its texts: stop it rather than leave it waiting
            spare.cancel()
        raise
    candidates = groups[0]
    raw = counts([text_of(p) for p in everyone])
    lap("count")
    embedded = 0
    topic_emb = None
    if pending is not None:
        vectors, extra, stats = pending.result()
        topic_emb = extra if len(profile.topics) else None
        embedded = stats.computed
    else:
        vectors = np.zeros((len(everyone), 0), dtype=np.float32)
    lap("embed")

    bounds = np.cumsum([0, *(len(g) for g in groups)])
    feats, idf = featurize(
        [
            (g, raw[a:b], vectors[a:b])
            for g, a, b in zip(groups, bounds[:-1], bounds[1:], strict=True)
        ],
        max_df=weights.max_df,
        min_df=weights.min_df,
    )
    lap("features")
    training = Training(
        liked=feats[1],
        followed=feats[2],
        disliked=feats[3],
        background=feats[4],
        idf=idf,
        topic_emb=topic_emb,
    )
    buzz = store.buzz([p.pk for p in candidates], until=day) if store.post_count() else {}
    ranked = score(feats[0], profile, training, weights, buzz)
    lap("score")
    return RankResult(
        day=day,
        ranked=ranked,
        profile=profile,
        candidates=len(candidates),
        muted=len(candidates) - len(ranked),
        timings=timings,
        embedded=embedded,
    )


def _gather(
    store: Store, day: str, profile: Profile | None, weights: Weights
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
    sample = [
        pk for pk in store.sample_pks(weights.negatives + len(taken), before=day) if pk not in taken
    ][: weights.negatives]
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
