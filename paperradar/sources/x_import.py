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
from typing import TYPE_CHECKING

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
from paperradar.sources.common import Fields, load_json, utc_stamp

if TYPE_CHECKING:  # only fetching needs the HTTP client, not parsing
    from paperradar.http import Fetcher

NAME = "x-import"
UNKNOWN_OWNER = "x:@me"
_JS_PREFIX = re.compile(rb"^\s*window\.YTD\.[\w.]+\s*=\s*")


def parse(data: bytes, origin: str = "<x export>") -> Iterator[Post]:
    doc = load_json(_JS_PREFIX.sub(b"", data, count=1), origin)
    if isinstance(doc, dict) and isinstance(doc.get("x"), list):
        for account in Fields(doc, origin, "digest").objects("x"):
            owner = f"x:@{account.text('handle').lstrip('@').lower()}"
            for tweet in account.objects("tweets"):
                post = _tweet(tweet, owner, account.text("name"))
                if post is not None:
                    yield post
        return
    if not isinstance(doc, list):
        raise ParseError("expected tweets.js, a JSON list of posts, or a digest", origin=origin)
    for index, entry in enumerate(doc):
        if not isinstance(entry, dict):
            continue
        record = Fields(entry, origin, f"post[{index}]")
        if record.is_obj("tweet"):
            record = record.obj("tweet")
        who = record.text("handle") or record.text("author") or record.text("screen_name")
        owner = f"x:@{who.lstrip('@').lower()}" if who else UNKNOWN_OWNER
        post = _tweet(record, owner, record.text("name"))
        if post is not None:
            yield post


def _tweet(tweet: Fields, owner: str, name: str) -> Post | None:
    uid = tweet.ident("id_str") or tweet.ident("id")
    text = tweet.text("full_text") or tweet.text("text")
    if not uid or not text:
        return None
    links = []
    for short in tweet.obj("entities").objects("urls"):
        expanded = short.text("expanded_url") or short.text("url")
        if expanded:
            links.append(expanded)
            if short.text("url") and short.text("url") in text:
                # Put the real link where the t.co one was, so the text reads as written.
                text = text.replace(short.text("url"), expanded)
    handle = owner.removeprefix("x:@")
    url = tweet.text("url") or (
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
        posted_at=utc_stamp(tweet.text("createdAt") or tweet.text("created_at")),
        links=tuple(dict.fromkeys(links)),
        likes=_first_count(tweet, "likes", "favorite_count"),
        reposts=_first_count(tweet, "retweets", "retweet_count"),
        replies=_first_count(tweet, "replies", "reply_count"),
        feed="X",
    )


def _first_count(tweet: Fields, *keys: str) -> int:
    # A digest and an export name the same count differently; the first one given counts.
    return next((count for key in keys if (count := tweet.count(key))), 0)


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
        return env.request(options, accounts=options.accounts)

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
