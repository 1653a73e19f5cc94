"""``radar eval`` and its metrics on a small labelled slice of the real corpus (tests/data/eval)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import DATA
from paperradar import evaluate
from test_cli import radar

EVAL = DATA / "eval"


def test_metrics_on_known_orders() -> None:
    scores = np.array([4.0, 3.0, 2.0, 1.0])
    relevant = np.array([True, False, True, False])
    assert evaluate.precision_at(scores, relevant, 2) == 0.5
    assert evaluate.recall_at(scores, relevant, 3) == 1.0
    assert evaluate.average_precision(scores, relevant) == pytest.approx((1 + 2 / 3) / 2)
    assert evaluate.roc_auc(scores, relevant) == pytest.approx(0.75)
    assert evaluate.roc_auc(np.ones(4), relevant) == pytest.approx(0.5)  # ties count half
    gains = np.array([0.0, 0.0, 0.0, 9.0])
    assert evaluate.ndcg(-scores, gains, 2) == 1.0
    assert evaluate.ndcg(scores, gains, 2) == 0.0


def test_split_interests_keeps_topics_and_drops_not_relevant() -> None:
    text = (
        "Joint generation and segmentation\n\nRelevant: models that output pixels and masks.\n\n"
        "Not relevant: segmentation alone.\n\nVideo diffusion\n\nRelevant: diffusion for video."
    )
    assert evaluate.split_interests(text) == [
        "Joint generation and segmentation. models that output pixels and masks",
        "Video diffusion. diffusion for video",
    ]
    numbered = " 1. Spatial intelligence;\n 2. New multimodal LLMs\n\n In suggesting papers, he "
    topics = evaluate.split_interests(numbered + "likes vision. " * 12)
    assert topics[:2] == ["Spatial intelligence;", "New multimodal LLMs"] and len(topics) == 3


def test_labelled_days_map_to_listing_days() -> None:
    corpus = evaluate.load_corpus(EVAL / "corpus.jsonl.gz")
    days = evaluate.load_labelled_days(EVAL / "relevance", corpus)
    assert [d.day for d in days] == ["2025-05-05", "2025-09-04"]
    assert all(d.relevance and max(d.relevance.values()) >= 7 for d in days)
    sets = evaluate.topic_sets(corpus)
    # the 30 LoRA papers kept for this task, plus one on a judged day whose title names LoRA
    assert [s.name for s in sets] == ["LoRA"] and len(sets[0].members) == 31
    hidden = evaluate.hide(corpus[sets[0].members[0]], sets[0].pattern)
    assert "LoRA" not in hidden.title + hidden.abstract


def test_radar_eval_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = radar(
        capsys,
        "eval",
        "--corpus",
        str(EVAL / "corpus.jsonl.gz"),
        "--relevance",
        str(EVAL / "relevance"),
        "--json",
    )
    assert code == 0
    results = {r["task"]: r for r in json.loads(out)}
    stated, liked = results["stated interests"], results["liked papers"]
    assert stated["units"] == 2 and liked["units"] == 1
    assert 0 <= stated["nDCG@20"] <= 1 and 0 <= stated["P@10"] <= 1
    # Well above chance on both tasks: a random order has ROC-AUC 0.5; in the liked task 26
    # later LoRA papers hide among 341, so chance is R@50 = 50/341 = 0.15 and AP about 0.08.
    assert stated["ROC-AUC"] > 0.65
    assert liked["R@50"] > 0.3 and liked["AP"] > 0.2

    code, out, _ = radar(
        capsys, "eval", "--corpus", str(EVAL / "corpus.jsonl.gz"), "--task", "liked"
    )
    assert code == 0 and "liked papers (1 topics)" in out and "stated" not in out


def test_radar_eval_missing_corpus_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = radar(capsys, "eval", "--corpus", "/nonexistent.jsonl.gz")
    assert code == 2 and "corpus not found" in err
