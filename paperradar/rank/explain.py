"""The reasons behind a ranking, in words: which topic a paper matches, which liked paper it is
close to, which disliked one it resembles, and for a paper no rule explains, its strongest part.

Every function here only appends to the per-paper lists of reasons ``score.score`` keeps; none
changes a score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from paperradar.models import Buzz, Paper
from paperradar.profile import Profile
from paperradar.rank import signals
from paperradar.rank.features import standardise
from paperradar.rank.records import Training

Array = np.ndarray[Any, np.dtype[np.float64]]
Bool = np.ndarray[Any, np.dtype[np.bool_]]


def matches(
    reasons: list[list[str]],
    papers: Sequence[Paper],
    parts: dict[str, Array],
    best_topic: list[int],
    profile: Profile,
    liked_match: tuple[Array | None, list[int]],
    training: Training,
    buzz: Mapping[int, Buzz],
    on_topic: Bool | None = None,
) -> None:
    """Reasons from closeness: the topic a paper matches (only above the relevance floor, when
    there is one), the liked paper it is close to, what the model found."""
    liked_sim, nearest_liked = liked_match
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
        if on_topic is not None and not on_topic[i]:
            fits = fits and not profile.topics  # a weak match is no reason to name a topic
        elif topic is not None and topic[i] > 1.0:
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


def dislikes(
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


def the_rest(
    reasons: list[list[str]],
    parts: dict[str, Array],
    best_topic: list[int],
    profile: Profile,
    on_topic: Bool | None = None,
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
        if on_topic is not None and not on_topic[i] and profile.topics:
            found.append("not close to your topics")
        elif name == "topic" and best_topic:
            found.append(f"nearest to topic '{_short(profile.topics[best_topic[i]])}'")
        else:
            found.append(_PART_WORDS.get(name, "overall fit"))


def _standout(similarity: Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which candidates are clearly closer than the day's usual: two standard deviations above
    the mean and at least a faint absolute resemblance."""
    return (standardise(similarity) >= 2.0) & (similarity >= 0.03)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
