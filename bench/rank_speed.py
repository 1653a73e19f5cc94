"""Ranking speed: a 1,000-paper day ranked for a reader with a real profile, end to end.

Builds a store from the shared corpus: 59 listing days of history plus one 1,000-paper day (the
two largest of the last 20 listing days merged, as a busy Monday looks). The reader follows three
topics and two authors and has liked ten earlier papers. Every paper is embedded beforehand with
MiniLM, as `radar ingest` leaves a store (the vectors come from the corpus cache that
bench/embed_corpus.py fills, ``--vectors``; missing ones are encoded first). Then it times:

- ``embedded day``: ``radar rank --json`` as a fresh process on the embedded day, p50 and max,
  with the ranker's own stage timings (the reader's topic vectors are computed in the first run
  and stored, as a real reader's are);
- ``new day`` (with ``--new-day``): the same from a copy of the store whose day is not embedded,
  so the 1,000 papers are encoded inside the command (what ``radar run`` does at ingest instead);
- ``exit``: that command with the ordinary interpreter exit (``cli.main``) against the quick one
  (``cli.console``, what ``radar`` runs), alternating, p50 of each.

With ``--tree DIR`` (twice or more) it times only ``new day``, alternating the source trees given
(each put first on ``PYTHONPATH``, e.g. a checkout of another commit) round by round, and prints
each tree's p50 and range and its paired difference from the first tree: the way to tell a change
to the ranking's concurrency from the noise of a shared machine.

Usage: ``python bench/rank_speed.py [--workdir DIR] [--runs N] [--tree DIR --tree DIR ...]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchdata import CACHE, CORPUS

from paperradar.enrich.embed import content_hash, paper_text
from paperradar.eval.vectors import VectorCache
from paperradar.ingest import import_file
from paperradar.models import Paper
from paperradar.rank import rank_day
from paperradar.store import Store

TOPICS = (
    "speculative decoding and efficient LLM inference",
    "video generation with diffusion models",
    "vision-language-action models for robot manipulation",
)


def build(home: Path) -> tuple[str, int]:
    by_day: dict[str, list[dict[str, object]]] = defaultdict(list)
    with gzip.open(CORPUS, "rt") as lines:
        for line in lines:
            record = json.loads(line)
            by_day[record["listing_date"]].append(record)
    days = sorted(by_day)[-60:]
    big = sorted(days[-20:], key=lambda d: len(by_day[d]))[-2:]
    target = max(big)
    rows = []
    for day in days:
        if day in big:
            continue
        rows += by_day[day]
    merged = (by_day[big[0]] + by_day[big[1]])[:1000]
    rows += [{**r, "listing_date": target} for r in merged]
    source = home / "bench_rank.jsonl.gz"
    with gzip.open(source, "wt") as out:
        for r in rows:
            out.write(json.dumps(r) + "\n")
    with Store.open(home) as store:
        import_file(store, source)
        for topic in TOPICS:
            store.add_profile("topic", topic)
        earlier = [p for p in store.papers(day=days[-25]) if p.authors][:12]
        for paper in earlier[:10]:
            store.set_feedback(f"arxiv:{paper.arxiv_id}", "like", pk=paper.pk, label=paper.title)
        for paper in earlier[10:12]:
            store.add_profile("author", paper.authors[0])
        count = len(store.papers(day=target))
    return target, count


def store_vectors(store: Store, papers: list[Paper], cache: VectorCache) -> None:
    """The papers' MiniLM vectors from the corpus cache into the store, as ingest stores them."""
    texts = [paper_text(p.title, p.abstract) for p in papers]
    rows = cache.encode(texts)
    store.put_embeddings(
        "minilm",
        [
            (p.pk, content_hash(t), row.astype("<f4").tobytes())
            for p, t, row in zip(papers, texts, rows, strict=True)
        ],
    )


