"""Scoring one day's candidates for one reader, with the reasons behind every score.

The score is a weighted sum of parts, each standardised over the day's candidates so the weights
mean the same thing on a quiet day and a busy one:

- ``model``: a per-reader linear classifier (logistic regression over tf-idf rows joined with
  embeddings) trained on the reader's positives (likes, seeds, saves, followed authors' earlier
  papers, the topic texts themselves) against dislikes and a sample of papers the reader never
  picked. When only topics are known, the day's closest papers to them become extra positives
  (pseudo-relevance feedback), which teaches the model the vocabulary the topic text lacks.
- ``topic``: the best cosine similarity to a followed topic (tf-idf and embedding, averaged).
- ``author`` / ``category``: a followed author on the paper, a followed category.
- ``dislike``: closeness to a disliked paper, subtracted.
- ``people``: somebody the reader follows posted about the paper.
- ``popularity`` (HF upvotes, GitHub stars, buzz: distinct people posting about it, their
  likes and reposts) and ``recency``, both tunable.

Muted papers are dropped, must-include papers are pinned on top, and the head of the list is
re-ordered by maximal marginal relevance so near-duplicates do not crowd it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from paperradar.models import Buzz, Paper
from paperradar.profile import AuthorName, Profile
from paperradar.rank import signals
from paperradar.rank.features import Features, Idf, Matrix, cosine, text_rows
from paperradar.rank.linear import fit_logistic

Array = np.ndarray[Any, np.dtype[np.float64]]
Index = np.ndarray[Any, np.dtype[np.int64]]
PINNED = 100.0  # added to must-include papers so no other part can outrank them
MIN_BACKGROUND = 200  # fewer earlier papers than this: the day's papers join the negatives
NEAR_COPY = 0.8  # tf-idf cosine above which two papers count as near-copies


@dataclass(frozen=True)
class Weights:
    """How much each part counts; 0 switches a part off."""

    model: float = 1.0
    topic: float = 0.6
    author: float = 2.5
    people: float = 1.0  # a person the reader follows posted about it
    coauthor: float = 1.0  # shares authors with papers the reader liked
    category: float = 0.3
    dislike: float = 0.6
    popularity: float = 0.25
    recency: float = 0.1
    diversity: float = 0.5
    embedding: float = 0.2  # how much the embedding counts beside tf-idf (see README: eval)
    pseudo: int = 8  # pseudo-relevant papers taken from the day when only topics are known
    refine: int = 10  # the same from a first pass when the reader has liked papers, no topics
    negatives: int = 1500  # background papers sampled as the reader's "not picked"
    c: float = 1.0  # inverse regularisation of the per-reader classifier
    balance_topics: float = 0.5  # 1: topic similarity standardised per topic; 0: overall
    max_df: float = 0.1  # terms in more of the papers than this share carry no weight
    min_df: int = 2  # terms in fewer papers than this carry no weight

    def with_changes(self, **changes: Any) -> Weights:
        return replace(self, **changes)


@dataclass(frozen=True)
class Ranked:
    """One candidate with its score, the parts it is made of and the reasons in words."""

    paper: Paper
    score: float
    reasons: tuple[str, ...]
    parts: dict[str, float] = field(default_factory=dict, hash=False)
    buzz: Buzz | None = field(default=None, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.paper.id,
            "title": self.paper.title,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "parts": {k: round(v, 4) for k, v in self.parts.items()},
            "buzz": self.buzz.to_json() if self.buzz else None,
        }


@dataclass(frozen=True)
class Training:
    """Everything the scorer learns from, already featurised under the same idf."""

    liked: Features
    followed: Features
    disliked: Features
    background: Features
    idf: Idf
    topic_emb: np.ndarray[Any, np.dtype[np.float32]] | None = None


def score(
    candidates: Features,
    profile: Profile,
    training: Training,
    weights: Weights = Weights(),
    buzz: Mapping[int, Buzz] | None = None,
) -> list[Ranked]:
    """Rank ``candidates`` best first (muted papers left out); ``buzz`` is who has been
    talking about which paper (by paper key)."""
    papers = candidates.papers
    buzz = buzz or {}
    n = len(papers)
    if n == 0:
        return []
    parts: dict[str, Array] = {}
    reasons: list[list[str]] = [[] for _ in range(n)]

    topic_rows = text_rows(profile.topics, training.idf) if profile.topics else None
    per_topic = _topic_similarity(candidates, topic_rows, training, weights)
    topic_sim = per_topic.max(axis=1) if per_topic is not None else None
    best_topic = [int(b) for b in per_topic.argmax(axis=1)] if per_topic is not None else []
    liked_sim, nearest_liked = _nearest(candidates, training.liked)
    dislike_sim, nearest_disliked = _nearest(candidates, training.disliked)

    model = _model_scores(candidates, topic_rows, training, per_topic, weights)
    if model is not None:
        parts["model"] = weights.model * _standardise(model)
    if topic_sim is not None:
        parts["topic"] = weights.topic * _standardise(topic_sim)
    if dislike_sim is not None:
        # Only a clear resemblance sinks a paper (well above the day's typical closeness).
        parts["dislike"] = -weights.dislike * np.clip(_standardise(dislike_sim) - 1, 0, None)
    author = np.zeros(n)
    category = np.zeros(n)
    coauthor = np.zeros(n)
    liked_authors = {_author_key(a): p.id for p in training.liked.papers for a in p.authors[:20]}
    liked_authors.pop("", None)
    pinned = np.zeros(n)
    popularity = np.array([signals.popularity(p, buzz.get(p.pk)) for p in papers])
    people = signals.followed_mentions(papers, buzz, profile.people, reasons)
    keep = np.ones(n, dtype=bool)
    followed_categories = set(profile.categories)
    include = [(k, _keyword(k)) for k in profile.include]
    muted_words = [_keyword(k) for k in profile.mute_keywords]
    for i, paper in enumerate(papers):
        text = f"{paper.title}\n{paper.abstract}"
        if (
            profile.muted_author(paper.authors)
            or set(paper.categories) & set(profile.mute_categories)
            or any(w.search(text) for w in muted_words)
        ):
            keep[i] = False
            continue
        if who := profile.followed_author(paper.authors):
            author[i] = 1.0
            reasons[i].append(f"follows {who}")
        for word, pattern in include:
            if pattern.search(text):
                pinned[i] = PINNED
                reasons[i].append(f"must-include keyword '{word}'")
                break
        if cats := [c for c in paper.categories if c in followed_categories]:
            category[i] = 1.0
            reasons[i].append(f"in your category {cats[0]}")
        if weights.coauthor and liked_authors and not author[i]:
            shared = [
                a for a in paper.authors if liked_authors.get(_author_key(a), paper.id) != paper.id
            ]
            if shared:
                coauthor[i] = min(len(shared), 3) / 3
                source = liked_authors[_author_key(shared[0])]
                reasons[i].append(f"by {shared[0]}, an author of your liked {source}")
    if coauthor.any():
        parts["coauthor"] = weights.coauthor * coauthor
    if author.any():
        parts["author"] = weights.author * author
    if weights.people and people.any():
        parts["people"] = weights.people * people
    if category.any():
        parts["category"] = weights.category * category
    if weights.popularity and popularity.any():
        parts["popularity"] = weights.popularity * popularity * (1.0 if profile.empty else 0.6)
    if weights.recency:
        parts["recency"] = weights.recency * _recency(papers)

    total = np.sum(list(parts.values()), axis=0) if parts else np.zeros(n)
    total = total + pinned
    _explain(reasons, papers, parts, best_topic, profile, liked_sim, nearest_liked, training, buzz)
    _explain_dislikes(reasons, dislike_sim, nearest_disliked, training.disliked.papers)
    _explain_the_rest(reasons, parts, best_topic, profile)
    order = _diversify(total, candidates, keep, weights)
    return [
        Ranked(
            paper=papers[i],
            score=float(total[i]),
            reasons=tuple(reasons[i]),
            parts={name: float(values[i]) for name, values in parts.items()},
            buzz=buzz.get(papers[i].pk),
        )
        for i in order
    ]


# -- parts ------------------------------------------------------------------------------------


def _topic_similarity(
    candidates: Features, rows: Matrix | None, training: Training, weights: Weights
) -> Array | None:
    """Each candidate's similarity to each topic (candidates x topics)."""
    if rows is None:
        return None
    sim = cosine(candidates.tfidf, rows).astype(np.float64)
    emb = training.topic_emb
    if weights.embedding and emb is not None and emb.size and candidates.emb.shape[1]:
        # Cosines of a weak static model sit far higher than tf-idf ones; centring each
        # topic's column keeps the embedding from drowning the words.
        esim = (candidates.emb @ emb.T).astype(np.float64)
        esim = esim - esim.mean(axis=0, keepdims=True)
        sim = (1 - weights.embedding) * sim + weights.embedding * esim * _spread_ratio(sim, esim)
    if weights.balance_topics and sim.shape[1] > 1:
        # Standardise per topic: a broad topic ("video generation") has many close papers and
        # would otherwise fill the day while a narrow one ("speculative decoding") never shows.
        # Fully per-topic scores lift a narrow topic's weak matches too, so the two are blended.
        spread = sim.std(axis=0, keepdims=True)
        spread[spread == 0] = 1.0
        per_topic = (sim - sim.mean(axis=0, keepdims=True)) / spread
        overall = (sim - sim.mean()) / (sim.std() or 1.0)
        share = float(weights.balance_topics)
        sim = share * per_topic + (1 - share) * overall
    return sim


