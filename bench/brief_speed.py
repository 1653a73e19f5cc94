"""Briefing speed: the offline briefing of a 1,000-paper day, in process and as a command.

Uses the same store as bench/rank_speed.py (59 listing days of history plus a 1,000-paper day,
a reader with three topics, two authors and ten likes; the history embedded beforehand). Times:

- ``compose``: selection, offline composition, observation (with its store trend queries) and
  rendering Markdown + HTML, given the day's ranking, p50 and max over runs;
- ``rank + compose``: the whole brief stage in process, ranking included;
- ``command``: ``radar brief --date D -o FILE`` as a fresh process (imports, ranking, writing).

Usage: ``python bench/brief_speed.py [--workdir DIR] [--runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rank_speed import build as build_store

from paperradar.brief import build, render
from paperradar.enrich.embed import embed_papers
from paperradar.rank import rank_day
from paperradar.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        home = Path(tmp)
        day, count = build_store(home)
        with Store.open(home) as store:
            embed_papers(store, [p for d, _ in store.days() for p in store.papers(day=d)])
            compose, total = [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                ranking = rank_day(store, day)
                ranked_at = time.perf_counter()
                briefing = build(store, day, ranking=ranking)
                render(briefing, "md")
                render(briefing, "html")
                done = time.perf_counter()
                compose.append(done - ranked_at)
                total.append(done - start)
        print(
            f"store: {day} has {count} papers; briefing: {len(briefing.featured)} featured, "
            f"{len(briefing.noted)} noted"
        )
        print(f"title: {briefing.title}")
        print(
            f"compose:        p50 {statistics.median(compose):.3f} s, max {max(compose):.3f} s "
            "(select, compose, observe, render md + html)"
        )
        print(f"rank + compose: p50 {statistics.median(total):.2f} s, max {max(total):.2f} s")
        commands = []
        for _ in range(max(1, args.runs // 2)):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "paperradar", "brief", "--date", day, "--home", str(home),
                 "-o", str(home / "briefing.md")],
                check=True,
                capture_output=True,
            )  # fmt: skip
            commands.append(time.perf_counter() - start)
        print(
            f"command:        radar brief p50 {statistics.median(commands):.2f} s, "
            f"max {max(commands):.2f} s (fresh process: imports, ranking, briefing, writing)"
        )


if __name__ == "__main__":
    main()
