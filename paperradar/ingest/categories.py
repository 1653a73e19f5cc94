"""Categories for the papers of a day that came without them, looked up in the arXiv API.

Hugging Face Daily Papers names a paper by its arXiv id but not its categories, so a paper only
HF reported escapes the reader's category mutes (and follows) until arXiv lists it, which may be
never for a paper of an unfollowed category. ``fill_categories`` asks the arxiv-api source for
those ids (``BATCH`` a request, through the caller's fetcher: its 3 s delay for the API, its
retries and timeouts) and folds only the categories and the primary category into the stored
papers, through the ordinary upsert (joined on the arXiv id). The lookup's other fields and its
observation are left out on purpose: the HF record, its observation and upvotes stay as they
were, no text is replaced, and the lookup adds no paper to any day.

At most ``MAX_IDS`` ids are looked up a call (the most upvoted first), so a day filled by a bulk
import costs a few requests, never thousands; the rest are looked up by the next call. Each
lookup is recorded as a run of ``LOOKUP``, so the day's health names a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from paperradar.errors import RadarError
from paperradar.ingest.pages import collect, contained
from paperradar.models import Item
from paperradar.sources import FetchRequest
from paperradar.store import Store

if TYPE_CHECKING:
    from paperradar.http import Fetcher

SOURCE = "arxiv-api"
LOOKUP = f"{SOURCE} (categories)"  # how the run's health and the runs table name the lookup
BATCH = 100  # ids per request: the API answers 100 entries a page by default
MAX_IDS = 300  # per call: three requests, about ten seconds with the API's delay


@dataclass(frozen=True)
class Lookup:
    """Where to look categories up (None: the arXiv API itself) and how many ids at most."""

    base_url: str | None = None
    limit: int = MAX_IDS


@dataclass(frozen=True)
class Filled:
    """What one lookup did: ids asked, papers whose categories it filled, whether more were
    missing than it could ask for, and the error that stopped it."""

    asked: int
    filled: int
    more: bool = False
    error: str | None = None

    @property
    def status(self) -> str:
        """ "ok", "partial" (some batches stored, then an error) or "failed"."""
        if self.error is None:
            return "ok"
        return "partial" if self.filled else "failed"

    def as_dict(self) -> dict[str, object]:
        """For ``--json``."""
        keys = {"asked": self.asked, "filled": self.filled, "detail": self.detail}
        return {"status": self.status, **keys}

    @property
    def detail(self) -> str:
        """ "37 of 40 filled" (three ids arXiv did not return), what stopped it, what is left."""
        said = [] if self.status == "failed" else [f"{self.filled} of {self.asked} filled"]
        if self.error:
            said.append(self.error)
        if self.more:
            said.append("more papers lack them: the next run looks them up")
        return "; ".join(said)


def fill_categories(
    store: Store,
    fetcher: Fetcher,
    day: str,
    *,
    base_url: str | None = None,
    limit: int = MAX_IDS,
) -> Filled | None:
    """Look up the categories of ``day``'s papers that have an arXiv id and none; None when
    there is nothing to look up (no request is made). A failed request ends the lookup and is
    its ``error``, as is anything else that goes wrong once it started; what earlier batches
    filled stays."""
    missing = store.uncategorised(day=day, limit=limit + 1)
    if not missing:
        return None
    ids = missing[:limit]
    run_id = store.start_run(f"ingest {LOOKUP}")
    filled, error = 0, None
    try:
        # Contained like a source's fetch: a bug or a store error here is the lookup's failure,
        # logged, and the caller's briefing or ingest goes on.
        with contained(LOOKUP):
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                filled, error = _batch(store, fetcher, batch, base_url, filled)
                if error is not None:
                    break
    except RadarError as exc:
        error = str(exc)
    result = Filled(len(ids), filled, more=len(missing) > limit, error=error)
    counts = {LOOKUP: {"asked": result.asked, "filled": result.filled}}
    store.finish_run(run_id, result.status, counts, {LOOKUP: error} if error else {})
    if filled:
        store.forget_ranking(day)
    return result


def _batch(
    store: Store, fetcher: Fetcher, ids: list[str], base_url: str | None, filled: int
) -> tuple[int, str | None]:
    """One request's worth: the running count of filled papers and the error, if any."""
    request = FetchRequest(ids=tuple(ids), max_results=len(ids), base_url=base_url)
    pages, error = collect(SOURCE, fetcher, request)
    wanted = set(ids)
    found = [
        _categories_only(record)
        for page in pages
        for record in page.items or ()
        if isinstance(record, Item) and record.arxiv_id in wanted and record.categories
    ]
    if found:
        filled += store.upsert(found).updated
    return filled, error


def _categories_only(item: Item) -> Item:
    """The part of an API entry the lookup stores. No version, so the merge treats it as no
    newer than the stored paper and only fills what is empty; no text, so nothing is replaced;
    no observation day, so no observation is recorded and no day gains a paper."""
    return Item(
        source=SOURCE,
        title="",
        arxiv_id=item.arxiv_id,
        categories=item.categories,
        primary_category=item.primary_category,
    )
