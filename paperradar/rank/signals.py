"""What the crowd says about a paper, as ranking signals: popularity and buzz.

Popularity is the day's public attention on a log scale: Hugging Face upvotes, GitHub stars, and
buzz, the distinct people who posted about the paper (with their likes and reposts counted far
below the people themselves, so one viral post does not outweigh five researchers). A mention by
somebody the reader follows is personal, not popularity, and scores as its own part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from paperradar.models import Buzz, Paper

SHOWN_PEOPLE = 3


def popularity(paper: Paper, buzz: Buzz | None = None) -> float:
    hf = paper.source_data("hf-daily")
    upvotes = float(hf.get("upvotes") or 0)
    stars = float(hf.get("github_stars") or 0)
    people = len(buzz.people) if buzz else 0
    reach = (buzz.likes + buzz.reposts) if buzz else 0
    # log scale: the 200-upvote paper should not be 40 times the 5-upvote one.
    raw = (
        math.log1p(upvotes)
        + 0.3 * math.log1p(stars)
        + 1.0 * math.log1p(people)
        + 0.2 * math.log1p(reach)
    )
    return raw / math.log1p(100)


def discussed_by(buzz: Buzz | None) -> str:
    """ "discussed by A, B, C and 4 others" (most-liked first), or "" when nobody did."""
    if not buzz or not buzz.people:
        return ""
    shown = list(buzz.people[:SHOWN_PEOPLE])
    rest = len(buzz.people) - len(shown)
    if rest > 0:
        return f"discussed by {', '.join(shown)} and {rest} other{'s' if rest > 1 else ''}"
    if len(shown) > 1:
        return f"discussed by {', '.join(shown[:-1])} and {shown[-1]}"
    return f"discussed by {shown[0]}"


def popularity_reasons(paper: Paper, buzz: Buzz | None = None) -> list[str]:
    """How popular a paper is, in words ("42 upvotes on HF", "discussed by …"); the briefing
    shows these apart from the reasons that concern the reader."""
    hf = paper.source_data("hf-daily")
    found = []
    if hf.get("upvotes"):
        found.append(f"{hf['upvotes']} upvotes on HF")
    if hf.get("github_stars"):
        found.append(f"{hf['github_stars']} GitHub stars")
    if line := discussed_by(buzz):
        found.append(line)
    return found


def followed_mentions(
    papers: Sequence[Paper],
    buzz: Mapping[int, Buzz],
    people: Sequence[str],
    reasons: list[list[str]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """1 for each paper a followed person posted about (and the reason why), else 0."""
    found = np.zeros(len(papers))
    if not people or not buzz:
        return found
    wanted = set(people)
    for i, paper in enumerate(papers):
        b = buzz.get(paper.pk)
        if b is None:
            continue
        names = [name for handle, name in zip(b.handles, b.people, strict=True) if handle in wanted]
        if names:
            found[i] = 1.0
            reasons[i].append(f"{names[0]}, whom you follow, posted about it")
    return found
