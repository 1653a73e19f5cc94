"""``radar run``: the whole daily job, fetch → embed and link → rank → brief → deliver, explained.

Each configured source builds its request from its options, the reader's profile and the
environment (its API key), as ``radar ingest`` does, and is fetched in its own worker thread
(the fetcher keeps each host in single file and polite, so different hosts overlap); the main
thread stores what they bring, one source at a time, and records each source's run. A source
fetched successfully for a day is marked done, so a second run the same day reuses it
(``force`` refetches). The enrich step then embeds and links what all of them brought. The
briefing ends with run health, and an empty listing is explained in the source's own words.
Delivery failures are reported per channel and never undo the briefing. Whatever one source
does (an error, a crash of its parser, a response the store cannot take), it is that source's
failure in the run health; the others are stored and the briefing is written.

After the sources, the papers of the day that came with an arXiv id and no categories (HF Daily
Papers gives none) have them looked up in the arXiv API, so the reader's category mutes apply to
them; the lookup is a line of the run health of its own, and its failure is never the run's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from paperradar import brief
from paperradar.brief.model import Briefing, Health
from paperradar.config import Config
from paperradar.enrich.step import enrich_new
from paperradar.errors import NotFoundError, RadarError
from paperradar.http import Fetcher
from paperradar.ingest import (
    IngestResult,
    collect,
    environment,
    following,
    ingest_pages,
    request_for,
)
from paperradar.ingest.categories import LOOKUP, Filled, fill_categories
from paperradar.sources import FetchRequest, Page, get
from paperradar.store import Store, UpsertStats

WORKERS = 4
log = logging.getLogger(__name__)


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
    warnings: tuple[str, ...] = ()  # what went wrong without failing the run (embedding)
    categories: Filled | None = None  # the arXiv categories lookup, when there was one

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status in ("failed", "partial")]

    @property
    def new_items(self) -> int:
        return sum(s.new for s in self.sources)


def fetch_all(
    store: Store,
    config: Config,
    day: dt.date,
    fetcher: Fetcher,
    *,
    force: bool = False,
    on_source: Callable[[SourceReport], None] | None = None,
) -> tuple[list[SourceReport], UpsertStats]:
    """Fetch every configured source for ``day``; returns each source's report and what all of
    them changed in the store together."""
    reports: list[SourceReport] = []
    total = UpsertStats()
    marker = f"day:{day}"
    todo = _requests(store, config, day, marker if not force else None, reports)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {
            pool.submit(collect, name, fetcher, request): name for name, request in todo.items()
        }
        for future in as_completed(futures):
            name = futures[future]
            report = _store_source(store, name, future.result, day, total)
            if report.status in ("ok", "empty"):
                store.set_cursor(name, "done", marker)
            reports.append(report)
            if on_source:
                on_source(report)
    return sorted(reports, key=lambda r: list(config.sources).index(r.source)), total


def _store_source(
    store: Store,
    name: str,
    collected: Callable[[], tuple[list[Page], str | None]],
    day: dt.date,
    total: UpsertStats,
) -> SourceReport:
    """Store what one source's worker ``collected``; any failure is that source's report."""
    try:
        pages, error = collected()
        result = ingest_pages(store, name, pages, error)
    except RadarError as exc:
        return SourceReport(name, "failed", 0, str(exc))
    except Exception as exc:
        # Broad on purpose: whatever one source's code or data does, the others are stored and
        # the briefing is written; the traceback is logged and the health names the failure.
        log.exception("%s failed unexpectedly", name)
        return SourceReport(name, "failed", 0, f"{type(exc).__name__}: {exc}")
    total.add(result.stats)
    return _report(name, result, day)


def _requests(
    store: Store, config: Config, day: dt.date, marker: str | None, reports: list[SourceReport]
) -> dict[str, FetchRequest]:
    """The request of each configured source still to fetch for ``day``; a source already
    marked done (unless ``marker`` is None: forced), or whose request cannot be made, is
    reported instead."""
    profile = following(store)
    env = environment(day, mailto=config.mailto)
    todo: dict[str, FetchRequest] = {}
    for name, options in config.sources.items():
        if marker is not None and store.cursor(name, marker) == "done":
            reports.append(SourceReport(name, "reused", 0, "already fetched today"))
            continue
        try:
            todo[name] = request_for(name, options, profile, env)
        except RadarError as exc:
            reports.append(SourceReport(name, "failed", 0, str(exc)))
        except Exception as exc:
            # Contained like a fetch (see _store_source): one source's request, not the run.
            log.exception("%s: cannot build its request", name)
            reports.append(SourceReport(name, "failed", 0, f"{type(exc).__name__}: {exc}"))
    return todo


def _report(name: str, result: IngestResult, day: dt.date) -> SourceReport:
    s = result.stats
    new = s.inserted + s.posts_inserted
    if result.errors:
        return SourceReport(name, "partial", new, "; ".join(result.errors))
    if new == 0 and result.changed == 0:
        return SourceReport(name, "empty", 0, get(name).explain_empty(day))
    return SourceReport(name, "ok", new)


def run_day(
    store: Store,
    config: Config,
    day: dt.date,
    fetcher: Fetcher,
    *,
    force: bool = False,
    on_source: Callable[[SourceReport], None] | None = None,
    on_status: Callable[[str], None] | None = None,
) -> RunReport:
    """Fetch, link, rank and brief ``day``; delivery is ``deliver.deliver_all``'s job.
    ``on_status`` hears what the run is doing after the fetching (embedding, with counts)."""
    report = RunReport(str(day))
    report.sources, changed = fetch_all(
        store, config, day, fetcher, force=force, on_source=on_source
    )
    report.categories = lookup_categories(store, config, day, fetcher, on_status=on_status)
    report.warnings = enrich_new(store, changed, on_status=on_status).warnings
    llm = None
    if config.llm:
        from paperradar.brief.chat import LLMConfig

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
    lines = _with_lookup(_health(briefing.health, report.sources), report.categories)
    report.briefing = replace(briefing, health=lines)
    return report


def lookup_categories(
    store: Store,
    config: Config,
    day: dt.date,
    fetcher: Fetcher,
    *,
    on_status: Callable[[str], None] | None = None,
) -> Filled | None:
    """Fill the categories of ``day``'s papers that lack them (``ingest.categories``); None when
    switched off (``[fetch] categories = false``) or nothing lacks them. Whatever goes wrong is
    the lookup's failure, never the run's error: a lookup that helps the mutes must not cost the
    reader the day's briefing."""
    if not config.categories:
        return None
    if on_status:
        on_status("Looking up arXiv categories…")
    try:
        return fill_categories(store, fetcher, str(day), base_url=config.arxiv_api)
    except RadarError as exc:  # the store, before the lookup started (it contains the rest)
        return Filled(0, 0, error=str(exc))


def _with_lookup(lines: tuple[Health, ...], lookup: Filled | None) -> tuple[Health, ...]:
    """The health with this run's categories lookup in its own words (its items are the papers
    it filled), in place of what the runs table said of an earlier one today: a failure since
    made good, or "empty", as a lookup adds no observation. No lookup, no line: nothing lacked
    categories, whatever an earlier run met."""
    kept = [h for h in lines if h.source != LOOKUP]
    if lookup is not None:
        kept.append(Health(LOOKUP, lookup.status, lookup.filled, lookup.detail))
    return tuple(sorted(kept, key=lambda h: h.source))


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
