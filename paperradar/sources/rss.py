"""Any RSS or Atom feed: lab blogs, Substack newsletters, researchers' own sites.

Each entry becomes a blog ``Post``; its full text is kept when the feed carries it (Atom
``content``, RSS ``content:encoded``), sanitised, and its links are kept for the linker. Feeds
are read by feedparser, which forgives the small breakages real feeds have; a feed that declares
entities is refused first, as every XML source is. One bad feed is reported and the others are
still read.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

import feedparser

from paperradar.errors import ParseError, RadarError, UsageError
from paperradar.models import Post
from paperradar.sources import htmltext
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
from paperradar.sources.common import storable

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "rss"
MAX_TEXT = 100_000  # characters of an entry kept; a book-length post is cut, not refused
MAX_DEPTH = 256  # feeds nest a dozen deep, inline XHTML content a few dozen more
MAX_ELEMENTS = 50_000  # a big feed has a few thousand; feedparser takes ~1 s per 40,000


def parse(data: bytes, origin: str = "<feed>") -> Iterator[Post]:
    if not data.strip():
        raise ParseError("empty response (no feed at all)", origin=origin)
    if b"<!ENTITY" in data[:4096].upper():
        raise ParseError("refused unsafe XML (the feed declares entities)", origin=origin)
    root, well_formed = _check_shape(data, origin)
    if not well_formed and _cut_short(data, root):
        raise ParseError(
            f"the feed is cut short: its XML ends before </{root}> (the connection closed "
            "early?); nothing of it was kept",
            origin=origin,
        )
    try:
        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    except ValueError as exc:
        # feedparser's strict pass splits "namespace localname" at whitespace, so a namespace
        # URI holding some (a byte 0xA0, read as Latin-1's no-break space) breaks it.
        raise ParseError(f"not a readable feed: {exc}", origin=origin) from None
    if parsed.bozo and not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None) or "unreadable"
        raise ParseError(f"not an RSS or Atom feed: {reason}", origin=origin)
    feed = parsed.feed
    feed_title = _clean(feed.get("title", "")) or origin
    feed_url = _self_link(feed) or (
        origin if origin.startswith("http") else storable(str(feed.get("link") or ""))
    )
    for entry in parsed.entries:
        post = _entry(entry, feed_title, feed_url or origin)
        if post is not None:
            yield post


class _Refused(Exception):
    """Raised inside expat's callbacks to stop the pre-check at the first element too many."""


def _check_shape(data: bytes, origin: str) -> tuple[str, bool]:
    """Refuse a feed nested deeper than ``MAX_DEPTH`` or holding more than ``MAX_ELEMENTS``
    elements, before feedparser spends tens of microseconds on each one (a million nested
    elements fit under the size cap and took minutes). One pass of expat, stopped at the first
    element too many; an ill-formed feed, which feedparser reads tag by tag, is bounded by its
    count of tags instead. Returns the root element's name ("" if none was read) and whether
    the document is well-formed."""
    depth = elements = 0
    root = ""

    def start(name: str, attrs: object) -> None:
        nonlocal depth, elements, root
        root = root or name
        depth, elements = depth + 1, elements + 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nested more than {MAX_DEPTH} deep")
        if elements > MAX_ELEMENTS:
            raise _Refused(f"more than {MAX_ELEMENTS:,} elements")

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(*args: object) -> None:
        raise _Refused("the feed declares entities")

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise ParseError(f"refused: {exc}", origin=origin) from None
    except expat.ExpatError:
        if data.count(b"<") > MAX_ELEMENTS:
            raise ParseError(
                f"refused: an ill-formed feed with more than {MAX_ELEMENTS:,} tags", origin=origin
            ) from None
        return root, False
    return root, True


FEED_ROOTS = ("rss", "feed", "RDF")  # RSS 2.0, Atom, RSS 1.0 (rdf:RDF)
_CLOSE = re.compile(rb"\s*>")
_TRAILER = re.compile(rb"(?:\s|<!--.*?-->|<\?.*?\?>)*\Z", re.S)  # what may follow the root


def _cut_short(data: bytes, root: str) -> bool:
    """Whether an ill-formed feed stops before its root element closes: the end of a feed cut
    off in transit. expat alone cannot say so, as it stops at the first error, which in a
    lenient feed is often an undefined entity far before the end. A feed that closes its root
    but breaks a rule inside is left to feedparser's leniency."""
    if root.rpartition(":")[2] not in FEED_ROOTS:
        return False  # not a feed at all: feedparser says so
    close = f"</{root}".encode()
    at = data.rfind(close)
    if at < 0:
        return True
    end = _CLOSE.match(data, at + len(close))
    return end is None or _TRAILER.match(data, end.end()) is None


def _entry(entry: Any, feed_title: str, feed_url: str) -> Post | None:
    # feedparser's lenient mode passes on control characters a strict XML parser refuses;
    # ``storable`` drops them, or the post's title would make our own Atom feeds ill-formed.
    link = storable(entry.get("link") or "")
    uid = storable(entry.get("id") or link or entry.get("title") or "")
    if not uid:
        return None
    body = ""
    for content in entry.get("content") or ():
        if len(content.get("value", "")) > len(body):
            body = content["value"]
    summary = entry.get("summary", "")
    if len(summary) > len(body):
        body = summary
    html = htmltext.sanitize(storable(body[:MAX_TEXT]))
    author = _clean(entry.get("author", "")) or feed_title
    links = [link] if link else []
    links += [u for u in htmltext.hrefs(html) if u != link]
    return Post(
        source=NAME,
        uid=str(uid),
        kind="blog",
        author=feed_url,
        author_name=author,
        feed=feed_title,
        title=_clean(entry.get("title", "")),
        url=link or None,
        posted_at=_when(entry),
        text=htmltext.to_text(html),
        html=html,
        links=tuple(links),
    )


def _clean(value: str) -> str:
    return " ".join(htmltext.to_text(storable(value)).split())


def _self_link(feed: Any) -> str:
    for link in feed.get("links") or ():
        if link.get("rel") == "self" and link.get("href"):
            return storable(str(link["href"]))
    return ""


def _when(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            stamp = dt.datetime(*value[:6], tzinfo=dt.UTC)
            return stamp.isoformat().replace("+00:00", "Z")
    return None


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """Each feed in turn; a feed that fails is reported as an error page, the rest go on."""
    if not request.feeds:
        raise UsageError(
            "no feeds to read: pass --feed URL, or follow one with `radar follow feed URL`"
        )
    for url in request.feeds:
        try:
            data = fetcher.get(url)
            items = tuple(parse(data, url))
        except RadarError as exc:
            yield Page(b"", url, error=str(exc))
            continue
        yield Page(data, url, items=items)


class RssOptions(Options):
    feeds: Strings = ()


class Rss(BaseSource[RssOptions]):
    name = NAME
    kind = "posts"
    description = "any RSS/Atom feed (lab blogs, Substack, newsletters), full text kept"
    options = RssOptions

    def request(self, options: RssOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(options, feeds=options.feeds or following.feeds)

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Post]:
        return parse(data, origin)


SOURCE: Source[RssOptions] = Rss()
