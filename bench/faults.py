"""Faults: ``kill -9`` during import, ingest and run, and several writers at once.

``kill9``: one store is hit, round after round, by a ``radar`` command killed with SIGKILL at a
random moment: a bulk import of 29,480 papers (the bundled sample twenty times over, the file
read by the forked reader), ``radar ingest --from`` of recorded arXiv API, Hugging Face and blog
responses, and ``radar run`` against a local server replaying recorded arXiv and HF listings.
After every kill: SQLite's integrity check, the FTS5 index's own integrity check, no run left
``running`` in ``radar runs``, and no import reader outliving its killed parent. At the end
every command runs once to the end on the crashed store and on a fresh one, and the two must
hold the same papers (``radar export``), posts and days.

``writers``: twenty first commands at once on a new home; then, while a bulk import holds the
write lock, ingests, follows and likes started together: each must end with exit code 0 (after
waiting), never a traceback or "database is locked".

Usage: ``python bench/faults.py kill9 [--rounds 60] [--seed 9]``, ``python bench/faults.py
writers [--each 5]``, both with ``[--workdir DIR] [--keep]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
DAY = "2026-04-27"  # the recorded arXiv RSS listings' day
INGESTS = [
    ("arxiv-api", DATA / "arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml"),
    ("hf-daily", DATA / "hf_daily/daily_papers_2026-07.json"),
    ("rss", DATA / "blogs/bair_blog.xml"),
]
# command name -> the longest a round waits before its kill (seconds)
COMMANDS = {"import": 6.0, "ingest": 4.0, "run": 8.0}


def radar(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "paperradar", *args, "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RADAR_SKIP_BROWSER": "1"},
    )


def finished(home: Path, *args: str, ok: tuple[int, ...] = (0, 1)) -> str:
    child = radar(home, *args)
    out, err = child.communicate(timeout=600)
    if child.returncode not in ok or "Traceback" in err:
        raise SystemExit(f"radar {' '.join(args)} failed ({child.returncode}): {err[-2000:]}")
    return out


def big_import(path: Path, copies: int = 20) -> int:
    lines = gzip.decompress((ROOT / "paperradar/data/sample_arxiv.jsonl.gz").read_bytes())
    records = [json.loads(line) for line in lines.splitlines()]
    with path.open("w") as handle:
        for copy in range(copies):
            for n, record in enumerate(records):
                record = {**record, "id": f"25{copy + 1:02d}.{n:05d}"}
                record["title"] = f"{record['title']} (copy {copy})"
                handle.write(json.dumps(record) + "\n")
    return copies * len(records)


@contextmanager
def listings() -> Iterator[str]:
    """A local server answering as rss.arxiv.org and HF's daily papers, from the recordings."""
    routes = {
        f"/rss/cs.{c.upper()}": (DATA / f"arxiv_rss/arxiv_cs_{c}.xml").read_bytes()
        for c in ("ai", "cl", "lg")
    }
    routes["/api/daily_papers"] = (DATA / "hf_daily/daily_papers_2026-07-27.json").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path.split("?")[0], b"not found")
            self.send_response(200 if body != b"not found" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_config(home: Path, base: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "radar.toml").write_text(
        f"""[sources]
arxiv = {{ categories = ["cs.AI", "cs.CL", "cs.LG"], base_url = "{base}/rss/" }}
hf-daily = {{ base_url = "{base}/api/daily_papers" }}

[deliver]
dir = "out"
"""
    )


def command(name: str, big: Path, rng: random.Random) -> list[str]:
    if name == "import":
        return ["import", str(big)]
    if name == "run":
        return ["run", "--date", DAY, "--force"]
    source, path = rng.choice(INGESTS)
    return ["ingest", source, "--from", str(path)]


def check(home: Path) -> list[str]:
    """What is wrong with the store after a crash (nothing: an empty list)."""
    problems = []
    db = sqlite3.connect(home / "radar.db", timeout=60)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems.append(f"integrity_check: {integrity[:3]}")
        try:
            db.execute("INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems.append(f"papers_fts integrity-check: {exc}")
    finally:
        db.close()
    runs = json.loads(finished(home, "runs", "--json", "-n", "1000"))
    running = [r for r in runs if r["status"] == "running"]
    if running:
        problems.append(f"{len(running)} runs still 'running' after their process died")
    return problems


def orphans(big: Path) -> list[int]:
    """Processes still reading ``big`` (an import's forked reader whose parent was killed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(big).encode() in cmdline and b"import" in cmdline:
            found.append(int(entry.name))
    return found


def content(home: Path) -> dict[str, object]:
    papers = sorted(finished(home, "export", "--format", "json").splitlines())
    posts = finished(home, "posts", "--json", "--limit", "100000")
    return {
        "papers": papers,
        "posts": sorted(json.dumps(p, sort_keys=True) for p in json.loads(posts)),
        "days": finished(home, "papers", "--days", "--json"),
    }


def kill9(rounds: int, seed: int, work: Path) -> int:
    rng = random.Random(seed)
    big = work / "big.jsonl"
    papers = big_import(big)
    home = work / "crashed"
    killed: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    with listings() as base:
        write_config(home, base)
        finished(home, "init")
        for n in range(1, rounds + 1):
            name = rng.choice(["import", "import", "ingest", "run"])
            args = command(name, big, rng)
            child = radar(home, *args)
            time.sleep(rng.uniform(0.3, COMMANDS[name]))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                killed[name] += 1
            else:
                ended[name] += 1
            _, err = child.communicate()
            if "Traceback" in err:
                failures.append(f"round {n} ({name}): a traceback: {err[-500:]}")
            time.sleep(0.5)  # the reader's parent-death signal is delivered by now
            if left := orphans(big):
                failures.append(f"round {n}: import readers outlived their parent: {left}")
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
            failures += [f"round {n} ({name}): {p}" for p in check(home)]
            print(f"round {n:3d}: {name:6s} {'killed' if child.returncode < 0 else 'ended'}")
        # Everything once to the end, on the crashed store and on a fresh one.
        fresh = work / "fresh"
        write_config(fresh, base)
        for target in (home, fresh):
            finished(target, "import", str(big))
            for source, path in INGESTS:
                finished(target, "ingest", source, "--from", str(path))
            finished(target, "run", "--date", DAY, "--force")
        same = content(home) == content(fresh)
    if not same:
        failures.append("the crashed store, run again to the end, differs from a fresh one")
    total = sum(killed.values())
    print(
        f"{total} kills ({', '.join(f'{k} {v}' for k, v in sorted(killed.items()))}), "
        f"{sum(ended.values())} commands ended before their kill; {papers:,} papers in the "
        f"import; after every kill integrity and FTS checks "
        f"{'ok' if not failures else 'FAILED'}; re-run content "
        f"{'identical to a fresh store' if same else 'DIFFERENT'}; "
        f"{time.monotonic() - started:.0f} s"
    )
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


def writers(each: int, work: Path) -> int:
    failures: list[str] = []
    new = work / "new"
    children = [radar(new, "init") for _ in range(20)]
    results = [(c.wait(timeout=300), *c.communicate()) for c in children]
    bad = [(code, err[-300:]) for code, _, err in results if code != 0 or err.strip()]
    print(f"20 x `radar init` at once on a new home: {20 - len(bad)} ok, {len(bad)} failed")
    failures += [f"init: {b}" for b in bad]

    home = work / "busy"
    big = work / "big.jsonl"
    papers = big_import(big, copies=40)
    finished(home, "ingest", "arxiv-api", "--from", str(INGESTS[0][1]))
    ids = [p["id"] for p in json.loads(finished(home, "papers", "--json"))]
    importer = radar(home, "import", str(big))
    time.sleep(2.0)  # the import holds the write lock by now
    others: list[tuple[str, float, subprocess.Popen[str]]] = []
    for n in range(each):
        for args in (
            ("ingest", "hf-daily", "--from", str(INGESTS[1][1])),
            ("follow", "keyword", f"keyword {n}"),
            ("like", ids[n]),
        ):
            others.append((" ".join(args[:2]), time.monotonic(), radar(home, *args)))
    waits = []
    said = 0
    for label, at, child in others:
        _, err = child.communicate(timeout=900)
        waits.append(time.monotonic() - at)
        said += "waiting" in err
        if child.returncode not in (0, 1) or "Traceback" in err or "locked" in err:
            failures.append(f"{label}: exit {child.returncode}: {err[-300:]}")
    _, err = importer.communicate(timeout=900)
    if importer.returncode != 0:
        failures.append(f"import: exit {importer.returncode}: {err[-300:]}")
    imported = len(finished(home, "export", "--format", "json").splitlines())
    follows = json.loads(finished(home, "profile", "--json"))
    print(
        f"while importing {papers:,} papers: {len(others)} writers started together "
        f"({each} ingests, {each} follows, {each} likes); {len(others) - len(failures)} ok, "
        f"{said} said they were waiting; waited {min(waits):.1f}-{max(waits):.1f} s; the store "
        f"holds {imported:,} papers, {len(follows['entries'])} follows, "
        f"{len(follows['feedback'])} likes"
    )
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("kill9", "writers"))
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--each", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="radar-faults-", dir=args.workdir))
    try:
        if args.what == "kill9":
            code = kill9(args.rounds, args.seed, work)
        else:
            code = writers(args.each, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
