"""Search quality on the corpus: can each search mode find a paper from its title?

A store of random corpus papers (20,000 by default) in which each paper is indexed by its
abstract alone (and its authors): its title in the store is its arXiv id, and its vector is
MiniLM's of the abstract only. 500 of them are targets, and each target's query is its own
title, which the abstract words do not trivially contain; the answer is right when the target is
in the top 1 or 10. Two queries per target:

- ``title``: the whole title;
- ``hidden``: the title without its two rarest content words (by document frequency over the
  papers' titles and abstracts), usually the method's name or its most technical terms, so
  what is left describes the paper in commoner words, closer to how a reader who does not know
  the name would ask.

Through the real store (FTS5 and its bm25 weights) and ``enrich.search``. Modes: ``keyword`` is
the product's keyword search (every word required), ``keyword-any`` plain bm25 over any word (a
reference), ``semantic`` MiniLM cosine, ``hybrid`` the default (both lists fused by reciprocal
rank, k = 60; its lexical list holds the papers with every word), and ``hybrid-any`` the same
fusion with that list topped up to 200 with papers having any word (an alternative design).
Intervals: 95% paired bootstrap of recall@10 differences.

The title + abstract vectors that ``bench/embed_corpus.py`` caches cannot serve here (each would
hold its own query), so the abstracts are encoded into ``--cache`` (bench/cache-abstracts), in
a fixed shuffled order: an interrupted encoding resumes, and ``--papers N`` with fewer papers
uses the first N of that order. 20,000 abstracts cost ~15 minutes of a free core;
``--encode-only`` fills the cache without evaluating.

    RADAR_BENCH_DATA=../shared/data .venv/bin/python bench/search_eval.py [--papers N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdata import CACHE, CORPUS

from paperradar.enrich.embed import content_hash
from paperradar.enrich.search import DEPTH, Index, fuse, lexical, search
from paperradar.eval.corpus import load_corpus
from paperradar.eval.vectors import VectorCache
from paperradar.ids import fold
from paperradar.models import Item, Paper
from paperradar.rank.stopwords import ENGLISH as STOP_WORDS
from paperradar.store import Store

MODEL = "minilm"
MODES = ("keyword", "keyword-any", "semantic", "hybrid", "hybrid-any")
VARIANTS = ("title", "hidden")
Ranker = Callable[[str], list[int]]


def progress(label: str, done: int, total: int) -> None:
    print(f"\r{label}: {done:,}/{total:,}   ", end="", file=sys.stderr, flush=True)
    if done == total:
        print(file=sys.stderr)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def variants(title: str, df: Counter[str]) -> dict[str, str] | None:
    """The title's queries, or None when it has too few content words to hide two."""
    tokens = re.findall(r"\w+", title)
    content = sorted(
        {fold(t) for t in tokens if fold(t) not in STOP_WORDS and not fold(t).isdigit()},
        key=lambda w: (df[w], w),
    )
    if len(content) < 4:
        return None
    hidden = set(content[:2])
    return {"title": title, "hidden": " ".join(t for t in tokens if fold(t) not in hidden)}


def build_store(home: Path, papers: list[Paper], vectors: np.ndarray) -> dict[str, int]:
    """The papers in a real store, each titled by its arXiv id (so only its abstract and
    authors are indexed), with its abstract's vector; corpus arXiv id to store key."""
    items = [
        Item(
            source="arxiv-snapshot",
            title=p.arxiv_id or "",
            abstract=p.abstract,
            authors=p.authors,
            arxiv_id=p.arxiv_id,
            categories=p.categories,
            primary_category=p.primary_category,
            announced=p.announced,
            observed_on=p.announced,
        )
        for p in papers
    ]
    with Store.open(home) as store:
        store.upsert(items)
        keys = {p.arxiv_id or "": p.pk for p in store.iter_papers()}
        store.put_embeddings(
            MODEL,
            [
                (keys[p.arxiv_id or ""], content_hash(p.abstract), v.tobytes())
                for p, v in zip(papers, vectors.astype("<f4"), strict=True)
            ],
        )
    return keys


def rankers(store: Store, index: Index, vectors: dict[str, np.ndarray]) -> dict[str, Ranker]:
    encode = vectors.__getitem__

    def product(mode: str) -> Ranker:
        def rank(q: str) -> list[int]:
            found = search(store, q, mode, limit=10, index=index, encode=encode)
            return [p.pk for p, _ in found.hits]

        return rank

    def keyword_any(q: str) -> list[int]:
        return [pk for pk, _ in store.search_keys(q, limit=10, any_word=True)]

    def hybrid_any(q: str) -> list[int]:
        near = [pk for pk, _ in index.nearest(encode(q), DEPTH)]
        return [pk for pk, _ in fuse([lexical(store, q, DEPTH, any_word=True), near])[:10]]

    return {
        "keyword": product("keyword"),
        "keyword-any": keyword_any,
        "semantic": product("semantic"),
        "hybrid": product("hybrid"),
        "hybrid-any": hybrid_any,
    }


