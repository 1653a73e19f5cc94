"""Helpers the parsers share: dates in the forms sources write them, JSON with a clear error,
and the cursor paging OpenAlex and Crossref use.

``load_json`` also makes a response safe to store: Python's JSON reader accepts ``NaN`` and
``Infinity`` and a lone ``\\ud800`` escape, none of which a count or SQLite's UTF-8 can hold, so
such numbers become absent (None) and lone surrogates become U+FFFD."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from paperradar.errors import ParseError
from paperradar.sources.base import Page, Record

if TYPE_CHECKING:
    from paperradar.http import Fetcher

ParseFn = Callable[[bytes, str], Iterator[Record]]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how JSON writes one, paired or lone


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
        text = data.decode("utf-8-sig")
        doc = json.loads(text, parse_constant=lambda _: None)
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text at byte {exc.start}", origin=origin) from exc
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", origin=origin
        ) from exc
    # Only an escape makes a surrogate, so a text without one has nothing to clean.
    return _clean(doc) if _SURROGATE_ESCAPE.search(text) else doc


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


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
