"""How a source's report of a paper is folded into the paper we already hold (pure, no SQL).

The rules make ingestion order-independent and idempotent: a higher arXiv version replaces the
text fields (title, abstract, authors, categories); anything else only fills what is missing;
the first-announced and published dates keep the earliest value, the updated date the latest.
Links that can be derived from the arXiv id are not stored.
"""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any, NamedTuple

from paperradar.ids import title_key
from paperradar.models import ARXIV_ABS, ARXIV_PDF, Item

Row = dict[str, Any]

# The papers table's columns besides ``pk``: the one list its statements (papers.PAPERS), the rows
# folded here, and the Papers read back (papers._paper) are all derived from.
COLUMNS = (
    "arxiv_id",
    "version",
    "doi",
    "title_key",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "announced",
    "published",
    "updated",
    "abs_url",
    "pdf_url",
    "code_url",
    "project_url",
)
_DERIVED = ("title_key", "authors", "categories", "primary_category", "abs_url", "pdf_url")
_COPIED = tuple(name for name in COLUMNS if name not in _DERIVED)
_copied = attrgetter(*_COPIED)  # in C: item_row runs once per paper of a bulk import
_TEXT = ("title", "abstract", "authors", "categories", "primary_category")
_FILL = ("doi", "code_url", "project_url", "abs_url", "pdf_url")


def item_row(item: Item) -> Row:
    """The columns an Item alone would give a new paper: its fields of the same names, but for
    the columns stored encoded or derived (``_DERIVED``)."""
    row: Row = dict(zip(_COPIED, _copied(item), strict=True))
    row["title_key"] = title_key(item.title, item.authors)
    row["authors"] = json.dumps(list(item.authors), ensure_ascii=False) if item.authors else "[]"
    row["categories"] = " ".join(item.categories)
    row["primary_category"] = item.primary_category or (
        item.categories[0] if item.categories else None
    )
    row["abs_url"] = _keep_link(item.abs_url, item.arxiv_id, ARXIV_ABS)
    row["pdf_url"] = _keep_link(item.pdf_url, item.arxiv_id, ARXIV_PDF)
    return row


class Prepared(NamedTuple):
    """An Item reduced to what the store writes: its paper row and its observation.

    Preparing is pure and the costly part of an upsert short of SQL, so bulk import does it in a
    worker process and hands the store only these (a plain tuple pickles cheaply)."""

    row: Row
    source: str
    observed_on: str | None
    data: str  # the observation's JSON


def prepare(item: Item) -> Prepared:
    data = json.dumps(item.extra, ensure_ascii=False, sort_keys=True) if item.observed_on else ""
    return Prepared(item_row(item), item.source, item.observed_on, data)


def _keep_link(url: str | None, arxiv_id: str | None, pattern: str) -> str | None:
    if not url:
        return None
    if arxiv_id and url.rstrip("/").startswith(pattern.format(arxiv_id)):
        return None
    return url


def merge(old: Row, new: Row) -> Row:
    """``old`` updated with ``new`` under the rules of this module (neither is modified)."""
    merged = dict(old)
    newer = new["version"] is not None and (
        old["version"] is None or new["version"] > old["version"]
    )
    for name in _TEXT:
        if _empty(new[name]):
            continue
        if newer or _empty(old[name]):
            merged[name] = new[name]
    for name in _FILL:
        if _empty(old[name]) and not _empty(new[name]):
            merged[name] = new[name]
    if old["arxiv_id"] is None and new["arxiv_id"] is not None:
        merged["arxiv_id"] = new["arxiv_id"]
    if newer:
        merged["version"] = new["version"]
    merged["announced"] = _earliest(old["announced"], new["announced"])
    merged["published"] = _earliest(old["published"], new["published"])
    merged["updated"] = _latest(old["updated"], new["updated"])
    if merged["title"] != old["title"] or merged["authors"] != old["authors"]:
        merged["title_key"] = title_key(merged["title"], json.loads(merged["authors"]))
    return merged


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == "[]"


def _earliest(a: str | None, b: str | None) -> str | None:
    return min(a, b) if a and b else a or b


def _latest(a: str | None, b: str | None) -> str | None:
    return max(a, b) if a and b else a or b
