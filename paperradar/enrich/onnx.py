"""all-MiniLM-L6-v2 on onnxruntime: the default sentence encoder, with no torch at run time.

The weights travel inside the package (``enrich/minilm/``: an int8 ONNX graph exported once
from the Apache-2.0 model and its tokenizer; PROVENANCE.md there says how, and
``make model`` rebuilds them). Encoding is what sentence-transformers does for this model:
word pieces truncated at 256, the encoder's token vectors averaged over the attention mask,
then L2-normalised. Per-channel int8 keeps the vectors at cosine ~0.995 to the torch model's
while encoding twice as fast as fp32 (STACK.md: 20-22 abstracts/s on one thread, 29-34 on two).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from paperradar.errors import ConfigError

Vectors = np.ndarray[Any, np.dtype[np.float32]]

MAX_TOKENS = 256  # the model's own max_seq_length; longer texts are cut, as upstream does
DIM = 384


def model_dir() -> Path:
    """Where the bundled model files are."""
    return Path(str(resources.files("paperradar.enrich") / "minilm"))


def threads() -> int:
    """onnxruntime's intra-op threads: RADAR_EMBED_THREADS, else up to two cores.

    Two threads encode ~1.5 times faster than one on an idle 2-core machine; on a busy one a single
    thread does as well, so a server sharing its cores can set RADAR_EMBED_THREADS=1."""
    raw = os.environ.get("RADAR_EMBED_THREADS", "")
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"RADAR_EMBED_THREADS must be a whole number, not {raw!r}") from None
        if value < 1:
            raise ConfigError("RADAR_EMBED_THREADS must be at least 1")
        return value
    return max(1, min(2, os.cpu_count() or 1))


class OnnxMiniLM:
    """The bundled all-MiniLM-L6-v2 (int8 ONNX) with its word-piece tokenizer."""

    name = "minilm"
    dim = DIM
    overlap = False  # onnxruntime keeps a thread pool, which a forked worker would not have
    # The ranker's use of it (``rank.backend_weights``): the share of topic similarity that is
    # semantic (0.8; the fusion weight chosen on one labelled reader held for the other), and
    # the cosine a topic match needs. At 0.20, 2-3% of the papers the labelled readers' judge
    # rated 7+ fall below it (0.032 and 0.023) and a fifth of the rest do.
    share = 0.8
    floor = 0.20

    def __init__(self, directory: Path | None = None, num_threads: int | None = None) -> None:
        directory = directory or model_dir()
        graph, vocab = directory / "model.onnx", directory / "tokenizer.json"
        if not graph.is_file() or not vocab.is_file():
            raise ConfigError(
                f"the MiniLM model files are missing from {directory}; reinstall Paper Radar "
                "(`pip install -e .`) or rebuild them with `make model`"
            )
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads or threads()
        options.inter_op_num_threads = 1
        # onnxruntime prints graph-optimisation warnings at level 2 and below.
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()

    def encode(
        self, texts: Sequence[str], on_progress: Callable[[int], None] | None = None
    ) -> Vectors:
        """One unit-length row per text; ``on_progress`` hears how many are done.

        Texts go through the graph one at a time. Dynamic int8 quantisation scales activations
        by each batch's range, so in a batch a text's vector shifted with its neighbours
        (cosine 0.996 to itself alone); one at a time it depends on the text only, and is no
        slower (24 texts/s either way on one thread here: no padding to compute)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for n, encoding in enumerate(
            self._tokenizer.encode_batch([t if t.strip() else " " for t in texts])
        ):
            ids = np.array([encoding.ids], dtype=np.int64)
            mask = np.ones_like(ids)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[n] = _mean_pool(self._session.run(None, feeds)[0], mask)[0]
            if on_progress and (n + 1) % 32 == 0:
                on_progress(n + 1)
        if on_progress and texts:
            on_progress(len(texts))
        return out


def _mean_pool(tokens: Any, mask: Any) -> Vectors:
    weights = mask[..., None].astype(np.float32)
    summed = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
    pooled: Vectors = (summed / norms).astype(np.float32)
    return pooled
