"""``radar run``: the whole daily job, fetch → link → rank → brief → deliver, explained.

Every configured source is fetched in its own worker thread (the fetcher keeps each host in
single file and polite, so different hosts overlap); the main thread stores what they bring, one
source at a time, and records each source's run. A source fetched successfully for a day is
marked done, so a second run the same day reuses it (``force`` refetches). The briefing ends with
run health, and an empty listing is explained in plain words. Delivery failures are reported
per channel and never undo the briefing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

from paperradar import brief
from paperradar.brief.model import Briefing, Health
from paperradar.config import Config
from paperradar.errors import NotFoundError, RadarError
from paperradar.http import Fetcher
from paperradar.ingest import collect, from_profile, ingest_pages
from paperradar.sources import FetchRequest
from paperradar.store import Store

PEOPLE = ("rss", "bluesky", "mastodon")
WORKERS = 4


@dataclass(frozen=True)
class SourceReport:
    source: str
    status: str  # "ok", "partial", "failed", "empty" or "reused"
    new: int = 0
    detail: str = ""


@dataclass
class RunReport:
    day: str
    sources: list[SourceReport] = field(default_factory=list)
    briefing: Briefing | None = None
    delivered: dict[str, str] = field(default_factory=dict)  # channel → where, or the error

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status in ("failed", "partial")]

    @property
    def new_items(self) -> int:
        return sum(s.new for s in self.sources)


def request_for(
    store: Store, name: str, options: dict[str, Any], day: dt.date, config: Config
) -> FetchRequest:
    """The fetch request a configured source makes for ``day``, the profile filling the rest."""
    fields: dict[str, Any] = {
        "day": day,
        "query": options.get("query"),
        "issns": tuple(options.get("issns", ())),
        "filter": options.get("filter"),
        "accounts": tuple(options.get("accounts", ())),
        "tags": tuple(options.get("tags", ())),
        "feeds": tuple(options.get("feeds", ())),
        "max_results": options.get("max"),
        "base_url": options.get("base_url"),
        "mailto": config.mailto,
        "extra": {"instance": options["instance"]} if options.get("instance") else {},
    }
    if options.get("categories"):
        fields["categories"] = tuple(options["categories"])
    request = FetchRequest(**fields)
    return from_profile(store, name, request, recommend=bool(options.get("recommend")))


def explain_empty(source: str, day: dt.date) -> str:
    """Why a source can be empty on ``day``, in plain words."""
    weekend = day.weekday() >= 5
    if source == "arxiv":
        if weekend:
            return "arXiv publishes no listing on weekends and holidays"
        return "arXiv's listing had nothing new (arXiv publishes no listing on holidays)"
    if source == "hf-daily":
        return "Hugging Face Daily Papers is quiet on weekends" if weekend else "no picks yet"
    return "nothing new since the last run"


def fetch_all(
    store: Store,
    config: Config,
    day: dt.date,
    fetcher: Fetcher,
    *,
    force: bool = False,
    on_source: Callable[[SourceReport], None] | None = None,
) -> list[SourceReport]:
    """Fetch every configured source for ``day``; returns each source's report."""
    reports: list[SourceReport] = []
    marker = f"day:{day}"
    todo: dict[str, FetchRequest] = {}
    for name, options in config.sources.items():
        if not force and store.cursor(name, marker) == "done":
            reports.append(SourceReport(name, "reused", 0, "already fetched today"))
            continue
        try:
            todo[name] = request_for(store, name, options, day, config)
        except RadarError as exc:
            reports.append(SourceReport(name, "failed", 0, str(exc)))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {
            pool.submit(collect, name, fetcher, request): name for name, request in todo.items()
        }
        for future in as_completed(futures):
            name = futures[future]
            pages, error = future.result()
            try:
                result = ingest_pages(store, name, pages, error)
            except RadarError as exc:
                report = SourceReport(name, "failed", 0, str(exc))
            else:
                s = result.stats
                new = s.inserted + s.posts_inserted
                if result.errors:
                    report = SourceReport(name, "partial", new, "; ".join(result.errors))
                elif new == 0 and result.changed == 0:
                    report = SourceReport(name, "empty", 0, explain_empty(name, day))
                else:
                    report = SourceReport(name, "ok", new)
                if not result.errors:
                    store.set_cursor(name, "done", marker)
            reports.append(report)
            if on_source:
                on_source(report)
    return sorted(reports, key=lambda r: list(config.sources).index(r.source))


def run_day(
    store: Store,
    config: Config,
    day: dt.date,
    fetcher: Fetcher,
    *,
    force: bool = False,
    on_source: Callable[[SourceReport], None] | None = None,
) -> RunReport:
    """Fetch, link, rank and brief ``day``; delivery is ``deliver.deliver_all``'s job."""
    report = RunReport(str(day))
    report.sources = fetch_all(store, config, day, fetcher, force=force, on_source=on_source)
    if store.post_count():
        from paperradar.enrich.link import link

        link(store)
    llm = None
    if config.llm:
        from paperradar.brief.llm import LLMConfig

        llm = LLMConfig.from_env(None, None, None)
    try:
        briefing = brief.build(store, str(day), lang=config.lang, llm=llm)
    except NotFoundError:
        # Nothing to rank is news too: the reader still gets a briefing that says so and why,
        # instead of wondering why no email came.
        briefing = Briefing(
            day=str(day),
            lang=config.lang,
            title=f"Nothing new on {day}",
            overview=(),
            featured=(),
            noted=(),
            observation="",
            themes=(),
            health=brief.health(store, str(day)),
        )
    report.briefing = replace(briefing, health=_health(briefing.health, report.sources))
    return report


def _health(lines: tuple[Health, ...], sources: list[SourceReport]) -> tuple[Health, ...]:
    """The briefing's health with this run's words: why a source was empty, which part
    failed, that a source was reused from an earlier run today."""
    by_source = {h.source: h for h in lines}
    for s in sources:
        old = by_source.get(s.source, Health(s.source, "empty", 0))
        if s.status in ("failed", "partial"):
            by_source[s.source] = replace(old, status=s.status, detail=s.detail)
        elif s.status == "empty" and not old.items:
            by_source[s.source] = replace(old, status="empty", detail=s.detail)
    return tuple(sorted(by_source.values(), key=lambda h: h.source))
