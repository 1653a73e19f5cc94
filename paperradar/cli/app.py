"""What every ``radar`` command shares: the typer app, the two consoles, the common options,
the store opener and the table and JSON helpers. Command modules import this and the library,
never each other; ``paperradar.cli.main`` registers them all.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from paperradar import __version__
from paperradar.errors import UsageError
from paperradar.models import Paper, printable
from paperradar.store import Store

if TYPE_CHECKING:  # the ranker pulls numpy; import it only when ranking
    from paperradar.rank import RankResult
    from paperradar.store.posts import StoredPost

app = typer.Typer(
    help="Paper Radar: your personal research radar.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output gets a fixed, readable width instead of rich's 80-column fallback.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True)

Home = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="RADAR_HOME",
        help="Data directory (default: the platform's user data directory).",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


class NothingNew(Exception):
    """The command ran and found nothing (exit code 1, not an error)."""


def resolve_home(home: Path | None) -> Path:
    if home is not None:
        return home.expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("paper-radar", appauthor=False))


@contextmanager
def open_store(home: Path | None) -> Iterator[Store]:
    store = Store.open(resolve_home(home))
    try:
        yield store
    finally:
        store.close()


def parse_day(value: str | None, option: str = "--date") -> dt.date | None:
    """A day as every command takes it: YYYY-MM-DD, ``today`` or ``yesterday``; the error
    names ``option``, the flag it came from."""
    if value is None:
        return None
    named = {"today": 0, "yesterday": 1}.get(value.strip().lower())
    if named is not None:
        return dt.date.today() - dt.timedelta(days=named)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a date; use YYYY-MM-DD, 'today' or 'yesterday'"
        ) from None


def shown(value: object) -> str:
    """Text from a paper, a post or a server, ready for ``out.print``: control characters
    dropped and rich markup escaped, so "Z2[u,v]" prints as written and "[/]" cannot crash."""
    return escape(printable(str(value)))


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def paper_table(papers: list[Paper], *, scores: list[float] | None = None) -> Table:
    table = Table(show_lines=False, header_style="bold", expand=True)
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("title", ratio=3)
    table.add_column("authors", ratio=1)
    table.add_column("cat", no_wrap=True)
    table.add_column("▲", justify="right", no_wrap=True)
    if scores is not None:
        table.add_column("score", justify="right", no_wrap=True)
    for index, paper in enumerate(papers):
        authors = (paper.authors[0] if paper.authors else "") + (
            " et al." if len(paper.authors) > 1 else ""
        )
        upvotes = paper.source_data("hf-daily").get("upvotes")
        row = [
            shown(paper.id),
            shown(paper.title),
            shown(authors),
            shown(paper.primary_category or ""),
            "" if upvotes is None else shown(upvotes),
        ]
        if scores is not None:
            row.append(f"{scores[index]:.3g}")  # higher is better, whatever the mode
        table.add_row(*row)
    return table


def ranking_table(result: RankResult, limit: int) -> Table:
    table = Table(header_style="bold", expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title", ratio=3)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why", ratio=2)
    for n, item in enumerate(result.ranked[:limit], 1):
        table.add_row(
            str(n),
            shown(item.paper.id),
            shown(item.paper.title),
            f"{item.score:.2f}",
            shown("; ".join(item.reasons)) or "[dim]—[/]",
        )
    return table


def post_row(stored: StoredPost, ids: dict[int, str]) -> dict[str, Any]:
    """A stored post as `radar posts --json` and `radar show --json` list it; ``ids`` maps the
    store keys of the papers it links to their ids."""
    post = stored.post
    return {
        "source": post.source,
        "kind": post.kind,
        "author": post.author,
        "name": post.author_name,
        "title": post.title,
        "text": post.text[:500],
        "url": post.url,
        "posted_at": post.posted_at,
        "likes": post.likes,
        "reposts": post.reposts,
        "papers": [ids[pk].removeprefix("arxiv:") for pk in stored.paper_pks if pk in ids],
    }


def posts_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(header_style="bold", expand=True)
    table.add_column("when", no_wrap=True)
    table.add_column("who", ratio=1)
    table.add_column("what", ratio=3)
    table.add_column("papers", no_wrap=True, style="cyan")
    for row in rows:
        text = row["title"] or " ".join(str(row["text"]).split())[:160]
        table.add_row(
            str(row["posted_at"] or "")[:16].replace("T", " "),
            shown(row["name"] or row["author"]),
            shown(text),
            ", ".join(row["papers"]),
        )
    return table


def version_callback(value: bool) -> None:
    if value:
        out.print(f"paper-radar {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Paper Radar: gathers new papers, learns what you care about, writes you a daily briefing."""
