"""``radar eval``: offline measurement of ranking quality on real labels.

Two tasks on the arXiv corpus and labels that ``eval.corpus`` loads from paths the caller names:

- *stated interests*: days judged by a real gpt_paper_assistant deployment (RELEVANCE 1 to 10,
  with the reader's interests that day as topics). Unlabelled papers of the listing count as
  relevance 0. Reported: nDCG@20 graded by relevance, precision@10 and ROC-AUC with
  RELEVANCE >= 7 as relevant.
- *a few liked papers*: the papers whose title names a method form a topic; its first five by
  listing date are the reader's liked seeds, and the ranker orders every paper listed after them.
  The method's name is removed from every title and abstract first, so only the content can find
  it. Reported: recall@50, recall@200, average precision. The topics (``eval.topics``) are
  18 hand-picked ones ("named") or, for a larger and unpicked set, every acronym or CamelCase
  name a fixed rule finds in the corpus's titles ("generated"), halved by a hash of the name into
  "dev" for tuning and "test" for reporting.

Rankers plug in through ``EvalRanker``; the product's ranker is ``RadarRanker`` (``eval.rankers``)
and the baselines (``eval.baselines``) implement the same protocol; ``eval.report`` pairs each
ranker with the best baseline. Nothing here runs in a daily command.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from paperradar.errors import UsageError
from paperradar.eval.corpus import LabelledDay, load_corpus, load_labelled_days
from paperradar.eval.metrics import average_precision, ndcg, precision_at, recall_at, roc_auc
from paperradar.eval.topics import SEEDS, TopicSet, check_topic_set, choose_topics, hide
from paperradar.models import Paper

Array = np.ndarray[Any, Any]
Progress = Callable[[str, int, int], None]
DayFilter = Callable[[Sequence[Paper], LabelledDay], bool]

HISTORY_DAYS = 10  # a judged day's reader history is sampled from this many listing days before


# -- rankers ----------------------------------------------------------------------------------


class EvalRanker(Protocol):
    """What a ranker must do to be measured. ``rows`` is whatever ``transform`` returned, with
    ``take`` applied by the harness through ``select``."""

    name: str
    baseline: bool  # one of the rankers ours is compared with (eval.report)

    def fit(self, papers: Sequence[Paper]) -> None: ...

    def transform(self, papers: Sequence[Paper]) -> Any: ...

    def select(self, rows: Any, index: Array) -> Any: ...

    def replace(self, rows: Any, index: Array, new: Any) -> Any: ...

    def stated(
        self,
        day: Any,
        day_papers: Sequence[Paper],
        topics: Sequence[str],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array: ...

    def liked(
        self,
        seeds: Any,
        seed_papers: Sequence[Paper],
        pool: Any,
        pool_papers: Sequence[Paper],
        history: Any,
        history_papers: Sequence[Paper],
    ) -> Array: ...


def replace_rows(rows: Any, index: Array, new: Any) -> Any:
    """``rows`` (sparse CSR or dense) with the rows at ``index`` replaced by ``new``, in order.

    Sparse rows are stacked and put back in order: assigning rows of a CSR matrix in place goes
    through LIL and takes minutes on the 74k-paper corpus."""
    index = np.asarray(index, dtype=np.int64)
    if isinstance(rows, np.ndarray):
        out = rows.copy()
        out[index] = new
        return out
    import scipy.sparse as sp

    n = rows.shape[0]
    keep = np.setdiff1d(np.arange(n), index)
    order = np.empty(n, dtype=np.int64)
    order[np.concatenate([keep, index])] = np.arange(n)
    return sp.vstack([rows[keep], new]).tocsr()[order]


# -- the two tasks ------------------------------------------------------------------------------


@dataclass
class Result:
    ranker: str
    task: str
    metrics: dict[str, float]
    units: int
    seconds: float
    per_unit: dict[str, list[float]] = field(default_factory=dict)  # metric -> value per unit
    baseline: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "ranker": self.ranker,
            "task": self.task,
            "baseline": self.baseline,
            "units": self.units,
            "seconds": round(self.seconds, 1),
            **{k: round(v, 4) for k, v in self.metrics.items()},
            "per_unit": {k: [round(x, 4) for x in v] for k, v in self.per_unit.items()},
        }


def stated_interests(
    ranker: EvalRanker,
    corpus: Sequence[Paper],
    rows: Any,
    days: Sequence[LabelledDay],
    *,
    history_size: int = 1500,
    progress: Progress | None = None,
) -> Result:
    start = time.perf_counter()
    index_by_day = _index_by_day(corpus)
    all_days = sorted(index_by_day)
    rng = np.random.default_rng(0)
    totals: dict[str, list[float]] = defaultdict(list)
    for n, labelled in enumerate(days):
        idx = index_by_day[labelled.day]
        day_papers = [corpus[i] for i in idx]
        before = history_days(all_days, labelled.day)
        pool = np.concatenate([index_by_day[d] for d in before]) if before else np.array([], int)
        hist = (
            np.sort(rng.choice(pool, min(history_size, len(pool)), replace=False))
            if len(pool)
            else pool
        )
        scores = ranker.stated(
            ranker.select(rows, idx),
            day_papers,
            labelled.topics,
            ranker.select(rows, hist),
            [corpus[i] for i in hist],
        )
        gains = np.array([labelled.relevance.get(p.arxiv_id or "", 0) for p in day_papers], float)
        relevant = gains >= 7
        totals["nDCG@20"].append(ndcg(scores, gains, 20))
        totals["P@10"].append(precision_at(scores, relevant, 10))
        auc = roc_auc(scores, relevant)
        if auc is not None:
            totals["ROC-AUC"].append(auc)
        if progress:
            progress(f"{ranker.name}: stated interests", n + 1, len(days))
    metrics = {k: float(np.mean(v)) for k, v in totals.items()}
    seconds = time.perf_counter() - start
    return Result(
        ranker.name, "stated interests", metrics, len(days), seconds, dict(totals), ranker.baseline
    )


def liked_papers(
    ranker: EvalRanker,
    corpus: Sequence[Paper],
    rows: Any,
    sets: Sequence[TopicSet],
    *,
    seeds: int = SEEDS,
    history_size: int = 1500,
    progress: Progress | None = None,
) -> Result:
    start = time.perf_counter()
    totals: dict[str, list[float]] = defaultdict(list)
    announced = np.array([p.announced or "" for p in corpus])
    for n, topic in enumerate(sets):
        affected = np.array(
            [
                i
                for i, p in enumerate(corpus)
                if topic.pattern.search(p.title) or topic.pattern.search(p.abstract)
            ],
            dtype=np.int64,
        )
        hidden = [hide(corpus[i], topic.pattern) for i in affected]
        view = ranker.replace(rows, affected, ranker.transform(hidden))
        papers = list(corpus)
        for i, paper in zip(affected, hidden, strict=True):
            papers[i] = paper
        seed_idx = np.array(topic.members[:seeds])
        cutoff = corpus[seed_idx[-1]].announced or ""
        pool = np.flatnonzero(announced > cutoff)
        earlier = np.setdiff1d(np.flatnonzero(announced <= cutoff), seed_idx)
        rng = np.random.default_rng(n)
        hist = np.sort(rng.choice(earlier, min(history_size, len(earlier)), replace=False))
        scores = ranker.liked(
            ranker.select(view, seed_idx),
            [papers[i] for i in seed_idx],
            ranker.select(view, pool),
            [papers[i] for i in pool],
            ranker.select(view, hist),
            [papers[i] for i in hist],
        )
        relevant = np.isin(pool, np.array(topic.members[seeds:]))
        totals["R@50"].append(recall_at(scores, relevant, 50))
        totals["R@200"].append(recall_at(scores, relevant, 200))
        totals["AP"].append(average_precision(scores, relevant))
        if progress:
            progress(f"{ranker.name}: liked papers", n + 1, len(sets))
    metrics = {k: float(np.mean(v)) for k, v in totals.items()}
    seconds = time.perf_counter() - start
    return Result(
        ranker.name, "liked papers", metrics, len(sets), seconds, dict(totals), ranker.baseline
    )


def history_days(all_days: Sequence[str], day: str) -> list[str]:
    """The listing days a judged day's history is sampled from: the ``HISTORY_DAYS`` before it."""
    return [d for d in all_days if d < day][-HISTORY_DAYS:]


