"""OpenAlex works (api.openalex.org/works): journal and conference papers in the reader's field.

A work becomes an Item with its DOI, its abstract rebuilt from ``abstract_inverted_index`` (word
-> positions), authors, venue, topics and citation count. A work that is also on arXiv (an arXiv
landing page among its locations, or arXiv's own 10.48550 DOI) carries the arXiv id, so the store
keeps one record for the preprint and the journal version. Works are listed on the day they were
published. Fetching filters by topic, source, author or any OpenAlex filter, from a date on, and
pages with OpenAlex's cursor; the ``mailto`` puts us in the polite pool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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
from paperradar.sources.common import Fields, cursor_pages, iso_date, load_json, storable

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "openalex"
BASE_URL = "https://api.openalex.org/works"
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:\.pdf)?$", re.IGNORECASE)


def parse(data: bytes, origin: str = "<openalex>") -> Iterator[Item]:
    doc = load_json(data, origin)
    if isinstance(doc, dict) and "error" in doc:
        raise ParseError(f"OpenAlex answered with an error: {doc['error']}", origin=origin)
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        works = Fields(doc, origin, "response").objects("results")
    elif isinstance(doc, dict) and str(doc.get("id", "")).startswith("https://openalex.org/W"):
        works = [Fields(doc, origin, "work")]
    else:
        raise ParseError("expected an OpenAlex work or a list of works", origin=origin)
    for work in works:
        item = _work_item(work)
        if item is not None:
            yield item


def abstract(index: dict[str, list[int]] | None, origin: str = "<openalex>") -> str:
    """The abstract as written, from OpenAlex's inverted index (word -> positions)."""
    if not index:
        return ""
    words = Fields(index, origin, "work.abstract_inverted_index")
    placed: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in positions
        ):
            raise ParseError(
                f"{words.where}[{word!r}] is not a list of positions", origin=words.origin
            )
        for position in positions:
            placed[position] = storable(word)
    return " ".join(placed[i] for i in sorted(placed))


def work_to_item(work: dict[str, Any], origin: str = "<openalex>") -> Item | None:
    """One OpenAlex work as an Item; None for a work without a title."""
    return _work_item(Fields(work, origin, "work"))


def _arxiv(work: Fields, doi: str | None) -> tuple[tuple[str, int | None] | None, str | None]:
    # The arXiv id, from arXiv's own DOI or an arXiv location; the DOI, unless it is arXiv's.
    if doi and (m := _ARXIV_DOI.match(doi)):
        return parse_arxiv_id(m.group(1)), None
    for location in work.objects("locations"):
        for key in ("landing_page_url", "pdf_url"):
            if m := _ARXIV_URL.search(location.text(key)):
                return parse_arxiv_id(m.group(1)), doi
    return None, doi


def _work_item(work: Fields) -> Item | None:
    title = " ".join((work.text("display_name") or work.text("title")).split())
    if not title:
        return None
    arxiv, doi = _arxiv(work, normalize_doi(work.text("doi")))
    authors = tuple(
        name
        for a in work.objects("authorships")
        if (name := (a.obj("author").text("display_name") or a.text("raw_author_name")))
    )
    primary = work.obj("primary_location")
    if not primary.raw:
        primary = work.obj("host_venue")
    venue = primary.obj("source").text("display_name") or primary.text("display_name")
    topics = [t.text("display_name") for t in work.objects("topics") if t.text("display_name")]
    extra: dict[str, Any] = {
        "openalex": work.text("id").rsplit("/", 1)[-1],
        "type": work.text("type") or None,
        "cited_by": work.count("cited_by_count"),
    }
    if venue:
        extra["venue"] = venue
    if topics:
        extra["topics"] = topics[:3]
    year = work.count("publication_year")
    published = iso_date(work.text("publication_date")) or (f"{year}-01-01" if year else None)
    return Item(
        source=NAME,
        title=title,
        abstract=abstract(work.obj("abstract_inverted_index").raw, work.origin),
        authors=authors,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        doi=doi,
        published=published,
        updated=iso_date(work.text("updated_date")),
        abs_url=f"https://doi.org/{doi}" if doi else primary.text("landing_page_url") or None,
        pdf_url=work.obj("best_oa_location").text("pdf_url") or None,
        observed_on=published,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """Works matching the request, newest first, page by page with the cursor."""
    filters = _filters(request)
    params: dict[str, str | int] = {
        "filter": ",".join(filters),
        "sort": "publication_date:desc",
        "per-page": min(request.page_size, 200),
    }
    if request.query:
        params["search"] = request.query
    if request.mailto:
        params["mailto"] = request.mailto
    if request.api_key:
        params["api_key"] = request.api_key

    def next_cursor(doc: Any, items: int) -> str | None:
        return (doc.get("meta") or {}).get("next_cursor") if items else None

    yield from cursor_pages(
        fetcher,
        request.base_url or BASE_URL,
        params,
        parse,
        next_cursor,
        request.max_results or 200,
    )


def _filters(request: FetchRequest) -> list[str]:
    since = request.window_start(7)
    filters = [f"from_publication_date:{since}"]
    if request.day:
        filters.append(f"to_publication_date:{request.day}")
    if request.filter:
        filters.append(request.filter)
    for account in request.accounts:
        filters.append(f"authorships.author.id:{account.rsplit('/', 1)[-1]}")
    for issn in request.issns:
        filters.append(f"primary_location.source.issn:{issn}")
    if len(filters) == 1 and not request.query:
        raise UsageError(
            "openalex needs something to look for: --query TEXT, --filter "
            "(e.g. topics.id:T10181), --issn or --account AUTHOR_ID"
        )
    return filters


class OpenAlexOptions(Options):
    query: str | None = None
    filter: str | None = None
    accounts: Strings = ()
    issns: Strings = ()
    max: int | None = None
    base_url: str | None = None


class OpenAlex(BaseSource[OpenAlexOptions]):
    name = NAME
    description = "journal and conference papers from OpenAlex (topic/source/author filters)"
    options = OpenAlexOptions

    def request(self, options: OpenAlexOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(
            options,
            query=options.query,
            filter=options.filter,
            accounts=options.accounts,
            issns=options.issns,
            api_key=env.secret("OPENALEX_API_KEY"),
        )

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)


SOURCE: Source[OpenAlexOptions] = OpenAlex()
