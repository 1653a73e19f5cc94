"""Compute the demo sample's MiniLM vectors (paperradar/data/sample_minilm.npz).

The demo and the tests import the sample and these vectors, as a store that ingest had embedded,
instead of spending a minute encoding 1,576 papers on every run. Re-run it after
scripts/make_sample.py or a new model (``make model``); tests/test_embedding_model.py checks
that the shipped vectors are what the bundled model gives for the sample's texts.

    .venv/bin/python scripts/embed_sample.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paperradar.enrich.embed import backend, content_hash, paper_text  # noqa: E402
from paperradar.ingest import import_file  # noqa: E402
from paperradar.pipeline.demo import sample_paths  # noqa: E402
from paperradar.store import Store  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as home, Store.open(Path(home)) as store:
        for path in sample_paths():
            import_file(store, path)
        papers = store.papers_by_pk(store.pks_without_embedding("minilm"))
    texts = sorted({paper_text(p.title, p.abstract) for p in papers})
    vectors = backend("minilm").encode(texts).astype(np.float16)
    out = ROOT / "paperradar" / "data" / "sample_minilm.npz"
    np.savez(out, hashes=np.array([content_hash(t) for t in texts]), vectors=vectors)
    print(f"{len(texts)} vectors -> {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
