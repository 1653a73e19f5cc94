"""The sources Paper Radar reads, each a module with a pure ``parse`` and a separate ``fetch``.

``parse(data, origin)`` turns the bytes of one saved or fetched response into Items and never
touches the network or the store, so it is tested on recorded responses. ``fetch(fetcher,
request)`` yields the raw pages a source would parse, one at a time, so the ingest stage can
store each page as it arrives and a later page's failure never loses an earlier one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from paperradar.errors import ParseError, UsageError
from paperradar.http import Fetcher
from paperradar.models import Item, Post


@dataclass(frozen=True)
class FetchRequest:
    """Everything a fetch may need; each source reads the fields that concern it."""

    day: dt.date | None = None
    categories: tuple[str, ...] = ("cs.AI", "cs.CL", "cs.LG", "cs.CV")
    query: str | None = None
    ids: tuple[str, ...] = ()
    since: str | None = None  # a source's cursor: OAI harvests from this datestamp on
    oai_set: str | None = None
    metadata_format: str = "arXiv"
    max_results: int | None = None
    page_size: int = 100
    base_url: str | None = None
    accounts: tuple[str, ...] = ()  # bluesky handles, @user@instance, S2/OpenAlex author ids
    tags: tuple[str, ...] = ()  # mastodon hashtags
    feeds: tuple[str, ...] = ()  # RSS/Atom URLs
    issns: tuple[str, ...] = ()  # crossref journals
    filter: str | None = None  # openalex filter expression, passed as given
    mailto: str | None = None  # the polite-pool address for OpenAlex and Crossref
    api_key: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def window_start(self, days: int) -> str:
        """``since`` when given, else ``days`` before the requested day (or today)."""
        return self.since or str((self.day or dt.date.today()) - dt.timedelta(days=days))


Record = Item | Post  # papers from scholarly sources, posts from social ones and blogs


@dataclass(frozen=True)
class Page:
    """One raw response and where it came from (a URL or a file path)."""

    data: bytes
    origin: str
    cursor: str | None = None  # what the source's cursor becomes once this page is stored
    items: tuple[Record, ...] | None = None  # already parsed by fetch (when it looked inside)
    error: str | None = None  # this part failed and was skipped; the others went on


ParseFn = Callable[[bytes, str], Iterator[Record]]
FetchFn = Callable[[Fetcher, FetchRequest], Iterator[Page]]


def registry() -> dict[str, ModuleType]:
    """Source name to module; imported lazily so ``radar --help`` stays fast."""
    from paperradar.sources import (
        arxiv_api,
        arxiv_oai,
        arxiv_rss,
        bluesky,
        crossref,
        hf_daily,
        mastodon,
        openalex,
        rss,
        semantic_scholar,
        x_import,
    )

    modules = (
        arxiv_rss,
        arxiv_api,
        arxiv_oai,
        hf_daily,
        openalex,
        crossref,
        semantic_scholar,
        rss,
        bluesky,
        mastodon,
        x_import,
    )
    return {module.NAME: module for module in modules}


def get(name: str) -> ModuleType:
    sources = registry()
    try:
        return sources[name]
    except KeyError:
        known = ", ".join(sorted(sources))
        raise UsageError(f"unknown source {name!r}; known sources: {known}") from None


def iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD of an ISO timestamp, an RFC 822 date or a plain date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return None


def load_json(data: bytes, origin: str) -> Any:
    """The JSON of a response, or a ``ParseError`` saying where it broke."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text at byte {exc.start}", origin=origin) from exc
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", origin=origin
        ) from exc


def utc_stamp(value: str | None) -> str | None:
    """An ISO timestamp in UTC ending in Z; naive stamps are taken as UTC. None if unreadable."""
    if not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        import email.utils

        try:
            stamp = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            try:  # X's own form: "Wed Oct 10 20:19:24 +0000 2018"
                stamp = dt.datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y")
            except ValueError:
                return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def cursor_pages(
    fetcher: Fetcher,
    url: str,
    params: dict[str, str | int],
    parse: ParseFn,
    next_cursor: Callable[[Any, int], str | None],
    wanted: int,
) -> Iterator[Page]:
    """Pages of a cursor-paged JSON API (OpenAlex, Crossref): ``cursor=*`` first, then whatever
    ``next_cursor(document, items_on_page)`` says, until it says None or ``wanted`` items came."""
    seen = 0
    cursor: str | None = "*"
    while cursor and seen < wanted:
        data = fetcher.get(url, {**params, "cursor": cursor})
        items = tuple(parse(data, url))
        yield Page(data, url, items=items)
        seen += len(items)
        cursor = next_cursor(load_json(data, url), len(items))
