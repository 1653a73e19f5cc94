"""Diversity: the head of a ranking re-ordered by maximal marginal relevance, so near-copies and
papers on one narrow point do not crowd the first screen.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paperradar.rank.features import Features, cosine
from paperradar.rank.records import Weights

Array = np.ndarray[Any, np.dtype[np.float64]]
NEAR_COPY = 0.8  # tf-idf cosine above which two papers count as near-copies
HEAD = 100  # papers re-ordered; the rest keep their score order


def diversify(
    total: Array, candidates: Features, keep: np.ndarray[Any, Any], weights: Weights
) -> list[int]:
    """Best first, with the head re-ordered by maximal marginal relevance."""
    order = [int(i) for i in np.argsort(-total, kind="stable") if keep[i]]
    head = order[:HEAD]
    if not weights.diversity or len(head) < 3:
        return order
    sim = cosine(candidates.tfidf[head], candidates.tfidf[head]).astype(np.float64)
    scale = float(total[head].std()) or 1.0
    chosen: list[int] = []
    left = list(range(len(head)))
    closest = np.zeros(len(head))
    while left:
        values = [
            total[head[j]] - weights.diversity * scale * _redundancy(closest[j]) for j in left
        ]
        pick = left.pop(int(np.argmax(values)))
        chosen.append(pick)
        closest = np.maximum(closest, sim[pick])
    return [head[j] for j in chosen] + order[HEAD:]


def _redundancy(similarity: float) -> float:
    # Sharing a field is fine; sharing the abstract is not: the penalty rises steeply past 0.5,
    # and a near-copy of a paper already shown waits until the head is full.
    near_copy = 1000.0 if similarity >= NEAR_COPY else 0.0
    return float(similarity + 4 * max(0.0, similarity - 0.5) + near_copy)
