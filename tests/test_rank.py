"""Ranking a real day (the bundled sample) for a reader: rules, feedback, reasons, determinism."""

from __future__ import annotations

import re

from paperradar.enrich.embed import embed_papers
from paperradar.models import Item
from paperradar.rank import Weights, rank_day
from paperradar.rank.records import Ranked
from paperradar.store import Store

DAY = "2026-03-27"


def ids(ranked: list[Ranked]) -> list[str]:
    return [r.paper.id for r in ranked]


def mean_position(ranked: list[Ranked], word: str) -> float:
    spots = [n for n, r in enumerate(ranked) if word in (r.paper.title + r.paper.abstract).lower()]
    assert spots, f"no paper about {word!r} on {DAY}"
    return sum(spots) / len(spots)


def like_earlier(store: Store, word: str, kind: str, n: int = 6) -> None:
    found = [p for p, _ in store.search(word, limit=200) if (p.announced or "") < DAY][:n]
    assert len(found) == n
    for paper in found:
        store.set_feedback(f"arxiv:{paper.arxiv_id}", kind, pk=paper.pk, label=paper.title)


def test_empty_profile_ranks_by_popularity_and_is_deterministic(sample: Store) -> None:
    first = rank_day(sample, DAY)
    assert first.profile.empty and first.candidates == len(first.ranked) > 200
    top = first.ranked[0]
    assert any("upvotes on HF" in reason for reason in top.reasons)
    upvotes = [r.paper.source_data("hf-daily").get("upvotes") or 0 for r in first.ranked]
    assert sum(upvotes[:10]) > sum(upvotes[-10:])
    assert ids(rank_day(sample, DAY).ranked) == ids(first.ranked)
    assert all(r.reasons for r in first.ranked)  # every score says why


def test_like_lifts_and_dislike_sinks_a_theme(sample: Store) -> None:
    before = mean_position(rank_day(sample, DAY).ranked, "robot")
    like_earlier(sample, "robot", "like")
    liked = rank_day(sample, DAY).ranked
    assert mean_position(liked, "robot") < before / 3
    assert any(reason.startswith("close to your liked") for r in liked[:10] for reason in r.reasons)

    sample.reset_profile()
    sample.add_profile(
        "topic", "robot manipulation and embodied agents with vision-language models"
    )
    neutral = mean_position(rank_day(sample, DAY).ranked, "robot")
    like_earlier(sample, "robot", "dislike")
    disliked = rank_day(sample, DAY).ranked
    assert mean_position(disliked, "robot") > neutral + 20
    # Undoing the dislikes restores the neutral order exactly.
    for entry in sample.feedback():
        sample.remove_feedback(entry.ref, ["dislike"])
    assert mean_position(rank_day(sample, DAY).ranked, "robot") == neutral


def test_followed_author_and_topic_give_reasons(sample: Store) -> None:
    target = rank_day(sample, DAY).ranked[-1].paper  # the least popular paper of the day
    author = target.authors[0]
    sample.add_profile("author", author)
    ranked = rank_day(sample, DAY).ranked
    position = ids(ranked).index(target.id)
    assert position < 15
    assert f"follows {author}" in ranked[position].reasons
    sample.add_profile("topic", "video generation")
    ranked = rank_day(sample, DAY).ranked
    assert any("matches topic 'video generation'" in r.reasons for r in ranked[:5])
    assert all(r.reasons for r in ranked)


def test_mute_and_must_include_rules(sample: Store) -> None:
    ranked = rank_day(sample, DAY).ranked
    muted = ranked[0].paper.authors[0]
    sample.add_profile("mute-author", muted)
    sample.add_profile("topic", "large language model reasoning")
    after = rank_day(sample, DAY)
    assert after.muted >= 1
    assert all(muted not in r.paper.authors for r in after.ranked)

    last = after.ranked[-1].paper
    word = max(last.title.split(), key=len).strip(":,.")
    sample.add_profile("include", word)
    pinned = rank_day(sample, DAY).ranked
    flags = [f"must-include keyword '{word}'" in r.reasons for r in pinned]
    count = sum(flags)
    assert count >= 1 and all(flags[:count]) and not any(flags[count:])  # pinned on top
    assert last.id in ids(pinned[:count])

    sample.add_profile("mute-keyword", "language")
    quiet = rank_day(sample, DAY).ranked
    word_re = re.compile(r"(?<![\w-])languages?(?!\w)", re.IGNORECASE)
    assert quiet and all(not word_re.search(r.paper.title + r.paper.abstract) for r in quiet)


