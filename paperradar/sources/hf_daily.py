"""Hugging Face Daily Papers (huggingface.co/api/daily_papers?date=YYYY-MM-DD).

The community's picks of the day: each entry is an arXiv paper plus what only HF knows, its
upvotes, comment count, submitting user and organisation, GitHub repository and stars, project
page and AI keywords. Those go to the observation; the paper's own metadata joins the arXiv record
on its id. Dumps that add ``_daily_date`` to each entry (as the bundled corpus does) are read too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from paperradar.errors import ParseError
from paperradar.ids import parse_arxiv_id
from paperradar.models import Item
from paperradar.sources.base import BaseSource, Env, FetchRequest, Following, Options, Page, Source
from paperradar.sources.common import Fields, iso_date, load_json

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "hf-daily"
BASE_URL = "https://huggingface.co/api/daily_papers"


def parse(data: bytes, origin: str = "<hf daily>") -> Iterator[Item]:
    entries = load_json(data, origin)
    if isinstance(entries, dict) and "error" in entries:
        raise ParseError(f"Hugging Face answered with an error: {entries['error']}", origin=origin)
    if not isinstance(entries, list):
        raise ParseError("expected a JSON list of daily papers", origin=origin)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("paper"), dict):
            raise ParseError(f"entry {index} has no 'paper' object", origin=origin)
        yield entry_to_item(entry, origin=f"{origin}[{index}]")


def entry_to_item(entry: dict[str, Any], origin: str = "<hf daily>") -> Item:
    """One daily_papers entry as an Item (also used by the bulk importer for HF dumps)."""
    fields = Fields(entry, origin, "entry")
    paper = fields.obj("paper")
    parsed = parse_arxiv_id(paper.ident("id"))
    if parsed is None:
        raise ParseError(f"paper id {paper.raw.get('id')!r} is not an arXiv id", origin=origin)
    extra: dict[str, Any] = {
        "upvotes": paper.count("upvotes"),
        "comments": fields.count("numComments"),
    }
    org = paper.obj("organization") if paper.is_obj("organization") else fields.obj("organization")
    if org.raw:
        extra["organization"] = org.text("fullname") or org.text("name") or None
    submitter = fields.obj("submittedBy")
    submitter = submitter if submitter.raw else paper.obj("submittedOnDailyBy")
    if submitter.raw:
        extra["submitter"] = submitter.text("fullname") or submitter.text("name") or None
    if paper.raw.get("githubStars") is not None:
        extra["github_stars"] = paper.count("githubStars")
    if paper.texts("ai_keywords"):
        extra["ai_keywords"] = paper.texts("ai_keywords")
    if paper.text("ai_summary"):
        extra["ai_summary"] = paper.text("ai_summary")
    return Item(
        source=NAME,
        title=" ".join((paper.text("title") or fields.text("title")).split()),
        abstract=" ".join((paper.text("summary") or fields.text("summary")).split()),
        authors=tuple(
            a.text("name").strip() for a in paper.objects("authors") if a.text("name").strip()
        ),
        arxiv_id=parsed[0],
        published=iso_date(paper.text("publishedAt")),
        code_url=paper.text("githubRepo") or None,
        project_url=paper.text("projectPage") or None,
        observed_on=fields.text("_daily_date") or iso_date(fields.text("publishedAt")),
        extra=extra,
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    day = request.day or dt.date.today()
    url = request.base_url or BASE_URL
    data = fetcher.get(url, {"date": day.isoformat(), "limit": 100})
    origin = f"{url}?date={day.isoformat()}"
    # The API omits the day it was asked for; stamp it so the observation is filed under it.
    items = tuple(replace(item, observed_on=day.isoformat()) for item in parse(data, origin))
    yield Page(data, origin, items=items)


class HfOptions(Options):
    base_url: str | None = None


class HfDaily(BaseSource[HfOptions]):
    name = NAME
    description = "Hugging Face Daily Papers with upvotes, comments, organisation and code links"
    options = HfOptions

    def request(self, options: HfOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(options)

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Item]:
        return parse(data, origin)

    def explain_empty(self, day: dt.date) -> str:
        return (
            "Hugging Face Daily Papers is quiet on weekends"
            if day.weekday() >= 5
            else "no picks yet"
        )


SOURCE: Source[HfOptions] = HfDaily()
