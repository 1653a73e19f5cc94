"""``radar ingest``: fetch one source (or read a saved response) into the store, embed, link.

Every source takes the same command: the flags become that source's options (a flag the source
does not take is refused by name), and ``pipeline.source.ingest_source`` does the rest, the way
``radar run`` does for each configured source: the request from options, profile and
environment (API keys included), the fetch stored page by page, then the enrich step. What to
read defaults to the profile: followed people for Bluesky and Mastodon, followed feeds for RSS,
liked and disliked papers for Semantic Scholar's recommendations. A live ingest of papers then
looks up in the arXiv API the categories the day's papers came without (HF Daily Papers gives
none), where radar.toml's ``[fetch]`` says (``--no-categories`` skips it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

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
    resolve_home,
)
from paperradar.errors import UsageError
from paperradar.sources import get, names

if TYPE_CHECKING:
    from paperradar.ingest.categories import Lookup
    from paperradar.pipeline.source import Ingested

# An option's key in a source's options model → the flag that sets it, for error messages.
FLAGS = {
    "categories": "--category",
    "ids": "--id",
    "accounts": "--account",
    "tags": "--tag",
    "feeds": "--feed",
    "issns": "--issn",
    "base_url": "--base-url",
}


Strs = list[str] | None
Str = str | None
SourceName = Annotated[str, typer.Argument(help=", ".join(names()[:-1]) + f" or {names()[-1]}.")]
Date = Annotated[Str, typer.Option("--date", help="Day to fetch (YYYY-MM-DD, today or yesterday).")]
FromFile = Annotated[
    Path | None, typer.Option("--from", help="Parse this saved response instead of fetching.")
]
Category = Annotated[Strs, typer.Option("--category", "-c", help="arXiv category (repeatable).")]
Query = Annotated[
    Str,
    typer.Option(
        "--query", help="Search text (arxiv-api, openalex, crossref, semantic-scholar, bluesky)."
    ),
]
Ids = Annotated[Strs, typer.Option("--id", help="Paper id to look up (repeatable).")]
Since = Annotated[Str, typer.Option("--since", help="Read from this date on (YYYY-MM-DD).")]
OaiSet = Annotated[Str, typer.Option("--set", help="arxiv-oai set, e.g. cs.")]
OaiFormat = Annotated[Str, typer.Option("--format", help="arxiv-oai: arXiv (default) or arXivRaw.")]
Max = Annotated[int | None, typer.Option("--max", help="At most this many results.")]
Account = Annotated[
    Strs,
    typer.Option(
        "--account",
        help="Bluesky handle, @user@instance, an S2 or OpenAlex author id; for x-import, "
        "whose export it is (repeatable). Default: the people you follow.",
    ),
]
Tag = Annotated[Strs, typer.Option("--tag", help="Mastodon hashtag.")]
Feed = Annotated[
    Strs, typer.Option("--feed", help="RSS/Atom URL (repeatable). Default: the feeds you follow.")
]
Issn = Annotated[Strs, typer.Option("--issn", help="Journal ISSN.")]
Filter = Annotated[Str, typer.Option("--filter", help="openalex/crossref filter, passed as given.")]
Instance = Annotated[Str, typer.Option("--instance", help="Mastodon instance for --tag.")]
Recommend = Annotated[
    bool,
    typer.Option(
        "--recommend", help="semantic-scholar: recommendations from your liked and disliked papers."
    ),
]
BaseUrl = Annotated[
    Str, typer.Option("--base-url", help="Fetch from this URL instead of the service.")
]
NoCategories = Annotated[
    bool,
    typer.Option(
        "--no-categories",
        help="Do not look up in the arXiv API the categories papers came without (HF Daily "
        "Papers gives none; category mutes need them).",
    ),
]


@app.command()
def ingest(
    source: SourceName,
    date: Date = None,
    from_file: FromFile = None,
    category: Category = None,
    query: Query = None,
    ids: Ids = None,
    since: Since = None,
    oai_set: OaiSet = None,
    oai_format: OaiFormat = None,
    max_results: Max = None,
    account: Account = None,
    tag: Tag = None,
    feed: Feed = None,
    issn: Issn = None,
    filter_: Filter = None,
    instance: Instance = None,
    recommend: Recommend = False,
    base_url: BaseUrl = None,
    no_categories: NoCategories = False,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Fetch one source (or parse a saved response with --from) into the store."""
    from paperradar.ingest import environment, options_from_flags
    from paperradar.pipeline.source import ingest_source

    get(source)  # fail fast on an unknown source name
    if from_file is not None and not from_file.is_file():
        raise UsageError(f"{from_file}: no such file")
    given = {
        "categories": category,
        "query": query,
        "ids": ids,
        "set": oai_set,
        "format": oai_format,
        "max": max_results,
        "accounts": account,
        "tags": tag,
        "feeds": feed,
        "issns": issn,
        "filter": filter_,
        "instance": instance,
        "recommend": recommend,
        "base_url": base_url,
    }
    options = options_from_flags(source, given, lambda key: FLAGS.get(key, f"--{key}"))
    env = environment(parse_day(date), parse_day(since, "--since"))
    lookup = None if no_categories else _lookup(home)
    with open_store(home) as store, err.status(f"Ingesting {source}…") as status:
        done = ingest_source(
            store, source, options, env, saved=from_file, on_status=status.update, categories=lookup
        )
    _report(done, as_json)


