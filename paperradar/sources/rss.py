"""Any RSS or Atom feed: lab blogs, Substack newsletters, researchers' own sites.

Each entry becomes a blog ``Post``; its full text is kept when the feed carries it (Atom
``content``, RSS ``content:encoded``), sanitised, and its links are kept for the linker. Feeds
are read by feedparser, which forgives the small breakages real feeds have; a feed that declares
entities is refused first, as every XML source is. One bad feed is reported and the others are
still read.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "rss"
MAX_TEXT = 100_000  # characters of an entry kept; a book-length post is cut, not refused


def parse(data: bytes, origin: str = "<feed>") -> Iterator[Post]:
    if not data.strip():
        raise ParseError("empty response (no feed at all)", origin=origin)
    if b"<!ENTITY" in data[:4096].upper():
        raise ParseError("refused unsafe XML (the feed declares entities)", origin=origin)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None) or "unreadable"
        raise ParseError(f"not an RSS or Atom feed: {reason}", origin=origin)
    feed = parsed.feed
    feed_title = _clean(feed.get("title", "")) or origin
    feed_url = _self_link(feed) or (origin if origin.startswith("http") else feed.get("link", ""))
    for entry in parsed.entries:
        post = _entry(entry, feed_title, feed_url or origin)
        if post is not None:
            yield post


def _entry(entry: Any, feed_title: str, feed_url: str) -> Post | None:
    link = entry.get("link") or ""
    uid = entry.get("id") or link or entry.get("title")
    if not uid:
        return None
    body = ""
    for content in entry.get("content") or ():
        if len(content.get("value", "")) > len(body):
            body = content["value"]
    summary = entry.get("summary", "")
    if len(summary) > len(body):
        body = summary
    html = htmltext.sanitize(body[:MAX_TEXT])
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
    return " ".join(htmltext.to_text(value).split())


def _self_link(feed: Any) -> str:
    for link in feed.get("links") or ():
        if link.get("rel") == "self" and link.get("href"):
            return str(link["href"])
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
        return env.request(feeds=options.feeds or following.feeds)

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Post]:
        return parse(data, origin)


SOURCE: Source[RssOptions] = Rss()
