"""The domain errors of Paper Radar.

The library raises only these; the CLI turns each into one clear line and an exit code, and a run
records a failing source's error in its health instead of stopping. Messages are written for the
reader: they say what went wrong, where, and when possible how to fix it.
"""

from __future__ import annotations


class RadarError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1


class UsageError(RadarError):
    """The command was asked something it cannot do (unknown source, bad date, bad id)."""

    exit_code = 2


class ConfigError(RadarError):
    """The configuration file or environment is invalid."""

    exit_code = 2


class ParseError(RadarError):
    """A response or file could not be parsed; the message names the input and the place."""

    def __init__(self, message: str, *, origin: str | None = None) -> None:
        self.origin = origin
        super().__init__(f"{origin}: {message}" if origin else message)


class SourceError(RadarError):
    """A source answered with an error of its own (an arXiv API error entry, an OAI-PMH error)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


class FetchError(RadarError):
    """A network fetch failed after its retries (timeout, connection refused, HTTP error)."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class NotFoundError(RadarError):
    """A paper or other record asked for by id is not in the store."""


class StoreError(RadarError):
    """The store cannot be opened or is in a state this version cannot use."""


class LLMError(RadarError):
    """The endpoint failed, timed out or answered in a shape the composer cannot use."""


class DeliveryError(RadarError):
    """A channel could not deliver."""


class RankingError(RadarError):
    """Ranking a day failed and no earlier ranking of it can stand in; the log has the cause."""
