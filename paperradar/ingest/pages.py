"""Storing what a source brings: fetch (or read) its pages, parse them, upsert them, record the run.

A page is parsed completely before anything is written, and written in one transaction, so a
malformed response leaves the store untouched. Each run is recorded with its per-source counts
and errors; the ingest cursor (OAI's last datestamp) moves only after its page is stored.
``ingest_fetch`` fetches and stores page by page (one source, the CLI); the daily run instead
``collect``s several sources in worker threads and ``ingest_pages`` stores each in the main
thread, since the SQLite connection belongs to one thread. Papers and posts share the path.
A source's code meeting a response it did not expect (a TypeError deep in a parser) is that
source's failure, logged with its traceback and recorded like any other, never the caller's crash.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from paperradar.errors import ParseError, RadarError, SourceError
from paperradar.ingest.bulk import prepared_batches
from paperradar.models import Item, Post
from paperradar.sources import FetchRequest, Page, Record, get
from paperradar.sources import snapshot as snapshot_source
from paperradar.sources.base import Options
from paperradar.store import Store, UpsertStats
from paperradar.store.merge import Prepared

if TYPE_CHECKING:
    from paperradar.http import Fetcher

MAX_FILE_BYTES = 25 * 1024 * 1024
log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    source: str
    pages: int = 0
    items: int = 0
    stats: UpsertStats = field(default_factory=UpsertStats)
    errors: list[str] = field(default_factory=list)  # parts that failed while the rest went on

    @property
    def changed(self) -> int:
        s = self.stats
        return s.inserted + s.updated + s.observations + s.posts_inserted + s.posts_updated


def ingest_file(
    store: Store,
    source: str,
    path: Path,
    *,
    options: Options | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> IngestResult:
    """Parse a saved response of ``source`` and store it (all of it, or nothing); ``options``
    may amend what was read (x-import's ``--account`` names an export's owner)."""
    src = get(source)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", origin=str(path)) from exc
    if size > max_bytes:
        raise ParseError(
            f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit for one "
            "response (use `radar import` for bulk files)",
            origin=str(path),
        )
    data = path.read_bytes()
    chosen = options or src.options()

    def work(result: IngestResult) -> None:
        _store_page(store, src.read(data, str(path), chosen), result)

    return _recorded(store, source, work)


def ingest_fetch(
    store: Store,
    source: str,
    fetcher: Fetcher,
    request: FetchRequest,
    *,
    on_page: Callable[[IngestResult], None] | None = None,
) -> IngestResult:
    """Fetch ``source`` live and store page by page; the cursor moves with each stored page. A
    fetch that stops after some pages were stored is partial; before any, it is the error."""
    src = get(source)
    request = src.prepare(request, store.cursor(source))

    def work(result: IngestResult) -> None:
        try:
            for page in src.fetch(fetcher, request):
                if page.error is not None:
                    result.errors.append(page.error)
                    continue
                items = page.items
                if items is None:
                    items = tuple(src.parse(page.data, page.origin))
                _store_page(store, items, result)
                if page.cursor:
                    store.set_cursor(source, page.cursor)
                if on_page:
                    on_page(result)
        except RadarError as exc:
            if not result.pages:
                raise
            # The pages stored stay; the run says it is partial instead of ok or failed.
            result.errors.append(f"stopped after {result.pages} pages: {exc}")

    return _recorded(store, source, work)


def collect(source: str, fetcher: Fetcher, request: FetchRequest) -> tuple[list[Page], str | None]:
    """Fetch and parse one source's pages without touching the store (safe in a worker thread);
    returns the pages and the error that stopped the fetch, if one did."""
    src = get(source)
    pages: list[Page] = []
    try:
        with contained(source):
            for page in src.fetch(fetcher, request):
                if page.error is None and page.items is None:
                    page = replace(page, items=tuple(src.parse(page.data, page.origin)))
                pages.append(page)
    except RadarError as exc:
        return pages, str(exc)
    return pages, None


@contextlib.contextmanager
def contained(source: str) -> Iterator[None]:
    """Turns an unexpected exception of ``source``'s code into a ``SourceError`` naming its type
    and message; the traceback goes to the log."""
    try:
        yield
    except RadarError:
        raise
    except Exception as exc:
        # Broad on purpose: a malformed response can break a parser anywhere (a list where an
        # object was, a NaN), and one source must not take the run down. Logged and re-raised
        # as the source's own failure, which the run records in its health.
        log.exception("%s failed unexpectedly", source)
        raise SourceError(f"{source} failed unexpectedly: {type(exc).__name__}: {exc}") from exc


def ingest_pages(
    store: Store, source: str, pages: list[Page], error: str | None = None
) -> IngestResult:
    """Store what ``collect`` gathered and record the run: partial when some parts failed, or
    when ``error`` stopped the fetch after pages that are kept; failed when it stopped the fetch
    before anything came."""

    def work(result: IngestResult) -> None:
        for page in pages:
            if page.error is not None:
                result.errors.append(page.error)
            else:
                _store_page(store, page.items or (), result)
        if error is not None and result.pages:
            result.errors.append(f"stopped after {result.pages} pages: {error}")
        elif error is not None:
            raise SourceError(error)

    return _recorded(store, source, work)


def _store_page(store: Store, records: Iterable[Record], result: IngestResult) -> None:
    batch = list(records)
    papers = [r for r in batch if isinstance(r, Item)]
    posts = [r for r in batch if isinstance(r, Post)]
    if papers:
        result.stats.add(store.upsert(papers))
    if posts:
        result.stats.add(store.upsert_posts(posts))
    result.items += len(batch)
    result.pages += 1


def _recorded(store: Store, source: str, work: Callable[[IngestResult], None]) -> IngestResult:
    run_id = store.start_run(f"ingest {source}")
    result = IngestResult(source)
    try:
        with contained(source):
            work(result)
    except RadarError as exc:
        store.finish_run(run_id, "failed", {source: _counts(result)}, {source: str(exc)})
        raise
    if result.errors:
        store.finish_run(
            run_id, "partial", {source: _counts(result)}, {source: "; ".join(result.errors)}
        )
    else:
        store.finish_run(run_id, "ok", {source: _counts(result)}, {})
    return result


def _counts(result: IngestResult) -> dict[str, int]:
    return {"pages": result.pages, "items": result.items, **result.stats.as_dict()}


def import_file(
    store: Store,
    path: Path,
    *,
    on_progress: Callable[[int, UpsertStats], None] | None = None,
    worker: bool | None = None,
) -> IngestResult:
    """Bulk-import a JSON-lines file (plain or gzip) in one transaction.

    A large file is parsed in a worker process while this one writes (``bulk``); ``worker``
    forces that on or off. ``on_progress`` gets the compressed bytes read so far and the stats
    of the last batch.
    """
    if not path.is_file():
        snapshot_source.open_lines(path).close()  # raises the clear "cannot read" error

    def work(result: IngestResult) -> None:
        position = 0

        def items() -> Iterator[Prepared]:
            nonlocal position
            for read, batch in prepared_batches(path, worker=worker):
                position = read
                yield from batch

        for stats in store.upsert_stream(items(), batch=10_000):
            result.stats.add(stats)
            result.items += stats.inserted + stats.updated + stats.unchanged
            if on_progress:
                on_progress(position, stats)
        result.pages = 1

    return _recorded(store, "import", work)
