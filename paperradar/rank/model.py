"""The per-reader classifier behind the ranking's ``model`` part.

A logistic regression over tf-idf rows joined with embeddings, trained on the reader's positives
(likes, seeds, saves, followed authors' earlier papers, the topic texts themselves) against
dislikes and a sample of papers the reader never picked. When only topics are known, the day's
closest papers to them become extra positives (pseudo-relevance feedback), which teaches the
model the vocabulary the topic text lacks; with liked papers and no topics, the first pass's
surest picks do the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paperradar.rank.features import Features, Matrix, standardise
from paperradar.rank.linear import fit_logistic
from paperradar.rank.records import Training, Weights

Array = np.ndarray[Any, np.dtype[np.float64]]
Index = np.ndarray[Any, np.dtype[np.int64]]
MIN_BACKGROUND = 200  # fewer earlier papers than this: the day's papers join the negatives


Block = tuple[Matrix, Any, float]


def model_scores(
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
    if not positives and training.topic_emb is not None and weights.semantic >= 0.5:
        # Topics alone and a real sentence encoder: a classifier learning from the topic text
        # and its own pseudo-relevant picks only adds noise to what the topic part measures.
        # On the labelled days it cost 0.055 nDCG@20 and 0.03 ROC-AUC against the topic part
        # alone (120 days, both readers); with words only it still helps, as before.
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
        # Beside a real sentence encoder the topic part already takes its feedback round
        # (Rocchio); the classifier's own pseudo-positives only added noise there.
        use_pseudo = weights.pseudo and weights.semantic < 0.5
        pseudo = _pseudo(per_topic, weights) if use_pseudo else _NONE
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
    base = standardise(_fit_and_score(positives, negatives, candidates, weights))
    out = standardise(_fit_and_score([*positives, block(pseudo)], negatives, candidates, weights))
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
    if not weights.semantic or emb is None or not emb.shape[1]:
        return tfidf
    import scipy.sparse as sp

    return sp.hstack([tfidf, sp.csr_matrix(emb * weights.model_embedding)]).tocsr()
