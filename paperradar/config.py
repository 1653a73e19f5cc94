"""The reader's configuration: one TOML file in the data directory, secrets from the environment.

``radar.toml`` says which sources the daily run reads (and with what: categories, ISSNs, feeds
come from the profile), how the briefing is written, and where it is delivered (files always;
email, webhooks and an Atom feed when configured). Secrets never live in the file: the SMTP
password comes from ``RADAR_SMTP_PASSWORD`` or the OS keyring, API keys from their usual
variables. ``load`` validates the file against the pydantic models below (each source's options
against that source's own model) and names the key that is wrong and how to fix it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from paperradar.errors import ConfigError
from paperradar.sources import get, names
from paperradar.sources.base import Options, validate_options

FILE_NAME = "radar.toml"
WebhookKind = Literal["slack", "discord", "json"]
Security = Literal["starttls", "ssl", "none"]
WEBHOOK_KINDS = get_args(WebhookKind)
SECURITY = get_args(Security)
EXAMPLE = """\
# Paper Radar configuration (radar config shows it, radar config check validates it).

[fetch]
# mailto = "you@example.org"    # puts OpenAlex and Crossref calls in their polite pools
# categories = true             # look up in the arXiv API the categories HF Daily Papers omits
# arxiv_api = "https://export.arxiv.org/api/query"   # where that lookup goes (a mirror)

[sources]
arxiv = { categories = ["cs.CL", "cs.LG", "cs.AI", "cs.CV"] }
hf-daily = {}
# openalex = { filter = "topics.id:T10181" }
# crossref = { issns = ["2835-8856"] }
# semantic-scholar = { recommend = true }
# rss = {}            # the feeds you follow (radar follow feed URL)
# bluesky = {}        # the people you follow (radar follow person HANDLE)
# mastodon = {}

[brief]
lang = "en"            # en or zh
# llm = true           # use RADAR_LLM_URL / RADAR_LLM_MODEL

[deliver]
dir = "briefings"      # relative to the data directory; one .md and .html per day

# [deliver.email]
# to = ["you@example.org"]
# from = "radar@example.org"
# host = "smtp.example.org"
# port = 587
# security = "starttls"  # starttls, ssl or none
# username = "radar@example.org"   # password: RADAR_SMTP_PASSWORD or the OS keyring

# [[deliver.webhook]]
# kind = "slack"         # slack, discord or json
# url = "https://hooks.slack.com/services/..."