def timed_command(home: Path, day: str, tree: Path | None = None) -> tuple[float, dict[str, float]]:
    env = None if tree is None else {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "paperradar", "rank", "--date", day, "--json", "--home", str(home)],
        check=False,
        capture_output=True,
        env=env,
    )
    if done.returncode:
        raise SystemExit(f"radar rank failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    payload = json.loads(done.stdout)
    return time.perf_counter() - start, {**payload["timings"], "embedded": payload["embedded"]}


def exit_comparison(home: Path, day: str, runs: int) -> str:
    args = ["rank", "--date", day, "--json", "--home", str(home)]
    entry = "import sys; from paperradar.cli import {0}; sys.argv = ['radar', *sys.argv[1:]]; {0}()"
    seconds: dict[str, list[float]] = {"main": [], "console": []}
    for _ in range(runs):
        for name, found in seconds.items():
            start = time.perf_counter()
            code = entry.format(name)
            subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
            found.append(time.perf_counter() - start)
    return (
        f"exit:    ordinary p50 {statistics.median(seconds['main']):.2f} s, "
        f"quick (radar's) p50 {statistics.median(seconds['console']):.2f} s ({runs} runs each)"
    )


def new_day(
    tmp: Path, day: str, n: int, tree: Path | None = None
) -> tuple[float, dict[str, float]]:
    """One ``new day`` run, from a copy of the store as ingest left it."""
    copy = tmp / f"new-day-{n}"
    shutil.copytree(tmp, copy, ignore=shutil.ignore_patterns("new-day-*", "*.jsonl.gz"))
    os.sync()  # the copy's write-back would otherwise run during the timed command
    try:
        return timed_command(copy, day, tree)
    finally:
        shutil.rmtree(copy)


def compare_trees(tmp: Path, day: str, trees: list[Path], runs: int) -> None:
    seconds: dict[Path, list[float]] = {tree: [] for tree in trees}
    for n in range(runs):
        for tree in trees:
            seconds[tree].append(new_day(tmp, day, n, tree)[0])
    first = seconds[trees[0]]
    for tree, found in seconds.items():
        spread = f"[{min(found):.2f}-{max(found):.2f}]"
        line = f"{tree}: new day p50 {statistics.median(found):.2f} s {spread}"
        if tree != trees[0]:
            diff = sorted(b - a for a, b in zip(first, found, strict=True))
            quarter = len(diff) // 4
            line += (
                f"; minus {trees[0]}: p50 {statistics.median(diff):+.2f} s, "
                f"IQR [{diff[quarter]:+.2f}, {diff[-quarter - 1]:+.2f}], "
                f"slower in {sum(d > 0 for d in diff)} of {runs} rounds"
            )
        print(line)


def stages(timings: dict[str, float]) -> str:
    embedded = timings.pop("embedded")
    parts = ", ".join(f"{k} {v:.2f}" for k, v in timings.items())
    return f"{parts}; ranking total {sum(timings.values()):.2f} s ({embedded:.0f} papers embedded)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, action="append", default=[], help="source tree")
    parser.add_argument("--vectors", type=Path, default=CACHE, help="corpus vector cache")
    parser.add_argument("--new-day", action="store_true", help="also time an unembedded day")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        home = Path(tmp)
        day, count = build(home)
        print(
            f"store: {day} has {count} papers; profile: {len(TOPICS)} topics, 2 authors, 10 likes"
        )
        with Store.open(home) as store:
            history = [p for d, _ in store.days() if d != day for p in store.papers(day=d)]
            store_vectors(store, history, VectorCache(args.vectors))
            rank_day(store, max(d for d, _ in store.days() if d != day))  # embeds the sample
        if len(args.tree) > 1:
            compare_trees(home, day, args.tree, args.runs)
            return
        if args.new_day:
            fresh = [new_day(home, day, n) for n in range(args.runs)]
            cold = [r[0] for r in fresh]
            print(
                f"new day: radar rank p50 {statistics.median(cold):.2f} s, max {max(cold):.2f} s; "
                f"{stages(sorted(fresh, key=lambda r: r[0])[len(fresh) // 2][1])}"
            )
        with Store.open(home) as store:
            store_vectors(store, store.papers(day=day), VectorCache(args.vectors))
        runs = [timed_command(home, day) for _ in range(args.runs + 1)][1:]
        warm = [r[0] for r in runs]
        print(
            f"embedded day: radar rank p50 {statistics.median(warm):.2f} s, "
            f"max {max(warm):.2f} s; {stages(sorted(runs, key=lambda r: r[0])[len(runs) // 2][1])}"
        )
        print(exit_comparison(home, day, args.runs))


if __name__ == "__main__":
    main()
