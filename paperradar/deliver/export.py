"""Writing papers out: JSON lines in the stable paper schema (re-importable) and BibTeX.

BibTeX is written by bibtexparser (imported only when BibTeX is asked for): one ``@misc`` entry
per arXiv paper, ``@article`` for a paper known only by DOI, with a citation key that is unique
within the file. Text is kept as Unicode; only the characters LaTeX would misread are escaped,
so what is written reads back, through bibtexparser and its LaTeX decoding, as the same text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, TextIO

from paperradar.ids import fold, surname
from paperradar.models import Paper

if TYPE_CHECKING:
    from bibtexparser.model import Entry

_BATCH = 500  # entries per write: the file streams out instead of being built whole


def write_json(papers: Iterable[Paper], handle: TextIO) -> int:
    count = 0
    for paper in papers:
        handle.write(json.dumps(paper.to_json(), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_bibtex(papers: Iterable[Paper], handle: TextIO) -> int:
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.middlewares import AddEnclosingMiddleware
    from bibtexparser.model import Block
    from bibtexparser.writer import BibtexFormat

    layout = BibtexFormat()  # type: ignore[no-untyped-call]  # bibtexparser 2.1 leaves it untyped
    layout.indent = "  "
    layout.block_separator = "\n"  # entries end in a newline: one blank line between them
    # Values are enclosed in braces, the library's own entries changed in place (they are
    # thrown away after writing, and copying them would double the time).
    enclose = AddEnclosingMiddleware(
        allow_inplace_modification=True,
        default_enclosing="{",
        reuse_previous_enclosing=False,
        enclose_integers=True,
    )
    count = 0
    entries = bibtex_entries(papers)
    while batch := list[Block](islice(entries, _BATCH)):
        text = write_string(Library(batch), unparse_stack=[enclose], bibtex_format=layout)
        handle.write(text + "\n")
        count += len(batch)
    return count


def bibtex_entries(papers: Iterable[Paper]) -> Iterator[Entry]:
    """One entry per paper, in order, each with a citation key not used before in the file."""
    from bibtexparser.model import Entry, Field

    used: set[str] = set()
    for paper in papers:
        year = (paper.published or paper.announced or paper.updated or "")[:4]
        fields = [
            # Doubled braces keep the title's capitals as they are in any bibliography style.
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
        yield Entry(
            "misc" if paper.arxiv_id else "article",
            _citation_key(paper, year, used),
            [Field(name, value) for name, value in fields if value],
        )


def _citation_key(paper: Paper, year: str, used: set[str]) -> str:
    """``surnameYEARword`` (the first word of the title longer than three letters), with a
    number appended when the file already has that key."""
    first_word = next((w for w in fold(paper.title).split() if len(w) > 3), "paper")
    author = surname(paper.authors[0]) if paper.authors else "anon"
    key = base = re.sub(r"\W", "", f"{author}{year}{first_word}") or "paper"
    n = 1
    while key in used:
        n += 1
        key = f"{base}{n}"
    used.add(key)
    return key


def _escape(text: str) -> str:
    """``text`` safe inside a braced BibTeX value: LaTeX's special characters escaped, and braces
    dropped if they do not pair up (an unpaired brace would end the value or the entry)."""
    if not _balanced(text):
        text = text.replace("{", "").replace("}", "")
    return re.sub(r"([&%#_])", r"\\\1", text)


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.findall(r"[{}]", text):
        depth += 1 if char == "{" else -1
        if depth < 0:
            return False
    return depth == 0
