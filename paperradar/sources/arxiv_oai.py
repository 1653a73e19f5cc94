"""arXiv's OAI-PMH interface (export.arxiv.org/oai2): full-history harvests with resumption tokens.

Both metadata formats are read: ``arXiv`` (structured authors, created/updated dates) and
``arXivRaw`` (every version with its date, authors as one string). ``noRecordsMatch`` is not an
error, it means nothing new; ``badResumptionToken`` (the token expired or the server forgot it)
restarts the harvest from its beginning once, which is safe because every store write is an
idempotent upsert. The cursor is the newest datestamp harvested, the next run's ``from``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal
from xml.etree.ElementTree import Element

from paperradar.errors import ParseError, SourceError
from paperradar.ids import MAX_VERSION, first_doi, parse_arxiv_id
from paperradar.models import Item
from paperradar.sources.arxiv_rss import split_authors
from paperradar.sources.base import BaseSource, Env, FetchRequest, Following, Options, Page, Source
from paperradar.sources.common import iso_date
from paperradar.sources.xmlsafe import child, children, local, parse_xml, text

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "arxiv-oai"
BASE_URL = "https://export.arxiv.org/oai2"
FORMATS = ("arXiv", "arXivRaw")


@dataclass(frozen=True)
class OaiPage:
    items: list[Item]
    token: str | None
    complete_size: int | None
    newest_datestamp: str | None


def parse(data: bytes, origin: str = "<arxiv oai>") -> Iterator[Item]:
    yield from parse_page(data, origin).items


def parse_page(data: bytes, origin: str = "<arxiv oai>") -> OaiPage:
    root = parse_xml(data, origin)
    if local(root.tag) != "OAI-PMH":
        raise ParseError(
            f"expected an <OAI-PMH> document, found <{local(root.tag)}>", origin=origin
        )
    error = child(root, "error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return OaiPage([], None, 0, None)
        raise SourceError(f"OAI-PMH error {code}: {text(error)}", code=code)
    body = child(root, "ListRecords")
    if body is None:
        body = child(root, "GetRecord")
    if body is None:
        raise ParseError("OAI-PMH response has neither ListRecords nor GetRecord", origin=origin)
    items: list[Item] = []
    newest: str | None = None
    for record in children(body, "record"):
        header = child(record, "header")
        if header is not None and header.get("status") == "deleted":
            continue
        stamp = text(header, "datestamp") if header is not None else ""
        if stamp and (newest is None or stamp > newest):
            newest = stamp
        metadata = child(record, "metadata")
        meta = metadata[0] if metadata is not None and len(metadata) else None
        if meta is None:
            continue
        if local(meta.tag) == "arXivRaw":
            items.append(_raw_item(meta, stamp, origin))
        else:
            items.append(_arxiv_item(meta, stamp, origin))
    token_elem = child(body, "resumptionToken")
    token = text(token_elem) or None
    size = token_elem.get("completeListSize") if token_elem is not None else None
    return OaiPage(items, token, int(size) if size and size.isdigit() else None, newest)


def _common(meta: Element, origin: str) -> tuple[str, list[str], dict[str, object]]:
    arxiv_id = parse_arxiv_id(text(meta, "id"))
    if arxiv_id is None:
        raise ParseError(f"record id {text(meta, 'id')!r} is not an arXiv id", origin=origin)
    categories = text(meta, "categories").split()
    extra: dict[str, object] = {}
    for name in ("comments", "journal-ref", "report-no", "license"):
        value = text(meta, name)
        if value:
            extra[name.replace("-", "_")] = value
    return arxiv_id[0], categories, extra


def _arxiv_item(meta: Element, stamp: str, origin: str) -> Item:
    arxiv_id, categories, extra = _common(meta, origin)
    authors = []
    holder = child(meta, "authors")
    for author in children(holder, "author") if holder is not None else []:
        name = " ".join(p for p in (text(author, "forenames"), text(author, "keyname")) if p)
        if text(author, "suffix"):
            name = f"{name} {text(author, 'suffix')}"
        authors.append(name)
    created = text(meta, "created") or None
    return Item(
        source=NAME,
        title=text(meta, "title"),
        abstract=text(meta, "abstract"),
        authors=tuple(authors),
        arxiv_id=arxiv_id,
        doi=first_doi(text(meta, "doi")),
        categories=tuple(categories),
        primary_category=categories[0] if categories else None,
        published=created,
        updated=text(meta, "updated") or created,
        observed_on=stamp or created,
        extra=extra,
    )


def _raw_item(meta: Element, stamp: str, origin: str) -> Item:
    arxiv_id, categories, extra = _common(meta, origin)
    versions = []
    for version in children(meta, "version"):
        number = re.sub(r"\D", "", version.get("version", ""))
        if len(number) > len(str(MAX_VERSION)):
            raise ParseError(
                f"record {arxiv_id}: version {version.get('version')!r} is not a version",
                origin=origin,
            )
        versions.append((int(number) if number else 0, iso_date(text(version, "date"))))
    # By number alone: two entries of one number may differ in whether their date is known.
    versions.sort(key=lambda v: v[0])
    submitter = text(meta, "submitter")
    if submitter:
        extra["submitter"] = submitter
    return Item(
        source=NAME,
        title=text(meta, "title"),
        abstract=text(meta, "abstract"),
        authors=split_authors(text(meta, "authors")),
        arxiv_id=arxiv_id,
        version=versions[-1][0] if versions else None,
        doi=first_doi(text(meta, "doi")),
        categories=tuple(categories),
        primary_category=categories[0] if categories else None,
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        observed_on=stamp or None,
        extra=extra,
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """ListRecords from ``request.since`` (or yesterday), following resumption tokens."""
    if request.metadata_format not in FORMATS:
        raise SourceError(f"unknown OAI format {request.metadata_format!r}; use arXiv or arXivRaw")
    url = request.base_url or BASE_URL
    since = request.since or (dt.date.today() - dt.timedelta(days=1)).isoformat()
    first: dict[str, str | int] = {
        "verb": "ListRecords",
        "metadataPrefix": request.metadata_format,
        "from": since,
    }
    if request.oai_set:
        first["set"] = request.oai_set
    restarted = False
    params = first
    newest = since
    while True:
        data = fetcher.get(url, params)
        try:
            page = parse_page(data, url)
        except SourceError as exc:
            if exc.code == "badResumptionToken" and not restarted:
                restarted, params = True, first
                continue
            raise
        if page.newest_datestamp and page.newest_datestamp > newest:
            newest = page.newest_datestamp
        yield Page(data, url, cursor=newest, items=tuple(page.items))
        if not page.token:
            return
        params = {"verb": "ListRecords", "resumptionToken": page.token}


class OaiOptions(Options):
    set: str | None = None
    format: Literal["arXiv", "arXivRaw"] = "arXiv"
    base_url: str | None = None


class ArxivOai(BaseSource[OaiOptions]):
    name = NAME
    description = "arXiv OAI-PMH harvest (arXiv / arXivRaw formats, resumption tokens)"
    daily = False  # a harvest is a one-off catch-up, not a daily listing
    options = OaiOptions

    def request(self, options: OaiOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(options, oai_set=options.set, metadata_format=options.format)

    def prepare(self, request: FetchRequest, cursor: str | None) -> FetchRequest:
        # A later harvest resumes from the newest datestamp the last one stored.
        return request if request.since is not None else replace(request, since=cursor)

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)


SOURCE: Source[OaiOptions] = ArxivOai()
