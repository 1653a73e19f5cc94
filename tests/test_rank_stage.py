"""The rank stage kept in the store: a stored ranking reads back exactly, holds until what it was
computed from changes, is ranked once however many ask at the same time, and feeds the brief."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from paperradar import brief
from paperradar.models import Item
from paperradar.pipeline.demo import SAMPLE_TOPICS
from paperradar.rank import RankResult, Weights, rank_day, stage
from paperradar.store import Store

DAY = "2026-03-27"


def counting(monkeypatch: pytest.MonkeyPatch, delay: float = 0.0) -> list[str]:
    """Make the stage's ``rank_day`` record each call (and take ``delay`` seconds longer)."""
    calls: list[str] = []

    def wrapped(store: Store, day: str | None = None, **kwargs: Any) -> RankResult:
        calls.append(str(day))
        time.sleep(delay)
        return rank_day(store, day, **kwargs)

    monkeypatch.setattr(stage, "rank_day", wrapped)
    return calls


def same(a: RankResult, b: RankResult) -> None:
    """Everything a reader of a ranking sees, compared exactly (scores bit for bit)."""
    assert [(r.paper, r.score, r.reasons, r.parts, r.buzz) for r in a.ranked] == [
        (r.paper, r.score, r.reasons, r.parts, r.buzz) for r in b.ranked
    ]
    assert (a.day, a.candidates, a.muted, a.profile) == (b.day, b.candidates, b.muted, b.profile)


def test_a_stored_ranking_reads_back_exactly(
    sample: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for topic in SAMPLE_TOPICS:
        sample.add_profile("topic", topic)
    author = sample.papers(day=DAY)[3].authors[0]
    sample.add_profile("author", author)  # a followed author: the page marks the name
    sample.add_profile("mute-keyword", "robot")
    calls = counting(monkeypatch)
    fresh = stage.ranked(sample, DAY)
    assert fresh.ranked_at is None and calls == [DAY]
    stored = stage.ranked(sample, DAY)
    assert calls == [DAY] and stored.ranked_at is not None  # read, not ranked again
    same(stored, fresh)
    same(stored, rank_day(sample, DAY))
    assert stored.muted > 0 and stored.profile.followed_author((author,))


def test_a_stored_ranking_holds_until_its_inputs_change(
    sample: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch)
    stage.ranked(sample, DAY)
    stage.ranked(sample, DAY)
    assert len(calls) == 1
    paper = sample.papers(day=DAY)[0]
    changes: list[Callable[[], object]] = [
        lambda: sample.add_profile("topic", "diffusion models for video"),
        lambda: sample.set_feedback(f"arxiv:{paper.arxiv_id}", "like", pk=paper.pk),
        lambda: sample.set_setting("popularity", "off"),
        lambda: sample.upsert(
            [Item(source="arxiv-rss", title="A late paper", arxiv_id="2603.99998", observed_on=DAY)]
        ),
    ]
    for n, change in enumerate(changes, 2):
        change()
        stage.ranked(sample, DAY)
        stage.ranked(sample, DAY)
        assert len(calls) == n, change
    # Other weights are an experiment: ranked, returned, and the reader's ranking kept.
    other = stage.ranked(sample, DAY, weights=Weights(popularity=0.0, recency=0.5))
    assert len(calls) == 6 and other.ranked_at is None
    assert stage.ranked(sample, DAY).ranked_at is not None and len(calls) == 6
    stage.ranked(sample, DAY, fresh=True)  # `radar rank`: ranks again, and stores it
    assert len(calls) == 7 and stage.ranked(sample, DAY).ranked_at is not None


def test_a_ranking_missing_a_paper_is_ranked_again(
    sample: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch)
    stage.ranked(sample, DAY)
    digest = stage.digest(sample, DAY)
    once = [p for p in sample.papers(day=DAY) if [o.observed_on for o in p.observations] == [DAY]]
    gone, stand_in = once[0].pk, once[1].pk
    # As when an ingest folds a paper into another, with the day's size unchanged: the stored
    # ranking loses the paper's row while its digest still matches.
    sample._db.execute("DELETE FROM papers WHERE pk = ?", (gone,))
    sample._db.execute("INSERT INTO observations VALUES (?, 'x', ?, '{}')", (stand_in, DAY))
    assert stage.digest(sample, DAY) == digest
    result = stage.ranked(sample, DAY)
    assert len(calls) == 2 and gone not in {r.paper.pk for r in result.ranked}


def test_two_threads_asking_for_an_unranked_day_rank_it_once(
    sample: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch, delay=0.5)
    home = sample.path.parent
    results: list[RankResult] = []
    errors: list[BaseException] = []

    def view() -> None:
        try:
            with Store.open(home) as store:  # one connection per thread, as the web app has
                results.append(stage.ranked(store, DAY))
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=view) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(results) == 3
    assert calls == [DAY]
    for other in results[1:]:
        same(other, results[0])


def test_the_briefing_reads_the_stored_ranking(
    sample: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for topic in SAMPLE_TOPICS:
        sample.add_profile("topic", topic)
    first = brief.build(sample, DAY, save=False)  # ranks the day and keeps the ranking
    calls = counting(monkeypatch)
    again = brief.build(sample, DAY, save=False)
    assert calls == [] and again.to_json() == first.to_json()
