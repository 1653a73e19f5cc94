"""Ranking a real day (the bundled sample) for a reader: rules, feedback, reasons, determinism."""

from __future__ import annotations

import re

from paperradar.enrich.embed import embed_papers
from paperradar.models import Item
from paperradar.rank import Weights, rank_day
from paperradar.rank.score import Ranked
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
    first, stats = embed_papers(sample, papers)
    assert stats.computed == 50 and first.shape == (50, 64)
    again, stats = embed_papers(sample, papers)
    assert stats.computed == 0 and stats.reused == 50
    assert (again == first).all()


_WORKER_SCRIPT = """
import os, sys
from pathlib import Path
from paperradar.enrich import embed
from paperradar.store import Store

class Crashing(embed.StaticBackend):
    name = "crashing"
    def encode(self, texts):
        if os.getpid() != PARENT:  # only the forked worker fails; the parent encodes fine
            raise RuntimeError("worker down")
        return super().encode(texts)

PARENT = os.getpid()
embed.BACKENDS["crashing"] = Crashing
embed.OVERLAP_FROM = 10
embed.SPLIT_FROM = 20  # the worker shares the 41 texts with a second one
with Store.open(Path(sys.argv[1])) as store:
    everyone = store.papers(day=sys.argv[2])
    papers, later = everyone[:40], everyone[40:70]

    # A spare worker, started before the texts are known, encodes them once they are.
    spare = embed.spare_encoder("static")
    pending = embed.start_embedding(store, later, ["video generation"], "static", spare)
    print("spare", "taken" if pending.job._worker == (spare._pid, spare._rows) else "unused")
    spared = pending.result()
    # With nothing left to encode a spare worker is stopped, and reaped.
    spare = embed.spare_encoder("static")
    pending = embed.start_embedding(store, later, ["video generation"], "static", spare)
    assert pending.job._worker is None and pending.result()[2].computed == 0
    try:
        os.kill(spare._pid, 0)
        raise AssertionError("the unused spare worker is still there")
    except ProcessLookupError:
        print("spare stopped")

    # A ranking that fails after starting a spare worker stops it too.
    from paperradar import rank
    started = []
    real_spare = embed.spare_encoder
    embed.spare_encoder = lambda model: started.append(real_spare(model)) or started[-1]

    def store_gone(*args, **kwargs):
        raise RuntimeError("store gone")

    rank._gather = store_gone
    try:
        rank.rank_day(store, sys.argv[2])
    except RuntimeError:
        pass
    assert len(started) == 1 and started[0] is not None
    try:
        os.kill(started[0]._pid, 0)
        raise AssertionError("the failed ranking's spare worker is still there")
    except ProcessLookupError:
        print("spare stopped on error")
    embed.spare_encoder = real_spare
    results = {}
    for model in ("static", "crashing"):
        pending = embed.start_embedding(store, papers, ["video generation"], model)
        forked = pending.job._worker is not None
        results[model] = pending.result()
        print(model, "forked" if forked else "inline")
    assert os.getpid() in embed._USED_IN  # the crashed worker's texts were encoded here

    def no_fork():
        raise OSError("fork refused")

    embed.BACKENDS["unforked"] = type("Unforked", (embed.StaticBackend,), {"name": "unforked"})
    embed._USED_IN.clear()  # safe: no child will run, the fork itself fails
    os.fork = no_fork
    pending = embed.start_embedding(store, papers, ["video generation"], "unforked")
    results["unforked"] = pending.result()
    print("unforked", "forked" if pending.job._worker is not None else "inline")
    inline = embed.StaticBackend().encode([embed.paper_text(p.title, p.abstract) for p in papers])
    inline_later = embed.StaticBackend().encode(
        [embed.paper_text(p.title, p.abstract) for p in later]
    )
    assert abs(spared[0] - inline_later).max() < 1e-6 and spared[2].computed == 30
    for model, (rows, topics, stats) in results.items():
        assert abs(rows - inline).max() < 1e-6 and stats.computed == 40, model
        assert topics.shape == (1, 64)
"""


def test_a_forked_worker_encodes_like_the_parent_and_a_failed_one_falls_back(
    sample: Store,
) -> None:
    # A fresh interpreter: the encoder's thread pool must not have started before the fork.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _WORKER_SCRIPT, str(sample.path.parent), DAY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:6] == [
        "spare taken",
        "spare stopped",
        "spare stopped on error",
        "static forked",
        "crashing forked",
        "unforked inline",
    ]


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
