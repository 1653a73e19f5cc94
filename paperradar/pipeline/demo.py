"""``radar demo``: the product end to end on a real sample shipped inside the package.

The sample is five consecutive days of arXiv listings (metadata is CC0) and the Hugging Face
Daily Papers of the same days, both taken from the shared corpus by scripts/make_sample.py. The
demo imports them into a fresh store, gives it a sample reader (two topics, LLM inference
efficiency and RL post-training, and one liked paper from an earlier day), ranks the latest
listing day for that reader (the ranking is kept in the store, as `radar run` keeps it) and
writes that day's briefing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from paperradar.brief import Briefing, build, render
from paperradar.enrich.embed import import_vectors
from paperradar.ingest import import_file
from paperradar.models import Paper
from paperradar.rank import RankResult
from paperradar.rank.stage import ranked
from paperradar.store import DB_NAME, Store

SAMPLE_FILES = ("sample_arxiv.jsonl.gz", "sample_hf.jsonl.gz")
# The sample's MiniLM vectors (scripts/embed_sample.py): what ingest would have stored, saving
# the demo a minute of encoding 1,505 texts on two cores.
SAMPLE_VECTORS = "sample_minilm.npz"
SAMPLE_TOPICS = (
    "efficient inference for large language models: speculative decoding, KV cache "
    "compression, quantization, sparse attention, faster decoding",
    "reinforcement learning post-training of language models: GRPO, RLVR, reward models, "
    "policy optimization for reasoning",
)
SAMPLE_LIKE = "memory sparse attention long context"  # found by search among earlier days


@dataclass(frozen=True)
class DemoResult:
    day: str
    papers: list[Paper]
    total: int
    listing_days: int
    hf_entries: int
    ranking: RankResult
    briefing: Briefing
    written: tuple[Path, ...]


def sample_paths() -> list[Path]:
    base = resources.files("paperradar") / "data"
    return [Path(str(base / name)) for name in SAMPLE_FILES]


def import_sample(store: Store) -> tuple[int, int]:
    """The sample's papers and their vectors into ``store``: (HF entries, vectors stored)."""
    _, hf = (import_file(store, path) for path in sample_paths())
    vectors = Path(str(resources.files("paperradar") / "data" / SAMPLE_VECTORS))
    return hf.items, import_vectors(store, vectors, "minilm")


def run_demo(home: Path, *, progress: bool = True, limit: int = 15) -> DemoResult:
    """Import the sample into a fresh store under ``home`` and return its latest day."""
    for suffix in ("", "-wal", "-shm"):
        (home / f"{DB_NAME}{suffix}").unlink(missing_ok=True)
    with Store.open(home) as store:
        hf_entries, _ = import_sample(store)
        days = store.days()
        listing_days = sorted({d for d, _ in days if store.papers(day=d, source="arxiv", limit=1)})
        latest = listing_days[-1]
        for topic in SAMPLE_TOPICS:
            store.add_profile("topic", topic)
        for paper, _ in store.search(SAMPLE_LIKE, limit=20):
            if (paper.announced or "") < latest:
                store.set_feedback(
                    f"arxiv:{paper.arxiv_id}", "like", pk=paper.pk, label=paper.title, origin="demo"
                )
                break
        ranking = ranked(store, latest)  # stored, so `radar serve` opens on it at once
        briefing = build(store, latest, ranking=ranking)
        written = []
        for fmt in ("md", "html"):
            path = home / f"briefing.{fmt}"
            path.write_text(render(briefing, fmt), encoding="utf-8")
            written.append(path)
        return DemoResult(
            day=latest,
            papers=store.papers(day=latest, source="arxiv", limit=limit),
            total=store.count(),
            listing_days=len(listing_days),
            hf_entries=hf_entries,
            ranking=ranking,
            briefing=briefing,
            written=tuple(written),
        )
