"""Encoding on the second core: forked workers that load the model and encode while the caller goes
on. A fresh process spends ~0.7 s loading the static model and ~0.6 s encoding a 1,000-paper day,
time a second core can absorb while the ranker reads the store and counts its tf-idf rows. A
*spare* worker (``spare_encoder``) is forked before the caller knows what to encode, so the model
loads during the store read; ``Encoding`` hands it the texts, or forks a worker then, or encodes on
the spot when a worker would not pay off. A worker with many texts forks a helper from itself after
loading, which shares the loaded model and encodes half. Rows come back through a pipe; a worker
that fails or hangs is replaced by encoding in the caller, where errors surface.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import threading
import time
from collections.abc import Callable

import numpy as np

from paperradar.enrich.backends import BACKENDS, USED_IN, Backend, Vectors, backend

# Why hand-written, not ``concurrent.futures.ProcessPoolExecutor``: measured 2026-12-03 on the
# bench's 1,000-paper new day (fresh ``radar rank`` processes alternating the variants round by
# round, as ``bench/rank_speed.py --tree`` does; two cores shared with other work, load 3 to 8), a
# pool with a fork context and an initializer loading the model was slower than this code: paired
# median +1.25 s over 20 rounds (IQR +0.5 to +2.2, slower in 16), then +0.28 s over 10 more (IQR
# -0.7 to +0.8). Each of its two workers loads the model (0.7 s of a core each) where here one
# loads and its helper inherits it, and the pool runs two threads in the caller. A one-worker pool
# (no split) matched within noise (+0.09 s, then -0.01 s), but so did no worker at all under that
# load; and an unused spare pool cannot be stopped without waiting out its initializer, short of
# killing its private processes.
WORKER_TIMEOUT = 300.0  # seconds before a silent worker is given up on
OVERLAP_FROM = 200  # fewer texts than this are encoded in place: a worker would not pay off
SPLIT_FROM = 400  # fewer texts than this are encoded by one worker, not shared with a second


class Encoding:
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
        and os.getpid() not in USED_IN
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