def interval(a: np.ndarray, b: np.ndarray, seed: int = 0, rounds: int = 2000) -> tuple[float, ...]:
    """Mean of ``a - b`` and its 95% paired bootstrap interval."""
    diff = a.astype(float) - b.astype(float)
    draws = np.random.default_rng(seed).integers(0, len(diff), (rounds, len(diff)))
    means = diff[draws].mean(axis=1)
    return float(diff.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--cache", type=Path, default=CACHE.with_name("cache-abstracts"))
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--encode-only", action="store_true", help="fill the cache and stop")
    args = parser.parse_args()

    corpus = [p for p in load_corpus(args.corpus) if p.abstract and p.arxiv_id]
    corpus = sorted({p.arxiv_id: p for p in corpus}.values(), key=lambda p: p.arxiv_id or "")
    rng = random.Random(args.seed)
    rng.shuffle(corpus)
    papers = corpus[: args.papers]
    cache = VectorCache(args.cache, MODEL)
    documents = cache.encode([p.abstract for p in papers], progress, "abstracts")
    if args.encode_only:
        return
    df = Counter(w for p in papers for w in set(words(f"{p.title} {p.abstract}")))
    eligible = [(p, q) for p in papers if (q := variants(p.title, df))]
    targets = rng.sample(eligible, args.queries)
    texts = sorted({q for _, qs in targets for q in qs.values()})
    query_rows = cache.encode(texts, progress, "queries")
    vectors = {t: row.astype(np.float32) for t, row in zip(texts, query_rows, strict=True)}

    with tempfile.TemporaryDirectory() as tmp:
        keys = build_store(Path(tmp), papers, documents)
        with Store.open(Path(tmp)) as store:
            results = evaluate(store, Index.load(store, MODEL), vectors, targets, keys)
    report(results, args, len(eligible))


def evaluate(
    store: Store,
    index: Index,
    vectors: dict[str, np.ndarray],
    targets: list[tuple[Paper, dict[str, str]]],
    keys: dict[str, int],
) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """Per variant and mode: the target's rank (0 = not in the top 10) and the seconds taken."""
    found: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for mode, rank in rankers(store, index, vectors).items():
        for variant in VARIANTS:
            ranks, seconds = [], []
            for paper, queries in targets:
                start = time.perf_counter()
                top = rank(queries[variant])
                seconds.append(time.perf_counter() - start)
                want = keys[paper.arxiv_id or ""]
                ranks.append(top.index(want) + 1 if want in top else 0)
            found.setdefault(variant, {})[mode] = {
                "rank": np.array(ranks),
                "seconds": np.array(seconds),
            }
    return found


def report(
    results: dict[str, dict[str, dict[str, np.ndarray]]], args: argparse.Namespace, eligible: int
) -> None:
    rows = []
    for variant, modes in results.items():
        for mode, r in modes.items():
            rank = r["rank"]
            rows.append(
                {
                    "variant": variant,
                    "mode": mode,
                    "recall@1": float((rank == 1).mean()),
                    "recall@10": float((rank > 0).mean()),
                    "ms_p50": float(np.median(r["seconds"]) * 1000),
                }
            )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{args.queries} title queries, {args.papers:,} papers indexed by abstract, "
        f"{eligible:,} eligible titles, seed {args.seed}\n"
    )
    print(f"{'variant':<12} {'mode':<12} {'R@1':>6} {'R@10':>6} {'ms p50':>7}")
    for row in rows:
        print(
            f"{row['variant']:<12} {row['mode']:<12} {row['recall@1']:>6.3f} "
            f"{row['recall@10']:>6.3f} {row['ms_p50']:>7.1f}"
        )
    print("\nrecall@10 differences, 95% paired bootstrap:")
    for variant, modes in results.items():
        hits = {mode: modes[mode]["rank"] > 0 for mode in modes}
        for a, b in (("hybrid", "semantic"), ("hybrid", "keyword-any"), ("hybrid", "hybrid-any")):
            mean, low, high = interval(hits[a], hits[b])
            print(f"  {variant:<12} {a} - {b:<12} {mean:+.3f} [{low:+.3f}, {high:+.3f}]")


if __name__ == "__main__":
    main()
