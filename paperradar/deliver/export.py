"""Writing papers out: JSON lines in the stable paper schema (re-importable) and BibTeX."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TextIO

from paperradar.ids import fold, surname
from paperradar.models import Paper


def write_json(papers: Iterable[Paper], handle: TextIO) -> int:
    count = 0
    for paper in papers:
        handle.write(json.dumps(paper.to_json(), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_bibtex(papers: Iterable[Paper], handle: TextIO) -> int:
    used: set[str] = set()
    count = 0
    for paper in papers:
        handle.write(bibtex_entry(paper, used) + "\n")
        count += 1
    return count


def bibtex_entry(paper: Paper, used: set[str] | None = None) -> str:
    """One ``@misc`` (arXiv) or ``@article`` (DOI only) entry with a unique citation key."""
    year = (paper.published or paper.announced or paper.updated or "")[:4]
    first_word = next((w for w in fold(paper.title).split() if len(w) > 3), "paper")
    author = surname(paper.authors[0]) if paper.authors else "anon"
    key = re.sub(r"\W", "", f"{author}{year}{first_word}") or "paper"
    if used is not None:
        base, n = key, 1
        while key in used:
            n += 1
            key = f"{base}{n}"
        used.add(key)
    fields = [
        ("title", "{" + _escape(paper.title) + "}"),
        ("author", " and ".join(_escape(a) for a in paper.authors)),
        ("year", year),
    ]
    if paper.arxiv_id:
        fields += [
            ("eprint", paper.arxiv_id),
            ("archivePrefix", "arXiv"),
            ("primaryClass", paper.primary_category or ""),
        ]
    if paper.doi:
        fields.append(("doi", paper.doi))
    fields.append(("url", paper.links["abs"] or ""))
    kind = "misc" if paper.arxiv_id else "article"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def _escape(text: str) -> str:
    return re.sub(r"([&%#_])", r"\\\1", text)
