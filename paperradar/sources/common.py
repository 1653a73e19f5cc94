"""Helpers the parsers share: dates in the forms sources write them, JSON with a clear error,
``Fields`` (a JSON object whose every field is type-checked where a parser reads it, so a
response of the wrong shape is a ``ParseError`` naming the field, not a TypeError three calls
later), text made storable, and the cursor paging OpenAlex and Crossref use.

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


# Characters XML 1.0 cannot carry (they would make our Atom feeds ill-formed) and lone
# surrogates (which SQLite cannot encode); JSON's \\u escapes let a response hold either.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MAX_COUNT = 2**53  # JSON's exact integers; a sum of a few still fits SQLite's


def storable(value: str) -> str:
    """``value`` without the characters XML cannot carry; a lone surrogate becomes U+FFFD."""
    if value.isprintable() or not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", value)


def iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD of an ISO timestamp, an RFC 822 date or a plain date; None if unreadable."""
    if not value or not isinstance(value, str):
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
    if not value or not isinstance(value, str):
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


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )


class Fields:
    """A JSON object whose fields are read with their types checked: a field of the wrong type
    is a ``ParseError`` naming the origin and the field's path (``feed[3].post.author``). A
    missing or null field reads as empty, as the APIs omit what they do not know."""

    def __init__(self, value: object, origin: str, where: str) -> None:
        if not isinstance(value, dict):
            raise ParseError(f"{where} is {_kind(value)}, expected an object", origin=origin)
        self.raw: dict[str, Any] = value
        self.origin = origin
        self.where = where

    def _wrong(self, key: str, value: object, expected: str) -> ParseError:
        return ParseError(
            f"{self.where}.{key} is {_kind(value)}, expected {expected}", origin=self.origin
        )

    def __contains__(self, key: str) -> bool:
        return key in self.raw

    def text(self, key: str) -> str:
        """A string field, storable; "" when missing or null."""
        value = self.raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self._wrong(key, value, "a string")
        return storable(value)

    def ident(self, key: str) -> str:
        """An identifier, which some APIs write as a number and others as a string."""
        value = self.raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(key)

    def count(self, key: str) -> int:
        """A non-negative integer that fits SQLite (a digit string is read too); 0 if absent."""
        value = self.raw.get(key)
        if value is None:
            return 0
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _MAX_COUNT:
            raise self._wrong(key, value, "a count")
        return value

    def obj(self, key: str) -> Fields:
        """An object field; an empty one when missing or null."""
        value = self.raw.get(key)
        return Fields({} if value is None else value, self.origin, f"{self.where}.{key}")

    def is_obj(self, key: str) -> bool:
        return isinstance(self.raw.get(key), dict)

    def objects(self, key: str) -> list[Fields]:
        """A list of objects; [] when missing or null."""
        return [
            Fields(v, self.origin, f"{self.where}.{key}[{i}]")
            for i, v in enumerate(self.values(key))
        ]

    def texts(self, key: str) -> list[str]:
        """A list of strings; [] when missing or null."""
        values = self.values(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise self._wrong(f"{key}[{index}]", value, "a string")
        return [storable(v) for v in values]

    def values(self, key: str) -> list[Any]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, value, "a list")
        return value


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
