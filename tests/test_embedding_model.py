"""The bundled sentence encoder: same vectors as the reference model, loaded with no network and
no torch, and the relevance floor it makes possible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, DAY
from paperradar.brief import build, render
from paperradar.enrich.embed import backend, content_hash, paper_text
from paperradar.enrich.onnx import OnnxMiniLM
from paperradar.rank import rank_day
from paperradar.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_vectors_match_the_reference_model_on_real_abstracts() -> None:
    reference = json.loads((DATA / "minilm_reference.json").read_text())
    expected = np.array(reference["vectors"], dtype=np.float32)
    got = OnnxMiniLM(num_threads=1).encode(reference["texts"])
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    # int8 per-channel against torch fp32: 0.9946 mean, 0.9897 lowest on 300 corpus abstracts.
    assert cosines.min() > 0.985 and cosines.mean() > 0.99
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_encoding_is_batch_independent_and_handles_empty_texts() -> None:
    reference = json.loads((DATA / "minilm_reference.json").read_text())
    encoder = backend("minilm")
    texts = reference["texts"][:3]
    together = encoder.encode([*texts, "", "   "])
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert together.shape == (5, 384)
    assert np.allclose(together[:3], alone, atol=1e-4)  # padding must not leak into the mean
    assert np.isfinite(together).all()
    assert encoder.encode([]).shape == (0, 384)


def test_the_shipped_sample_vectors_are_the_models_own(sample: Store) -> None:
    papers = sample.papers(day=DAY, limit=5)
    texts = [paper_text(p.title, p.abstract) for p in papers]
    stored = sample.embeddings("minilm", [p.pk for p in papers])
    assert all(stored[p.pk][0] == content_hash(t) for p, t in zip(papers, texts, strict=True))
    fresh = backend("minilm").encode(texts)
    shipped = np.vstack([np.frombuffer(stored[p.pk][1], dtype="<f4") for p in papers])
    assert ((fresh * shipped).sum(axis=1) > 0.999).all()


def test_ranking_loads_the_model_offline_and_never_imports_torch(
    sample: Store, tmp_path: Path
) -> None:
    """A fresh process ranks the sample day for a topic (the topic's vector is computed there)
    with every proxy pointing at a closed port: nothing is fetched, and torch stays out."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from paperradar.store import Store\n"
        "from paperradar.rank import rank_day\n"
        "with Store.open(Path(sys.argv[1])) as store:\n"
        "    store.add_profile('topic', 'a topic no earlier run has embedded: bird song')\n"
        "    result = rank_day(store, sys.argv[2])\n"
        "print(len(result.ranked), result.embedded)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers')))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", script, str(sample.path.parent), DAY],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    counts, modules = done.stdout.strip().splitlines()
    assert int(counts.split()[0]) > 100
    assert modules == "[]"


def test_a_day_with_nothing_relevant_features_nothing_and_says_so(sample: Store) -> None:
    sample.add_profile("topic", "coral reef ecology and the breeding of tropical fish")
    result = rank_day(sample, DAY)
    assert result.ranked and not any(r.close for r in result.ranked)
    assert not any("matches topic" in reason for r in result.ranked for reason in r.reasons)
    briefing = build(sample, DAY, ranking=result, save=False)
    assert not briefing.featured and not briefing.noted
    assert briefing.title.startswith("Nothing close to your interests")
    assert "Nothing close to your interests today" in render(briefing, "md")
    assert "relevance floor" in render(briefing, "html")


def test_a_relevant_topic_still_features_its_papers(sample: Store) -> None:
    sample.add_profile("topic", "speculative decoding for faster language model inference")
    result = rank_day(sample, DAY)
    close = [r for r in result.ranked if r.close]
    assert 0 < len(close) < len(result.ranked)
    assert any("Speculat" in r.paper.title for r in result.ranked[:5])
    briefing = build(sample, DAY, ranking=result, save=False)
    assert briefing.featured
    assert {f.paper_id for f in briefing.featured} <= {r.paper.id for r in close}


def test_a_followed_author_keeps_a_paper_below_the_floor(sample: Store) -> None:
    paper = sample.papers(day=DAY, limit=1)[0]
    sample.add_profile("topic", "coral reef ecology and the breeding of tropical fish")
    sample.add_profile("author", paper.authors[0])
    result = rank_day(sample, DAY)
    kept = {r.paper.pk for r in result.ranked if r.close}
    assert paper.pk in kept


@pytest.mark.parametrize("value", ["0", "two"])
def test_bad_thread_counts_are_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperradar.enrich.onnx import threads
    from paperradar.errors import ConfigError

    monkeypatch.setenv("RADAR_EMBED_THREADS", value)
    with pytest.raises(ConfigError, match="RADAR_EMBED_THREADS"):
        threads()


def test_rank_papers_ranks_papers_in_memory_like_the_day_ranking(sample: Store) -> None:
    """The public call, given the day's papers and the same background, puts the same papers
    on top as ``rank_day`` (which reads them from the store), with no store of its own."""
    from paperradar.models import Paper
    from paperradar.profile import Profile
    from paperradar.rank import rank_papers

    topic = "speculative decoding for faster language model inference"
    sample.add_profile("topic", topic)
    day = rank_day(sample, DAY)
    papers = sample.papers(day=DAY)
    stored = sample.embeddings("minilm", [p.pk for p in papers])
    by_hash = {digest: np.frombuffer(blob, dtype="<f4") for digest, blob in stored.values()}

    def encode(texts: Sequence[str]) -> np.ndarray:
        """The day's stored vectors (as a caller reusing its own would), the model for the rest."""
        fresh = [t for t in texts if content_hash(t) not in by_hash]
        made = dict(zip(fresh, backend("minilm").encode(fresh), strict=True))
        return np.vstack([by_hash.get(content_hash(t), made.get(t)) for t in texts])

    alone = rank_papers(papers, Profile(topics=(topic,)), encode=encode)
    assert {r.paper.pk for r in alone[:5]} & {r.paper.pk for r in day.ranked[:5]}
    assert any("matches topic" in reason for reason in alone[0].reasons)
    made = [
        Paper.of(1, "Speculative decoding with a draft model", "We speed up LLM decoding " * 20),
        Paper.of(2, "Coral reef fish", "A survey of reef fish breeding " * 20),
    ]
    ranked = rank_papers(made, Profile(topics=(topic,)))
    assert [r.paper.pk for r in ranked] == [1, 2]
    assert ranked[0].close and not ranked[1].close
