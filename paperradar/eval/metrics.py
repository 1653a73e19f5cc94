"""Ranking metrics for ``radar eval`` and a paired bootstrap to tell a real difference from noise.

All metrics take a score per item (higher is better) and the items' gains or relevance flags;
ties in the scores keep the items' given order. ``paired_difference`` compares two rankers on
the same units (days, topics) and gives the mean difference with a bootstrap interval, because
averages over a few dozen units move by more than the differences between good rankers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def ndcg(scores: Array, gains: Array, k: int) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    discounts = 1 / np.log2(np.arange(2, k + 2))
    dcg = float((gains[order] * discounts[: len(order)]).sum())
    ideal = np.sort(gains)[::-1][:k]
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    return dcg / idcg if idcg else 0.0


def precision_at(scores: Array, relevant: Array, k: int) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    return float(relevant[order].sum()) / k


def roc_auc(scores: Array, relevant: Array) -> float | None:
    pos, neg = scores[relevant], scores[~relevant]
    if not len(pos) or not len(neg):
        return None
    ranks = _ranks(scores)
    total = ranks[relevant].sum() - len(pos) * (len(pos) + 1) / 2
    return float(total / (len(pos) * len(neg)))


def recall_at(scores: Array, relevant: Array, k: int) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    count = int(relevant.sum())
    return float(relevant[order].sum()) / count if count else 0.0


def average_precision(scores: Array, relevant: Array) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = relevant[order]
    if not hits.any():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def _ranks(values: Array) -> Array:
    """1-based ranks with ties averaged (for the Mann-Whitney form of ROC-AUC)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


@dataclass(frozen=True)
class Difference:
    """Mean of ``a - b`` over paired units, with a bootstrap confidence interval; the median and
    standard deviation of the per-unit differences say whether a mean rests on a few units."""

    mean: float
    low: float
    high: float
    wins: int  # units where a scored higher
    losses: int
    median: float = 0.0
    sd: float = 0.0

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}] ({self.wins}:{self.losses})"


def paired_difference(
    a: Sequence[float], b: Sequence[float], *, level: float = 0.95, draws: int = 10_000
) -> Difference:
    """``a`` against ``b`` unit by unit: the mean difference and a percentile bootstrap interval
    (units resampled with replacement, fixed seed so a report can be reproduced)."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if diff.size == 0:
        raise ValueError("no paired units to compare")
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, diff.size, size=(draws, diff.size))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return Difference(
        float(diff.mean()),
        float(low),
        float(high),
        int((diff > 0).sum()),
        int((diff < 0).sum()),
        float(np.median(diff)),
        float(diff.std(ddof=1)) if diff.size > 1 else 0.0,
    )
