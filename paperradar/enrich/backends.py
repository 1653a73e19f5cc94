"""The embedding backends: texts in, L2-normalised float32 rows out.

The default, ``minilm``, is all-MiniLM-L6-v2 as an int8 ONNX graph inside the package, run by
onnxruntime (``enrich.onnx``): no torch, ~25 abstracts a second a core, loaded in ~0.2 s. It is
the ranker's main stated-interest signal (on held-out labelled days it beats tf-idf and BM25 by
~+0.1 ROC-AUC; README: evaluation). ``static`` is the 64-d token-lookup model of the PyPI
package ``tokenlearn-static-model``: a few thousand abstracts a second, but too weak to rank or
search by (it ranks below plain tf-idf), kept for machines that cannot spare the encoding time.
A backend is loaded once per process (``backend``); ``enrich.workers`` runs the static one in
forked workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from paperradar.enrich.onnx import OnnxMiniLM
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
    share = 0.2  # of topic similarity: its cosines say little, the words most
    floor = -1.0  # no relevance floor: its cosines do not separate related from unrelated

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import static_model

        # The encoder starts a thread pool on first use, which a forked child would not have.
        USED_IN.add(os.getpid())
        # The package loads its model on its first call in a process (~0.7 s); encoding then
        # costs ~0.6 ms a text.
        return _normalise(static_model.get_embeddings([t or " " for t in texts]))


BACKENDS: dict[str, Callable[[], Backend]] = {"static": StaticBackend, "minilm": OnnxMiniLM}
DEFAULT = "minilm"
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
