"""Semantic Scholar (api.semanticscholar.org): paper lookup, search, followed authors' recent
papers, and recommendations from the reader's liked and disliked papers.

Every response shape the graph API returns is read: one paper, a batch list, ``{"data": [...]}``
pages from search and author listings (citations and references wrap the paper in
``citingPaper`` / ``citedPaper``) and ``{"recommendedPapers": [...]}``. A paper becomes an Item
with its arXiv id and DOI from ``externalIds``, so it joins the record other sources gave.
Search pages with the bulk endpoint's token, author listings with offset/next; an API key (the
``x-api-key`` header) is optional, and calls are spaced a little over a second apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
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
from paperradar.sources.common import Fields, iso_date, load_json

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "semantic-scholar"
BASE_URL = "https://api.semanticscholar.org"
FIELDS = (
    "paperId,externalIds,title,abstract,authors,year,publicationDate,venue,citationCount,"
    "url,openAccessPdf,fieldsOfStudy,tldr"
)
_WRAPPERS = ("citingPaper", "citedPaper")


def parse(data: bytes, origin: str = "<semantic scholar>") -> Iterator[Item]:
    doc = load_json(data, origin)
    if isinstance(doc, dict) and ("error" in doc or set(doc) == {"message"}):
        problem = doc.get("error") or doc.get("message")
        raise ParseError(f"Semantic Scholar answered with an error: {problem}", origin=origin)
    if isinstance(doc, list):
        papers = doc
    elif isinstance(doc, dict) and isinstance(doc.get("recommendedPapers"), list):
        papers = doc["recommendedPapers"]
    elif isinstance(doc, dict) and isinstance(doc.get("data"), list):
        papers = doc["data"]
    elif isinstance(doc, dict) and "paperId" in doc:
        papers = [doc]
    else:
        raise ParseError("expected a Semantic Scholar paper, list or page", origin=origin)
    for index, entry in enumerate(papers):
        if entry is None:
            continue  # a batch lookup answers null for ids it does not know
        paper = Fields(entry, origin, f"paper[{index}]")
        for wrapper in _WRAPPERS:
            if paper.is_obj(wrapper):
                paper = paper.obj(wrapper)
        item = _paper_item(paper)
        if item is not None:
            yield item


def paper_to_item(paper: dict[str, Any], origin: str = "<semantic scholar>") -> Item | None:
    """One S2 paper as an Item; None for a paper without a title."""
    return _paper_item(Fields(paper, origin, "paper"))


def _paper_item(paper: Fields) -> Item | None:
    title = " ".join(paper.text("title").split())
    if not title:
        return None
    ids = paper.obj("externalIds")
    arxiv = parse_arxiv_id(ids.ident("ArXiv")) if ids.ident("ArXiv") else None
    doi = normalize_doi(ids.text("DOI"))
    if doi and doi.startswith("10.48550/"):
        doi = None
    published = iso_date(paper.text("publicationDate"))
    if published is None and paper.count("year"):
        published = f"{paper.count('year')}-01-01"
    extra: dict[str, Any] = {"s2": paper.text("paperId") or None}
    if paper.raw.get("citationCount") is not None:
        extra["cited_by"] = paper.count("citationCount")
    if paper.text("venue"):
        extra["venue"] = paper.text("venue")
    tldr = paper.obj("tldr").text("text") if paper.is_obj("tldr") else None
    if tldr:
        extra["tldr"] = tldr
    if paper.texts("fieldsOfStudy"):
        extra["fields"] = paper.texts("fieldsOfStudy")
    return Item(
        source=NAME,
        title=title,
        abstract=" ".join(paper.text("abstract").split()),
        authors=tuple(a.text("name") for a in _authors(paper) if a.text("name")),
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        doi=doi,
        published=published,
        abs_url=None if arxiv else paper.text("url") or None,
        pdf_url=paper.obj("openAccessPdf").text("url") or None,
        observed_on=published,
        extra=extra,
    )


def _authors(paper: Fields) -> list[Fields]:
    # S2 answers null for an author it could not resolve; skip those, refuse other shapes.
    listed = paper.values("authors")
    return [
        Fields(a, paper.origin, f"{paper.where}.authors[{i}]")
        for i, a in enumerate(listed)
        if a is not None
    ]


def paper_ref(ref: str) -> str:
    """Our paper ref (arxiv:ID, doi:DOI, an arXiv id or DOI) in the form S2 accepts."""
    if ref.startswith("arxiv:"):
        return f"ARXIV:{ref[6:]}"
    if ref.startswith("doi:"):
        return f"DOI:{ref[4:]}"
    if parsed := parse_arxiv_id(ref):
        return f"ARXIV:{parsed[0]}"
    if doi := normalize_doi(ref):
        return f"DOI:{doi}"
    return ref


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    base = (request.base_url or BASE_URL).rstrip("/")
    headers = {"x-api-key": request.api_key} if request.api_key else None
    today = str(request.day or dt.date.today())
    since = request.window_start(30)
    mode = request.extra.get("mode", "")
    wanted = request.max_results or 100
    if mode == "recommend":
        if not request.ids:
            raise UsageError("recommendations need liked papers: `radar like ID` or `radar seed`")
        url = f"{base}/recommendations/v1/papers/"
        body = {
            "positivePaperIds": [paper_ref(r) for r in request.ids],
            "negativePaperIds": [paper_ref(r) for r in request.extra.get("negative", "").split()],
        }
        data = fetcher.post_json(
            url, body, {"fields": FIELDS, "limit": min(wanted, 500)}, headers=headers
        )
        # Recommendations are today's news for this reader, whenever the paper came out.
        items = tuple(
            replace(i, observed_on=today, extra={**i.extra, "recommended": True})
            for i in parse(data, url)
        )
        yield Page(data, url, items=items)
    elif request.ids:
        url = f"{base}/graph/v1/paper/batch"
        data = fetcher.post_json(
            url, {"ids": [paper_ref(r) for r in request.ids]}, {"fields": FIELDS}, headers=headers
        )
        yield Page(data, url)
    elif request.accounts:
        for author in request.accounts:
            yield from _author_pages(fetcher, base, author, since, wanted, headers)
    elif request.query:
        yield from _search_pages(fetcher, base, request.query, since, wanted, headers)
    else:
        raise UsageError(
            "semantic-scholar needs --query TEXT, --account AUTHOR_ID, --id ID or --recommend"
        )


def _search_pages(
    fetcher: Fetcher,
    base: str,
    query: str,
    since: str,
    wanted: int,
    headers: dict[str, str] | None,
) -> Iterator[Page]:
    url = f"{base}/graph/v1/paper/search/bulk"
    params: dict[str, str | int] = {
        "query": query,
        "fields": FIELDS,
        "publicationDateOrYear": f"{since}:",
        "sort": "publicationDate:desc",
    }
    seen = 0
    while seen < wanted:
        data = fetcher.get(url, params, headers=headers)
        items = tuple(parse(data, url))
        yield Page(data, url, items=items)
        seen += len(items)
        token = load_json(data, url).get("token")
        if not token or not items:
            return
        params = {**params, "token": token}


def _author_pages(
    fetcher: Fetcher,
    base: str,
    author: str,
    since: str,
    wanted: int,
    headers: dict[str, str] | None,
) -> Iterator[Page]:
    url = f"{base}/graph/v1/author/{author}/papers"
    offset, seen = 0, 0
    while seen < wanted:
        params: dict[str, str | int] = {"fields": FIELDS, "offset": offset, "limit": 100}
        data = fetcher.get(url, params, headers=headers)
        # The listing is not in date order; keep what is recent, page on for the rest.
        items = tuple(i for i in parse(data, url) if (i.published or "") >= since)
        yield Page(data, url, items=items)
        seen += len(items)
        following = load_json(data, url).get("next")
        if following is None:
            return
        offset = int(following)


class S2Options(Options):
    query: str | None = None
    ids: Strings = ()
    accounts: Strings = ()
    recommend: bool = False
    max: int | None = None
    base_url: str | None = None


class SemanticScholar(BaseSource[S2Options]):
    name = NAME
    description = "Semantic Scholar: lookup, search, followed authors, recommendations"
    options = S2Options

    def request(self, options: S2Options, following: Following, env: Env) -> FetchRequest:
        request = env.request(
            options,
            query=options.query,
            ids=options.ids,
            accounts=options.accounts,
            api_key=env.secret("S2_API_KEY"),
        )
        if not options.recommend:
            return request
        # S2 knows papers by arXiv id or DOI; a seed still known only by its title cannot be sent.
        liked = tuple(r for r in following.liked if r.startswith(("arxiv:", "doi:")))[-100:]
        disliked = " ".join(r for r in following.disliked if r.startswith(("arxiv:", "doi:")))
        return replace(
            request,
            ids=request.ids or liked,
            extra={**request.extra, "mode": "recommend", "negative": disliked},
        )

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)


SOURCE: Source[S2Options] = SemanticScholar()
