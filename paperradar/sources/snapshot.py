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
from paperradar.ids import MAX_VERSION, first_doi, normalize_doi, parse_arxiv_id
from paperradar.models import Item
from paperradar.sources.arxiv_rss import split_authors
from paperradar.sources.common import Fields, iso_date, storable
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


def _arxiv(record: Fields) -> tuple[str, int | None]:
    parsed = parse_arxiv_id(record.ident("id"))
    if parsed is None:
        raise ParseError(f"id {record.raw.get('id')!r} is not an arXiv id", origin=record.origin)
    return parsed


def _clean(value: str) -> str:
    if value.isprintable() and "  " not in value and value == value.strip():
        return value  # already clean, as most names are: cheaper to check than to rebuild
    return " ".join(value.split())


def _names(record: Fields) -> tuple[str, ...]:
    # authors_parsed: [surname, forenames, suffix...] per author, each a list of strings.
    authors = []
    for index, parts in enumerate(record.values("authors_parsed")):
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise ParseError(
                f"authors_parsed[{index}] is not a list of strings", origin=record.origin
            )
        ordered = (parts[1] if len(parts) > 1 else "", *parts[:1], *parts[2:])
        authors.append(_clean(" ".join(storable(p) for p in ordered if p)))
    return tuple(authors)


def _snapshot(raw: dict[str, Any], where: str) -> Item:
    record = Fields(raw, where, "record")
    arxiv_id, _ = _arxiv(record)
    authors = _names(record) or split_authors(_clean(record.text("authors")))
    versions = record.objects("versions")
    dates = [iso_date(v.text("created")) for v in versions]
    categories = tuple(record.text("categories").split())
    extra = {
        key.replace("-", "_"): record.text(key)
        for key in ("journal-ref", "comments", "submitter")
        if record.text(key)
    }
    update = record.text("update_date") or None
    return Item(
        source=SNAPSHOT,
        title=_clean(record.text("title")),
        abstract=_clean(record.text("abstract")),
        authors=authors,
        arxiv_id=arxiv_id,
        version=min(len(versions), MAX_VERSION) or None,
        doi=first_doi(record.text("doi")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else update,
        observed_on=update or (dates[-1] if dates else None),
        extra=extra,
    )


def _listing(raw: dict[str, Any], where: str) -> Item:
    record = Fields(raw, where, "record")
    arxiv_id, version = _arxiv(record)
    categories = tuple(record.texts("categories"))
    day = record.text("listing_date")
    return Item(
        source=LISTING,
        title=_clean(record.text("title")),
        abstract=_clean(record.text("summary")),
        authors=tuple(_clean(a) for a in record.texts("authors")),
        arxiv_id=arxiv_id,
        version=version,
        categories=categories,
        primary_category=categories[0] if categories else None,
        announced=day or None,
        observed_on=day or None,
        extra={
            "announce_type": "new",
            **({"comment": record.text("comment")} if record.text("comment") else {}),
        },
    )


def _version(record: Fields) -> int | None:
    version = record.raw.get("version")
    if version is None:
        return None
    if record.count("version") > MAX_VERSION:
        raise ParseError(f"version {version} is not a version", origin=record.origin)
    return record.count("version")


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    # A source's data goes back into the store as JSON: no string in it may hold a lone
    # surrogate (SQLite cannot encode one) or a character the Atom feeds cannot carry.
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return storable(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {storable(k): clean(v) for k, v in value.items()}
        return value

    cleaned: dict[str, Any] = clean(data)
    return cleaned


def _export(raw: dict[str, Any], where: str) -> Iterator[Item]:
    record = Fields(raw, where, "paper")
    links = record.obj("links")
    arxiv = parse_arxiv_id(record.text("arxiv_id"))
    title = _clean(record.text("title"))
    if not title:
        raise ParseError("exported paper without a title", origin=where)
    sources = record.objects("sources") or [Fields({"source": NAME}, where, "paper.sources[0]")]
    for seen in sources:
        yield Item(
            source=seen.text("source") or NAME,
            title=title,
            abstract=_clean(record.text("abstract")),
            authors=tuple(record.texts("authors")),
            arxiv_id=arxiv[0] if arxiv else None,
            version=_version(record),
            doi=normalize_doi(record.text("doi")),
            categories=tuple(record.texts("categories")),
            primary_category=record.text("primary_category") or None,
            announced=record.text("announced") or None,
            published=record.text("published") or None,
            updated=record.text("updated") or None,
            abs_url=links.text("abs") or None,
            pdf_url=links.text("pdf") or None,
            code_url=links.text("code") or None,
            project_url=links.text("project") or None,
            observed_on=seen.text("seen") or None,
            extra=_stored(seen.obj("data").raw),
        )
