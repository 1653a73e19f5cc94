"""The product's ranker wrapped for ``radar eval``: the same ``score`` the daily ranking runs,
fed from precomputed corpus rows instead of the store; and the line-up ``radar eval`` runs.

With the MiniLM backend the rows' vectors come from the ``VectorCache`` the baselines share:
encoding the 75k-paper corpus takes the better part of an hour, reading it back seconds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from paperradar.enrich import embed
from paperradar.errors import UsageError
from paperradar.eval.evaluate import EvalRanker, replace_rows
from paperradar.eval.vectors import VectorCache
from paperradar.models import Paper
from paperradar.profile import Profile
from paperradar.rank.features import counts, featurize, text_of
from paperradar.rank.records import Training, Weights
from paperradar.rank.score import score

Rows = tuple[Any, np.ndarray[Any, Any]]  # (raw count rows, embeddings)


class RadarRanker:
    """Paper Radar's ranker; ``embedding`` names the backend ("none" for tf-idf only). Texts are
    encoded through ``vectors`` when it holds that backend's model, else by the backend."""

    baseline = False

    def __init__(
        self,
        embedding: str = embed.DEFAULT,
        weights: Weights = Weights(),
        vectors: VectorCache | None = None,
    ) -> None:
        from paperradar.rank import backend_weights

        self.embedding = embedding
        self.weights = backend_weights(weights, embedding)
        self.name = f"paper-radar ({embedding})"
        self.vectors = vectors if vectors is not None and vectors.model == embedding else None
        self._topic_cache: dict[str, np.ndarray[Any, Any]] = {}

    def _encode(self, texts: Sequence[str], label: str) -> np.ndarray[Any, Any]:
        if self.vectors is not None:
            return self.vectors.encode(texts, label=label)
        return embed.backend(self.embedding).encode(texts)

    def fit(self, papers: Sequence[Paper]) -> None:
        """Nothing to fit: features are hashed and idf is fitted per ranking."""

    def transform(self, papers: Sequence[Paper]) -> Rows:
        texts = [text_of(p) for p in papers]
        if self.embedding == "none":
            return counts(texts), np.zeros((len(papers), 0), dtype=np.float32)
        return counts(texts), self._encode(texts, "embedding papers")

    def select(self, rows: Rows, index: Any) -> Rows:
        return rows[0][index], rows[1][index]

    def replace(self, rows: Rows, index: Any, new: Rows) -> Rows:
        return replace_rows(rows[0], index, new[0]), replace_rows(rows[1], index, new[1])

    def _topics(self, topics: Sequence[str]) -> np.ndarray[Any, Any] | None:
        if self.embedding == "none" or not topics:
            return None
        missing = [t for t in topics if t not in self._topic_cache]
        if missing:
            rows = self._encode(missing, "embedding topics")
            for text, row in zip(missing, rows, strict=True):
                self._topic_cache[text] = row
        return np.vstack([self._topic_cache[t] for t in topics])

    def _run(
        self,
        candidates: tuple[Rows, Sequence[Paper]],
        profile: Profile,
        liked: tuple[Rows, Sequence[Paper]] | None,
        history: tuple[Rows, Sequence[Paper]],
    ) -> np.ndarray[Any, Any]:
        groups = [candidates, history] + ([liked] if liked else [])
        feats, idf = featurize(
            [(papers, raw, emb) for (raw, emb), papers in groups],
            max_df=self.weights.max_df,
            min_df=self.weights.min_df,
        )
        empty = feats[0].take([])
        training = Training(
            liked=feats[2] if liked else empty,
            followed=empty,
            disliked=empty,
            background=feats[1],
            idf=idf,
            topic_emb=self._topics(profile.topics),
        )
        ranked = score(feats[0], profile, training, self.weights)
        position = {id(r.paper): n for n, r in enumerate(ranked)}
        n = len(candidates[1])
        out = np.zeros(n)
        for i, paper in enumerate(candidates[1]):
            if id(paper) in position:
                out[i] = n - position[id(paper)]
        return out

    def stated(
        self,
        day: Rows,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Rows,
        history_papers: Sequence[Paper],
    ) -> np.ndarray[Any, Any]:
        profile = Profile(topics=tuple(topics))
        return self._run((day, day_papers), profile, None, (history, history_papers))

    def liked(
        self,
        seeds: Rows,
        seed_papers: Sequence[Paper],
        pool: Rows,
        pool_papers: Sequence[Paper],
        history: Rows,
        history_papers: Sequence[Paper],
    ) -> np.ndarray[Any, Any]:
        profile = Profile(liked=tuple(seed_papers))
        return self._run(
            (pool, pool_papers), profile, (seeds, seed_papers), (history, history_papers)
        )


def lineup(
    vectors: VectorCache, only: str = "", embedding: str = embed.DEFAULT
) -> list[EvalRanker]:
    """``radar eval``'s rankers: ours and the four baselines, or those whose name contains one of
    the comma-separated words of ``only`` (which may also pick "random", run only when asked)."""
    from paperradar.eval.baselines import (
        BM25,
        ArxivSanityLite,
        RandomOrder,
        TfidfCosine,
        ZoteroArxivDaily,
    )

    rankers: list[EvalRanker] = [
        RadarRanker(embedding, vectors=vectors),
        TfidfCosine(),
        BM25(),
        ZoteroArxivDaily(vectors),
        ArxivSanityLite(),
    ]
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    if not wanted:
        return rankers
    chosen = [r for r in [*rankers, RandomOrder()] if any(w in r.name for w in wanted)]
    if not chosen:
        names = ", ".join(r.name for r in [*rankers, RandomOrder()])
        raise UsageError(f"--only {only!r} names no ranker; the rankers are {names}")
    return chosen
