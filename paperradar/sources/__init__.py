"""The sources Paper Radar reads, and the one registry of them.

Each source is an object in its own module that keeps the ``Source`` protocol of
``paperradar.sources.base``: a name, a kind (papers or posts), a description, an options model,
``request`` (options, profile and environment to a ``FetchRequest``), ``fetch`` (the raw pages,
one at a time, so the ingest stage stores each as it arrives) and a pure ``parse``. ``SOURCES``
below is the only list of them; the CLI's help, the ``[sources]`` check of radar.toml and the
daily run all read it. Modules are imported on first use, so ``radar --help`` does not pay for
every parser, pydantic and the HTTP client.

To add a source: write ``paperradar/sources/NAME.py`` ending in ``SOURCE = YourSource()`` (mypy
checks it against the protocol), add one line here, and test its ``parse`` on a recorded response.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from paperradar.errors import UsageError

if TYPE_CHECKING:
    from paperradar.sources.base import FetchRequest, Page, Record, Source

__all__ = ["SOURCES", "FetchRequest", "Page", "Record", "Source", "get", "names", "registry"]

# Source name → its module in this package, in the order help texts list them.
SOURCES = {
    "arxiv": "arxiv_rss",
    "arxiv-api": "arxiv_api",
    "arxiv-oai": "arxiv_oai",
    "hf-daily": "hf_daily",
    "openalex": "openalex",
    "crossref": "crossref",
    "semantic-scholar": "semantic_scholar",
    "rss": "rss",
    "bluesky": "bluesky",
    "mastodon": "mastodon",
    "x-import": "x_import",
}


def names() -> tuple[str, ...]:
    """Every source's name, without importing any source."""
    return tuple(SOURCES)


def get(name: str) -> Source[Any]:
    """The source called ``name``, or a ``UsageError`` listing the known ones."""
    if name not in SOURCES:
        raise UsageError(f"unknown source {name!r}; known sources: {', '.join(sorted(SOURCES))}")
    source: Source[Any] = importlib.import_module(f"{__name__}.{SOURCES[name]}").SOURCE
    return source


def registry() -> dict[str, Source[Any]]:
    """Source name to source, every one imported."""
    return {name: get(name) for name in SOURCES}


def __getattr__(name: str) -> Any:
    # The contract's names, re-exported without importing pydantic until one is used.
    if name in ("FetchRequest", "Page", "Record", "Source"):
        from paperradar.sources import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
