"""The records the scorer takes and gives: the weights of its parts, what it learns from
(``Training``), and each ranked candidate (``Ranked``). Kept apart from ``score.py`` so the
scorer's helpers (model, explain, diversity) and its callers share them without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from paperradar.models import Buzz, Paper
from paperradar.rank.features import Features, Idf


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
    # The embedding's share of the topic similarity (the words' is the rest; 0 switches the
    # embedding off everywhere); None: the backend's own (``rank.backend_weights``).
    embedding: float | None = None
    # The scale of the embedding's columns beside the unit tf-idf row in the classifier (the
    # value it had before MiniLM). Scaled with the topic share (0.8) instead, the embedding
    # took the classifier over and liked-paper AP fell from tf-idf's 0.164 to 0.125.
    model_embedding: float = 0.2
    # A topic match needs this embedding cosine (the backend's when None); below it a paper is
    # not "for you" unless a rule (author, keyword, person, liked paper) says it is.
    floor: float | None = None
    pseudo: int = 8  # pseudo-relevant papers taken from the day when only topics are known
    refine: int = 10  # the same from a first pass when the reader has liked papers, no topics
    negatives: int = 1500  # background papers sampled as the reader's "not picked"
    c: float = 1.0  # inverse regularisation of the per-reader classifier
    balance_topics: float = 0.5  # 1: topic similarity standardised per topic; 0: overall
    topic_max: float = 0.0  # across topics: 1 the best topic's score, 0 all topics together
    feedback: int = 5  # the day's closest papers a topic's vector moves toward (Rocchio)
    feedback_weight: float = 0.5  # how far it moves: the usual setting for dense feedback
    max_df: float = 0.1  # terms in more of the papers than this share carry no weight
    min_df: int = 2  # terms in fewer papers than this carry no weight

    def with_changes(self, **changes: Any) -> Weights:
        return replace(self, **changes)

    @property
    def semantic(self) -> float:
        """The embedding's share, 0.0 while unresolved."""
        return self.embedding or 0.0


@dataclass(frozen=True)
class Ranked:
    """One candidate with its score, the parts it is made of and the reasons in words."""

    paper: Paper
    score: float
    reasons: tuple[str, ...]
    parts: dict[str, float] = field(default_factory=dict, hash=False)
    buzz: Buzz | None = field(default=None, hash=False)
    close: bool = True  # above the relevance floor (or kept by a rule): "for you"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.paper.id,
            "title": self.paper.title,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "parts": {k: round(v, 4) for k, v in self.parts.items()},
            "buzz": self.buzz.to_json() if self.buzz else None,
            "close": self.close,
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
