"""The reader's configuration: one TOML file in the data directory, secrets from the environment.

``radar.toml`` says which sources the daily run reads (and with what: categories, ISSNs, feeds
come from the profile), how the briefing is written, and where it is delivered (files always;
email, webhooks and an Atom feed when configured). Secrets never live in the file: the SMTP
password comes from ``RADAR_SMTP_PASSWORD`` or the OS keyring, API keys from their usual
variables. ``load`` validates everything and names the key that is wrong and how to fix it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperradar.errors import ConfigError

FILE_NAME = "radar.toml"
KNOWN_SOURCES = (
    "arxiv",
    "arxiv-api",
    "hf-daily",
    "openalex",
    "crossref",
    "semantic-scholar",
    "rss",
    "bluesky",
    "mastodon",
)
SOURCE_KEYS = {
    "categories",
    "query",
    "issns",
    "filter",
    "accounts",
    "tags",
    "feeds",
    "instance",
    "recommend",
    "max",
    "base_url",
}
WEBHOOK_KINDS = ("slack", "discord", "json")
SECURITY = ("starttls", "ssl", "none")
EXAMPLE = """\
# Paper Radar configuration (radar config shows it, radar config check validates it).

[fetch]
# mailto = "you@example.org"    # puts OpenAlex and Crossref calls in their polite pools

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
    sources: dict[str, dict[str, Any]]
    mailto: str | None = None
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


def parse(data: dict[str, Any], path: Path | None) -> Config:
    where = str(path) if path else "the default configuration"

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{where}: {message}")

    unknown = set(data) - {"fetch", "sources", "brief", "deliver"}
    if unknown:
        raise fail(f"unknown section [{sorted(unknown)[0]}]; known: fetch, sources, brief, deliver")
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not sources:
        raise fail("[sources] must name at least one source, e.g. arxiv = {}")
    for name, options in sources.items():
        if name not in KNOWN_SOURCES:
            raise fail(f"unknown source {name!r} in [sources]; known: {', '.join(KNOWN_SOURCES)}")
        if not isinstance(options, dict):
            raise fail(f"sources.{name} must be a table, e.g. {name} = {{}}")
        if bad := set(options) - SOURCE_KEYS:
            raise fail(f"sources.{name}: unknown key {sorted(bad)[0]!r}")
        for key in ("categories", "issns", "accounts", "tags", "feeds"):
            value = options.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(f"sources.{name}.{key} must be a list of strings")
    fetch = data.get("fetch", {})
    brief = data.get("brief", {})
    lang = brief.get("lang", "en")
    if lang not in ("en", "zh"):
        raise fail(f"brief.lang must be 'en' or 'zh', not {lang!r}")
    deliver = data.get("deliver", {})
    email = _email(deliver.get("email"), fail) if "email" in deliver else None
    hooks = []
    for n, hook in enumerate(deliver.get("webhook", [])):
        kind, url = hook.get("kind", "json"), hook.get("url", "")
        if kind not in WEBHOOK_KINDS:
            raise fail(f"deliver.webhook[{n}].kind must be one of {', '.join(WEBHOOK_KINDS)}")
        if not str(url).startswith(("https://", "http://")):
            raise fail(f"deliver.webhook[{n}].url must be an http(s) URL")
        hooks.append(Webhook(kind, url))
    return Config(
        path=path,
        sources=sources,
        mailto=fetch.get("mailto") or os.environ.get("RADAR_MAILTO") or None,
        lang=lang,
        llm=bool(brief.get("llm", False)),
        deliver_dir=str(deliver.get("dir", "briefings")),
        email=email,
        webhooks=tuple(hooks),
        feed_base=str(deliver.get("feed", {}).get("base_url", "http://localhost:8000")),
        raw=data,
    )


def _email(table: Any, fail: Any) -> Email:
    if not isinstance(table, dict):
        raise fail("[deliver.email] must be a table")
    to = table.get("to", [])
    if isinstance(to, str):
        to = [to]
    if not to or not all("@" in t for t in to):
        raise fail("deliver.email.to must list at least one address")
    for key in ("from", "host"):
        if not table.get(key):
            raise fail(f"deliver.email.{key} is missing")
    security = table.get("security", "starttls")
    if security not in SECURITY:
        raise fail(f"deliver.email.security must be one of {', '.join(SECURITY)}")
    if "password" in table:
        raise fail(
            "deliver.email.password: keep secrets out of the file; set RADAR_SMTP_PASSWORD "
            "or store it in the OS keyring under service 'paper-radar'"
        )
    port = table.get("port", 465 if security == "ssl" else 587)
    return Email(
        to=tuple(to),
        sender=table["from"],
        host=table["host"],
        port=int(port),
        security=security,
        username=table.get("username"),
    )
