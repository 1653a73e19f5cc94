"""Helpers the parsers share: dates in the forms sources write them, JSON with a clear error,
and the cursor paging OpenAlex and Crossref use."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from paperradar.errors import ParseError
from paperradar.sources.base import Page, Record

if TYPE_CHECKING:
    from paperradar.http import Fetcher

ParseFn = Callable[[bytes, str], Iterator[Record]]


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