# [deliver.feed]
# base_url = "http://localhost:8000"   # links in the Atom feeds
"""


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    sender: str
    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    timeout: float = 30.0

    def password(self) -> str | None:
        """The SMTP password from the environment, else the OS keyring (if installed)."""
        secret = os.environ.get("RADAR_SMTP_PASSWORD")
        if secret or not self.username:
            return secret
        try:
            import keyring  # type: ignore[import-not-found]
        except ImportError:
            return None
        found: str | None = keyring.get_password("paper-radar", self.username)
        return found


@dataclass(frozen=True)
class Webhook:
    kind: str
    url: str


@dataclass(frozen=True)
class Config:
    path: Path | None
    sources: dict[str, Options]  # each source's options, validated by its own model
    mailto: str | None = None  # [fetch] mailto as written
    categories: bool = True  # [fetch] categories: look up the categories papers came without
    arxiv_api: str | None = None  # [fetch] arxiv_api: where (None: the arXiv API itself)
    lang: str = "en"
    llm: bool = False
    deliver_dir: str = "briefings"
    email: Email | None = None
    webhooks: tuple[Webhook, ...] = ()
    feed_base: str = "http://localhost:8000"
    raw: dict[str, Any] = field(default_factory=dict)


def path_for(home: Path) -> Path:
    return home / FILE_NAME


def load(home: Path) -> Config:
    """The configuration in ``home`` (defaults when there is no file), validated."""
    path = path_for(home)
    if not path.exists():
        return parse(tomllib.loads(EXAMPLE), None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return parse(data, path)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _addresses(value: object) -> object:
    return [value] if isinstance(value, str) else value  # to = "one@example.org" is fine too


class _FetchTable(_Table):
    mailto: str | None = None
    categories: bool = True
    arxiv_api: str | None = Field(default=None, pattern=r"^https?://")


class _BriefTable(_Table):
    lang: Literal["en", "zh"] = "en"
    llm: bool = False


class _EmailTable(_Table):
    to: Annotated[list[str], BeforeValidator(_addresses)]
    sender: str = Field(alias="from", min_length=1)
    host: str = Field(min_length=1)
    port: int | None = None
    security: Security = "starttls"
    username: str | None = None


class _WebhookTable(_Table):
    kind: WebhookKind = "json"
    url: str = Field(pattern=r"^https?://")


class _FeedTable(_Table):
    base_url: str = "http://localhost:8000"


class _DeliverTable(_Table):
    dir: str = "briefings"
    email: dict[str, Any] | None = None  # checked on its own, to keep the password out of errors
    webhook: list[_WebhookTable] = []
    feed: _FeedTable = _FeedTable()


class _File(_Table):
    fetch: _FetchTable = _FetchTable()
    sources: dict[str, Any] = Field(min_length=1)
    brief: _BriefTable = _BriefTable()
    deliver: _DeliverTable = _DeliverTable()


# How to fix what pydantic found wrong, by the key's path (``*`` for any list index).
HINTS = {
    "sources": "[sources] must name at least one source, e.g. arxiv = {}",
    "brief.lang": "brief.lang must be 'en' or 'zh'",
    "fetch.arxiv_api": "must be an http(s) URL",
    "deliver.webhook.*.kind": "must be one of " + ", ".join(WEBHOOK_KINDS),
    "deliver.webhook.*.url": "must be an http(s) URL",
    "deliver.email": "[deliver.email] must be a table",
    "deliver.email.to": "deliver.email.to must list at least one address",
    "deliver.email.from": "deliver.email.from is missing",
    "deliver.email.host": "deliver.email.host is missing",
    "deliver.email.security": "deliver.email.security must be one of " + ", ".join(SECURITY),
}


def parse(data: dict[str, Any], path: Path | None) -> Config:
    """The configuration in a parsed TOML document, or a ``ConfigError`` saying what to fix."""
    where = str(path) if path else "the default configuration"
    unknown = set(data) - set(_File.model_fields)
    if unknown:
        known = ", ".join(_File.model_fields)
        raise ConfigError(f"{where}: unknown section [{sorted(unknown)[0]}]; known: {known}")
    try:
        file = _File.model_validate(data)
        sources = {name: _source(name, options) for name, options in file.sources.items()}
        email = _email(file.deliver.email) if file.deliver.email is not None else None
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_explain(exc)}") from None
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return Config(
        path=path,
        sources=sources,
        mailto=file.fetch.mailto or None,  # RADAR_MAILTO is the fallback: ingest.environment
        categories=file.fetch.categories,
        arxiv_api=file.fetch.arxiv_api,
        lang=file.brief.lang,
        llm=file.brief.llm,
        deliver_dir=file.deliver.dir,
        email=email,
        webhooks=tuple(Webhook(h.kind, h.url) for h in file.deliver.webhook),
        feed_base=file.deliver.feed.base_url,
        raw=data,
    )


def _explain(exc: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    """The first problem pydantic found, with the hint for its key when there is one."""
    error = exc.errors()[0]
    loc = (*prefix, *error["loc"])
    shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    hint = HINTS.get(".".join("*" if isinstance(p, int) else str(p) for p in loc))
    if hint is not None:
        return hint if shown in hint else f"{shown} {hint}"
    if error["type"] == "extra_forbidden":
        return f"{shown}: unknown key (see `radar config` for the known ones)"
    if error["type"] == "missing":
        return f"{shown} is missing"
    return f"{shown}: {error['msg']}"


def _source(name: str, options: object) -> Options:
    """A ``[sources]`` entry as that source's options."""
    if name in names() and not get(name).daily:
        raise ConfigError(f"sources.{name}: {name} cannot run daily ({get(name).description})")
    if name not in names():
        daily = ", ".join(n for n in names() if get(n).daily)
        raise ConfigError(f"unknown source {name!r} in [sources]; known: {daily}")
    if not isinstance(options, dict):
        raise ConfigError(f"sources.{name} must be a table, e.g. {name} = {{}}")
    try:
        return validate_options(get(name), options, spell=str, error=ConfigError)
    except ConfigError as exc:
        raise ConfigError(f"sources.{name}: {exc}") from None


def _email(table: dict[str, Any]) -> Email:
    if "password" in table:
        raise ConfigError(
            "deliver.email.password: keep secrets out of the file; set RADAR_SMTP_PASSWORD "
            "or store it in the OS keyring under service 'paper-radar'"
        )
    try:
        checked = _EmailTable.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, ("deliver", "email"))) from None
    if not checked.to or not all("@" in t for t in checked.to):
        raise ConfigError(HINTS["deliver.email.to"])
    port = checked.port or (465 if checked.security == "ssl" else 587)
    return Email(
        to=tuple(checked.to),
        sender=checked.sender,
        host=checked.host,
        port=port,
        security=checked.security,
        username=checked.username,
    )
