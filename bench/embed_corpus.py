"""Embed the evaluation corpus with the default MiniLM encoder, once, into bench/cache/.

`bench/rank_eval.py` and `radar eval --vectors bench/cache` read the vectors back; this script
only builds them ahead of time, with progress, and can be interrupted and re-run (it resumes).
The 74,728-paper corpus takes about 50 minutes on two idle cores (RADAR_EMBED_THREADS=2).

    .venv/bin/python bench/embed_corpus.py [--cache DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdata import CACHE, CORPUS

from paperradar.enrich.embed import paper_text
from paperradar.eval.corpus import load_corpus
from paperradar.eval.vectors import VectorCache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--limit", type=int, default=None, help="only the first N papers")
    args = parser.parse_args()
    papers = load_corpus(args.corpus)[: args.limit]
    cache = VectorCache(args.cache)
    print(f"{len(cache):,} vectors cached in {args.cache}", file=sys.stderr)

    def progress(label: str, done: int, total: int) -> None:
        print(f"\r{label}: {done:,}/{total:,}   ", end="", file=sys.stderr, flush=True)

    start = time.perf_counter()
    rows = cache.encode([paper_text(p.title, p.abstract) for p in papers], progress)
    print(file=sys.stderr)
    print(
        f"{rows.shape[0]:,} papers, {rows.shape[1]} dimensions, {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
