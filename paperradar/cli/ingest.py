"""``radar ingest``: fetch one source (or read a saved response) into the store, then link.

Every source takes the same command. Papers sources (arXiv, Hugging Face, OpenAlex, Crossref,
Semantic Scholar) fill the paper store; people sources (RSS/Atom blogs, Bluesky, Mastodon, an
X export) fill the post store. What to read defaults to the profile: followed people for
Bluesky and Mastodon, followed feeds for RSS, liked and disliked papers for Semantic Scholar's
recommendations. After any ingest the linker runs, so mentions and papers meet whichever
arrived first.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from paperradar.cli.app import (
    AsJson,
    Home,
    NothingNew,
    app,
    embed_new,
    emit_json,
    err,
    open_store,
    out,
    parse_day,
)
from paperradar.errors import UsageError
from paperradar.store import Store

Many = Annotated[list[str] | None, typer.Option()]
PEOPLE_SOURCES = ("rss", "bluesky", "mastodon", "x-import")


@app.command()
def ingest(
    source: Annotated[
        str,
        typer.Argument(
            help="arxiv, arxiv-api, arxiv-oai, hf-daily, openalex, crossref, semantic-scholar, "
            "rss, bluesky, mastodon or x-import."
        ),
    ],
    date: Annotated[str | None, typer.Option("--date", help="Day to fetch (YYYY-MM-DD).")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="Parse this saved response instead of fetching.")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", "-c", help="arXiv category (repeatable).")
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            help="Search text (arxiv-api, openalex, crossref, semantic-scholar, bluesky).",
        ),
    ] = None,
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Paper id to look up (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Read from this date on (YYYY-MM-DD).")
    ] = None,
    oai_set: Annotated[str | None, typer.Option("--set", help="arxiv-oai set, e.g. cs.")] = None,
    oai_format: Annotated[
        str, typer.Option("--format", help="arxiv-oai: arXiv or arXivRaw.")
    ] = "arXiv",
    max_results: Annotated[
        int | None, typer.Option("--max", help="At most this many results.")
    ] = None,
    account: Annotated[
        list[str] | None,
        typer.Option(
            "--account",
            help="Bluesky handle, @user@instance, an S2 or OpenAlex author id; for x-import, "
            "whose export it is (repeatable). Default: the people you follow.",
        ),
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Mastodon hashtag.")] = None,
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", help="RSS/Atom URL (repeatable). Default: the feeds you follow."),
    ] = None,
    issn: Annotated[list[str] | None, typer.Option("--issn", help="Journal ISSN.")] = None,
    filter_: Annotated[
        str | None, typer.Option("--filter", help="openalex/crossref filter, passed as given.")
    ] = None,
    instance: Annotated[
        str | None, typer.Option("--instance", help="Mastodon instance for --tag.")
    ] = None,
    recommend: Annotated[
        bool,
        typer.Option(
            "--recommend",
            help="semantic-scholar: recommendations from your liked and disliked papers.",
        ),
    ] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Fetch from this URL instead of the service.")
    ] = None,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Fetch one source (or parse a saved response with --from) into the store."""
    from paperradar.ingest import from_profile, ingest_fetch, ingest_file
    from paperradar.sources import FetchRequest, get

    get(source)  # fail fast on an unknown source name
    day = parse_day(date)
    if from_file is not None and not from_file.is_file():
        raise UsageError(f"{from_file}: no such file")
    with open_store(home) as store:
        if from_file is not None:
            result = ingest_file(store, source, from_file)
            if source == "x-import" and account:
                _set_owner(store, result, account[0])
        else:
            from paperradar.http import Fetcher

            fields: dict[str, Any] = {
                "day": day,
                "query": query,
                "ids": tuple(ids or ()),
                "since": str(parse_day(since)) if since else None,
                "oai_set": oai_set,
                "metadata_format": oai_format,
                "max_results": max_results,
                "base_url": base_url,
                "accounts": tuple(account or ()),
                "tags": tuple(tag or ()),
                "feeds": tuple(feed or ()),
                "issns": tuple(issn or ()),
                "filter": filter_,
                "mailto": os.environ.get("RADAR_MAILTO") or None,
                "api_key": _api_key(source),
                "extra": {"instance": instance} if instance else {},
            }
            if category:
                fields["categories"] = tuple(category)
            request = from_profile(store, source, FetchRequest(**fields), recommend=recommend)
            with Fetcher() as fetcher, err.status(f"Fetching {source}…") as status:

                def on_page(result: Any) -> None:
                    status.update(f"Fetching {source}… {result.pages} pages, {result.items} items")

                result = ingest_fetch(store, source, fetcher, request, on_page=on_page)
        stats = result.stats
        embedded = embed_new(store) if stats.inserted + stats.updated else 0
        linked = _link(store) if result.changed else {}
    for problem in result.errors:
        err.print(f"[yellow]radar: warning:[/] {source}: {escape(problem)}")
    counts = {
        "source": source,
        "embedded": embedded,
        "pages": result.pages,
        "items": result.items,
        **stats.as_dict(),
        "errors": result.errors,
        "links": linked,
    }
    if as_json:
        emit_json(counts)
    elif source in PEOPLE_SOURCES:
        out.print(
            f"{source}: {result.items} posts → {stats.posts_inserted} new, "
            f"{stats.posts_updated} updated, {stats.unchanged} unchanged."
            + (f" {linked['papers']} papers discussed." if linked else "")
        )
    else:
        out.print(
            f"{source}: {result.items} items → {stats.inserted} new, {stats.updated} updated, "
            f"{stats.unchanged} unchanged papers; {stats.observations} new observations."
        )
    if result.changed == 0 or result.errors:
        raise NothingNew(f"{source}: nothing new" if not result.errors else f"{source}: partial")


def _api_key(source: str) -> str | None:
    names = {"semantic-scholar": "S2_API_KEY", "openalex": "OPENALEX_API_KEY"}
    return os.environ.get(names[source]) if source in names else None


def _set_owner(store: Store, result: Any, owner: str) -> None:
    from paperradar.sources.x_import import UNKNOWN_OWNER

    posts = [
        replace(p.post, author=f"x:@{owner.lstrip('@')}")
        for p in store.posts(source="x-import")
        if p.post.author == UNKNOWN_OWNER
    ]
    if posts:
        store.upsert_posts(posts)


def _link(store: Store) -> dict[str, int]:
    """Link posts and papers after an ingest; quiet unless there are posts at all."""
    if store.post_count() == 0:
        return {}
    from paperradar.enrich.link import link

    with err.status("Linking posts to papers…"):
        return link(store).counts
