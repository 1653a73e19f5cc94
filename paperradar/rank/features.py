"""Turning papers into the features the ranker learns from: tf-idf rows and embeddings.

tf-idf uses a hashing vectorizer (unigrams and bigrams, English stop words removed), so there is
no vocabulary to fit or store and a day can be featurised on its own; the idf weights come from
whatever set of papers the caller fits them on (the day plus the reader's history). A
``Features`` bundle keeps rows, papers and embeddings aligned so the scorer can slice them
together.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mmh3
import numpy as np

from paperradar.enrich.embed import Vectors, paper_text
from paperradar.models import Paper
from paperradar.rank.stopwords import ENGLISH

Matrix = Any  # scipy.sparse CSR matrix; scipy ships no type hints

# The ranker's hot path imports scipy.sparse (about 0.1 s) but not scikit-learn (about 0.9 s, a
# third of a fresh `radar rank`): hashing, idf and the classifier are done here and in linear.py,
# and tests pin them to scikit-learn's HashingVectorizer, TfidfTransformer and liblinear.
N_FEATURES = 2**19
_TOKEN = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b")


def text_of(paper: Paper) -> str:
    return paper_text(paper.title, paper.abstract)


def terms(text: str) -> list[str]:
    """The words (stop words left out) and adjacent word pairs of ``text``, lower-cased."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in ENGLISH]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def counts(texts: Sequence[str]) -> Matrix:
    """Raw term counts of ``texts`` (rows) over hashed unigrams and bigrams.

    A term's column is the absolute signed 32-bit MurmurHash3 of its UTF-8 bytes modulo 2^19,
    so a text's row needs no vocabulary and is the same in every process and run."""
    import scipy.sparse as sp

    hashes: list[int] = []
    ends = [0]
    for text in texts:
        hashes.extend(map(mmh3.hash, terms(text)))
        ends.append(len(hashes))
    columns = np.abs(np.array(hashes, dtype=np.int64)) % N_FEATURES
    rows = sp.csr_matrix(
        (np.ones(len(hashes), dtype=np.float32), columns.astype(np.int32), np.array(ends)),
        shape=(len(texts), N_FEATURES),
    )
    rows.sum_duplicates()
    return rows


@dataclass
class Idf:
    """Smoothed idf weights fitted on a set of papers; turns count rows into unit-length rows of
    sublinear tf times idf."""

    weights: np.ndarray[Any, np.dtype[np.float32]]

    @classmethod
    def fit(cls, count_rows: Matrix, *, max_df: float = 1.0, min_df: int = 1) -> Idf:
        """Fit on ``count_rows``; terms in more than ``max_df`` of the rows or fewer than
        ``min_df`` rows get weight 0 (too common to tell papers apart, or too rare to learn)."""
        n = count_rows.shape[0]
        df = np.bincount(count_rows.indices, minlength=count_rows.shape[1]).astype(np.float32)
        weights = np.log(np.float32(n + 1) / (df + np.float32(1))) + np.float32(1)
        if max_df < 1.0 or min_df > 1:
            weights *= (df >= min_df) & (df <= max_df * n)
        return cls(weights.astype(np.float32))

    def __call__(self, count_rows: Matrix) -> Matrix:
        rows = count_rows.astype(np.float32, copy=True).tocsr()
        rows.data = (np.log(rows.data) + np.float32(1)) * self.weights[rows.indices]
        rows.eliminate_zeros()  # terms the idf cut
        squares = rows.multiply(rows).sum(axis=1).A1
        norms = np.sqrt(squares, dtype=np.float64)
        norms[norms == 0] = 1.0
        rows.data /= np.repeat(norms, np.diff(rows.indptr)).astype(np.float32)
        return rows


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


def standardise(
    values: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Zero mean, unit spread (all zeros when the values do not vary)."""
    spread = float(values.std())
    if spread < 1e-12:
        return np.zeros_like(values)
    out: np.ndarray[Any, np.dtype[np.float64]] = (values - values.mean()) / spread
    return out
