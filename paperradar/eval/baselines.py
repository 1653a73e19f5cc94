"""The rankers Paper Radar must beat, measured by ``radar eval`` on the same days and topics.

Every baseline gets what our ranker gets: the reader's interests text (the topics joined, one a
line) or the five liked papers, and the papers to order. Texts are a paper's title and abstract.

- ``tfidf``: cosine of tf-idf rows, fitted on the whole corpus as arxiv-sanity-lite fits its
  features (1-2-grams, 20,000 features, sublinear tf, English stop words, min_df 5, max_df 0.1).
  Stated interests: cosine to the interests text. Liked papers: the *mean* cosine to the liked
  papers, chosen before measuring: it is Rocchio's centroid query, the textbook way a set of
  documents becomes one tf-idf query (it orders papers as cosine to the centroid does).
- ``bm25``: Okapi BM25, k1 = 1.2, b = 0.75, document frequencies and mean length over the whole
  corpus, idf log(1 + (N - df + 0.5) / (df + 0.5)) (never negative), unigrams without English
  stop words. The query is the interests text, or the liked papers' texts as one query; a word
  the query repeats counts that many times.
- ``zotero-arxiv-daily``: its reranker (``BaseReranker.rerank`` in TideDra/zotero-arxiv-daily):
  each candidate's cosine to every library paper, weighted 1/(1 + log10(rank + 1)) with the
  newest library paper at rank 0, weights summing to one, times 10. The library is the liked
  papers (newest = listed last); for stated interests the interests text is the one library
  item, so the score is its cosine. Two departures: the tool embeds abstracts alone with its own
  model (GIST-small-Embedding-v0, now jina-embeddings-v5-text-nano), here it is
  all-MiniLM-L6-v2 on title and abstract, the vectors our ranker has.
- ``arxiv-sanity-lite``: its ``svm_rank``: tf-idf of title, abstract and authors (the features
  above) and a LinearSVC (C = 0.01, balanced classes, tol 1e-6) of the reader's papers against
  every other paper it holds, ordered by decision value. It holds the day (or the later pool)
  and the sampled history; for stated interests the interests text is the one tagged "paper".
- ``random``: a seeded random order, the floor every ranker must clear (not run by default).

MiniLM vectors come from a ``VectorCache`` shared with our ranker, so the corpus is encoded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from paperradar.enrich.embed import paper_text
from paperradar.eval.evaluate import replace_rows
from paperradar.eval.vectors import VectorCache
from paperradar.models import Paper

Array = np.ndarray[Any, Any]

TOKENS = r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b"  # arxiv-sanity-lite's token pattern


def text(paper: Paper) -> str:
    return paper_text(paper.title, paper.abstract)


def interests(topics: Sequence[str]) -> str:
    return "\n".join(topics)


class _Rows:
    """Row handling shared by the baselines: rows are a matrix indexed by paper."""

    name = ""
    baseline = True

    def select(self, rows: Any, index: Any) -> Any:
        return rows[index]

    def replace(self, rows: Any, index: Any, new: Any) -> Any:
        return replace_rows(rows, index, new)


def _tfidf(**overrides: Any) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    options: dict[str, Any] = {
        "strip_accents": "unicode",
        "lowercase": True,
        "stop_words": "english",
        "token_pattern": TOKENS,
        "ngram_range": (1, 2),
        "max_features": 20_000,
        "sublinear_tf": True,
        "min_df": 5,
        "max_df": 0.1,
        "dtype": np.float32,
    }
    return TfidfVectorizer(**(options | overrides))


class TfidfCosine(_Rows):
    name = "tfidf"

    def __init__(self) -> None:
        self.vectorizer = _tfidf()
        self._fitted: tuple[Sequence[Paper], Any] | None = None

    def _texts(self, papers: Sequence[Paper]) -> list[str]:
        return [text(p) for p in papers]

    def fit(self, papers: Sequence[Paper]) -> None:
        # fit_transform once: the harness asks for the same corpus's rows right after
        self._fitted = papers, self.vectorizer.fit_transform(self._texts(papers)).tocsr()

    def transform(self, papers: Sequence[Paper]) -> Any:
        if self._fitted is not None and self._fitted[0] is papers:
            return self._fitted[1]
        return self.vectorizer.transform(self._texts(papers)).tocsr()

    def stated(
        self,
        day: Any,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        query = self.vectorizer.transform([interests(topics)])
        return np.asarray((day @ query.T).toarray()).ravel()

    def liked(
        self,
        seeds: Any,
        seed_papers: Sequence[Paper],
        pool: Any,
        pool_papers: Sequence[Paper],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        return np.asarray((pool @ seeds.T).mean(axis=1)).ravel()


class BM25(_Rows):
    """Okapi BM25; rows are the candidates' saturated term weights, so a score is one product."""

    name = "bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        self.k1, self.b = k1, b
        self.vectorizer = CountVectorizer(
            strip_accents="unicode", lowercase=True, stop_words="english", token_pattern=TOKENS
        )
        self.idf = np.zeros(0)
        self.mean_length = 1.0
        self._fitted: tuple[Sequence[Paper], Any] | None = None

    def fit(self, papers: Sequence[Paper]) -> None:
        counts = self.vectorizer.fit_transform([text(p) for p in papers]).tocsr()
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5))
        self.mean_length = float(counts.sum()) / max(n, 1)
        self._fitted = papers, self._saturate(counts)

    def transform(self, papers: Sequence[Paper]) -> Any:
        if self._fitted is not None and self._fitted[0] is papers:
            return self._fitted[1]
        return self._saturate(self.vectorizer.transform([text(p) for p in papers]).tocsr())

    def _saturate(self, counts: Any) -> Any:
        """tf (k1 + 1) / (tf + k1 (1 - b + b len / mean len)) for every stored count."""
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = self.k1 * (1 - self.b + self.b * lengths / self.mean_length)
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        tf = counts.data.astype(np.float64)
        out = counts.astype(np.float64)
        out.data = tf * (self.k1 + 1) / (tf + norm[rows])
        return out

    def _score(self, rows: Any, query: str) -> Array:
        qtf = np.asarray(self.vectorizer.transform([query]).toarray()).ravel()
        return np.asarray(rows @ (qtf * self.idf)).ravel()

    def stated(
        self,
        day: Any,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self._score(day, interests(topics))

    def liked(
        self,
        seeds: Any,
        seed_papers: Sequence[Paper],
        pool: Any,
        pool_papers: Sequence[Paper],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self._score(pool, "\n".join(text(p) for p in seed_papers))


class ZoteroArxivDaily(_Rows):
    def __init__(self, vectors: VectorCache) -> None:
        self.vectors = vectors
        self.name = f"zotero-arxiv-daily ({vectors.model})"

    def fit(self, papers: Sequence[Paper]) -> None:
        pass

    def transform(self, papers: Sequence[Paper]) -> Array:
        return _unit(self.vectors.encode([text(p) for p in papers], label="embedding papers"))

    @staticmethod
    def _score(library: Array, candidates: Array) -> Array:
        """``library`` rows newest first, as the tool sorts the Zotero items by date added."""
        weights = 1 / (1 + np.log10(np.arange(len(library)) + 1))
        weights = weights / weights.sum()
        return np.asarray((candidates @ library.T) @ weights * 10)

    def stated(
        self,
        day: Array,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Array,
        history_papers: Sequence[Paper],
    ) -> Array:
        query = _unit(self.vectors.encode([interests(topics)], label="embedding interests"))
        return self._score(query, day)

    def liked(
        self,
        seeds: Array,
        seed_papers: Sequence[Paper],
        pool: Array,
        pool_papers: Sequence[Paper],
        history: Array,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self._score(seeds[::-1], pool)  # seeds come by listing date, oldest first


def _unit(rows: Array) -> Array:
    """Rows scaled to length one: the cache keeps float16, whose rounding shifts the norm."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.where(norms > 0, norms, 1), dtype=np.float32)


class ArxivSanityLite(_Rows):
    name = "arxiv-sanity-lite"

    def __init__(self) -> None:
        self.vectorizer = _tfidf()
        self._fitted: tuple[Sequence[Paper], Any] | None = None

    @staticmethod
    def _texts(papers: Sequence[Paper]) -> list[str]:
        # compute.py's document: title, summary and the authors' names, space-joined
        return [" ".join([p.title, p.abstract, " ".join(p.authors)]) for p in papers]

    def fit(self, papers: Sequence[Paper]) -> None:
        self._fitted = papers, self.vectorizer.fit_transform(self._texts(papers)).tocsr()

    def transform(self, papers: Sequence[Paper]) -> Any:
        if self._fitted is not None and self._fitted[0] is papers:
            return self._fitted[1]
        return self.vectorizer.transform(self._texts(papers)).tocsr()

    @staticmethod
    def _svm(positives: Any, others: Any, candidates: Any) -> Array:
        from sklearn.svm import LinearSVC

        x = sp.vstack([positives, others]).tocsr()
        y = np.zeros(x.shape[0])
        y[: positives.shape[0]] = 1
        model = LinearSVC(class_weight="balanced", C=0.01, max_iter=10_000, tol=1e-6)
        model.fit(x, y)
        return np.asarray(model.decision_function(candidates))

    def stated(
        self,
        day: Any,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        query = self.vectorizer.transform([interests(topics)])
        return self._svm(query, sp.vstack([day, history]), day)

    def liked(
        self,
        seeds: Any,
        seed_papers: Sequence[Paper],
        pool: Any,
        pool_papers: Sequence[Paper],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self._svm(seeds, sp.vstack([pool, history]), pool)


class RandomOrder(_Rows):
    """A random order (one seeded generator for the run): chance, measured on the same units."""

    name = "random"
    baseline = False

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def fit(self, papers: Sequence[Paper]) -> None:
        pass

    def transform(self, papers: Sequence[Paper]) -> Array:
        return np.arange(len(papers))

    def stated(
        self,
        day: Array,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Array,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self.rng.random(len(day))

    def liked(
        self,
        seeds: Array,
        seed_papers: Sequence[Paper],
        pool: Array,
        pool_papers: Sequence[Paper],
        history: Array,
        history_papers: Sequence[Paper],
    ) -> Array:
        return self.rng.random(len(pool))
