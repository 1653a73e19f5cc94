"""Text embeddings kept in the store: each paper embedded once per model and text.

``embed_papers`` computes only what is missing or whose text changed, keyed by a content hash,
so re-running it after an ingest costs nothing for papers already embedded; ``start_embedding``
does the same in two steps, so that the ranker can count its tf-idf rows while a forked worker
encodes (``enrich.workers``). The models themselves are in ``enrich.backends``; their names are
re-exported here, where the rest of the product looks for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperradar.enrich.backends import BACKENDS, DEFAULT, Backend, Vectors, backend
from paperradar.enrich.workers import Encoding, SpareEncoder, spare_encoder
from paperradar.models import Paper
from paperradar.store import Store

__all__ = [
    "BACKENDS",
    "DEFAULT",
    "Backend",
    "EmbedStats",
    "PendingEmbedding",
    "SpareEncoder",
    "Vectors",
    "backend",
    "backend_dim",
    "content_hash",
    "embed_papers",
    "embed_papers_and_texts",
    "embed_store",
    "import_vectors",
    "paper_text",
    "spare_encoder",
    "start_embedding",
]


def paper_text(title: str, abstract: str) -> str:
    """What gets embedded: the title, then the abstract."""
    return f"{title.strip()}. {abstract.strip()}".strip()


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class EmbedStats:
    computed: int
    reused: int


def embed_papers(
    store: Store, papers: Sequence[Paper], model: str = DEFAULT
) -> tuple[Vectors, EmbedStats]:
    """Rows for ``papers`` (in order), computing and storing only the missing or stale ones."""
    vectors, _, stats = embed_papers_and_texts(store, papers, [], model)
    return vectors, stats


def embed_papers_and_texts(
    store: Store, papers: Sequence[Paper], texts: Sequence[str], model: str = DEFAULT
) -> tuple[Vectors, Vectors, EmbedStats]:
    """Rows for ``papers`` and for free ``texts`` (topics), reusing stored vectors and computing
    the rest in one backend call."""
    return start_embedding(store, papers, texts, model).result()


def start_embedding(
    store: Store,
    papers: Sequence[Paper],
    texts: Sequence[str],
    model: str = DEFAULT,
    spare: SpareEncoder | None = None,
) -> PendingEmbedding:
    """Begin embedding what the store lacks for ``papers`` and ``texts``; ``result()`` waits.

    When there is much to encode, the backend allows it and a second core is free, a forked
    worker encodes while the caller goes on (the ranker counts its tf-idf rows meanwhile): a
    fresh process spends ~0.7 s loading the static model and ~0.6 s encoding a 1,000-paper day,
    time a second core can absorb. ``spare``, a worker started earlier (``spare_encoder``),
    takes the texts if there are any and is stopped if not."""
    paper_texts = [paper_text(p.title, p.abstract) for p in papers]
    hashes = [content_hash(t) for t in paper_texts]
    stored = store.embeddings(model, [p.pk for p in papers])
    missing = [i for i, p in enumerate(papers) if stored.get(p.pk, ("",))[0] != hashes[i]]
    text_hashes = [content_hash(t) for t in texts]
    known_texts = store.text_embeddings(model, text_hashes)
    new_texts = [i for i, h in enumerate(text_hashes) if h not in known_texts]
    wanted = [paper_texts[i] for i in missing] + [texts[i] for i in new_texts]
    job = Encoding(model, wanted, spare)
    return PendingEmbedding(
        store, model, papers, hashes, stored, missing, text_hashes, known_texts, new_texts, job
    )


@dataclass
class PendingEmbedding:
    """What ``start_embedding`` found stored and set encoding; ``result`` completes it."""

    store: Store
    model: str
    papers: Sequence[Paper]
    hashes: list[str]
    stored: dict[int, tuple[str, bytes]]
    missing: list[int]
    text_hashes: list[str]
    known_texts: dict[str, bytes]
    new_texts: list[int]
    job: Encoding

    def result(self) -> tuple[Vectors, Vectors, EmbedStats]:
        """The rows, once encoded and stored."""
        papers, missing, new_texts = self.papers, self.missing, self.new_texts
        fresh = self.job.result()
        known_texts = self.known_texts
        if fresh is not None:
            self.store.put_embeddings(
                self.model,
                [
                    (papers[i].pk, self.hashes[i], fresh[j].astype("<f4").tobytes())
                    for j, i in enumerate(missing)
                ],
            )
            rows = [fresh[len(missing) + j].astype("<f4").tobytes() for j in range(len(new_texts))]
            self.store.put_text_embeddings(
                self.model, [(self.text_hashes[i], rows[j]) for j, i in enumerate(new_texts)]
            )
            for j, i in enumerate(new_texts):
                known_texts[self.text_hashes[i]] = rows[j]
        stored = self.stored
        dim = fresh.shape[1] if fresh is not None else backend_dim(self.model, stored, known_texts)
        out = np.zeros((len(papers), dim), dtype=np.float32)
        fresh_row = {i: j for j, i in enumerate(missing)}
        for i, paper in enumerate(papers):
            if i in fresh_row and fresh is not None:
                out[i] = fresh[fresh_row[i]]
            else:
                out[i] = np.frombuffer(stored[paper.pk][1], dtype="<f4")
        extra = np.zeros((len(self.text_hashes), dim), dtype=np.float32)
        for i, digest in enumerate(self.text_hashes):
            extra[i] = np.frombuffer(known_texts[digest], dtype="<f4")
        computed = len(missing)
        return out, extra, EmbedStats(computed=computed, reused=len(papers) - computed)


def embed_store(
    store: Store,
    model: str = DEFAULT,
    *,
    batch: int = 256,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed the papers the store has no vector for under ``model`` (newest first, at most
    ``limit``); returns how many. Each ``batch`` is stored as it is done (~10 s of MiniLM on
    one core), so an interrupted run keeps what it encoded and ``on_progress`` moves."""
    todo = store.pks_without_embedding(model, limit)
    done = 0
    for start in range(0, len(todo), batch):
        papers = store.papers_by_pk(todo[start : start + batch])
        embed_papers(store, papers, model)
        done += len(papers)
        if on_progress:
            on_progress(done, len(todo))
    return done


def import_vectors(store: Store, path: Path, model: str = DEFAULT) -> int:
    """Store vectors computed elsewhere (a ``.npz`` of ``hashes`` and ``vectors``, as the demo
    sample ships them) for the papers whose current text has that hash; returns how many.

    Keyed by content hash, so a vector never lands on a paper whose text it was not made from:
    a changed paper is left without one, and embedded afresh when it is next needed."""
    with np.load(path) as saved:
        rows = {str(h): v for h, v in zip(saved["hashes"], saved["vectors"], strict=True)}
    matched = []
    for paper in store.papers_by_pk(store.pks_without_embedding(model)):
        digest = content_hash(paper_text(paper.title, paper.abstract))
        if digest in rows:
            matched.append((paper.pk, digest, rows[digest].astype("<f4").tobytes()))
    store.put_embeddings(model, matched)
    return len(matched)


def backend_dim(
    model: str, stored: dict[int, tuple[str, bytes]], texts: dict[str, bytes] | None = None
) -> int:
    for _, blob in stored.values():
        return len(blob) // 4
    for blob in (texts or {}).values():
        return len(blob) // 4
    cls = BACKENDS.get(model)
    return int(getattr(cls, "dim", 0))
