"""The labelled data ``radar eval`` measures on, always named by the caller.

The package ships none of it: a labelled-data folder (``--data DIR`` or ``RADAR_EVAL_DATA``) holds
the arXiv corpus, ``corpus/arxiv_listings_*.jsonl.gz`` (or ``corpus.jsonl.gz``, the layout of the
small slice in ``tests/data/eval``), gzip JSON lines with ``listing_date``, and ``relevance/``,
one ``gpt_paper_assistant_*`` folder per deployment whose judged days are mapped onto the corpus
here. ``--corpus FILE`` and ``--relevance DIR`` name either part on its own.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperradar.errors import UsageError
from paperradar.models import Paper

HOW_TO_POINT = (
    "pass --data DIR, the labelled-data folder holding corpus/arxiv_listings_*.jsonl.gz and "
    "relevance/ (from this project's checkout: --data ../shared/data), or set "
    "RADAR_EVAL_DATA=DIR; --corpus FILE and --relevance DIR name the two parts one by one"
)


def locate(
    data: Path | None, corpus: Path | None, relevance: Path | None, *, labels: bool
) -> tuple[Path, Path | None]:
    """The corpus file and relevance folder to use: the ones named, else those in ``data``.
    ``labels`` says whether the relevance folder is needed (the stated-interests task)."""
    if corpus is None:
        if data is None:
            raise UsageError(
                f"radar eval needs labelled data, which is not shipped: {HOW_TO_POINT}"
            )
        corpus = _corpus_in(data)
    if labels and relevance is None:
        if data is None:
            raise UsageError(f"the stated-interests task needs relevance labels: {HOW_TO_POINT}")
        relevance = data / "relevance"
        if not relevance.is_dir():
            raise UsageError(f"no relevance/ folder in {data}: {HOW_TO_POINT}")
    return corpus, relevance


def _corpus_in(data: Path) -> Path:
    if (data / "corpus.jsonl.gz").is_file():
        return data / "corpus.jsonl.gz"
    found = sorted((data / "corpus").glob("arxiv_listings_*.jsonl.gz"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(f"no corpus in {data}: {HOW_TO_POINT}")
    raise UsageError(f"{len(found)} corpora in {data / 'corpus'}: pick one with --corpus FILE")


def load_corpus(path: Path) -> list[Paper]:
    """The corpus as Papers (``pk`` = line number, ``announced`` = listing date)."""
    if not path.exists():
        raise UsageError(f"corpus not found: {path} (pass --corpus FILE or --data DIR)")
    papers = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            r = json.loads(line)
            papers.append(
                Paper.of(
                    number,
                    " ".join(r["title"].split()),
                    " ".join((r.get("summary") or "").split()),
                    authors=tuple(r.get("authors") or ()),
                    categories=tuple(r.get("categories") or ()),
                    arxiv_id=r["id"],
                    announced=r["listing_date"],
                )
            )
    return papers


@dataclass(frozen=True)
class LabelledDay:
    reader: str
    day: str  # corpus listing date
    topics: tuple[str, ...]
    relevance: dict[str, int] = field(hash=False)


def split_interests(text: str) -> list[str]:
    """A gpt_paper_assistant interests prompt as separate topic texts.

    Numbered items and headed sections become topics; "Not relevant" paragraphs are dropped
    (their words describe what the reader does not want).
    """
    topics: list[str] = []
    heading = ""
    # "5. Integration" and "5.Integration" both start an item; "3.5 times" does not.
    for block in re.split(r"\n\s*\n|\n(?=\s*\d+\.(?:\s|[A-Za-z]))", text):
        block = " ".join(block.split())
        if not block:
            continue
        if re.match(r"(?i)not relevant\b", block):
            continue
        if re.match(r"(?i)relevant\s*:", block):
            topics.append(f"{heading}. {block.split(':', 1)[1].strip()}".strip(". "))
            heading = ""
            continue
        if heading:
            topics.append(heading)
        if len(block) < 120 and not re.match(r"\d+\.(?:\s|[A-Za-z])", block):
            heading = block  # a section title; its "Relevant:" paragraph follows
        else:
            topics.append(re.sub(r"^\d+\.(?=\s|[A-Za-z])\s*", "", block))
            heading = ""
    if heading:
        topics.append(heading)
    return topics


def load_labelled_days(relevance_dir: Path, corpus: Sequence[Paper]) -> list[LabelledDay]:
    """Every judged day of every deployment under ``relevance_dir`` mapped onto the corpus."""
    by_day: dict[str, set[str]] = defaultdict(set)
    for paper in corpus:
        if paper.announced and paper.arxiv_id:
            by_day[paper.announced].add(paper.arxiv_id)
    days: list[LabelledDay] = []
    for folder in sorted(relevance_dir.glob("gpt_paper_assistant_*")):
        history = folder / "output_json_history.jsonl.gz"
        topics_file = folder / "paper_topics_by_sha.json"
        if not history.exists() or not topics_file.exists():
            continue
        topics = json.loads(topics_file.read_text())
        with gzip.open(history, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                labels = {k: int(v.get("RELEVANCE") or 0) for k, v in record["data"].items()}
                day = _listing_day(record["commit_date"][:10], set(labels), by_day)
                text = topics.get(record.get("paper_topics_sha", ""))
                if day is None or not text:
                    continue
                listed = by_day[day]
                days.append(
                    LabelledDay(
                        reader=folder.name.removeprefix("gpt_paper_assistant_"),
                        day=day,
                        topics=tuple(split_interests(text)),
                        relevance={k: v for k, v in labels.items() if k in listed},
                    )
                )
    # A deployment sometimes commits the same listing twice; keep its first judgement.
    unique: dict[tuple[str, str], LabelledDay] = {}
    for labelled in days:
        unique.setdefault((labelled.reader, labelled.day), labelled)
    return sorted(unique.values(), key=lambda d: (d.reader, d.day))


def _listing_day(commit: str, ids: set[str], by_day: dict[str, set[str]]) -> str | None:
    if not ids:
        return None
    base = dt.date.fromisoformat(commit)
    best, overlap = None, 0
    for offset in (0, -1, 1, -2, -3):
        day = (base + dt.timedelta(days=offset)).isoformat()
        found = len(ids & by_day.get(day, set()))
        if found > overlap:
            best, overlap = day, found
    return best if overlap * 2 >= len(ids) else None
