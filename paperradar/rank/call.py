"""``rank_papers``: the product's ranking as one call on papers in memory, with no store.

For other tools (a notebook, a bot, an agent) that have candidate papers and a reader's profile
and want Paper Radar's scores, parts and reasons without building a store:

    from paperradar.models import Paper
    from paperradar.profile import Profile
    from paperradar.rank import rank_papers

    papers = [Paper.of(1, "S2D2: fast decoding ...", "We ..."), ...]
    for r in rank_papers(papers, Profile(topics=("speculative decoding",))):
        print(r.score, r.close, r.paper.title, r.reasons)

It runs the same ``score`` as ``rank_day``: tf-idf fitted on everything given, the embedding
computed here (``encode``, the bundled MiniLM by default; pass a function to reuse vectors you
have), the per-reader classifier, rules, reasons, relevance floor and diversity. ``background``
papers are the "not picked" sample the classifier learns from; without them the candidates
themselves stand in, as ``rank_day`` does on a young store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from paperradar.enrich import embed
from paperradar.models import Buzz, Paper
from paperradar.profile import Profile
from paperradar.rank.features import Features, counts, featurize, text_of
from paperradar.rank.records import Ranked, Training, Weights
from paperradar.rank.score import score

Vectors = np.ndarray[Any, np.dtype[np.float32]]
Encode = Callable[[Sequence[str]], Vectors]


def rank_papers(
    candidates: Sequence[Paper],
    profile: Profile,
    *,
    background: Sequence[Paper] = (),
    followed: Sequence[Paper] = (),
    buzz: Mapping[int, Buzz] | None = None,
    embedding: str = embed.DEFAULT,
    encode: Encode | None = None,
    weights: Weights = Weights(),
) -> list[Ranked]:
    """``candidates`` best first for the reader of ``profile`` (muted ones left out).

    ``followed``: earlier papers of the reader's followed authors (positives, as in
    ``rank_day``); ``buzz``: posts about papers, by paper key; ``embedding``: the backend's
    name, or "none" for words only; ``encode``: texts to unit vectors, in place of the
    backend. Paper keys (``pk``) must be unique across all the papers given."""
    from paperradar.rank import backend_weights  # the package imports this module

    weights = backend_weights(weights, embedding)
    groups = [
        list(candidates),
        list({p.pk: p for p in (*profile.liked, *profile.saved)}.values()),
        list(followed),
        list(profile.disliked),
        list(background),
    ]
    everyone = [p for g in groups for p in g]
    if len({p.pk for p in everyone}) < len({id(p) for p in everyone}):
        # The same paper in two roles is allowed (a liked candidate); two papers with one key
        # would silently share features.
        by_key: dict[int, str] = {}
        for p in everyone:
            if by_key.setdefault(p.pk, p.title) != p.title:
                raise ValueError(f"two different papers share the key {p.pk}")
    texts = [text_of(p) for p in everyone]
    vectors, topic_emb = _vectors(texts, profile, weights, embedding, encode)
    feats, training = features(groups, counts(texts), vectors, topic_emb, weights)
    return score(feats, profile, training, weights, buzz or {})


def _vectors(
    texts: list[str], profile: Profile, weights: Weights, embedding: str, encode: Encode | None
) -> tuple[Vectors, Vectors | None]:
    if not weights.semantic or (embedding == "none" and encode is None):
        return np.zeros((len(texts), 0), dtype=np.float32), None
    run = encode or embed.backend(embedding).encode
    rows = np.asarray(run([*texts, *profile.topics]), dtype=np.float32)
    return rows[: len(texts)], (rows[len(texts) :] if profile.topics else None)


def features(
    groups: list[list[Paper]],
    raw: Any,
    vectors: Vectors,
    topic_emb: Vectors | None,
    weights: Weights,
) -> tuple[Features, Training]:
    """The candidates' features and what the scorer learns from, all under one idf; ``groups``
    are candidates, liked, followed, disliked and background papers, in that order."""
    bounds = np.cumsum([0, *(len(g) for g in groups)])
    feats, idf = featurize(
        [
            (g, raw[a:b], vectors[a:b])
            for g, a, b in zip(groups, bounds[:-1], bounds[1:], strict=True)
        ],
        max_df=weights.max_df,
        min_df=weights.min_df,
    )
    training = Training(
        liked=feats[1],
        followed=feats[2],
        disliked=feats[3],
        background=feats[4],
        idf=idf,
        topic_emb=topic_emb,
    )
    return feats[0], training
