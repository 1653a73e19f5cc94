"""The contract every source keeps: the ``Source`` protocol, its options model, and the records a
fetch passes along (``FetchRequest`` in, ``Page`` out).

A source turns options into a request, fetches pages and parses bytes. Its options are one
pydantic model validated the same way whether they come from ``[sources]`` in radar.toml or from
``radar ingest`` flags, so a key that does not belong to a source is refused by name on both
paths. ``request(options, following, env)`` is the one place a source reads the environment (its
API key) and the reader's profile (who and what they follow), for the CLI and the daily run alike.
``parse`` never touches the network or the store, so it is tested on recorded responses.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from paperradar.errors import RadarError
from paperradar.models import Item, Post

if TYPE_CHECKING:  # the HTTP client is imported only by the code that fetches
    from paperradar.http import Fetcher

Kind = Literal["papers", "posts"]
Record = Item | Post  # papers from scholarly sources, posts from social ones and blogs


@dataclass(frozen=True)
class FetchRequest:
    """Everything a fetch may need; each source reads the fields that concern it."""

    day: dt.date | None = None
    categories: tuple[str, ...] = ("cs.AI", "cs.CL", "cs.LG", "cs.CV")
    query: str | None = None
    ids: tuple[str, ...] = ()
    since: str | None = None  # a source's cursor: OAI harvests from this datestamp on
    oai_set: str | None = None
    metadata_format: str = "arXiv"
    max_results: int | None = None
    page_size: int = 100
    base_url: str | None = None
    accounts: tuple[str, ...] = ()  # bluesky handles, @user@instance, S2/OpenAlex author ids
    tags: tuple[str, ...] = ()  # mastodon hashtags
    feeds: tuple[str, ...] = ()  # RSS/Atom URLs
    issns: tuple[str, ...] = ()  # crossref journals
    filter: str | None = None  # openalex filter expression, passed as given
    mailto: str | None = None  # the polite-pool address for OpenAlex and Crossref
    api_key: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def window_start(self, days: int) -> str:
        """``since`` when given, else ``days`` before the requested day (or today)."""
        return self.since or str((self.day or dt.date.today()) - dt.timedelta(days=days))


@dataclass(frozen=True)
class Page:
    """One raw response and where it came from (a URL or a file path)."""

    data: bytes
    origin: str
    cursor: str | None = None  # what the source's cursor becomes once this page is stored
    items: tuple[Record, ...] | None = None  # already parsed by fetch (when it looked inside)
    error: str | None = None  # this part failed and was skipped; the others went on


@dataclass(frozen=True)
class Following:
    """What the reader follows, which fills a request the options left open: people's handles,
    feed URLs, and the refs of the papers they liked (or seeded, saved) and disliked."""

    people: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    liked: tuple[str, ...] = ()  # oldest first
    disliked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Env:
    """What a request takes from outside its options: the day asked for, a start date, the
    polite-pool address and the environment variables that hold API keys."""

    day: dt.date | None = None
    since: str | None = None
    mailto: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)

    def secret(self, name: str) -> str | None:
        return self.variables.get(name) or None

    def request(self, options: Options, **fields: Any) -> FetchRequest:
        """A request for this day, start date and address, with the source's own ``fields``.
        The two options most sources share pass through here once: ``base_url`` (a mirror, or
        the replay server in tests) and ``max`` (the request's ``max_results``)."""
        shared: dict[str, Any] = {"base_url": getattr(options, "base_url", None)}
        if "max" in type(options).model_fields:
            shared["max_results"] = getattr(options, "max", None)
        return FetchRequest(day=self.day, since=self.since, mailto=self.mailto, **shared, **fields)


def _strings(value: object) -> object:
    # TOML gives lists and typer gives lists; a bare string is the usual mistake, named here.
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("must be a list of strings")


Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]


class Options(BaseModel):
    """A source's options; subclasses add their fields. Unknown keys are refused, and values are
    not coerced (``max = "10"`` is an error, not 10)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


OptionsT = TypeVar("OptionsT", bound=Options)


class Source(Protocol[OptionsT]):
    """A source of papers or posts. ``daily`` says whether ``[sources]`` may name it."""

    # Read-only, so a source may narrow them (``kind = "posts"``).
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> Kind: ...
    @property
    def description(self) -> str: ...
    @property
    def daily(self) -> bool: ...
    @property
    def options(self) -> type[OptionsT]: ...

    def request(self, options: OptionsT, following: Following, env: Env) -> FetchRequest:
        """The fetch these options make, the profile and environment filling the rest."""
        ...

    def prepare(self, request: FetchRequest, cursor: str | None) -> FetchRequest:
        """The request as a one-off fetch (``ingest_fetch``: radar ingest, link --fetch, seed)
        makes it, given the source's stored cursor: arxiv-oai resumes from it, arxiv refuses a
        past day. The daily run does not call it."""
        ...

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        """The raw pages of a request, one at a time."""
        ...

    def parse(self, data: bytes, origin: str) -> Iterator[Record]:
        """The records in one response; pure."""
        ...

    def read(self, data: bytes, origin: str, options: OptionsT) -> Iterator[Record]:
        """The records in a saved response, as the options amend them."""
        ...

    def explain_empty(self, day: dt.date) -> str:
        """Why this source can have nothing new on ``day``, in plain words."""
        ...


class BaseSource(ABC, Generic[OptionsT]):
    """Defaults for the parts of ``Source`` most sources do not change."""

    kind: Kind = "papers"
    daily = True

    @abstractmethod
    def parse(self, data: bytes, origin: str) -> Iterator[Record]: ...

    def prepare(self, request: FetchRequest, cursor: str | None) -> FetchRequest:
        return request

    def read(self, data: bytes, origin: str, options: OptionsT) -> Iterator[Record]:
        return self.parse(data, origin)

    def explain_empty(self, day: dt.date) -> str:
        return "nothing new since the last run"


def validate_options(
    source: Source[Any],
    raw: Mapping[str, object],
    *,
    spell: Callable[[str], str],
    error: type[RadarError],
) -> Options:
    """``raw`` as the source's options, or ``error`` naming each wrong key as ``spell`` writes
    it (``categories`` in the file, ``--category`` on the command line)."""
    try:
        options: Options = source.options.model_validate(dict(raw))
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(_problem(e, spell, source.name) for e in errors)
        if any(e["type"] == "extra_forbidden" for e in errors):
            keys = ", ".join(spell(k) for k in source.options.model_fields) or "no options"
            problems += f" ({source.name} takes {keys})"
        raise error(problems) from None
    return options


def _problem(error: Mapping[str, Any], spell: Callable[[str], str], name: str) -> str:
    loc: Sequence[object] = error.get("loc", ())
    key = spell(str(loc[0])) if loc else "options"
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return f"{key} is not an option of {name}"
    if error["type"] == "missing":
        return f"{key} is missing"
    if error["type"] == "value_error":  # our own validators' words: "must be a list of strings"
        return f"{key} {message.removeprefix('Value error, ')}"
    return f"{key}: {message[:1].lower()}{message[1:]}"
