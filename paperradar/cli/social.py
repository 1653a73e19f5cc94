"""``radar posts`` and ``radar link``: what people said, and which papers they said it about.

``radar link`` is the enrich stage on its own (``radar ingest`` already runs it): it reads every
stored post, records the papers each names, and with ``--fetch`` brings in the mentioned arXiv
papers the store does not hold yet, so tomorrow's buzz is about papers the radar can show.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from paperradar.cli.app import (
    AsJson,
    Home,
    NothingNew,
    app,
    emit_json,
    err,
    open_store,
    out,
    parse_day,
    post_row,
    posts_table,
)


@app.command()
def posts(
    date: Annotated[
        str | None, typer.Option("--date", help="Last day to show (YYYY-MM-DD; default: all).")
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Days back from --date.")] = 1,
    author: Annotated[
        list[str] | None, typer.Option("--author", help="Handle or feed URL (repeatable).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Only the posts of this source (e.g. rss, bluesky)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 50,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """List stored posts and blog entries, newest first, with the papers they link to."""
    day = parse_day(date)
    since = str(day - dt.timedelta(days=max(days, 1) - 1)) if day else None
    with open_store(home) as store:
        found = store.posts(
            since=since,
            until=str(day) if day else None,
            authors=tuple(author or ()),
            source=source,
            limit=limit,
        )
        ids = store.paper_refs_by_pk(sorted({pk for s in found for pk in s.paper_pks}))
    rows = [post_row(s, ids) for s in found]
    if as_json:
        emit_json(rows)
    else:
        out.print(posts_table(rows))
    if not rows:
        raise NothingNew("no posts")


@app.command("link")
def link_posts(
    fetch: Annotated[
        bool,
        typer.Option("--fetch", help="Fetch the mentioned arXiv papers the store lacks."),
    ] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="With --fetch: the arXiv API to ask.")
    ] = None,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Link posts to the papers they mention (arXiv ids and URLs, DOIs, OpenReview, titles)."""
    from paperradar.enrich.link import link

    fetched = 0
    with open_store(home) as store:
        with err.status("Linking posts to papers…"):
            result = link(store)
        pending = store.pending_refs("arxiv:")
        if fetch and pending:
            from paperradar.http import Fetcher
            from paperradar.ingest import ingest_fetch
            from paperradar.sources import FetchRequest

            ids = tuple(ref.removeprefix("arxiv:") for ref in pending)
            request = FetchRequest(ids=ids, base_url=base_url)
            with Fetcher() as fetcher, err.status(f"Fetching {len(ids)} mentioned papers…"):
                got = ingest_fetch(store, "arxiv-api", fetcher, request)
            fetched = got.stats.inserted
            result = link(store)
            pending = store.pending_refs("arxiv:")
    counts = {**result.counts, "posts_read": result.posts, "fetched": fetched}
    counts["waiting"] = len(pending)
    if as_json:
        emit_json(counts)
    else:
        out.print(
            f"{result.posts} posts: {counts['mentions']} mentions, {counts['resolved']} of them "
            f"linked to {counts['papers']} papers"
            + (f"; fetched {fetched} papers" if fetch else "")
            + (
                f"; {len(pending)} mentioned arXiv papers not in the store (`radar link --fetch`)"
                if pending and not fetch
                else ""
            )
            + "."
        )
