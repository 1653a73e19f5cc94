"""Turning papers into the features the ranker learns from: tf-idf rows and embeddings.

tf-idf uses a hashing vectorizer (unigrams and bigrams, English stop words removed), so there is
no vocabulary to fit or store and a day can be featurised on its own; the idf weights come from
whatever set of papers the caller fits them on (the day plus the reader's history). A
``Features`` bundle keeps rows, papers and embeddings aligned so the scorer can slice them
together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from paperradar.embed import Vectors, paper_text
from paperradar.models import Paper

Matrix = Any  # scipy.sparse CSR matrix; scipy ships no type hints
Embedder = Callable[[Sequence[Paper]], Vectors]

_HASHER = HashingVectorizer(
    n_features=2**19,
    ngram_range=(1, 2),
    stop_words="english",
    alternate_sign=False,
    norm=None,
    token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
    dtype=np.float32,
)


def text_of(paper: Paper) -> str:
    return paper_text(paper.title, paper.abstract)


def counts(texts: Sequence[str]) -> Matrix:
    """Raw term counts of ``texts`` (rows) over hashed unigrams and bigrams."""
    return _HASHER.transform(list(texts))


@dataclass
class Idf:
    """idf weights fitted on a set of papers; turns count rows into unit-length tf-idf rows."""

    transformer: TfidfTransformer

    @classmethod
    def fit(cls, count_rows: Matrix, *, max_df: float = 1.0, min_df: int = 1) -> Idf:
        """Fit on ``count_rows``; terms in more than ``max_df`` of the rows or fewer than
        ``min_df`` rows get weight 0 (too common to tell papers apart, or too rare to learn)."""
        transformer = TfidfTransformer(sublinear_tf=True, smooth_idf=True)
        transformer.fit(count_rows)
        if max_df < 1.0 or min_df > 1:
            df = np.bincount(count_rows.indices, minlength=count_rows.shape[1])
            keep = (df >= min_df) & (df <= max_df * count_rows.shape[0])
            transformer.idf_ = transformer.idf_ * keep
        return cls(transformer)

    def __call__(self, count_rows: Matrix) -> Matrix:
        return self.transformer.transform(count_rows).astype(np.float32).tocsr()


@dataclass
class Features:
    """Papers with their tf-idf rows (CSR) and embeddings, in the same order."""

    papers: list[Paper]
    tfidf: Matrix
    emb: Vectors

    def __len__(self) -> int:
        return len(self.papers)

    def take(self, index: Sequence[int] | np.ndarray[Any, Any]) -> Features:
        rows = np.asarray(index, dtype=np.int64)
        return Features([self.papers[i] for i in rows], self.tfidf[rows], self.emb[rows])

    @staticmethod
    def concat(parts: Sequence[Features]) -> Features:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Features([], sp.csr_matrix((0, _HASHER.n_features), dtype=np.float32), _empty())
        return Features(
            [paper for part in parts for paper in part.papers],
            sp.vstack([p.tfidf for p in parts]).tocsr(),
            np.vstack([p.emb for p in parts]),
        )


def _empty() -> Vectors:
    return np.zeros((0, 0), dtype=np.float32)


def featurize(
    groups: Sequence[Sequence[Paper]], embed: Embedder | None, idf: Idf | None = None
) -> tuple[list[Features], Idf]:
    """Features for each group of papers, with idf fitted on all of them together unless given."""
    texts = [text_of(p) for group in groups for p in group]
    raw = counts(texts)
    idf = idf or Idf.fit(raw)
    rows = idf(raw)
    everyone = [p for group in groups for p in group]
    emb = embed(everyone) if embed is not None and everyone else np.zeros((len(everyone), 0))
    emb = np.asarray(emb, dtype=np.float32)
    out, start = [], 0
    for group in groups:
        end = start + len(group)
        out.append(Features(list(group), rows[start:end], emb[start:end]))
        start = end
    return out, idf


def text_rows(texts: Sequence[str], idf: Idf) -> Matrix:
    """tf-idf rows for free texts (topic descriptions) under an existing idf."""
    return idf(counts(texts))


def cosine(a: Matrix, b: Matrix) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Cosine similarity of unit-length sparse rows: an (len(a), len(b)) dense array."""
    return np.asarray((a @ b.T).toarray(), dtype=np.float32)
