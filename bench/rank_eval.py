"""Ranking quality: Paper Radar against arxiv-sanity-lite and zotero-arxiv-daily.

Runs `radar eval`'s two tasks (stated interests, a few liked papers) on the shared corpus and
relevance labels for our ranker and both baselines, and prints one table (and --json).

    .venv/bin/python bench/rank_eval.py [--days N] [--topics N] [--topic-set S] [--minilm] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import ArxivSanityLite, ZoteroArxivDaily
from benchdata import CORPUS, RELEVANCE

from paperradar.eval import evaluate
from paperradar.eval.rankers import RadarRanker
from paperradar.eval.topics import TOPIC_SPLITS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
    )
    parser.add_argument("--relevance", type=Path, default=RELEVANCE)
    parser.add_argument("--days", type=int, default=None, help="judged days to use (all)")
    parser.add_argument("--topics", type=int, default=None, help="liked-paper topics (all)")
    parser.add_argument("--tasks", default="stated,liked")
    parser.add_argument(
        "--topic-set",
        default="named",
        choices=TOPIC_SPLITS,
        help="liked-paper topics: the 18 named ones, the generated ones, or a half of those",
    )
    parser.add_argument("--minilm", action="store_true", help="also the MiniLM backend")
    parser.add_argument("--only", default="", help="comma-separated ranker names to run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rankers = [
        RadarRanker("static"),
        RadarRanker("none"),
        ArxivSanityLite(),
        ZoteroArxivDaily("static"),
    ]
    if args.minilm:
        rankers += [RadarRanker("minilm"), ZoteroArxivDaily("minilm")]
    if args.only:
        wanted = args.only.split(",")
        rankers = [r for r in rankers if any(w in r.name for w in wanted)]

    def progress(label: str, done: int, total: int) -> None:
        print(f"\r{label} {done}/{total}   ", end="", file=sys.stderr, flush=True)

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
    )
    print(file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=2))
        return
    print(evaluate.table(results))
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
