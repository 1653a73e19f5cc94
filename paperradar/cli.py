"""The ``radar`` command line: a thin layer that turns arguments into library calls.

The library raises domain errors; ``main`` turns each into one line on stderr and the exit codes
of PRODUCT.md (0 success, 1 ran but found nothing new or partly failed, 2 usage or configuration
error). Every command takes ``--home`` (or ``RADAR_HOME``); every listing takes ``--json``.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from paperradar import __version__
from paperradar.errors import RadarError, UsageError
from paperradar.models import Paper
from paperradar.store import Store

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


def parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    if value == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date {value!r} is not a date; use YYYY-MM-DD or 'today'") from None


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
            paper.id,
            paper.title,
            authors,
            paper.primary_category or "",
            "" if upvotes is None else str(upvotes),
        ]
        if scores is not None:
            row.append(f"{-scores[index]:.1f}")
        table.add_row(*row)
    return table


@app.command()
def init(home: Home = None) -> None:
    """Create the data directory and an empty store."""
    with open_store(home) as store:
        out.print(f"Store ready at [bold]{store.path}[/] ({store.count()} papers).")


@app.command()
def papers(
    date: Annotated[str | None, typer.Option("--date", help="Papers seen on this day.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 50,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """List papers, most upvoted on Hugging Face first, then newest."""
    day = parse_day(date)
    if source is not None:
        from paperradar.sources import registry

        known = {*registry(), "arxiv-snapshot"}
        if source not in known:
            raise UsageError(f"unknown source {source!r}; known: {', '.join(sorted(known))}")
    with open_store(home) as store:
        found = store.papers(day=day.isoformat() if day else None, source=source, limit=limit)
    if as_json:
        emit_json([p.to_json() for p in found])
    elif found:
        out.print(paper_table(found))
    if not found:
        if not as_json:
            err.print(
                "No papers match." + ("" if day else " Ingest something first: radar ingest.")
            )
        raise NothingNew("no papers")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find in title, abstract or authors.")],
    limit: Annotated[int, typer.Option("--limit", "-n")] = 20,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Full-text search, best match first (bm25)."""
    with open_store(home) as store:
        hits = store.search(query, limit=limit)
    if as_json:
        emit_json([{**p.to_json(), "score": -score} for p, score in hits])
    elif hits:
        out.print(paper_table([p for p, _ in hits], scores=[s for _, s in hits]))
    if not hits:
        if not as_json:
            err.print(f"No paper matches {query!r}.")
        raise NothingNew("no match")


