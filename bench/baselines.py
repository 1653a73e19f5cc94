"""The two rankers Paper Radar must beat, rebuilt from their published descriptions so that
`bench/rank_eval.py` measures them on the same data as ours (through `radar eval`'s tasks).

- arxiv-sanity-lite: tf-idf of unigrams and bigrams (20,000 features, sublinear tf, English stop
  words, min_df 5, max_df 0.1) fitted on every paper; a LinearSVC (C=0.01, balanced class weights)
  trains the reader's tagged papers against every other paper in the database and orders
  papers by its decision value.
- zotero-arxiv-daily: each candidate's mean cosine similarity to the reader's library
  embeddings, weighted 1/(1+log10(rank+1)) with the newest library paper at rank 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from paperradar.enrich import embed
from paperradar.eval.evaluate import replace_rows
from paperradar.models import Paper

Array = np.ndarray[Any, Any]


def _text(paper: Paper) -> str:
    return f"{paper.title} | {paper.abstract}"


class ArxivSanityLite:
    name = "arxiv-sanity-lite"

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(
            strip_accents="unicode",
            lowercase=True,
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
            ngram_range=(1, 2),
            max_features=20_000,
            sublinear_tf=True,
            min_df=5,
            max_df=0.1,
            dtype=np.float32,
        )

    def fit(self, papers: Sequence[Paper]) -> None:
        self.vectorizer.fit([_text(p) for p in papers])

    def transform(self, papers: Sequence[Paper]) -> Any:
        return self.vectorizer.transform([_text(p) for p in papers]).tocsr()

    def select(self, rows: Any, index: Any) -> Any:
        return rows[index]

    def replace(self, rows: Any, index: Any, new: Any) -> Any:
        return replace_rows(rows, index, new)

    def _svm(self, positives: Any, others: Any) -> LinearSVC:
        x = sp.vstack([positives, others]).tocsr()
        y = np.zeros(x.shape[0])
        y[: positives.shape[0]] = 1
        model = LinearSVC(class_weight="balanced", C=0.01, max_iter=10_000, tol=1e-6)
        model.fit(x, y)
        return model

    def stated(
        self,
        day: Any,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        # The interests text is the one tagged "paper"; everything listed that day is the rest.
        interests = self.vectorizer.transform(["\n".join(topics)])
        model = self._svm(interests, day)
        return np.asarray(model.decision_function(day))

    def liked(
        self,
        seeds: Any,
        seed_papers: Sequence[Paper],
        pool: Any,
        pool_papers: Sequence[Paper],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        model = self._svm(seeds, sp.vstack([pool, history]))
        return np.asarray(model.decision_function(pool))


class ZoteroArxivDaily:
    def __init__(self, embedding: str = embed.DEFAULT) -> None:
        self.embedding = embedding
        self.name = f"zotero-arxiv-daily ({embedding})"

    def fit(self, papers: Sequence[Paper]) -> None:
        pass

    def transform(self, papers: Sequence[Paper]) -> Array:
        texts = [embed.paper_text(p.title, p.abstract) for p in papers]
        return embed.backend(self.embedding).encode(texts)

    def select(self, rows: Array, index: Any) -> Array:
        return rows[index]

    def replace(self, rows: Array, index: Any, new: Array) -> Array:
        return np.asarray(replace_rows(rows, index, new))

    @staticmethod
    def _score(library: Array, candidates: Array) -> Array:
        # library rows are newest first
        weights = 1 / (1 + np.log10(np.arange(len(library)) + 1))
        weights = weights / weights.sum()
        sim = candidates @ library.T
        return np.asarray((sim * weights).sum(axis=1) * 10)

    def stated(
        self,
        day: Array,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Array,
        history_papers: Sequence[Paper],
    ) -> Array:
        interests = embed.backend(self.embedding).encode(["\n".join(topics)])
        return self._score(interests, day)

    def liked(
        self,
        seeds: Array,
        seed_papers: Sequence[Paper],
        pool: Array,
        pool_papers: Sequence[Paper],
        history: Array,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self._score(seeds[::-1], pool)
