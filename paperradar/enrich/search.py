"""Search over the store: keyword (FTS5 bm25), semantic (embedding cosine) and hybrid, the two
rankings fused by reciprocal rank fusion; one function for the page, the API and `radar search`.

Hybrid is the default. Keyword search alone misses a paper described in other words than its
own, and cosine alone blurs an exact name (a method, an author) into its neighbourhood; fusing
their ranks, not their scores, needs no calibration between bm25 and cosine. Each list gives its
best ``DEPTH`` papers and a paper scores ``Σ 1 / (RRF_K + rank)`` over the lists it is in, with
``RRF_K = 60`` the a-priori constant of Cormack, Clarke and Büttcher (SIGIR 2009), not tuned
here. The lexical list holds only papers with every word of the query: a list topped up with
papers having any of its words ranks papers sharing "in" or "models" with the query, and a
paper high in both lists then beats the one the embedding alone ranks first (a paraphrase
loses its paper). When no paper has every word, hybrid is the semantic ranking. The store gives
the candidates and the vectors; the fusion and the cosine are numpy here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from paperradar.enrich.backends import DEFAULT, backend
from paperradar.errors import UsageError
from paperradar.models import Paper
from paperradar.store import Store

MODES = ("hybrid", "keyword", "semantic")
RRF_K = 60
DEPTH = 200  # papers taken from each ranking before fusing

Encode = Callable[[str], np.ndarray]


class Index:
    """The stored vectors of one model in memory: store keys and a row-normalised matrix."""

    def __init__(self, model: str, pks: np.ndarray, matrix: np.ndarray) -> None:
        self.model = model
        self.pks = pks
        self.matrix = matrix

    @classmethod
    def load(cls, store: Store, model: str = DEFAULT) -> Index:
        pks, matrix = store.all_embeddings(model)
        return cls(model, pks, matrix)

    def __len__(self) -> int:
        return len(self.pks)

    def nearest(
        self, vector: np.ndarray, k: int, exclude: Sequence[int] = ()
    ) -> list[tuple[int, float]]:
        """The ``k`` papers closest to ``vector`` (cosine), best first."""
        if not len(self.pks) or k <= 0:
            return []
        sims = self.matrix @ np.asarray(vector, dtype=np.float32)
        skip = np.isin(self.pks, np.asarray(exclude, dtype=np.int64))
        sims[skip] = -np.inf
        top = min(k, int((~skip).sum()))
        if top <= 0:
            return []
        best = np.argpartition(-sims, top - 1)[:top]
        best = best[np.argsort(-sims[best], kind="stable")]
        return [(int(self.pks[i]), float(sims[i])) for i in best]


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of rankings (store keys, best first): each key scores
    ``Σ 1 / (k + rank)`` with ranks from 1; best first, ties in the order first seen."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, pk in enumerate(ranking, 1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def lexical(store: Store, query: str, depth: int = DEPTH, *, any_word: bool = False) -> list[int]:
    """The lexical ranking hybrid search fuses: the papers with every word, bm25 order; with
    ``any_word`` topped up to ``depth`` with papers having any of them (bench/search_eval.py's
    ``hybrid-any``, not the default: see the module's docstring)."""
    found = [pk for pk, _ in store.search_keys(query, limit=depth)]
    if any_word and len(found) < depth:
        seen = set(found)
        more = store.search_keys(query, limit=depth, any_word=True)
        found += [pk for pk, _ in more if pk not in seen][: depth - len(found)]
    return found


@dataclass(frozen=True)
class Found:
    """A search's answer: ``mode`` is the mode that ran (hybrid falls back to keyword when the
    store has no vectors), ``hits`` best first with a score where higher is better (-bm25,
    cosine, or the fused score), ``searched`` the papers that mode could see, and ``note`` what
    the reader should know about the answer (no vectors yet), else empty."""

    query: str
    mode: str
    hits: list[tuple[Paper, float]]
    searched: int
    note: str = ""


def search(
    store: Store,
    query: str,
    mode: str = "hybrid",
    *,
    limit: int = 20,
    model: str = DEFAULT,
    index: Index | None = None,
    encode: Encode | None = None,
) -> Found:
    """Search the store in ``mode``; ``index`` (the vectors of ``model``, read from the store
    when not given) and ``encode`` (the query's vector; the model's backend when not given)
    let a caller that searches often keep them."""
    if mode not in MODES:
        raise UsageError(f"unknown search mode {mode!r}; use {', '.join(MODES)}")
    total = store.count()
    if not re.search(r"\w", query):  # nothing to match or to mean: punctuation, spaces
        return Found(query, mode, [], total)
    if mode == "keyword":
        return Found(query, mode, _keyword(store, query, limit), total)
    index = index if index is not None else Index.load(store, model)
    if not len(index):
        return _without_vectors(store, query, mode, limit, model, total)
    vector = (encode or _encoder(model))(query)
    depth = max(DEPTH, limit)
    near = index.nearest(vector, depth)
    if mode == "semantic":
        scored = near[:limit]
    else:
        scored = fuse([lexical(store, query, depth), [pk for pk, _ in near]])[:limit]
    papers = {p.pk: p for p in store.papers_by_pk([pk for pk, _ in scored])}
    hits = [(papers[pk], score) for pk, score in scored if pk in papers]
    return Found(
        query, mode, hits, total if mode == "hybrid" else len(index), _partial(index, total)
    )


def _keyword(store: Store, query: str, limit: int) -> list[tuple[Paper, float]]:
    return [(p, -score) for p, score in store.search(query, limit=limit)]


def _without_vectors(
    store: Store, query: str, mode: str, limit: int, model: str, total: int
) -> Found:
    missing = f"the store has no {model} vectors yet (run `radar embed --model {model}`)"
    if mode == "semantic":
        return Found(query, mode, [], 0, f"No semantic search: {missing}.")
    hits = _keyword(store, query, limit)
    return Found(query, "keyword", hits, total, f"Keyword search only: {missing}.")


def _partial(index: Index, total: int) -> str:
    if len(index) >= total:
        return ""
    return (
        f"Semantic search sees the {len(index):,} of {total:,} papers embedded so far "
        f"(`radar embed --model {index.model}` embeds the rest)."
    )


def _encoder(model: str) -> Encode:
    coder = backend(model)
    return lambda text: np.asarray(coder.encode([text])[0], dtype=np.float32)