def _spread_ratio(a: Array, b: Array) -> float:
    sb = float(b.std())
    return float(a.std()) / sb if sb > 0 else 0.0


def _nearest(candidates: Features, others: Features) -> tuple[Array | None, list[int]]:
    """Each candidate's tf-idf cosine to its closest paper in ``others``, and which one."""
    if not len(others):
        return None, []
    sim = cosine(candidates.tfidf, others.tfidf).astype(np.float64)
    # A paper the reader gave feedback on is also a candidate; it must not match itself.
    own = (
        np.array([p.pk for p in candidates.papers])[:, None]
        == np.array([p.pk for p in others.papers])[None, :]
    )
    sim[own] = 0.0
    best = sim.argmax(axis=1)
    return sim.max(axis=1), [int(b) for b in best]


Block = tuple[Matrix, Any, float]


def _model_scores(
    candidates: Features,
    rows: Matrix | None,
    training: Training,
    per_topic: Array | None,
    weights: Weights,
) -> Array | None:
    positives: list[tuple[Matrix, Any, float]] = []
    if len(training.liked):
        positives.append((training.liked.tfidf, training.liked.emb, 1.0))
    if len(training.followed):
        positives.append((training.followed.tfidf, training.followed.emb, 0.5))
    topic_emb = training.topic_emb
    if rows is not None and (topic_emb is None or topic_emb.shape[0] != rows.shape[0]):
        topic_emb = np.zeros((rows.shape[0], candidates.emb.shape[1]), dtype=np.float32)
    if rows is None and not positives:
        return None
    negatives = [(training.background.tfidf, training.background.emb, 1.0)]
    if len(training.background) < MIN_BACKGROUND:
        # A young store has too few earlier papers to learn "not picked" from; the day's own
        # papers stand in, as arxiv-sanity-lite does with its whole database.
        negatives.append((candidates.tfidf, candidates.emb, 1.0))
    if len(training.disliked):
        negatives.append((training.disliked.tfidf, training.disliked.emb, 3.0))
    if rows is not None and topic_emb is not None and per_topic is not None:
        # One model for all topics: measured on the judged days, per-topic models ranked the
        # top 20 worse (nDCG@20 0.283 against 0.327) and took five times as long.
        positives.append((rows, topic_emb, 1.0))
        pseudo = _pseudo(per_topic, weights) if weights.pseudo else _NONE
        return _with_pseudo(positives, negatives, candidates, pseudo, weights)
    first = _fit_and_score(positives, negatives, candidates, weights)
    if not weights.refine:
        return first
    # Liked papers name only part of a field's vocabulary; the first pass's surest picks carry
    # more of it, so a second model learns from them too.
    top = np.argsort(-first, kind="stable")[: weights.refine].astype(np.int64)
    return _with_pseudo(positives, negatives, candidates, top, weights)


