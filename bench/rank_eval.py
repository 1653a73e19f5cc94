"""Ranking quality: Paper Radar against tf-idf, BM25, zotero-arxiv-daily and arxiv-sanity-lite.

Runs `radar eval`'s two tasks (stated interests, a few liked papers) on the shared corpus and
relevance labels for our ranker and the four baselines (`paperradar/eval/baselines.py`), each
ranker paired with the best baseline of every metric, and prints that table (or --json). MiniLM
vectors are read from bench/cache (built by bench/embed_corpus.py; what is missing is encoded and
added there, resumably).

    .venv/bin/python bench/rank_eval.py [--tasks stated,liked] [--days N] [--topics N]
        [--topic-set S] [--only NAMES] [--embedding B] [--random] [--vectors DIR] [--json]
        [--save FILE] [--cached-days]

`--cached-days` (stated interests only) encodes nothing and keeps the judged days whose listing,
history days, interests text and topics are all in the cache: a partial run while the corpus is
still being encoded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# this checkout's package, not whichever one the environment has installed (a worktree's bench
# measures the worktree's ranker), and the bench helpers beside this file
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdata import CACHE, CORPUS, RELEVANCE

from paperradar.enrich.embed import DEFAULT, paper_text
from paperradar.eval import evaluate, report
from paperradar.eval.baselines import RandomOrder, interests
from paperradar.eval.corpus import LabelledDay
from paperradar.eval.rankers import lineup
from paperradar.eval.topics import TOPIC_SPLITS
from paperradar.eval.vectors import VectorCache
from paperradar.models import Paper


class CachedDays:
    """Whether a judged day can be measured from the cache alone; ``kept`` lists those that can."""

    def __init__(self, cache: VectorCache) -> None:
        self.cache = cache
        self.kept: list[LabelledDay] = []
        self._texts: dict[str, list[str]] = {}

    def __call__(self, corpus: Sequence[Paper], labelled: LabelledDay) -> bool:
        if not self._texts:
            for p in corpus:
                self._texts.setdefault(p.announced or "", []).append(
                    paper_text(p.title, p.abstract)
                )
        days = [labelled.day, *evaluate.history_days(sorted(self._texts), labelled.day)]
        texts = [t for d in days for t in self._texts[d]]
        if self.cache.has([*texts, *labelled.topics, interests(labelled.topics)]):
            self.kept.append(labelled)
            return True
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--relevance", type=Path, default=RELEVANCE)
    parser.add_argument("--vectors", type=Path, default=CACHE, help="MiniLM vector cache folder")
    parser.add_argument("--days", type=int, default=None, help="judged days to use (all)")
    parser.add_argument("--topics", type=int, default=None, help="liked-paper topics (all)")
    parser.add_argument("--tasks", default="stated,liked")
    parser.add_argument(
        "--topic-set",
        default="named",
        choices=TOPIC_SPLITS,
        help="liked-paper topics: the 18 named ones, the generated ones, or a half of those",
    )
    parser.add_argument("--embedding", default=DEFAULT, help="our ranker's embedding backend")
    parser.add_argument("--only", default="", help="comma-separated parts of ranker names")
    parser.add_argument("--random", action="store_true", help="also a random order (chance)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--save", type=Path, help="also write the --json output to this file")
    parser.add_argument("--cached-days", action="store_true", help="see the module docstring")
    args = parser.parse_args()
    if args.cached_days and "liked" in args.tasks:
        parser.error("--cached-days measures stated interests only: add --tasks stated")

    def progress(label: str, done: int, total: int) -> None:
        print(f"\r{label} {done:,}/{total:,}   ", end="", file=sys.stderr, flush=True)

    cache = VectorCache(args.vectors, progress=progress, only_cached=args.cached_days)
    keep = CachedDays(cache) if args.cached_days else None
    rankers = lineup(cache, args.only, args.embedding)
    if args.random:
        rankers.append(RandomOrder())
    start = time.perf_counter()
    results = evaluate.run(
        rankers,
        args.corpus,
        args.relevance,
        tasks=args.tasks.split(","),
        max_days=args.days,
        max_topics=args.topics,
        topics=args.topic_set,
        progress=progress,
        keep_day=keep,
    )
    print(file=sys.stderr)
    if keep is not None:
        by_reader: dict[str, list[str]] = {}
        for d in keep.kept:
            by_reader.setdefault(d.reader, []).append(d.day)
        for reader, days in by_reader.items():
            print(f"{reader}: {len(days)} days: {' '.join(days)}", file=sys.stderr)
    payload = report.to_json(results)
    if keep is not None:
        payload["days"] = [{"reader": d.reader, "day": d.day} for d in keep.kept]
    if args.save:
        args.save.write_text(json.dumps(payload, indent=2) + "\n")
    if args.json:
        print(json.dumps(payload, indent=2))
        return
    print(report.table(results))
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
