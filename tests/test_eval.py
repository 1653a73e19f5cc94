"""``radar eval`` and its metrics on a small labelled slice of the real corpus (tests/data/eval),
always passed explicitly: nothing here reads the full labelled data beside the checkout."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA
from paperradar.eval import evaluate, metrics, topics
from paperradar.eval.corpus import load_corpus, load_labelled_days, split_interests
from test_cli import radar

EVAL = DATA / "eval"


def test_metrics_on_known_orders() -> None:
    scores = np.array([4.0, 3.0, 2.0, 1.0])
    relevant = np.array([True, False, True, False])
    assert metrics.precision_at(scores, relevant, 2) == 0.5
    assert metrics.recall_at(scores, relevant, 3) == 1.0
    assert metrics.average_precision(scores, relevant) == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.roc_auc(scores, relevant) == pytest.approx(0.75)
    assert metrics.roc_auc(np.ones(4), relevant) == pytest.approx(0.5)  # ties count half
    gains = np.array([0.0, 0.0, 0.0, 9.0])
    assert metrics.ndcg(-scores, gains, 2) == 1.0
    assert metrics.ndcg(scores, gains, 2) == 0.0


def test_paired_difference_tells_a_steady_gain_from_noise() -> None:
    base = [0.1, 0.4, 0.2, 0.7, 0.3, 0.5]
    steady = metrics.paired_difference([b + 0.05 for b in base], base)
    assert steady.mean == pytest.approx(0.05) and steady.significant
    assert (steady.wins, steady.losses) == (6, 0)
    noise = metrics.paired_difference([0.3, 0.1, 0.6, 0.2, 0.4, 0.5], base)
    assert noise.low < 0 < noise.high and not noise.significant
    assert (noise.wins, noise.losses) == (3, 2)  # and one tie
    assert str(steady).startswith("+0.050 [+0.050, +0.050]")


def test_table_compares_the_first_ranker_with_the_others() -> None:
    ours = evaluate.Result("ours", "liked papers", {"AP": 0.5}, 3, 1.0, {"AP": [0.4, 0.5, 0.6]})
    theirs = evaluate.Result("theirs", "liked papers", {"AP": 0.4}, 3, 1.0, {"AP": [0.3, 0.4, 0.5]})
    text = evaluate.table([ours, theirs])
    assert "ours minus theirs" in text and "AP       +0.100 [+0.100, +0.100] (3:0)" in text


def test_generated_topics_follow_a_fixed_rule() -> None:
    corpus = load_corpus(EVAL / "corpus.jsonl.gz")
    # The slice's LoRA papers span four months; the rule's defaults ask for six.
    assert "LoRA" not in [name for name, _, _ in topics.generated_topics(corpus)]
    found = topics.generated_topics(corpus, min_months=4)
    assert [name for name, _, _ in found] == ["LoRA"]

    paper = corpus[0]
    months = [f"2025-{m:02d}-01" for m in range(1, 13)]
    vlm = [  # plurals fold into the singular; every "VLA" title also names VLM
        replace(
            paper, title=f"{'VLMs' if i % 2 else 'A VLM and VLA'} {i}", announced=months[i % 12]
        )
        for i in range(24)
    ]
    burst = [replace(paper, title=f"QXZ trick {i}", announced=months[0]) for i in range(24)]
    rare = [replace(paper, title=f"MiniGo {i}", announced=months[i]) for i in range(8)]
    found = topics.generated_topics(vlm + burst + rare, min_titles=12, overlap=1.0)
    assert [name for name, _, _ in found] == ["VLM", "VLA"]
    found = topics.generated_topics(vlm + burst + rare, min_titles=12)
    assert [name for name, _, _ in found] == ["VLM"]  # VLA's titles are all VLM's: left out
    sets = topics.topic_sets(vlm, found)
    assert len(sets[0].members) == 24
    # the eval builds them from the titles the rule found, without scanning again: same sets
    chosen = topics.choose_topics(vlm + burst + rare, "generated")
    scanned = topics.topic_sets(vlm + burst + rare, topics.generated_topics(vlm + burst + rare))
    assert [(t.name, t.members) for t in chosen] == [(t.name, t.members) for t in scanned]
    assert [t.name for t in chosen] == ["VLM"]
    pattern = sets[0].pattern
    # hidden wherever a tokenizer would find it, "AI-VLM" included: a leak would favour rankers
    # whose tokenizer splits on hyphens
    assert pattern.search("two VLMs") and pattern.search("VLM-based") and pattern.search("AI-VLM")
    assert not pattern.search("LVLM") and not pattern.search("VLMo") and not pattern.search("vlm")
    assert {topics.split_of(n) for n in ("VLM", "VLA", "LoRA", "CLIP", "GRPO")} == {"dev", "test"}


def test_split_interests_keeps_topics_and_drops_not_relevant() -> None:
    text = (
        "Joint generation and segmentation\n\nRelevant: models that output pixels and masks.\n\n"
        "Not relevant: segmentation alone.\n\nVideo diffusion\n\nRelevant: diffusion for video."
    )
    assert split_interests(text) == [
        "Joint generation and segmentation. models that output pixels and masks",
        "Video diffusion. diffusion for video",
    ]
    numbered = " 1. Spatial intelligence;\n 2. New multimodal LLMs\n\n In suggesting papers, he "
    parts = split_interests(numbered + "likes vision. " * 12)
    assert parts[:2] == ["Spatial intelligence;", "New multimodal LLMs"] and len(parts) == 3
    tight = "4. Agents that plan\n5.Integration of tools into LLMs\n6. Runs 3.5 times faster"
    assert split_interests(tight) == [
        "Agents that plan",
        "Integration of tools into LLMs",
        "Runs 3.5 times faster",
    ]


def test_labelled_days_map_to_listing_days() -> None:
    corpus = load_corpus(EVAL / "corpus.jsonl.gz")
    days = load_labelled_days(EVAL / "relevance", corpus)
    assert [d.day for d in days] == ["2025-05-05", "2025-09-04"]
    assert all(d.relevance and max(d.relevance.values()) >= 7 for d in days)
    sets = topics.topic_sets(corpus)
    # the 30 LoRA papers kept for this task, plus one on a judged day whose title names LoRA
    assert [s.name for s in sets] == ["LoRA"] and len(sets[0].members) == 31
    hidden = topics.hide(corpus[sets[0].members[0]], sets[0].pattern)
    assert "LoRA" not in hidden.title + hidden.abstract


def test_radar_eval_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = radar(capsys, "eval", "--data", str(EVAL), "--json")
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


def test_radar_eval_without_its_data_says_how_to_point_at_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("RADAR_EVAL_DATA", "RADAR_EVAL_CORPUS", "RADAR_EVAL_RELEVANCE"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = radar(capsys, "eval")
    err = " ".join(err.split())
    assert code == 2 and "radar eval needs labelled data, which is not shipped" in err
    assert "--data DIR" in err and "RADAR_EVAL_DATA=DIR" in err and "../shared/data" in err
    code, _, err = radar(capsys, "eval", "--corpus", str(EVAL / "corpus.jsonl.gz"))
    assert code == 2 and "the stated-interests task needs relevance labels" in err
    monkeypatch.setenv("RADAR_EVAL_DATA", str(tmp_path))  # an empty folder
    code, _, err = radar(capsys, "eval")
    assert code == 2 and f"no corpus in {tmp_path}" in " ".join(err.split())
    (tmp_path / "corpus.jsonl.gz").write_bytes((EVAL / "corpus.jsonl.gz").read_bytes())
    code, _, err = radar(capsys, "eval")
    assert code == 2 and f"no relevance/ folder in {tmp_path}" in " ".join(err.split())


def test_radar_eval_missing_corpus_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = radar(capsys, "eval", "--corpus", "/nonexistent.jsonl.gz", "--task", "liked")
    assert code == 2 and "corpus not found" in err
    code, _, err = radar(
        capsys,
        "eval",
        "--corpus",
        str(EVAL / "corpus.jsonl.gz"),
        "--relevance",
        str(EVAL / "relevance"),
        "--topic-set",
        "sometimes",
    )
    assert code == 2 and "use one of named, generated, dev, test" in err
    # the slice's LoRA papers span four months, fewer than a generated topic needs
    code, _, err = radar(
        capsys,
        "eval",
        "--corpus",
        str(EVAL / "corpus.jsonl.gz"),
        "--topic-set",
        "generated",
        "--task",
        "liked",
    )
    assert code == 2 and "no generated liked-paper topics" in err
