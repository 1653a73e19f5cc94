"""Ingest benchmark: bulk import throughput, bytes per paper, idempotent re-import, search latency.

1. Imports the 74,728-paper corpus (../shared/data/corpus) into a fresh store.
2. Writes a 1,000,000-line file in the arXiv metadata snapshot format generated from the corpus
   (ids varied per copy), imports it, then imports it again (must add nothing).
3. Measures ``radar search`` latency (p50/p95 over a fixed query set) on the 1M-paper store, both
   the store call and the whole command.
Prints each figure. Usage: ``python bench/ingest.py [--lines N] [--workdir DIR] [--keep]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchdata import CORPUS

from paperradar.ingest import import_file
from paperradar.store import DB_NAME, Store

QUERIES = [
    "speculative decoding",
    "diffusion transformer video generation",
    "reinforcement learning from human feedback",
    "gaussian splatting",
    "mixture of experts routing",
    "retrieval augmented generation",
    "vision language model hallucination",
    "kv cache compression",
    "protein",
    "graph neural network",
    "large language model",
    "zero-shot segmentation",
]


def snapshot_file(path: Path, lines: int) -> None:
    """Snapshot-format lines made from the corpus; copy k shifts the id's month by k."""
    records = []
    with gzip.open(CORPUS, "rt") as handle:
        for line in handle:
            records.append(json.loads(line))
    written = 0
    with path.open("w") as out:
        copy = 0
        while written < lines:
            for rec in records:
                if written >= lines:
                    break
                prefix, number = rec["id"].split(".")
                year, month = int(prefix[:2]), int(prefix[2:])
                month_index = (year * 12 + month - 1 - copy * 24) % (100 * 12)
                new_id = f"{month_index // 12:02d}{month_index % 12 + 1:02d}.{number}"
                names = rec["authors"]
                snap = {
                    "id": new_id,
                    "submitter": names[0] if names else None,
                    "authors": ", ".join(names),
                    "title": rec["title"],
                    "comments": rec.get("comment"),
                    "journal-ref": None,
                    "doi": None,
                    "report-no": None,
                    "categories": " ".join(rec["categories"]),
                    "license": None,
                    "abstract": rec["summary"],
                    "versions": [{"version": "v1", "created": "Mon, 2 Jun 2025 17:59:59 GMT"}],
                    "update_date": rec["listing_date"],
                    "authors_parsed": [
                        [n.split()[-1], " ".join(n.split()[:-1]), ""] for n in names if n.split()
                    ],
                }
                out.write(json.dumps(snap) + "\n")
                written += 1
            copy += 1


def timed_import(store: Store, path: Path, label: str, worker: bool | None = None) -> float:
    """Import and print the rate; also how long the closing full-text index build took, the
    part of the import that cannot be spread over both cores (one FTS5 table, one writer)."""
    index_time = []
    flush = store._flush_index

    def timed_flush(deferred: Any) -> None:
        begin = time.perf_counter()
        flush(deferred)
        index_time.append(time.perf_counter() - begin)

    store._flush_index = timed_flush  # type: ignore[method-assign]
    start = time.perf_counter()
    result = import_file(store, path, worker=worker)
    seconds = time.perf_counter() - start
    del store._flush_index
    s = result.stats
    index = sum(index_time)
    print(
        f"{label}: {result.items:,} records in {seconds:.1f} s = {result.items / seconds:,.0f}/s "
        f"(new {s.inserted:,}, updated {s.updated:,}, unchanged {s.unchanged:,}); of that, "
        f"the full-text index build {index:.1f} s; papers and observations alone "
        f"{result.items / max(seconds - index, 1e-9):,.0f}/s"
    )
    return seconds


def disk_report(store: Store, label: str) -> None:
    sizes = store.size_report()
    count = store.count()
    fts = sum(v for k, v in sizes.items() if k.startswith("papers_fts"))
    rest = sum(sizes.values()) - fts
    print(
        f"{label}: {count:,} papers; {rest / count:,.0f} B/paper excluding FTS "
        f"({fts / count:,.0f} B/paper FTS index); file {store.path.stat().st_size / 1e9:.2f} GB"
    )


def search_latency(store: Store, home: Path) -> None:
    samples = []
    for _ in range(5):
        for query in QUERIES:
            start = time.perf_counter()
            store.search(query, limit=20)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95)]
    print(f"search (store call): p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms")
    command = []
    for query in QUERIES[:6]:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "paperradar", "search", query, "--json", "--home", str(home)],
            check=True,
            capture_output=True,
        )
        command.append((time.perf_counter() - start) * 1000)
    median = statistics.median(command)
    print(f"radar search (whole command, incl. Python start-up): p50 {median:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="radar-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        home = work / "corpus-home"
        shutil.rmtree(home, ignore_errors=True)
        for worker in (False, True):
            shutil.rmtree(home, ignore_errors=True)
            with Store.open(home) as store:
                how = "with a reader process" if worker else "read in place"
                timed_import(store, CORPUS, f"corpus import, {how}", worker)
        with Store.open(home) as store:
            disk_report(store, "corpus store")

        snap = work / "snapshot.jsonl"
        start = time.perf_counter()
        snapshot_file(snap, args.lines)
        print(f"generated {args.lines:,}-line snapshot in {time.perf_counter() - start:.0f} s")
        big = work / "big-home"
        shutil.rmtree(big, ignore_errors=True)
        with Store.open(big) as store:
            timed_import(store, snap, "snapshot import")
            disk_report(store, "snapshot store")
            before = store.count()
            timed_import(store, snap, "snapshot re-import")
            print(f"re-import added {store.count() - before} papers")
            search_latency(store, big)
        print(f"store file: {(big / DB_NAME).stat().st_size / 1e9:.2f} GB")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
