"""Bluesky: the public posts of followed accounts and keyword searches, via the public AppView.

The AppView (public.api.bsky.app/xrpc) answers unauthenticated reads. We read author feeds
(``app.bsky.feed.getAuthorFeed``), searches (``app.bsky.feed.searchPosts``), threads
(``getPostThread``: the root post and the author's own replies) and raw post records. A post's
links live in three places: rich-text link facets (the full URL, where the text shows it cut
short), an external embed card, and the text itself; all are kept for the linker. Reposts are
read as the original post, whose author said it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from paperradar.errors import ParseError, RadarError, UsageError
from paperradar.models import Post
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
from paperradar.sources.mastodon import is_mastodon

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "bluesky"
BASE_URL = "https://public.api.bsky.app/xrpc"


def parse(data: bytes, origin: str = "<bluesky>") -> Iterator[Post]:
    doc = load_json(data, origin)
    if not isinstance(doc, dict):
        raise ParseError("expected a Bluesky XRPC JSON object", origin=origin)
    top = Fields(doc, origin, "response")
    if "error" in doc and "message" in doc:
        raise ParseError(f"Bluesky answered {doc['error']}: {doc['message']}", origin=origin)
    views: list[Fields]
    if isinstance(doc.get("feed"), list):
        views = [entry.obj("post") for entry in top.objects("feed") if entry.is_obj("post")]
    elif isinstance(doc.get("posts"), list):
        views = top.objects("posts")
    elif isinstance(doc.get("thread"), dict):
        views = list(_thread(top.obj("thread")))
    elif isinstance(doc.get("records"), list):
        views = [_record_view(r) for r in top.objects("records")]
    elif "uri" in doc and isinstance(doc.get("value"), dict):
        views = [_record_view(top)]
    elif "follows" in doc:
        raise ParseError(
            "this is a follows list, not posts; follow accounts with `radar follow person HANDLE`",
            origin=origin,
        )
    else:
        raise ParseError("expected an author feed, search, thread or post record", origin=origin)
    for view in views:
        post = _view_post(view)
        if post is not None:
            yield post


def _thread(node: Fields) -> Iterator[Fields]:
    if not node.is_obj("post"):
        return
    root = node.obj("post")
    yield root
    author = root.obj("author").text("did")
    for reply in node.objects("replies"):
        if reply.is_obj("post") and reply.obj("post").obj("author").text("did") == author:
            yield from _thread(reply)


def _record_view(record: Fields) -> Fields:
    # A bare record names its author only by the DID inside its at:// URI.
    uri = record.text("uri")
    did = uri.removeprefix("at://").split("/", 1)[0]
    view = {"uri": uri, "author": {"did": did}, "record": record.obj("value").raw}
    return Fields(view, record.origin, record.where)


def view_to_post(view: dict[str, Any], origin: str = "<bluesky>") -> Post | None:
    """A post view (or a record wrapped as one) as a Post; None for what is not a post."""
    return _view_post(Fields(view, origin, "post"))


def _view_post(view: Fields) -> Post | None:
    record = view.obj("record")
    if record.text("$type") not in ("", "app.bsky.feed.post"):
        return None
    uri = view.text("uri")
    if not uri:
        return None
    author = view.obj("author")
    handle = author.text("handle") or author.text("did")
    links = [
        feature.text("uri")
        for facet in record.objects("facets")
        for feature in facet.objects("features")
        if feature.text("$type").endswith("#link") and feature.text("uri")
    ]
    embed = record.obj("embed")
    media = embed.obj("media") if embed.is_obj("media") else None
    for holder in (embed, media):
        if holder is not None and holder.is_obj("external") and holder.obj("external").text("uri"):
            links.append(holder.obj("external").text("uri"))
    text = record.text("text")
    card = embed.obj("external") if embed.is_obj("external") else None
    if card is not None and (card.text("title") or card.text("description")):
        # The card's title is often the paper's title: keep it for the exact-title match.
        text = "\n".join(p for p in (text, card.text("title"), card.text("description")) if p)
    rkey = uri.rsplit("/", 1)[-1]
    return Post(
        source=NAME,
        uid=uri,
        kind="post",
        author=handle,
        author_name=author.text("displayName"),
        text=text,
        url=f"https://bsky.app/profile/{handle}/post/{rkey}" if handle else None,
        posted_at=utc_stamp(record.text("createdAt") or view.text("indexedAt")),
        links=tuple(dict.fromkeys(links)),
        likes=view.count("likeCount"),
        reposts=view.count("repostCount") + view.count("quoteCount"),
        replies=view.count("replyCount"),
        feed="Bluesky",
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    """Each followed account's recent posts, then each search; a failing one is skipped."""
    if not request.accounts and not request.query:
        raise UsageError(
            "bluesky needs --account HANDLE (or `radar follow person HANDLE.bsky.social`) "
            "or --query TEXT"
        )
    base = (request.base_url or BASE_URL).rstrip("/")
    since = request.window_start(2)
    wanted = request.max_results or 100
    for account in request.accounts:
        params: dict[str, str | int] = {
            "actor": account.lstrip("@"),
            "limit": 100,
            "filter": "posts_and_author_threads",
        }
        yield from _pages(fetcher, f"{base}/app.bsky.feed.getAuthorFeed", params, since, wanted)
    if request.query:
        params = {"q": request.query, "limit": 100, "sort": "latest", "since": f"{since}T00:00:00Z"}
        yield from _pages(fetcher, f"{base}/app.bsky.feed.searchPosts", params, since, wanted)


def _pages(
    fetcher: Fetcher, url: str, params: dict[str, str | int], since: str, wanted: int
) -> Iterator[Page]:
    seen = 0
    while seen < wanted:
        try:
            data = fetcher.get(url, params)
            posts = tuple(parse(data, url))
        except RadarError as exc:
            yield Page(b"", url, error=f"{params.get('actor') or params.get('q')}: {exc}")
            return
        recent = tuple(p for p in posts if (p.day or "") >= since)
        yield Page(data, url, items=recent)
        seen += len(recent)
        cursor = load_json(data, url).get("cursor")
        if not cursor or len(recent) < len(posts) or not posts:
            return  # older than the window from here on
        params = {**params, "cursor": cursor}


def is_bluesky(handle: str) -> bool:
    """Whether a followed person's handle is a Bluesky one (``name.bsky.social``, a domain)."""
    return not is_mastodon(handle) and not handle.startswith("x:") and "." in handle


class BlueskyOptions(Options):
    accounts: Strings = ()
    query: str | None = None
    max: int | None = None
    base_url: str | None = None


class Bluesky(BaseSource[BlueskyOptions]):
    name = NAME
    kind = "posts"
    description = "Bluesky public posts of followed accounts and keyword searches (no login)"
    options = BlueskyOptions

    def request(self, options: BlueskyOptions, following: Following, env: Env) -> FetchRequest:
        accounts = options.accounts
        if not accounts and not options.query:
            accounts = tuple(p for p in following.people if is_bluesky(p))
        return env.request(
            options,
            accounts=accounts,
            query=options.query,
        )

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Post]:
        return parse(data, origin)


SOURCE: Source[BlueskyOptions] = Bluesky()
