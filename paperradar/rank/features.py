"""Turning papers into the features the ranker learns from: tf-idf rows and embeddings.

tf-idf uses a hashing vectorizer (unigrams and bigrams, English stop words removed), so there is
no vocabulary to fit or store and a day can be featurised on its own; the idf weights come from
whatever set of papers the caller fits them on (the day plus the reader's history). A
``Features`` bundle keeps rows, papers and embeddings aligned so the scorer can slice them
together.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paperradar.embed import Vectors, paper_text
from paperradar.models import Paper

Matrix = Any  # scipy.sparse CSR matrix; scipy ships no type hints

# scikit-learn and scipy are imported where first used, not with this module: their import
# takes about a second, which `radar rank` spends while the embedding worker runs.


@functools.cache
def _hasher() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
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
    return _hasher().transform(list(texts))


@dataclass
class Idf:
    """idf weights fitted on a set of papers; turns count rows into unit-length tf-idf rows."""

    transformer: Any  # a fitted sklearn TfidfTransformer

    @classmethod
    def fit(cls, count_rows: Matrix, *, max_df: float = 1.0, min_df: int = 1) -> Idf:
        """Fit on ``count_rows``; terms in more than ``max_df`` of the rows or fewer than
        ``min_df`` rows get weight 0 (too common to tell papers apart, or too rare to learn)."""
        from sklearn.feature_extraction.text import TfidfTransformer

        transformer = TfidfTransformer(sublinear_tf=True, smooth_idf=True)
        transformer.fit(count_rows)
        if max_df < 1.0 or min_df > 1:
            df = np.bincount(count_rows.indices, minlength=count_rows.shape[1])
            keep = (df >= min_df) & (df <= max_df * count_rows.shape[0])
            transformer.idf_ = transformer.idf_ * keep
        return cls(transformer)

    def __call__(self, count_rows: Matrix) -> Matrix:
        if count_rows.shape[0] == 0:  # scikit-learn refuses empty input; a reader may have no likes
            import scipy.sparse as sp

            return sp.csr_matrix(count_rows.shape, dtype=np.float32)
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


def featurize(
    groups: Sequence[tuple[Sequence[Paper], Matrix, Vectors]],
    *,
    max_df: float = 1.0,
    min_df: int = 1,
) -> tuple[list[Features], Idf]:
    """tf-idf Features for groups of (papers, raw count rows, embeddings), with one idf fitted
    on all of them together: the day, the reader's papers and the background share a scale."""
    import scipy.sparse as sp

    idf = Idf.fit(sp.vstack([raw for _, raw, _ in groups]).tocsr(), max_df=max_df, min_df=min_df)
    return [Features(list(papers), idf(raw), emb) for papers, raw, emb in groups], idf


def text_rows(texts: Sequence[str], idf: Idf) -> Matrix:
    """tf-idf rows for free texts (topic descriptions) under an existing idf."""
    return idf(counts(texts))


def cosine(a: Matrix, b: Matrix) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Cosine similarity of unit-length sparse rows: an (len(a), len(b)) dense array."""
    return np.asarray((a @ b.T).toarray(), dtype=np.float32)