def _index_by_day(corpus: Sequence[Paper]) -> dict[str, Array]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(corpus):
        groups[p.announced or ""].append(i)
    return {day: np.array(idx, dtype=np.int64) for day, idx in groups.items()}


def run(
    rankers: Sequence[EvalRanker],
    corpus_path: Path,
    relevance_dir: Path | None,
    *,
    tasks: Sequence[str] = ("stated", "liked"),
    max_days: int | None = None,
    max_topics: int | None = None,
    topics: str = "named",
    progress: Progress | None = None,
    keep_day: DayFilter | None = None,
) -> list[Result]:
    """Both tasks for every ranker on the same data; results in ranker order. The stated
    interests task needs ``relevance_dir``; the liked papers task only the corpus. ``keep_day``
    leaves judged days out (before ``max_days`` picks among them)."""
    check_topic_set(topics)  # before the corpus is loaded, not a minute after
    if "stated" in tasks and relevance_dir is None:
        raise UsageError("the stated-interests task needs a relevance labels folder")
    corpus = load_corpus(corpus_path)
    days = []
    if "stated" in tasks and relevance_dir is not None:
        days = load_labelled_days(relevance_dir, corpus)
        if keep_day is not None:
            days = [d for d in days if keep_day(corpus, d)]
    if "stated" in tasks and not days:
        raise UsageError(f"no labelled days under {relevance_dir} match the corpus")
    if max_days is not None and len(days) > max_days:
        # An even spread over readers and dates, not just the first days.
        step = len(days) / max_days
        days = [days[int(i * step)] for i in range(max_days)]
    sets = choose_topics(corpus, topics) if "liked" in tasks else []
    if "liked" in tasks and not sets:
        raise UsageError(f"the corpus has no {topics} liked-paper topics with enough papers")
    if max_topics is not None:
        sets = sets[:max_topics]
    results = []
    for ranker in rankers:
        if progress:
            progress(f"{ranker.name}: features", 0, 1)
        ranker.fit(corpus)
        rows = ranker.transform(corpus)
        if progress:
            progress(f"{ranker.name}: features", 1, 1)
        if "stated" in tasks:
            results.append(stated_interests(ranker, corpus, rows, days, progress=progress))
        if "liked" in tasks and sets:
            results.append(liked_papers(ranker, corpus, rows, sets, progress=progress))
    return results
