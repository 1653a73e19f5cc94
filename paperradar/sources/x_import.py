"""X/Twitter posts from files, since X's API is closed to us: an account's data export
(``tweets.js``), a JSON list of posts, or a digest that groups posts by account.

The export is JavaScript (``window.YTD.tweets.part0 = [...]``) around JSON; we read the JSON and
keep each tweet's text, counts and the expanded form of its t.co links, which is where a paper
link usually hides. An export does not name its owner: pass ``--account @handle`` to say whose
it is. A digest (``{"x": [{"handle", "name", "tweets": [...]}]}``) and a plain list of posts
(``text``, ``url``, ``createdAt``, ``likes``, ``retweets``, ``author``/``handle``) are read as they
are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from paperradar.errors import ParseError, UsageError
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
from paperradar.sources.common import load_json, utc_stamp

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "x-import"
UNKNOWN_OWNER = "x:@me"
_JS_PREFIX = re.compile(rb"^\s*window\.YTD\.[\w.]+\s*=\s*")


def parse(data: bytes, origin: str = "<x export>") -> Iterator[Post]:
    doc = load_json(_JS_PREFIX.sub(b"", data, count=1), origin)
    if isinstance(doc, dict) and isinstance(doc.get("x"), list):
        for account in doc["x"]:
            owner = f"x:@{account.get('handle', '').lstrip('@').lower()}"
            for tweet in account.get("tweets") or ():
                post = _tweet(tweet, owner, str(account.get("name") or ""))
                if post is not None:
                    yield post
        return
    if not isinstance(doc, list):
        raise ParseError("expected tweets.js, a JSON list of posts, or a digest", origin=origin)
    for entry in doc:
        if not isinstance(entry, dict):
            continue
        record: dict[str, Any] = entry["tweet"] if isinstance(entry.get("tweet"), dict) else entry
        who = record.get("handle") or record.get("author") or record.get("screen_name")
        owner = f"x:@{str(who).lstrip('@').lower()}" if who else UNKNOWN_OWNER
        post = _tweet(record, owner, str(record.get("name") or ""))
        if post is not None:
            yield post


def _tweet(tweet: dict[str, Any], owner: str, name: str) -> Post | None:
    uid = str(tweet.get("id_str") or tweet.get("id") or "")
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    if not uid or not text:
        return None
    links = []
    entities = tweet.get("entities") or {}
    for url in entities.get("urls") or ():
        expanded = url.get("expanded_url") or url.get("url")
        if expanded:
            links.append(expanded)
            if url.get("url") and url["url"] in text:
                # Put the real link where the t.co one was, so the text reads as written.
                text = text.replace(url["url"], expanded)
    handle = owner.removeprefix("x:@")
    url = tweet.get("url") or (
        f"https://x.com/{handle}/status/{uid}"
        if owner != UNKNOWN_OWNER
        else f"https://x.com/i/status/{uid}"
    )
    return Post(
        source=NAME,
        uid=uid,
        kind="post",
        author=owner,
        author_name=name,
        text=text,
        url=url,
        posted_at=utc_stamp(tweet.get("createdAt") or tweet.get("created_at")),
        links=tuple(dict.fromkeys(links)),
        likes=int(tweet.get("likes") or tweet.get("favorite_count") or 0),
        reposts=int(tweet.get("retweets") or tweet.get("retweet_count") or 0),
        replies=int(tweet.get("replies") or tweet.get("reply_count") or 0),
        feed="X",
    )


def fetch(fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
    # Refuse before the first page; the empty tuple keeps this a generator like every fetch.
    yield from _refuse()


def _refuse() -> tuple[Page, ...]:
    raise UsageError(
        "x-import reads files, not the network (X's API is closed): "
        "radar ingest x-import --from tweets.js [--account @you]"
    )


class XOptions(Options):
    accounts: Strings = ()  # whose export it is: the first one names the owner


class XImport(BaseSource[XOptions]):
    name = NAME
    kind = "posts"
    description = "X/Twitter posts from a data export (tweets.js) or a JSON list of posts"
    daily = False  # files only
    options = XOptions

    def request(self, options: XOptions, following: Following, env: Env) -> FetchRequest:
        return env.request(accounts=options.accounts)

    def fetch(self, fetcher: Fetcher, request: FetchRequest) -> Iterator[Page]:
        return fetch(fetcher, request)

    def parse(self, data: bytes, origin: str) -> Iterator[Post]:
        return parse(data, origin)

    def read(self, data: bytes, origin: str, options: XOptions) -> Iterator[Post]:
        """An export's posts, said by ``--account`` when the export does not name its owner."""
        if not options.accounts:
            yield from parse(data, origin)
            return
        owner = f"x:@{options.accounts[0].lstrip('@')}"
        for post in parse(data, origin):
            yield replace(post, author=owner) if post.author == UNKNOWN_OWNER else post


SOURCE: Source[XOptions] = XImport()
