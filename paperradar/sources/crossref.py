"""Crossref works (api.crossref.org/works): what journals registered, by ISSN, query and date.

A work becomes an Item keyed by its DOI, with title, authors, the abstract publishers deposit
(JATS markup, flattened to text), journal, dates and citation count. Crossref's ``relation``
says when a work has a preprint (``has-preprint``) or is one (``is-preprint-of``); an arXiv
preprint there, or arXiv's own 10.48550 DOI, gives the arXiv id so the journal version and the
preprint stay one paper. Fetching pages with Crossref's deep-paging cursor, in the polite pool
when a ``mailto`` is configured.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from paperradar.errors import ParseError, UsageError
from paperradar.ids import normalize_doi, parse_arxiv_id
from paperradar.models import Item
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
from paperradar.sources.common import Fields, cursor_pages, load_json

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "crossref"
BASE_URL = "https://api.crossref.org/works"
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_DATE_FIELDS = ("published-print", "published-online", "published", "issued", "created")


def parse(data: bytes, origin: str = "<crossref>") -> Iterator[Item]:
    doc = load_json(data, origin)
    if not isinstance(doc, dict) or "message" not in doc:
        raise ParseError("expected a Crossref API response with a 'message'", origin=origin)
    if doc.get("status") not in (None, "ok"):
        raise ParseError(f"Crossref answered with an error: {_problem(doc)}", origin=origin)
    response = Fields(doc, origin, "response")
    kind = doc.get("message-type")
    if kind == "work-list":
        works = response.obj("message").objects("items")
    elif kind == "work":
        works = [response.obj("message")]
    else:
        raise ParseError(f"expected works, got a {kind!r} message", origin=origin)
    for work in works:
        item = _work_item(work)
        if item is not None:
            yield item


def _problem(doc: dict[str, Any]) -> str:
    message = doc.get("message")
    if isinstance(message, list) and message and isinstance(message[0], dict):
        return str(message[0].get("message", message[0]))
    return str(message)


def date_of(work: Fields, *fields: str) -> str | None:
    """The first full (or partial, padded) date among Crossref's date-parts fields."""
    for name in fields:
        parts = work.obj(name).values("date-parts")
        first = parts[0] if parts else None
        if not isinstance(first, list) or not first or not first[0]:
            continue
        year, month, day = [*first, 1, 1][:3]
        try:
            return dt.date(int(year), int(month or 1), int(day or 1)).isoformat()
        except (TypeError, ValueError, OverflowError):
            continue  # a part that is not a number, or not a day: try the next field
    return None


def preprint_arxiv(work: Fields) -> tuple[str, int | None] | None:
    """The arXiv id this work is, or has as its preprint, per Crossref's relations."""
    doi = normalize_doi(work.text("DOI"))
    if doi and (m := _ARXIV_DOI.match(doi)):
        return parse_arxiv_id(m.group(1))
    relation = work.obj("relation")
    for key in ("has-preprint", "is-preprint-of", "is-version-of", "has-version"):
        for rel in relation.objects(key):
            value = rel.text("id")
            if rel.text("id-type") == "arxiv" and (parsed := parse_arxiv_id(value)):
                return parsed
            if (d := normalize_doi(value)) and (m := _ARXIV_DOI.match(d)):
                return parse_arxiv_id(m.group(1))
    return None


def work_to_item(work: dict[str, Any], origin: str = "<crossref>") -> Item | None:
    """One Crossref work as an Item; None for a work without a title."""
    return _work_item(Fields(work, origin, "work"))


def _work_item(work: Fields) -> Item | None:
    titles = work.texts("title")
    title = htmltext.to_text(" ".join(titles[0].split())) if titles else ""
    if not title:
        return None
    doi = normalize_doi(work.text("DOI"))
    arxiv = preprint_arxiv(work)
    if doi and _ARXIV_DOI.match(doi):
        doi = None
    authors = tuple(
        " ".join(p for p in (a.text("given"), a.text("family")) if p) or a.text("name")
        for a in work.objects("author")
        if a.text("family") or a.text("name")
    )
    published = date_of(work, *_DATE_FIELDS)
    venues = work.texts("container-title")
    extra: dict[str, Any] = {
        "type": work.text("type") or None,
        "cited_by": work.count("is-referenced-by-count"),
        "publisher": work.text("publisher") or None,
    }
    if venues and venues[0]:
        extra["venue"] = venues[0]
    if work.texts("ISSN"):
        extra["issn"] = work.texts("ISSN")
    pdf = next(
        (
            link.text("URL")
            for link in work.objects("link")
            if link.text("content-type") == "application/pdf" and link.text("URL")
        ),
        None,
    )
    return Item(
        source=NAME,
        title=title,
        abstract=htmltext.to_text(work.text("abstract")).removeprefix("Abstract").strip(),
        authors=authors,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        doi=doi,
        published=published,
        updated=date_of(work, "indexed"),
        abs_url=f"https://doi.org/{doi}" if doi else work.text("URL") or None,
        pdf_url=pdf,
        observed_on=published,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """Works matching the request, newest first, with Crossref's cursor."""
    since = request.window_start(7)
    filters = [f"from-pub-date:{since}"]
    if request.day:
        filters.append(f"until-pub-date:{request.day}")
    filters += [f"issn:{issn}" for issn in request.issns]
    if request.filter:
        filters.append(request.filter)
    if not request.issns and not request.query and not request.filter:
        raise UsageError("crossref needs --issn ISSN (repeatable), --query TEXT or --filter")
    params: dict[str, str | int] = {
        "filter": ",".join(filters),
        "sort": "published",
        "order": "desc",
        "rows": min(request.page_size, 1000),
    }
    if request.query:
        params["query"] = request.query
    if request.mailto:
        params["mailto"] = request.mailto
    rows = int(params["rows"])

    def next_cursor(doc: Any, _: int) -> str | None:
        message = doc.get("message") or {}
        # A short page is the last one; asking again would only return an empty page.
        full = len(message.get("items") or ()) >= rows
        return message.get("next-cursor") if full else None

    yield from cursor_pages(
        fetcher,
        request.base_url or BASE_URL,
        params,
        parse,
        next_cursor,
        request.max_results or 200,
    )


class CrossrefOptions(Options):
    issns: Strings = ()
    query: str | None = None
    filter: str | None = None
    max: int | None = None
    base_url: str | None = None


class Crossref(BaseSource[CrossrefOptions]):
    name = NAME
    description = "journal papers registered with Crossref (by ISSN, query and date)"
    options = CrossrefOptions

    def request(self, options: CrossrefOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(
            options,
            issns=options.issns,
            query=options.query,
            filter=options.filter,
        )

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)


SOURCE: Source[CrossrefOptions] = Crossref()
