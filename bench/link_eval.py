"""Precision and recall of post-to-paper linking on the hand-labelled fixture set.

Imports the 74,728-paper corpus into a scratch store (so exact-title matching has real titles to
find), ingests every labelled post through the real parsers, runs the real ``link`` stage, and
compares each post's mentions with bench/data/link_labels.json (how the labels were made is in
that file). Prints overall and per-form figures and the linker's speed.

    .venv/bin/python bench/link_eval.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchdata import CORPUS, DATA, ROOT

from paperradar.enrich.link import link
from paperradar.ingest import import_file
from paperradar.sources import get
from paperradar.store import Store

LABELS = ROOT / "bench" / "data" / "link_labels.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    labels = json.loads(LABELS.read_text())["posts"]
    with tempfile.TemporaryDirectory() as home:
        store = Store.open(Path(home))
        started = time.perf_counter()
        import_file(store, args.corpus)
        print(f"corpus: {store.count():,} papers imported in {time.perf_counter() - started:.1f} s")
        for name in sorted({p["file"] for p in labels}):
            source = "x-import" if name.endswith(".json") else "rss"
            path = DATA / "fixtures" / name
            store.upsert_posts(get(source).parse(path.read_bytes(), str(path)))
        started = time.perf_counter()
        result = link(store)
        took = time.perf_counter() - started
        found: dict[str, dict[str, str]] = {}
        for stored in store.iter_posts():
            found[stored.post.uid] = {ref: how for ref, how, _ in store.post_refs(stored.pk)}
        store.close()

    tp = fp = fn = 0
    by_how: Counter[str] = Counter()
    wrong_how: Counter[str] = Counter()
    misses, false = [], []
    for post in labels:
        truth = set(post["refs"])
        got = found.get(post["uid"], {})
        for ref, how in got.items():
            if ref in truth:
                tp += 1
                by_how[how] += 1
            else:
                fp += 1
                wrong_how[how] += 1
                false.append((post["uid"], ref, how))
        for ref in truth - set(got):
            fn += 1
            misses.append((post["uid"], ref))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(
        f"labelled: {len(labels)} posts, {sum(1 for p in labels if p['refs'])} with mentions, "
        f"{sum(len(p['refs']) for p in labels)} mentions"
    )
    print(f"found: {tp + fp} mentions; correct {tp}, wrong {fp}, missed {fn}")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    print("correct by form: " + ", ".join(f"{k} {v}" for k, v in sorted(by_how.items())))
    if wrong_how:
        print("wrong by form: " + ", ".join(f"{k} {v}" for k, v in sorted(wrong_how.items())))
    for uid, ref, how in false:
        print(f"  wrong  {ref} ({how}) in {uid}")
    for uid, ref in misses:
        print(f"  missed {ref} in {uid}")
    print(
        f"link stage: {result.posts} posts, title index over the whole store, {took:.2f} s "
        f"({result.counts['mentions']} mentions, {result.counts['resolved']} resolved to papers)"
    )


if __name__ == "__main__":
    main()