def test_head_of_the_list_is_not_five_near_duplicates(sample: Store) -> None:
    original = sample.search("video generation diffusion", limit=1)[0][0]
    sample.upsert(
        Item(
            source="arxiv",
            title=f"{original.title} (variant {n})",
            abstract=f"{original.abstract} Variant {n} of the method.",
            authors=original.authors,
            arxiv_id=f"2603.9999{n}",
            announced=DAY,
            observed_on=DAY,
        )
        for n in range(5)
    )
    sample.add_profile("topic", "video generation with diffusion models")
    sample.add_profile("topic", original.title)
    head = ids(rank_day(sample, DAY).ranked[:5])
    copies = [i for i in head if i.startswith("2603.9999")]
    assert 1 <= len(copies) <= 2, head
    without = rank_day(sample, DAY, weights=Weights(diversity=0)).ranked[:5]
    assert sum(i.startswith("2603.9999") for i in ids(without)) >= 4  # what MMR prevents


def test_embeddings_are_stored_once_per_paper_and_model(sample: Store) -> None:
    papers = sample.papers(day=DAY)[:50]
    first, stats = embed_papers(sample, papers, "static")
    assert stats.computed == 50 and first.shape == (50, 64)
    again, stats = embed_papers(sample, papers, "static")
    assert stats.computed == 0 and stats.reused == 50
    assert (again == first).all()


def test_classifier_with_no_features_to_learn_from_has_no_opinion() -> None:
    """Every term cut (a tiny store) and no embedding: no column is left for the classifier, so
    it scores every candidate alike instead of failing (the solver only sees used columns)."""
    import numpy as np
    import scipy.sparse as sp

    from paperradar.rank.features import Features
    from paperradar.rank.score import _fit_and_score

    def block(rows: int) -> tuple[object, np.ndarray, float]:
        return sp.csr_matrix((rows, 2**19), dtype=np.float32), np.zeros((rows, 0)), 1.0

    empty = Features([], sp.csr_matrix((3, 2**19), dtype=np.float32), np.zeros((3, 0)))
    scores = _fit_and_score([block(2)], [block(5)], empty, Weights(embedding=0.0))
    assert scores.tolist() == [0.0, 0.0, 0.0]


def test_a_common_name_alone_is_no_coauthor_reason() -> None:
    """ "Bo Wang" on a liked paper and on a candidate is likely two people; a second shared
    author, or a distinctive name, makes it a reason; an initial never matches a full name."""
    from paperradar.models import Paper
    from paperradar.profile import Profile
    from paperradar.rank import rank_papers

    liked = Paper.of(1, "A liked paper", "about things", authors=("Bo Wang", "Xiaomeng Zhao"))
    candidates = [
        Paper.of(2, "Only a common name", "text", authors=("Bo Wang", "Someone Else")),
        Paper.of(3, "A distinctive name", "text", authors=("Xiaomeng Zhao",)),
        Paper.of(4, "Both names", "text", authors=("Bo Wang", "Xiaomeng Zhao")),
        Paper.of(5, "An initial", "text", authors=("X. Zhao",)),
    ]
    ranked = rank_papers(candidates, Profile(liked=(liked,)), embedding="none")
    coauthor = {r.paper.pk: r.parts.get("coauthor", 0.0) for r in ranked}
    reasons = {r.paper.pk: " ".join(r.reasons) for r in ranked}
    assert coauthor[2] == 0.0 and "an author of your liked" not in reasons[2]
    assert coauthor[3] > 0 and "by Xiaomeng Zhao, an author of your liked" in reasons[3]
    assert coauthor[4] > coauthor[3]
    assert coauthor[5] == 0.0
