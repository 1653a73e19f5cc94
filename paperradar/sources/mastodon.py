"""Mastodon: account and hashtag timelines of any instance, read through its public REST API.

Statuses arrive as HTML; we keep their plain text and every link target (Mastodon shortens
the visible URL, the href is whole), plus the preview card's URL and title. An account is named
``@user@instance`` everywhere, also when the instance calls its local users plain ``user``.
A boost is read as the boosted status, said by its own author. Timelines page backwards with
``max_id``; reads need no token on instances that allow public timelines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from paperradar.errors import ParseError, RadarError, UsageError
from paperradar.models import Post
from paperradar.sources import htmltext
from paperradar.sources.base import (
    BaseSource,
    Env,
    FetchRequest,
    Following,
    Options,
    Page,
    Source,
    Strings,
)
from paperradar.sources.common import Fields, load_json, utc_stamp

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "mastodon"
DEFAULT_INSTANCE = "mastodon.social"


def parse(data: bytes, origin: str = "<mastodon>") -> Iterator[Post]:
    doc = load_json(data, origin)
    if isinstance(doc, dict) and "error" in doc:
        raise ParseError(f"Mastodon answered with an error: {doc['error']}", origin=origin)
    statuses: list[Any]
    if isinstance(doc, list):
        statuses = doc
    elif isinstance(doc, dict) and isinstance(doc.get("statuses"), list):
        statuses = doc["statuses"]  # /api/v2/search
    elif isinstance(doc, dict) and "content" in doc and "account" in doc:
        statuses = [doc]
    elif isinstance(doc, dict) and "ancestors" in doc:
        context = Fields(doc, origin, "context")
        statuses = [*context.values("ancestors"), *context.values("descendants")]
    else:
        raise ParseError("expected a Mastodon status, timeline or search result", origin=origin)
    for index, status in enumerate(statuses):
        if isinstance(status, dict) and "content" in status:
            post = _status_post(Fields(status, origin, f"status[{index}]"))
            if post is not None:
                yield post


def handle(account: dict[str, Any]) -> str:
    """``@user@instance`` for any account, local or remote."""
    return _handle(Fields(account, "<mastodon>", "account"))


def _handle(account: Fields) -> str:
    acct = account.text("acct") or account.text("username")
    if "@" not in acct:
        host = _host(account.text("url"))
        acct = f"{acct}@{host}" if host else acct
    return f"@{acct}".lower()


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc
    except ValueError:  # an unbalanced "[" reads as a broken IPv6 address
        return ""


def status_to_post(status: dict[str, Any], origin: str = "<mastodon>") -> Post | None:
    """A status (or the status it boosts) as a Post; None when it has no id."""
    return _status_post(Fields(status, origin, "status"))


def _status_post(status: Fields) -> Post | None:
    if status.is_obj("reblog"):
        status = status.obj("reblog")
    uid = status.text("uri") or status.text("url")
    if not uid:
        return None
    account = status.obj("account")
    content = htmltext.sanitize(status.text("content"))
    links = htmltext.hrefs(content)
    text = htmltext.to_text(content)
    card = status.obj("card")
    if card.text("url"):
        links.append(card.text("url"))
        if card.text("title"):
            text = f"{text}\n{card.text('title')}"
    if status.text("spoiler_text"):
        text = f"{status.text('spoiler_text')}\n{text}"
    mentioned = {m.text("url") for m in status.objects("mentions") if m.text("url")} | {
        t.text("url") for t in status.objects("tags") if t.text("url")
    }
    return Post(
        source=NAME,
        uid=uid,
        kind="post",
        author=_handle(account),
        author_name=account.text("display_name"),
        text=text,
        html=content,
        url=status.text("url") or None,
        posted_at=utc_stamp(status.text("created_at")),
        links=tuple(u for u in dict.fromkeys(links) if u not in mentioned),
        likes=status.count("favourites_count"),
        reposts=status.count("reblogs_count"),
        replies=status.count("replies_count"),
        feed="Mastodon",
    )


def split_account(account: str, default_instance: str) -> tuple[str, str]:
    """("user", "instance") of ``@user@instance``, ``user@instance`` or a profile URL."""
    account = account.strip()
    if account.startswith(("http://", "https://")):
        try:
            parts = urlsplit(account)
        except ValueError as exc:
            raise UsageError(f"{account!r} is not a Mastodon profile URL") from exc
        return parts.path.strip("/").lstrip("@"), parts.netloc
    user, _, instance = account.lstrip("@").partition("@")
    return user, instance or default_instance


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """Each followed account's statuses, then each hashtag's; a failing one is skipped."""
    if not request.accounts and not request.tags:
        raise UsageError(
            "mastodon needs --account @user@instance (or `radar follow person @user@instance`) "
            "or --tag HASHTAG"
        )
    default = request.extra.get("instance", DEFAULT_INSTANCE)
    since = request.window_start(2)
    wanted = request.max_results or 80
    for account in request.accounts:
        user, instance = split_account(account, default)
        base = request.base_url or f"https://{instance}"
        try:
            found = load_json(fetcher.get(f"{base}/api/v1/accounts/lookup", {"acct": user}), base)
        except RadarError as exc:
            yield Page(b"", base, error=f"@{user}@{instance}: {exc}")
            continue
        url = f"{base}/api/v1/accounts/{found.get('id')}/statuses"
        yield from _pages(fetcher, url, {"limit": 40}, since, wanted, f"@{user}@{instance}")
    for tag in request.tags:
        base = request.base_url or f"https://{default}"
        url = f"{base}/api/v1/timelines/tag/{quote(tag.lstrip('#'))}"
        yield from _pages(fetcher, url, {"limit": 40}, since, wanted, f"#{tag.lstrip('#')}")


def _pages(
    fetcher: Fetcher, url: str, params: dict[str, str | int], since: str, wanted: int, what: str
) -> Iterator[Page]:
    seen = 0
    ids: set[str] = set()
    while seen < wanted:
        try:
            data = fetcher.get(url, params)
            posts = tuple(parse(data, url))
            statuses = load_json(data, url)
        except RadarError as exc:
            yield Page(b"", url, error=f"{what}: {exc}")
            return
        fresh = {str(s.get("id")) for s in statuses} - ids
        if statuses and not fresh:
            return  # the server ignored max_id: paging would repeat this page for ever
        ids |= fresh
        recent = tuple(p for p in posts if (p.day or "") >= since)
        yield Page(data, url, items=recent)
        seen += len(recent)
        if not statuses or len(recent) < len(posts):
            return
        params = {**params, "max_id": str(statuses[-1]["id"])}


def is_mastodon(handle: str) -> bool:
    """Whether a followed person's handle is a Mastodon one (``@user@instance``, a profile URL)."""
    if handle.startswith("x:"):
        return False
    return handle.lstrip("@").count("@") == 1 or handle.startswith("https://")


class MastodonOptions(Options):
    accounts: Strings = ()
    tags: Strings = ()
    instance: str | None = None
    max: int | None = None
    base_url: str | None = None


class Mastodon(BaseSource[MastodonOptions]):
    name = NAME
    kind = "posts"
    description = "Mastodon account and hashtag timelines of any instance"
    options = MastodonOptions

    def request(self, options: MastodonOptions, following: Following, env: Env) -> FetchRequest:
        accounts = options.accounts
        if not accounts and not options.tags:
            accounts = tuple(p for p in following.people if is_mastodon(p))
        return env.request(
            options,
            accounts=accounts,
            tags=options.tags,
            extra={"instance": options.instance} if options.instance else {},
        )

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Post]:
        return parse(data, origin)


SOURCE: Source[MastodonOptions] = Mastodon()
