"""Bulk import of JSON-lines files: arXiv's public metadata snapshot and the other dumps we meet.

Each line is one JSON object; its shape says what it is:
- the arXiv metadata snapshot (``versions``, ``authors_parsed``, ``update_date`` …),
- a daily-listing corpus line (``listing_date`` plus id, title, summary, authors, categories),
- a Hugging Face daily_papers entry stamped with ``_daily_date``,
- a paper as ``radar export --format json`` writes it (``links`` and ``sources``).
Files may be gzip-compressed. Errors name the file and the line.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from paperradar.errors import ParseError
from paperradar.ids import first_doi, normalize_doi, parse_arxiv_id
from paperradar.models import Item
from paperradar.sources.arxiv_rss import split_authors
from paperradar.sources.common import iso_date
from paperradar.sources.hf_daily import entry_to_item

NAME = "import"
SNAPSHOT = "arxiv-snapshot"
LISTING = "arxiv"


def open_lines(path: Path) -> IO[bytes]:
    """The file as a binary stream, transparently gunzipped."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", origin=str(path)) from exc
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return io.BufferedReader(raw)


def parse_lines(lines: Iterable[bytes], origin: str) -> Iterator[Item]:
    number = 0
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except UnicodeDecodeError as exc:
                raise ParseError(f"line {number}: not UTF-8 text", origin=origin) from exc
            except json.JSONDecodeError as exc:
                raise ParseError(
                    f"line {number}, column {exc.colno}: malformed JSON ({exc.msg})", origin=origin
                ) from exc
            if not isinstance(record, dict):
                raise ParseError(f"line {number}: expected a JSON object", origin=origin)
            yield from _record(record, f"{origin}:{number}")
    except (OSError, EOFError) as exc:  # a truncated or corrupt gzip stream
        raise ParseError(f"line {number + 1}: cannot read ({exc})", origin=origin) from exc


def parse(data: bytes, origin: str = "<import>") -> Iterator[Item]:
    yield from parse_lines(data.splitlines(), origin)


def _record(record: dict[str, Any], where: str) -> Iterator[Item]:
    if "versions" in record or "authors_parsed" in record:
        yield _snapshot(record, where)
    elif "listing_date" in record:
        yield _listing(record, where)
    elif "_daily_date" in record and isinstance(record.get("paper"), dict):
        yield entry_to_item(record, where)
    elif "links" in record and "sources" in record:
        yield from _export(record, where)
    else:
        keys = ", ".join(sorted(record)[:8])
        raise ParseError(f"unrecognised record (keys: {keys})", origin=where)


def _arxiv(value: Any, where: str) -> tuple[str, int | None]:
    parsed = parse_arxiv_id(str(value or ""))
    if parsed is None:
        raise ParseError(f"id {value!r} is not an arXiv id", origin=where)
    return parsed


def _clean(text: Any) -> str:
    value = str(text or "")
    if value.isprintable() and "  " not in value and value == value.strip():
        return value  # already clean, as most names are: cheaper to check than to rebuild
    return " ".join(value.split())


def _snapshot(record: dict[str, Any], where: str) -> Item:
    arxiv_id, _ = _arxiv(record.get("id"), where)
    parsed_authors = record.get("authors_parsed")
    if parsed_authors:
        authors = tuple(
            _clean(" ".join(p for p in (a[1] if len(a) > 1 else "", a[0], *a[2:]) if p))
            for a in parsed_authors
        )
    else:
        authors = split_authors(_clean(record.get("authors")))
    versions = record.get("versions") or []
    dates = [iso_date(v.get("created")) for v in versions if isinstance(v, dict)]
    categories = tuple(str(record.get("categories") or "").split())
    extra = {
        key.replace("-", "_"): record[key]
        for key in ("journal-ref", "comments", "submitter")
        if record.get(key)
    }
    return Item(
        source=SNAPSHOT,
        title=_clean(record.get("title")),
        abstract=_clean(record.get("abstract")),
        authors=authors,
        arxiv_id=arxiv_id,
        version=len(versions) or None,
        doi=first_doi(record.get("doi")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else record.get("update_date"),
        observed_on=record.get("update_date") or (dates[-1] if dates else None),
        extra=extra,
    )


def _listing(record: dict[str, Any], where: str) -> Item:
    arxiv_id, version = _arxiv(record.get("id"), where)
    categories = tuple(record.get("categories") or ())
    day = str(record["listing_date"])
    return Item(
        source=LISTING,
        title=_clean(record.get("title")),
        abstract=_clean(record.get("summary")),
        authors=tuple(_clean(a) for a in record.get("authors") or ()),
        arxiv_id=arxiv_id,
        version=version,
        categories=categories,
        primary_category=categories[0] if categories else None,
        announced=day,
        observed_on=day,
        extra={
            "announce_type": "new",
            **({"comment": record["comment"]} if record.get("comment") else {}),
        },
    )


def _export(record: dict[str, Any], where: str) -> Iterator[Item]:
    links = record.get("links") or {}
    arxiv = parse_arxiv_id(str(record.get("arxiv_id") or ""))
    title = _clean(record.get("title"))
    if not title:
        raise ParseError("exported paper without a title", origin=where)
    sources = record.get("sources") or [{"source": NAME, "seen": None, "data": {}}]
    for seen in sources:
        yield Item(
            source=str(seen.get("source") or NAME),
            title=title,
            abstract=_clean(record.get("abstract")),
            authors=tuple(record.get("authors") or ()),
            arxiv_id=arxiv[0] if arxiv else None,
            version=record.get("version"),
            doi=normalize_doi(record.get("doi")),
            categories=tuple(record.get("categories") or ()),
            primary_category=record.get("primary_category"),
            announced=record.get("announced"),
            published=record.get("published"),
            updated=record.get("updated"),
            abs_url=links.get("abs"),
            pdf_url=links.get("pdf"),
            code_url=links.get("code"),
            project_url=links.get("project"),
            observed_on=seen.get("seen"),
            extra=dict(seen.get("data") or {}),
        )
