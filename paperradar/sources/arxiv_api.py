"""The arXiv API (export.arxiv.org/api/query): id lookups and search queries with paging.

The API answers in Atom. An invalid id does not give an HTTP error: it gives a feed whose one
entry is an error (its id points at ``/api/errors``); that becomes a ``SourceError`` naming the
problem. Paging follows ``opensearch:totalResults`` and is spaced by the fetcher's 3 s delay.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from paperradar.errors import ParseError, SourceError, UsageError
from paperradar.ids import first_doi, normalize_arxiv_id, parse_arxiv_id
from paperradar.models import Item
from paperradar.sources.base import (
    BaseSource,
    Env,
    FetchRequest,
    Following,
    Options,
    Page,
    Source,
    Strings,
)
from paperradar.sources.common import iso_date
from paperradar.sources.xmlsafe import child, children, local, parse_xml, text

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "arxiv-api"
BASE_URL = "https://export.arxiv.org/api/query"
MAX_PAGE = 2000  # the API refuses larger slices


@dataclass(frozen=True)
class ApiPage:
    items: list[Item]
    total: int
    start: int


def parse(data: bytes, origin: str = "<arxiv api>") -> Iterator[Item]:
    yield from parse_page(data, origin).items


def parse_page(data: bytes, origin: str = "<arxiv api>") -> ApiPage:
    root = parse_xml(data, origin)
    if local(root.tag) != "feed":
        raise ParseError(f"expected an Atom <feed>, found <{local(root.tag)}>", origin=origin)
    items = []
    for entry in children(root, "entry"):
        entry_id = text(entry, "id")
        if "/api/errors" in entry_id:
            raise SourceError(f"arXiv API error: {text(entry, 'summary')}", code="api-error")
        items.append(_item(entry, origin))
    total = _int(text(root, "totalResults"), len(items))
    start = _int(text(root, "startIndex"), 0)
    return ApiPage(items, total, start)


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


def _item(entry: Element, origin: str) -> Item:
    parsed = parse_arxiv_id(text(entry, "id"))
    if parsed is None:
        raise ParseError(f"entry id {text(entry, 'id')!r} is not an arXiv id", origin=origin)
    arxiv_id, version = parsed
    pdf = ""
    for link in children(entry, "link"):
        if link.get("title") == "pdf":
            pdf = link.get("href", "")
    categories = tuple(c.get("term", "") for c in children(entry, "category") if c.get("term"))
    primary = child(entry, "primary_category")
    extra: dict[str, object] = {}
    for field_name, key in (("comment", "comment"), ("journal_ref", "journal_ref")):
        value = text(entry, field_name)
        if value:
            extra[key] = value
    return Item(
        source=NAME,
        title=text(entry, "title"),
        abstract=text(entry, "summary"),
        authors=tuple(text(a, "name") for a in children(entry, "author")),
        arxiv_id=arxiv_id,
        version=version,
        doi=first_doi(text(entry, "doi")),
        categories=categories,
        primary_category=primary.get("term") if primary is not None else None,
        published=iso_date(text(entry, "published")),
        updated=iso_date(text(entry, "updated")),
        pdf_url=None if pdf.startswith("https://arxiv.org/pdf/") else (pdf or None),
        observed_on=iso_date(text(entry, "updated")),
        extra=extra,
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """Pages of an id list or a search query, until ``max_results`` or the end of the results."""
    if not request.ids and not request.query:
        raise UsageError("arxiv-api needs --id ID (repeatable) or --query QUERY")
    ids = []
    for raw in request.ids:
        arxiv_id = normalize_arxiv_id(raw)
        if arxiv_id is None:
            raise UsageError(
                f"{raw!r} is not an arXiv id (expected e.g. 2506.01234 or hep-th/9901001)"
            )
        # Keep an explicit version if one was asked for.
        parsed = parse_arxiv_id(raw)
        version = parsed[1] if parsed else None
        ids.append(f"{arxiv_id}v{version}" if version else arxiv_id)
    url = request.base_url or BASE_URL
    wanted = request.max_results or (len(ids) if ids else 100)
    size = min(request.page_size, MAX_PAGE, wanted)
    start = 0
    while start < wanted:
        params: dict[str, str | int] = {
            "start": start,
            "max_results": min(size, wanted - start),
        }
        if ids:
            params["id_list"] = ",".join(ids)
        if request.query:
            params["search_query"] = request.query
            params["sortBy"] = "submittedDate"
            params["sortOrder"] = "descending"
        data = fetcher.get(url, params)
        page = parse_page(data, url)
        yield Page(data, f"{url}?start={start}", items=tuple(page.items))
        start += len(page.items)
        if not page.items or start >= page.total:
            break


class ArxivApiOptions(Options):
    query: str | None = None
    ids: Strings = ()
    max: int | None = None
    base_url: str | None = None


class ArxivApi(BaseSource[ArxivApiOptions]):
    name = NAME
    description = "arXiv API queries and id lookups (export.arxiv.org, 3 s between calls)"
    options = ArxivApiOptions

    def request(self, options: ArxivApiOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(options, query=options.query, ids=options.ids)

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)


SOURCE: Source[ArxivApiOptions] = ArxivApi()
