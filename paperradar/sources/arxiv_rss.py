"""arXiv's daily listings from rss.arxiv.org, in both the RSS 2.0 and the Atom variant.

Each listing is one category's announcements of the day. An entry's announce type tells what it
is: ``new`` (first announcement), ``cross`` (a cross-list from another category), ``replace`` or
``replace-cross`` (a new version). Only new and cross entries set the paper's first-announced date;
replacements update the paper to the version they carry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from paperradar.errors import ParseError, UsageError
from paperradar.ids import normalize_doi, parse_arxiv_id
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

NAME = "arxiv"
BASE_URL = "https://rss.arxiv.org/rss/"

_HEADER = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)
FIRST_ANNOUNCEMENTS = frozenset({"new", "cross"})


def parse(data: bytes, origin: str = "<arxiv rss>") -> Iterator[Item]:
    root = parse_xml(data, origin)
    kind = local(root.tag)
    if kind == "rss":
        channel = child(root, "channel")
        if channel is None:
            raise ParseError("RSS document has no <channel>", origin=origin)
        day = iso_date(text(channel, "pubDate")) or iso_date(text(channel, "lastBuildDate"))
        for entry in children(channel, "item"):
            yield _item(entry, day, origin, atom=False)
    elif kind == "feed":
        day = iso_date(text(root, "updated"))
        for entry in children(root, "entry"):
            yield _item(entry, day, origin, atom=True)
    else:
        raise ParseError(f"expected an RSS or Atom feed, found <{kind}>", origin=origin)


def _item(entry: Element, feed_day: str | None, origin: str, *, atom: bool) -> Item:
    description = text(entry, "summary" if atom else "description")
    header = _HEADER.match(description)
    guid = text(entry, "id" if atom else "guid")
    parsed = parse_arxiv_id(guid) or (parse_arxiv_id(header.group("id")) if header else None)
    if parsed is None:
        link = _link(entry, atom)
        parsed = parse_arxiv_id(link) if link else None
    if parsed is None:
        raise ParseError(f"entry without an arXiv id (guid {guid!r})", origin=origin)
    arxiv_id, version = parsed
    announce = header.group("type").lower() if header else "new"
    abstract = description[header.end() :] if header else description
    if atom:
        categories = tuple(c.get("term", "") for c in children(entry, "category"))
        day = iso_date(text(entry, "published")) or feed_day
    else:
        categories = tuple(text(c) for c in children(entry, "category"))
        day = iso_date(text(entry, "pubDate")) or feed_day
    categories = tuple(c for c in categories if c)
    extra: dict[str, object] = {"announce_type": announce}
    journal = text(entry, "journal_reference")
    if journal:
        extra["journal_ref"] = journal
    return Item(
        source=NAME,
        title=text(entry, "title"),
        abstract=abstract.strip(),
        authors=split_authors(text(entry, "creator")),
        arxiv_id=arxiv_id,
        version=version,
        doi=normalize_doi(text(entry, "DOI")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        announced=day if announce in FIRST_ANNOUNCEMENTS else None,
        updated=day if announce not in FIRST_ANNOUNCEMENTS else None,
        observed_on=day,
        extra=extra,
    )


def _link(entry: Element, atom: bool) -> str:
    if not atom:
        return text(entry, "link")
    for link in children(entry, "link"):
        if link.get("rel", "alternate") == "alternate":
            return link.get("href", "")
    return ""


def split_authors(creator: str) -> tuple[str, ...]:
    """Authors from arXiv's comma-separated ``dc:creator`` (which may end in ', and X')."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", creator)
    return tuple(p.strip() for p in parts if p.strip())


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """One page per category: the listing rss.arxiv.org serves today (it keeps no archive)."""
    base = request.base_url or BASE_URL
    for category in request.categories:
        url = f"{base.rstrip('/')}/{category}"
        yield Page(fetcher.get(url), url)


class ArxivOptions(Options):
    categories: Strings = FetchRequest.categories
    base_url: str | None = None


class ArxivRss(BaseSource[ArxivOptions]):
    name = NAME
    description = "arXiv daily listings (rss.arxiv.org, RSS or Atom) per category"
    options = ArxivOptions

    def request(self, options: ArxivOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(options, categories=options.categories)

    def prepare(self, request: FetchRequest, cursor: str | None) -> FetchRequest:
        # The daily run takes whatever today's listing holds; a one-off fetch asking for a past
        # day would silently get today's papers filed under it, so it is refused.
        if request.day and request.day != dt.date.today():
            raise UsageError(
                "rss.arxiv.org serves only the current listing; for a past day use "
                "`radar ingest arxiv-oai --since DATE` or `radar ingest arxiv-api --query ...`"
            )
        return request

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)

    def explain_empty(self, day: dt.date) -> str:
        if day.weekday() >= 5:
            return "arXiv publishes no listing on weekends and holidays"
        return "arXiv's listing had nothing new (arXiv publishes no listing on holidays)"


SOURCE: Source[ArxivOptions] = ArxivRss()
