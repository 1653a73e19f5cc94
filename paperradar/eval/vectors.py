"""Embeddings of an evaluation corpus, computed once and kept in a folder between runs.

The MiniLM encoder writes ~25 abstracts a second a core, so the 75k-paper corpus costs the
better part of an hour the first time; every later ``radar eval`` or ``bench/rank_eval.py``
reads the vectors back in seconds. Vectors are keyed by the content hash of the embedded text
(``enrich.embed.content_hash``), so a corpus that changes, or a text the liked-papers task
rewrites, is encoded afresh rather than matched to a stale row. Each batch of new vectors is
saved as it is made (float16, ``<model>-<first hash>.npz``): an interrupted build resumes.
``radar eval`` keeps the folder under the user cache directory unless ``--vectors DIR`` names
one; the bench scripts use ``bench/cache``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from paperradar.enrich.embed import Vectors, backend, content_hash

SAVE_EVERY = 512  # texts per saved batch: an interrupted build loses at most ~20 s of work

Progress = Callable[[str, int, int], None]


def default_folder() -> Path:
    """Where ``radar eval`` keeps corpus vectors when no ``--vectors DIR`` is given."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("paper-radar", appauthor=False)) / "eval-vectors"


class VectorCache:
    """Vectors by text hash for one model, backed by ``folder``. ``progress`` is told of every
    saved batch when ``encode`` is not given its own (the eval's rankers share one cache, and
    the command's progress bar with it)."""

    def __init__(
        self,
        folder: Path,
        model: str = "minilm",
        progress: Progress | None = None,
        *,
        only_cached: bool = False,
    ) -> None:
        self.folder = folder
        self.model = model
        self.progress = progress
        # Encode nothing, give zero rows for what is missing: for a bench run while the corpus is
        # still being encoded, on the days whose texts are all cached (``has``).
        self.only_cached = only_cached
        self._rows: dict[str, np.ndarray[Any, Any]] = {}
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        for path in sorted(self.folder.glob(f"{self.model}-*.npz")):
            if path.name.endswith(".tmp.npz"):
                continue  # a batch another process is still writing
            with np.load(path) as saved:
                for digest, row in zip(saved["hashes"], saved["vectors"], strict=True):
                    self._rows[str(digest)] = row
        self._loaded = True

    def __len__(self) -> int:
        self._load()
        return len(self._rows)

    def missing(self, texts: Sequence[str]) -> int:
        """How many distinct ``texts`` ``encode`` would have to encode."""
        self._load()
        return len({h for h in map(content_hash, texts) if h not in self._rows})

    def has(self, texts: Sequence[str]) -> bool:
        return self.missing(texts) == 0

    def encode(
        self, texts: Sequence[str], progress: Progress | None = None, label: str = "embedding"
    ) -> Vectors:
        """One float32 row per text: cached rows as they are, the rest encoded and saved."""
        self._load()
        hashes = [content_hash(t) for t in texts]
        todo = sorted({h: i for i, h in enumerate(hashes) if h not in self._rows}.values())
        if todo and not self.only_cached:
            todo_texts, todo_hashes = [texts[i] for i in todo], [hashes[i] for i in todo]
            self._encode(todo_texts, todo_hashes, progress or self.progress, label)
        if not texts:
            return np.zeros((0, backend(self.model).dim), dtype=np.float32)
        if todo and self.only_cached:
            dim = len(next(iter(self._rows.values()))) if self._rows else backend(self.model).dim
            zero = np.zeros(dim, dtype=np.float16)
            return np.vstack([self._rows.get(h, zero) for h in hashes]).astype(np.float32)
        return np.vstack([self._rows[h] for h in hashes]).astype(np.float32)

    def _encode(
        self, texts: list[str], hashes: list[str], progress: Progress | None, label: str
    ) -> None:
        encoder = backend(self.model)
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        for start in range(0, len(texts), SAVE_EVERY):
            batch = encoder.encode(texts[start : start + SAVE_EVERY]).astype(np.float16)
            names = hashes[start : start + SAVE_EVERY]
            path = self.folder / f"{self.model}-{names[0]}.npz"
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, hashes=np.array(names), vectors=batch)
            tmp.replace(path)  # a batch is there whole or not at all
            self._rows.update(zip(names, batch, strict=True))
            if progress:
                done = min(start + SAVE_EVERY, len(texts))
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress(f"{label} ({rate:.0f}/s)", done, len(texts))