_NONE: Index = np.zeros(0, dtype=np.int64)


def _pseudo(per_topic: Array, weights: Weights) -> Index:
    """The day's closest papers to each topic (a fair share per topic, so one broad topic
    cannot take them all)."""
    share = max(2, -(-weights.pseudo // per_topic.shape[1]))
    picked: list[int] = []
    for column in per_topic.T:
        for i in np.argsort(-column, kind="stable")[:share]:
            if column[i] > 0 and int(i) not in picked:
                picked.append(int(i))
    return np.array(picked, dtype=np.int64)


def _with_pseudo(
    positives: list[Block],
    negatives: list[Block],
    candidates: Features,
    pseudo: Index,
    weights: Weights,
) -> Array:
    """Scores from a model that also learns from ``pseudo`` (day papers taken as relevant).

    A model scoring a paper it was trained on as a positive would put it on top whatever its
    merit, so the pseudo-relevant papers themselves keep the score of the model trained
    without them (on the same standardised scale)."""

    def block(index: Index) -> Block:
        return (candidates.tfidf[index], candidates.emb[index], 0.5)

    if not len(pseudo):
        return _fit_and_score(positives, negatives, candidates, weights)
    base = _standardise(_fit_and_score(positives, negatives, candidates, weights))
    out = _standardise(_fit_and_score([*positives, block(pseudo)], negatives, candidates, weights))
    out[pseudo] = base[pseudo]
    return out


def _fit_and_score(
    positives: list[Block], negatives: list[Block], candidates: Features, weights: Weights
) -> Array:
    import scipy.sparse as sp  # imported late: see features.py

    blocks = [*positives, *negatives]
    x = _join(
        sp.vstack([b[0] for b in blocks]).tocsr(),
        np.vstack([b[1] for b in blocks]),
        weights,
    )
    y = np.concatenate(
        [np.full(b[0].shape[0], int(k < len(positives))) for k, b in enumerate(blocks)]
    )
    w = np.concatenate([np.full(b[0].shape[0], b[2]) for b in blocks])
    pos_total = w[y == 1].sum()
    neg_total = w[y == 0].sum()
    w = np.where(y == 1, w * neg_total / max(pos_total, 1e-9), w)  # balance the classes
    w = w / w.mean()  # keeps the effective regularisation (and solver time) independent of n
    # Only the columns some training row uses can get a weight, and the solver's work grows with
    # the column count (2^19 hashed terms): given just those, it finds the same model in about
    # a third less time (bench/rank_speed.py's day).
    used = np.flatnonzero(np.bincount(x.indices, minlength=x.shape[1]))
    if not used.size:  # no training row has a feature (a tiny store, every term cut): no opinion
        return np.zeros(candidates.tfidf.shape[0])
    model = fit_logistic(x[:, used], y, w, c=weights.c)
    return model.decision(_join(candidates.tfidf, candidates.emb, weights)[:, used])


def _join(tfidf: Matrix, emb: Any, weights: Weights) -> Matrix:
    if not weights.embedding or emb is None or not emb.shape[1]:
        return tfidf
    import scipy.sparse as sp

    return sp.hstack([tfidf, sp.csr_matrix(emb * weights.embedding)]).tocsr()


def _recency(papers: Sequence[Paper]) -> Array:
    days = [p.announced or p.published or "" for p in papers]
    newest = max(days) if any(days) else ""
    if not newest:
        return np.zeros(len(papers))
    top = dt.date.fromisoformat(newest[:10])
    ages = [(top - dt.date.fromisoformat(d[:10])).days if d else 30 for d in days]
    return np.array([math.exp(-age / 7) for age in ages])


def _standardise(values: Array) -> Array:
    spread = float(values.std())
    if spread < 1e-12:
        return np.zeros_like(values)
    out: Array = (values - values.mean()) / spread
    return out


def _author_key(name: str) -> str:
    """Surname plus first initial: how one person is recognised across papers."""
    parsed = AuthorName.parse(name)
    return f"{parsed.surname} {parsed.given[0][0] if parsed.given else ''}".strip()


def _keyword(word: str) -> re.Pattern[str]:
    """A keyword as a whole word or phrase, plurals included, in any case."""
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?:s|es)?(?![\w])", re.IGNORECASE)


# -- reasons and diversity ----------------------------------------------------------------------


def _explain(
    reasons: list[list[str]],
    papers: Sequence[Paper],
    parts: dict[str, Array],
    best_topic: list[int],
    profile: Profile,
    liked_sim: Array | None,
    nearest_liked: list[int],
    training: Training,
    buzz: Mapping[int, Buzz],
) -> None:
    topic = parts.get("topic")
    model = parts.get("model")
    liked = training.liked.papers
    close = _standout(liked_sim) if liked_sim is not None else None
    own = {p.pk: "you liked it" for p in profile.liked}
    own.update({p.pk: "you saved it" for p in profile.saved})
    own.update({p.pk: "you disliked it" for p in profile.disliked})
    for i, paper in enumerate(papers):
        if paper.pk in own:
            reasons[i].insert(0, own[paper.pk])
        fits = model is not None and model[i] > 1.0
        if topic is not None and topic[i] > 1.0:
            reasons[i].append(f"matches topic '{_short(profile.topics[best_topic[i]])}'")
        elif fits and profile.topics:
            # The model, not the words, found it: it reads like what the topic's papers read.
            reasons[i].append(f"related to topic '{_short(profile.topics[best_topic[i]])}'")
        if close is not None and close[i] and nearest_liked[i] < len(liked):
            reasons[i].append(f"close to your liked {liked[nearest_liked[i]].id}")
        elif fits and len(liked) and not profile.topics:
            reasons[i].append("like the papers you liked")
        if fits and len(training.followed) and not reasons[i]:
            reasons[i].append("like your followed authors' papers")
        if "popularity" in parts:
            reasons[i].extend(signals.popularity_reasons(paper, buzz.get(paper.pk)))


def _explain_dislikes(
    reasons: list[list[str]],
    dislike_sim: Array | None,
    nearest: list[int],
    disliked: Sequence[Paper],
) -> None:
    if dislike_sim is None:
        return
    for i, stands_out in enumerate(_standout(dislike_sim)):
        if stands_out:
            reasons[i].append(f"resembles {disliked[nearest[i]].id}, which you disliked")


_PART_WORDS = {
    "model": "reads like the papers you follow and liked",
    "coauthor": "shares authors with papers you liked",
    "category": "in a category you follow",
    "popularity": "popular today",
    "recency": "new",
}


def _explain_the_rest(
    reasons: list[list[str]], parts: dict[str, Array], best_topic: list[int], profile: Profile
) -> None:
    """Name the strongest part for papers no specific reason covered, so none goes unexplained."""
    names = list(parts)
    if not names:
        return
    stacked = np.vstack([parts[name] for name in names])
    for i, found in enumerate(reasons):
        if found:
            continue
        name = names[int(np.argmax(stacked[:, i]))]
        if name == "topic" and best_topic:
            found.append(f"nearest to topic '{_short(profile.topics[best_topic[i]])}'")
        else:
            found.append(_PART_WORDS.get(name, "overall fit"))


def _standout(similarity: Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which candidates are clearly closer than the day's usual: two standard deviations above
    the mean and at least a faint absolute resemblance."""
    return (_standardise(similarity) >= 2.0) & (similarity >= 0.03)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _diversify(total: Array, candidates: Features, keep: Array, weights: Weights) -> list[int]:
    """Best first, with the head re-ordered by maximal marginal relevance."""
    order = [int(i) for i in np.argsort(-total, kind="stable") if keep[i]]
    head = order[:100]
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
    return [head[j] for j in chosen] + order[100:]


def _redundancy(similarity: float) -> float:
    # Sharing a field is fine; sharing the abstract is not: the penalty rises steeply past 0.5,
    # and a near-copy of a paper already shown waits until the head is full.
    near_copy = 1000.0 if similarity >= NEAR_COPY else 0.0
    return float(similarity + 4 * max(0.0, similarity - 0.5) + near_copy)
