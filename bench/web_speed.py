"""Radar page speed: Today's server-side render, search on a 100,000-paper store, and load.

1. **Today**: the 1,000-paper day of ``rank_speed.py`` (59 days of history, a reader with three
   topics, two followed authors and ten likes). Times the first view (which ranks the day) and
   then warm views of ``/`` in-process through the ASGI app (the whole server-side path: guard,
   routing, ranking cache check, filters, template), plain and with filters, p50/p95.
2. **Search**: a 100,000-paper store, the 74,728-paper corpus plus 25,272 snapshot-format
   copies of corpus papers under shifted ids (as ``ingest.py`` makes them), every paper
   embedded. Times ``/api/search`` keyword, semantic and hybrid and the ``/search`` page over a
   fixed query set, p50/p95/max.
3. **Load**: ``radar serve`` as its own process on the 1,000-paper day, then ``wrk`` (Debian
   package ``wrk``) with 2 threads and 16 connections for 20 s against Today, the JSON API and a
   search page: requests/s, latency and errors.

Usage: ``python bench/web_speed.py [--workdir DIR] [--runs N] [--duration S]``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import CORPUS, QUERIES, snapshot_file
from rank_speed import build

from paperradar.enrich.embed import embed_store
from paperradar.ingest import import_file
from paperradar.store import Store
from paperradar.web import create_app

LOCAL = "http://127.0.0.1"


def timings(client: TestClient, url: str, runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        found.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return found


def summary(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return (
        f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {values[-1] * 1000:.1f} ms (n={len(values)})"
    )


def today(home: Path, day: str, runs: int) -> None:
    with TestClient(create_app(home), base_url=LOCAL) as client:
        start = time.perf_counter()
        client.get(f"/?day={day}")
        print(f"Today, first view (ranks the {day} day): {time.perf_counter() - start:.2f} s")
        author = client.get(f"/api/today?day={day}&limit=1").json()["items"][0]["paper"]["authors"]
        for label, url in (
            ("Today page", f"/?day={day}"),
            ("Today page, batch 3", f"/?day={day}&batch=3"),
            ("Today, author filter", f"/?day={day}&author={author[0]}"),
            ("Today, keyword+category", f"/?day={day}&q=diffusion&category=cs.CV"),
            ("/api/today (20 cards)", f"/api/today?day={day}"),
        ):
            print(f"  {label:26s} {summary(timings(client, url, runs))}")


def search(home: Path, runs: int) -> None:
    start = time.perf_counter()
    with Store.open(home) as store:
        import_file(store, CORPUS)
        # Copy 0 of the snapshot lines is the corpus itself (merged, adds nothing); copy 1 has
        # ids shifted by two years, so the file's last 25,272 lines are new papers.
        extra = home / "extra.jsonl"
        snapshot_file(extra, 100_000)
        import_file(store, extra)
        total = store.count()
        built = time.perf_counter() - start
        start = time.perf_counter()
        embed_store(store)
        print(
            f"Search store: {total:,} papers (built in {built:.0f} s, embedded in "
            f"{time.perf_counter() - start:.0f} s)"
        )
    with TestClient(create_app(home), base_url=LOCAL) as client:
        client.get("/api/search?q=warm&mode=semantic")  # loads the model and the vector index
        for label, template in (
            ("/api/search keyword", "/api/search?q={}&mode=keyword"),
            ("/api/search semantic", "/api/search?q={}&mode=semantic"),
            ("/api/search hybrid", "/api/search?q={}"),
            ("/search page hybrid", "/search?q={}"),
            (
                "/api/search kw + filter",
                "/api/search?q={}&mode=keyword&category=cs.CV&source=arxiv",
            ),
        ):
            values = []
            for _ in range(max(1, runs // len(QUERIES))):
                for query in QUERIES:
                    values += timings(client, template.format(query.replace(" ", "+")), 1)
            print(f"  {label:26s} {summary(values)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(home: Path, day: str, duration: int) -> None:
    if not shutil.which("wrk"):
        print("Load: skipped, `wrk` is not installed (apt-get install wrk)")
        return
    port = free_port()
    radar = Path(sys.executable).with_name("radar")
    server = subprocess.Popen(
        [str(radar), "serve", "--port", str(port), "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            done = subprocess.run(["curl", "-s", "-o", "/dev/null", f"{base}/?day={day}"])
            if done.returncode == 0:
                break
            time.sleep(0.2)
        for label, path in (
            ("Today page", f"/?day={day}"),
            ("/api/today", f"/api/today?day={day}"),
            ("/search page", "/search?q=diffusion+transformer"),
        ):
            out = subprocess.run(
                ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", base + path],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
            p50 = re.search(r"50%\s+(\S+)", out)
            p99 = re.search(r"99%\s+(\S+)", out)
            bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
            errors = re.search(r"Socket errors:.*", out)
            socket_errors = errors.group(0) if errors else "no socket errors"
            print(
                f"  wrk {label:14s} {float(rate.group(1)) if rate else 0:.0f} req/s, "
                f"latency p50 {p50.group(1) if p50 else '?'} p99 {p99.group(1) if p99 else '?'}, "
                f"non-2xx {bad.group(1) if bad else 0}, {socket_errors}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--parts", default="today,load,search", help="comma-separated subset")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        if parts & {"today", "load"}:
            day_home = Path(tmp) / "day"
            day_home.mkdir()
            day, count = build(day_home)
            print(f"Day store: {count} papers on {day}")
            if "today" in parts:
                today(day_home, day, args.runs)
            if "load" in parts:
                print("Load (radar serve in its own process, wrk -t2 -c16):")
                load(day_home, day, args.duration)
        if "search" in parts:
            big = Path(tmp) / "big"
            big.mkdir()
            search(big, args.runs)


if __name__ == "__main__":
    main()
