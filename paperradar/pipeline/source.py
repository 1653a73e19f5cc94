"""``radar ingest``: one source end to end: options to request, fetch (or read a saved
response), store page by page, then the enrich step (embed, link)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperradar.enrich.step import Enriched, enrich_new
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


def ingest_source(
    store: Store,
    source: str,
    options: Options,
    env: Env,
    *,
    saved: Path | None = None,
    fetcher: Fetcher | None = None,
    on_status: Callable[[str], None] | None = None,
) -> Ingested:
    """Ingest ``source`` live (or its ``saved`` response), then embed and link what came."""
    src = get(source)
    status = on_status or (lambda _: None)
    if saved is not None:
        result = ingest_file(store, source, saved, options=options)
    else:
        request = src.request(options, following(store), env)

        def on_page(got: IngestResult) -> None:
            status(f"Fetching {source}… {got.pages} pages, {got.items} items")

        with _fetcher(fetcher) as live:
            status(f"Fetching {source}…")
            result = ingest_fetch(store, source, live, request, on_page=on_page)
    return Ingested(src.kind, result, enrich_new(store, result.stats, on_status=status))


@contextlib.contextmanager
def _fetcher(given: Fetcher | None) -> Iterator[Fetcher]:
    if given is not None:
        yield given
        return
    from paperradar.http import Fetcher

    with Fetcher() as fetcher:
        yield fetcher
