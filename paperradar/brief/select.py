"""Which of the day's ranked papers the briefing features and which it only notes.

The ranking already orders by relevance and spreads near-duplicates apart; selection adds the
briefing's own constraints: a featured paper needs an abstract long enough to retell, and no
theme may take more than two featured or three noted places while other themes wait, so the
briefing covers the reader's range rather than one busy corner of it. The counts grow with the
day: a quiet listing gets 3 featured and 5 noted, a 1,000-paper day 5 and 10.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperradar.brief.extract import label
from paperradar.brief.tags import tag_of
from paperradar.rank import Ranked

MIN_ABSTRACT = 300  # characters; shorter abstracts cannot carry problem, idea and result
FEATURED_PER_TAG = 2
NOTED_PER_TAG = 3


@dataclass(frozen=True)
class Pick:
    ranked: Ranked
    tag: str
    name: str

    @property
    def id(self) -> str:
        return self.ranked.paper.id


@dataclass(frozen=True)
class Selection:
    featured: tuple[Pick, ...]
    noted: tuple[Pick, ...]


def default_counts(candidates: int) -> tuple[int, int]:
    if candidates < 60:
        return 3, 5
    if candidates < 400:
        return 4, 8
    return 5, 10


def select(
    ranked: list[Ranked], featured: int | None = None, noted: int | None = None
) -> Selection:
    """Pick ``featured`` (3 to 5) and ``noted`` (5 to 12) papers in ranking order, spread
    over tags, from those above the relevance floor only: on a day with nothing close to the
    reader's interests the briefing features nothing rather than the least bad."""
    want_f, want_n = default_counts(len(ranked))
    want_f = min(max(featured or want_f, 3), 5)
    want_n = min(max(noted or want_n, 5), 12)
    close = [r for r in ranked if r.close][:200]
    picks = [Pick(r, tag_of(r.paper), label(r.paper.title, r.paper.abstract)) for r in close]
    chosen = _spread(
        [p for p in picks if len(p.ranked.paper.abstract) >= MIN_ABSTRACT][: want_f * 4],
        want_f,
        FEATURED_PER_TAG,
    )
    taken = {p.id for p in chosen}
    rest = [p for p in picks if p.id not in taken]
    noted_picks = _spread(rest[: want_n * 4], want_n, NOTED_PER_TAG)
    return Selection(tuple(chosen), tuple(noted_picks))


def _spread(pool: list[Pick], want: int, per_tag: int) -> list[Pick]:
    """Take from ``pool`` in order, skipping a tag that is full; top up in order if short."""
    chosen: list[Pick] = []
    used: dict[str, int] = {}
    for pick in pool:
        if len(chosen) == want:
            break
        if used.get(pick.tag, 0) < per_tag:
            chosen.append(pick)
            used[pick.tag] = used.get(pick.tag, 0) + 1
    for pick in pool:
        if len(chosen) == want:
            break
        if pick not in chosen:
            chosen.append(pick)
    order = {p.id: i for i, p in enumerate(pool)}
    return sorted(chosen, key=lambda p: order[p.id])