def _lookup(home: Path | None) -> Lookup | None:
    """Whether to look categories up, and where, as radar.toml's ``[fetch]`` says. A file that
    does not load costs the lookup, with a warning, not the ingest: ingesting never needed it."""
    from paperradar import config as configuration
    from paperradar.errors import ConfigError
    from paperradar.ingest.categories import Lookup

    try:
        config = configuration.load(resolve_home(home))
    except ConfigError as exc:
        err.print(f"[yellow]radar: warning:[/] categories not looked up: {escape(str(exc))}")
        return None
    return Lookup(config.arxiv_api) if config.categories else None


def _report_categories(done: Ingested, source: str) -> None:
    """The categories lookup on stderr: its outcome, or after a saved response how to run it.
    Its failure is a warning, never the ingest's exit code."""
    from paperradar.ingest.categories import LOOKUP, MAX_IDS

    filled = done.categories
    if filled is not None:
        mark = "[green]✓[/]" if filled.status == "ok" else "[yellow]radar: warning:[/]"
        err.print(f"{mark} {LOOKUP}: {filled.status}, {escape(filled.detail)}")
    elif done.uncategorised:
        many = f"{done.uncategorised}{'+' if done.uncategorised >= MAX_IDS else ''}"
        err.print(
            f"radar: {many} {source} papers have no arXiv categories yet, so category mutes "
            f"cannot hide them; `radar run --date DAY` or `radar ingest {source} --date DAY` "
            "(without --from) looks up that day's."
        )


def _report(done: Ingested, as_json: bool) -> None:
    result, stats, links = done.result, done.result.stats, done.enriched.links
    for problem in result.errors:
        err.print(f"[yellow]radar: warning:[/] {result.source}: {escape(problem)}")
    for warning in done.enriched.warnings:
        err.print(f"[yellow]radar: warning:[/] {escape(warning)}")
    _report_categories(done, result.source)
    if as_json:
        filled = done.categories
        emit_json(
            {
                "source": result.source,
                "embedded": done.enriched.embedded,
                "pages": result.pages,
                "items": result.items,
                **stats.as_dict(),
                "errors": result.errors,
                "links": links,
                "categories": filled.as_dict() if filled else None,
            }
        )
    elif done.kind == "posts":
        out.print(
            f"{result.source}: {result.items} posts → {stats.posts_inserted} new, "
            f"{stats.posts_updated} updated, {stats.unchanged} unchanged."
            + (f" {links['papers']} papers discussed." if links else "")
        )
    else:
        out.print(
            f"{result.source}: {result.items} items → {stats.inserted} new, {stats.updated} "
            f"updated, {stats.unchanged} unchanged papers; {stats.observations} new observations."
        )
    if result.changed == 0 or result.errors:
        raise NothingNew(f"{result.source}: " + ("partial" if result.errors else "nothing new"))
