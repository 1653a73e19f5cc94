"""The ingest stage: bring a source's papers or posts into the store.

``requests`` builds what a fetch asks for (options, the reader's profile, the environment) the
same way for ``radar ingest`` and ``radar run``; ``pages`` fetches or reads pages, parses them
and stores each in one transaction, recording the run; ``bulk`` parses big JSON-lines files in a
worker process. What follows an ingest (embedding, linking) is the enrich stage's, and
``paperradar.pipeline`` runs the two in order.
"""

from paperradar.ingest.pages import (
    MAX_FILE_BYTES,
    IngestResult,
    collect,
    import_file,
    ingest_fetch,
    ingest_file,
    ingest_pages,
)
from paperradar.ingest.requests import environment, following, options_from_flags, request_for

__all__ = [
    "MAX_FILE_BYTES",
    "IngestResult",
    "collect",
    "environment",
    "following",
    "import_file",
    "ingest_fetch",
    "ingest_file",
    "ingest_pages",
    "options_from_flags",
    "request_for",
]
