"""``radar ingest``: one source end to end: options to request, fetch (or read a saved
response), store page by page, then the enrich step (embed, link).

A live ingest of papers also looks up in the arXiv API the categories of the day's papers that
came without them (HF Daily Papers gives none), as ``radar run`` does, so the reader's category
mutes apply to them. Reading a saved response stays offline: it counts what is left to look up
instead, and the CLI says how to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperradar.enrich.step import Enriched, enrich_new
from paperradar.ingest.categories import MAX_IDS, Filled, Lookup, fill_categories
from paperradar.ingest.pages import IngestResult, ingest_fetch, ingest_file
from paperradar.ingest.requests import following
from paperradar.sources import get
from paperradar.sources.base import Env, Kind, Options
from paperradar.store import Store

if TYPE_CHECKING:
    from paperradar.http import Fetcher


@dataclass(frozen=True)
class Ingested:
    """What ingesting one source stored and what the enrich step made of it."""

    kind: Kind
    result: IngestResult
    enriched: Enriched
    categories: Filled | None = None  # the categories lookup of a live ingest, if there was one
    uncategorised: int = 0  # after a saved response: the source's papers still without them


def ingest_source(
    store: Store,
    source: str,
    options: Options,
    env: Env,
    *,
    saved: Path | None = None,
    fetcher: Fetcher | None = None,
    on_status: Callable[[str], None] | None = None,
    categories: Lookup | None = Lookup(),
) -> Ingested:
    """Ingest ``source`` live (or its ``saved`` response), look up the categories papers came
    without (live only, and not when ``categories`` is None), then embed and link."""
    src = get(source)
    status = on_status or (lambda _: None)
    filled, waiting = None, 0
    lookup = categories if src.kind == "papers" else None
    if saved is not None:
        result = ingest_file(store, source, saved, options=options)
        if lookup is not None:
            waiting = len(store.uncategorised(source=source, limit=MAX_IDS))
    else:
        request = src.request(options, following(store), env)

        def on_page(got: IngestResult) -> None:
            status(f"Fetching {source}… {got.pages} pages, {got.items} items")

        with _fetcher(fetcher) as live:
            status(f"Fetching {source}…")
            result = ingest_fetch(store, source, live, request, on_page=on_page)
            if lookup is not None:
                status("Looking up arXiv categories…")
                # The day the fetch filed its papers under (hf-daily's default is today).
                day = str(env.day or dt.date.today())
                filled = fill_categories(
                    store, live, day, base_url=lookup.base_url, limit=lookup.limit
                )
    enriched = enrich_new(store, result.stats, on_status=status)
    return Ingested(src.kind, result, enriched, filled, waiting)


@contextlib.contextmanager
def _fetcher(given: Fetcher | None) -> Iterator[Fetcher]:
    if given is not None:
        yield given
        return
    from paperradar.http import Fetcher

    with Fetcher() as fetcher:
        yield fetcher
