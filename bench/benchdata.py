"""Where the bench scripts find the shared data they measure on.

The benchmarks run in a checkout of this project, whose labelled data folder (``shared/data``:
the corpus, the relevance labels, the recorded fixtures) sits beside the checkout; from anywhere
else, a git worktree say, ``RADAR_BENCH_DATA=DIR`` names that folder. ``radar eval`` itself has
no such default: it is given ``--data`` (see ``paperradar.eval.corpus``).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("RADAR_BENCH_DATA") or ROOT.parent / "shared" / "data")
CORPUS = DATA / "corpus" / "arxiv_listings_2025-03-18_to_2026-07-01.jsonl.gz"
RELEVANCE = DATA / "relevance"
CACHE = ROOT / "bench" / "cache"  # corpus vectors (bench/embed_corpus.py); not in git
