"""The sources Paper Radar reads, each a module with a pure ``parse`` and a separate ``fetch``.

``parse(data, origin)`` turns the bytes of one saved or fetched response into Items and never
touches the network or the store, so it is tested on recorded responses. ``fetch(fetcher,
request)`` yields the raw pages a source would parse, one at a time, so the ingest stage can
store each page as it arrives and a later page's failure never loses an earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType

from paperradar.errors import UsageError
from paperradar.http import Fetcher
from paperradar.models import Item


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
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """One raw response and where it came from (a URL or a file path)."""

    data: bytes
    origin: str
    cursor: str | None = None  # what the source's cursor becomes once this page is stored
    items: tuple[Item, ...] | None = None  # already parsed by fetch (when it had to look inside)


ParseFn = Callable[[bytes, str], Iterator[Item]]
FetchFn = Callable[[Fetcher, FetchRequest], Iterator[Page]]


def registry() -> dict[str, ModuleType]:
    """Source name to module; imported lazily so ``radar --help`` stays fast."""
    from paperradar.sources import arxiv_api, arxiv_oai, arxiv_rss, hf_daily

    return {
        arxiv_rss.NAME: arxiv_rss,
        arxiv_api.NAME: arxiv_api,
        arxiv_oai.NAME: arxiv_oai,
        hf_daily.NAME: hf_daily,
    }


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
