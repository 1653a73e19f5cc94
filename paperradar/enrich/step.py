"""The enrich step after an ingest: embed the papers it brought, link the posts to papers.

Both ``radar ingest`` and ``radar run`` end their fetching with it. Embedding failing (no model
backend, say) is reported as a warning and never undoes the ingest, since ranking embeds
whatever is still missing; linking runs only when something changed and there are posts at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from paperradar.errors import RadarError
from paperradar.store import Store, UpsertStats

EMBED_LIMIT = 5000  # newest first; a bigger backlog is left to ranking, which embeds on demand


@dataclass(frozen=True)
class Enriched:
    """What the step did: papers embedded, the linker's counts, and what went wrong."""

    embedded: int = 0
    links: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def enrich_new(
    store: Store, stats: UpsertStats, *, on_status: Callable[[str], None] | None = None
) -> Enriched:
    """Embed and link what an ingest with these ``stats`` brought in."""
    status = on_status or (lambda _: None)
    embedded, warnings = 0, []
    if stats.inserted + stats.updated:
        from paperradar.enrich.embed import embed_store

        status("Embedding new papers…")

        def progress(done: int, total: int) -> None:
            status(f"Embedding new papers… {done:,}/{total:,}")

        try:
            embedded = embed_store(store, limit=EMBED_LIMIT, on_progress=progress)
        except RadarError as exc:
            warnings.append(f"embedding skipped: {exc}")
    changed = (
        stats.inserted
        + stats.updated
        + stats.observations
        + stats.posts_inserted
        + stats.posts_updated
    )
    links: dict[str, int] = {}
    if changed and store.post_count():
        from paperradar.enrich.link import link

        status("Linking posts to papers…")
        links = link(store).counts
    return Enriched(embedded, links, tuple(warnings))