@app.command()
def show(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id or URL, DOI, paper:N.")],
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Everything the store knows about one paper."""
    with open_store(home) as store:
        paper = store.get(paper_id)
    if as_json:
        emit_json(paper.to_json())
        return
    out.print(f"[bold]{paper.title}[/]")
    out.print(", ".join(paper.authors))
    facts = [
        ("id", paper.id + (f"v{paper.version}" if paper.version else "")),
        ("doi", paper.doi),
        ("categories", " ".join(paper.categories)),
        ("announced", paper.announced),
        ("published", paper.published),
        ("updated", paper.updated),
        *((name, url) for name, url in paper.links.items()),
    ]
    for name, value in facts:
        if value:
            out.print(f"[dim]{name:>10}[/] {value}")
    out.print()
    out.print(paper.abstract)
    if paper.observations:
        out.print()
        for obs in paper.observations:
            data = ", ".join(
                f"{k}={v}" for k, v in obs.data.items() if k not in ("ai_summary", "ai_keywords")
            )
            out.print(f"[dim]seen[/] {obs.observed_on} [cyan]{obs.source}[/] {data}")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="json (JSON lines) or bibtex.")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    home: Home = None,
) -> None:
    """Export every paper as JSON lines (re-importable) or BibTeX."""
    from paperradar.export import write_bibtex, write_json

    writers = {"json": write_json, "bibtex": write_bibtex}
    if fmt not in writers:
        raise UsageError(f"--format {fmt!r}: use json or bibtex")
    with open_store(home) as store:
        if output is None:
            count = writers[fmt](store.iter_papers(), sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as handle:
                count = writers[fmt](store.iter_papers(), handle)
            err.print(f"{count} papers written to {output}")


@app.command()
def runs(
    limit: Annotated[int, typer.Option("--limit", "-n")] = 10,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Recent runs with their per-source counts and errors."""
    with open_store(home) as store:
        found = store.runs(limit)
    if as_json:
        emit_json([run.__dict__ for run in found])
        return
    table = Table(header_style="bold")
    for name in ("id", "command", "started", "status", "counts", "errors"):
        table.add_column(name)
    for run in found:
        table.add_row(
            str(run.id),
            run.command,
            run.started_at,
            run.status,
            json.dumps(run.counts),
            "; ".join(f"{k}: {v}" for k, v in run.errors.items()),
        )
    out.print(table)


@app.command()
def demo(
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Ingest the bundled real sample into a fresh home and rank its latest day for a sample
    reader."""
    from paperradar.demo import run_demo

    target = resolve_home(home) if home else resolve_home(None) / "demo"
    result = run_demo(target, progress=not as_json)
    if as_json:
        from paperradar.rank import explain

        ranking = explain(result.ranking)
        ranking["items"] = ranking["items"][:15]
        emit_json(
            {
                "home": str(target),
                "day": result.day,
                "papers": [p.to_json() for p in result.papers],
                "ranking": ranking,
                "briefing": result.briefing.to_json(),
                "written": [str(p) for p in result.written],
            }
        )
        return
    out.print(
        f"Demo store at [bold]{target}[/]: {result.total} papers from "
        f"{result.listing_days} arXiv listing days and {result.hf_entries} Hugging Face picks."
    )
    out.print(f"\n[bold]Papers of {result.day}[/], most upvoted on Hugging Face first:\n")
    out.print(paper_table(result.papers[:5]))
    from paperradar.cli_reader import ranking_table

    profile = result.ranking.profile
    out.print(
        f"\n[bold]Ranked for the sample reader[/] ({len(profile.topics)} topics, "
        f"{len(profile.liked)} liked paper; see `radar profile --home {target}`):\n"
    )
    out.print(ranking_table(result.ranking, 10))
    out.print(f"\n[bold]Today's briefing:[/] {escape(result.briefing.title)}")
    for path in result.written:
        out.print(f"  {path}")
    out.print(f"[dim]Any ingested day: radar brief --home {target} --date D [--format html][/]")
    out.print(f"In the browser: radar serve --home {target}  (then open http://localhost:8000/)")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSON lines, plain or .gz.")],
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Bulk-import arXiv's metadata snapshot, a listing corpus, HF dumps or our own export."""
    from paperradar.ingest import import_file

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    total = file.stat().st_size
    with (
        open_store(home) as store,
        Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[papers]} papers"),
            TimeRemainingColumn(),
            console=err,
            disable=as_json or not err.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("import", total=total, papers=0)
        seen = 0

        def on_progress(position: int, stats: Any) -> None:
            nonlocal seen
            seen += stats.inserted + stats.updated + stats.unchanged
            progress.update(task, completed=position, papers=seen)

        result = import_file(store, file, on_progress=on_progress)
        progress.update(task, completed=total)
    s = result.stats
    if as_json:
        emit_json({"file": str(file), "items": result.items, **s.as_dict()})
    else:
        out.print(
            f"{file}: {result.items} records → {s.inserted} new, {s.updated} updated, "
            f"{s.unchanged} unchanged papers."
        )
        if s.inserted + s.updated:
            # A bulk import can be millions of papers: embedding them is a separate, resumable
            # step rather than a surprise hour at the end of the import.
            err.print("[dim]Embed them with `radar embed` (ranking embeds what it needs).[/]")
    if result.changed == 0:
        raise NothingNew("nothing new")


def _embed_new(store: Store) -> int:
    """Embed what an ingest brought in, so ranking finds the vectors ready. A failure here is
    reported but does not undo the ingest: ranking embeds whatever is still missing."""
    from paperradar.embed import embed_store

    try:
        with err.status("Embedding new papers…"):
            return embed_store(store, limit=5000)
    except RadarError as exc:
        err.print(f"[yellow]radar: warning:[/] embedding skipped: {escape(str(exc))}")
        return 0


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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map domain errors to one line and an exit code.

    Typer itself reports usage errors (exit 2) and interrupts; everything the library raises on
    purpose is a ``RadarError`` and is reported here without a traceback.
    """
    try:
        app(args=argv)
    except NothingNew:
        sys.exit(1)
    except RadarError as exc:
        err.print(f"[red]radar: error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


def console() -> None:
    """The ``radar`` console script and ``python -m paperradar``: ``main``, then a quick exit.

    Tearing the interpreter down after a ranking (freeing SciPy's and NumPy's modules and every
    object) costs about 0.1 s of a 1-2 s command (bench/rank_speed.py's ``exit`` line). Exit
    handlers still run and the output is flushed; only that teardown is skipped, and only when no
    other thread is left (it might still be writing). Tests call ``main``, which exits the
    ordinary way.
    """
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("message") would have printed
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a reader that stopped early (`| head`), or a closed stream
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code or 0)


# The reader's and briefing commands register themselves on ``app``.
from paperradar import (  # noqa: E402, F401
    cli_brief,
    cli_ingest,
    cli_reader,
    cli_run,
    cli_social,
    cli_web,
)
