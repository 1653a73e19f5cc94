"""The store's commands: init, papers, search, show, export, runs, import and demo."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from paperradar.cli.app import (
    AsJson,
    Home,
    NothingNew,
    app,
    emit_json,
    err,
    open_store,
    out,
    paper_table,
    parse_day,
    post_row,
    posts_table,
    ranking_table,
    resolve_home,
    shown,
)
from paperradar.errors import UsageError
from paperradar.models import Paper


@app.command()
def init(home: Home = None) -> None:
    """Create the data directory and an empty store."""
    with open_store(home) as store:
        out.print(f"Store ready at [bold]{store.path}[/] ({store.count()} papers).")


@app.command()
def papers(
    date: Annotated[
        str | None,
        typer.Option("--date", help="Papers seen on this day (YYYY-MM-DD, today, yesterday)."),
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 50,
    days: Annotated[
        bool, typer.Option("--days", help="List the days in the store instead, newest first.")
    ] = False,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """List papers, most upvoted on Hugging Face first, then newest (--days: the days)."""
    if days:
        _days(as_json, home)
        return
    day = parse_day(date)
    if source is not None:
        from paperradar.sources import registry

        known = {*registry(), "arxiv-snapshot"}
        if source not in known:
            raise UsageError(f"unknown source {source!r}; known: {', '.join(sorted(known))}")
    with open_store(home) as store:
        on = day.isoformat() if day else None
        found = store.papers(day=on, source=source, limit=limit)
        total = store.count(day=on, source=source) if len(found) == limit else len(found)
    if as_json:
        emit_json([p.to_json() for p in found])
    elif found:
        out.print(paper_table(found))
        if total > len(found):
            err.print(
                f"[dim]{len(found)} of {total:,} papers; more with --limit {total} "
                "(or narrow with --date / --source).[/]"
            )
    if not found:
        if not as_json:
            err.print(
                "No papers match." + ("" if day else " Ingest something first: radar ingest.")
            )
        raise NothingNew("no papers")


def _days(as_json: bool, home: Path | None) -> None:
    """The days the store holds papers for, with how many each (`radar papers --days`)."""
    with open_store(home) as store:
        found = store.days()
    if as_json:
        emit_json([{"day": day, "papers": n} for day, n in found])
    elif found:
        table = Table(header_style="bold")
        table.add_column("day", no_wrap=True)
        table.add_column("papers", justify="right")
        for day, n in found:
            table.add_row(day, f"{n:,}")
        out.print(table)
    if not found:
        if not as_json:
            err.print("The store holds no papers yet. Ingest something first: radar ingest.")
        raise NothingNew("no days")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find, or what the papers are about.")],
    semantic: Annotated[
        bool, typer.Option("--semantic", help="By meaning only (embedding cosine).")
    ] = False,
    keyword: Annotated[
        bool, typer.Option("--keyword", help="By words only (FTS5 bm25, every word required).")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 20,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Search title, abstract and authors: hybrid by default (bm25 and embedding ranks fused)."""
    from paperradar.enrich.search import search as find

    if semantic and keyword:
        raise UsageError("--semantic and --keyword exclude each other (neither: hybrid)")
    mode = "semantic" if semantic else "keyword" if keyword else "hybrid"
    with open_store(home) as store:
        found = find(store, query, mode, limit=limit)
    hits = found.hits
    # The mode line goes to stderr with --json, so that stdout stays one JSON document.
    say = err if as_json else out
    say.print(f"[dim]{found.mode} search, {found.searched:,} papers searched[/]")
    if found.note:
        err.print(shown(found.note), highlight=False, soft_wrap=True)  # one line, however long
    if as_json:
        emit_json([{**p.to_json(), "score": score, "mode": found.mode} for p, score in hits])
    elif hits:
        out.print(paper_table([p for p, _ in hits], scores=[s for _, s in hits]))
    if not hits:
        if not as_json:
            err.print(f"No paper matches {shown(repr(query))}.")
        raise NothingNew("no match")


@app.command()
def show(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id or URL, DOI, paper:N.")],
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Everything the store knows about one paper, and the posts that mention it."""
    with open_store(home) as store:
        paper = store.get(paper_id)
        found = store.posts_about(paper.pk)  # what the paper's page lists
        ids = store.paper_refs_by_pk(sorted({pk for s in found for pk in s.paper_pks}))
    posts = [post_row(s, ids) for s in found]
    if as_json:
        emit_json({**paper.to_json(), "posts": posts})
        return
    out.print(f"[bold]{shown(paper.title)}[/]")
    out.print(shown(", ".join(paper.authors)))
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
            out.print(f"[dim]{name:>10}[/] {shown(value)}")
    out.print()
    out.print(shown(paper.abstract))
    if paper.observations:
        out.print()
        for obs in paper.observations:
            data = ", ".join(
                f"{k}={v}" for k, v in obs.data.items() if k not in ("ai_summary", "ai_keywords")
            )
            out.print(f"[dim]seen[/] {obs.observed_on} [cyan]{obs.source}[/] {shown(data)}")
    if posts:
        out.print(f"\n[bold]Posts that mention it[/] ({len(posts)}, most liked first)")
        out.print(posts_table(posts))


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="json (JSON lines) or bibtex.")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    liked: Annotated[
        bool, typer.Option("--liked", help="Only the papers you liked or seeded.")
    ] = False,
    saved: Annotated[bool, typer.Option("--saved", help="Only the papers you saved.")] = False,
    home: Home = None,
) -> None:
    """Export every paper (or your liked/saved ones, e.g. for Zotero) as JSON lines
    (re-importable) or BibTeX."""
    from paperradar.deliver.export import write_bibtex, write_json

    writers = {"json": write_json, "bibtex": write_bibtex}
    if fmt not in writers:
        raise UsageError(f"--format {fmt!r}: use json or bibtex")
    with open_store(home) as store:
        papers: Iterable[Paper] = store.iter_papers()
        if liked or saved:
            from paperradar.profile import load

            profile = load(store)  # the liked and saved papers the ranking learns from
            chosen = [*(profile.liked if liked else ()), *(profile.saved if saved else ())]
            papers = list({p.pk: p for p in chosen}.values())
            if profile.waiting:
                err.print(
                    f"[dim]{profile.waiting} papers you gave feedback on are not in the store "
                    "yet and are not exported.[/]"
                )
        if output is None:
            count = writers[fmt](papers, sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as handle:
                count = writers[fmt](papers, handle)
            err.print(f"{count} papers written to {output}")
    if count == 0 and (liked or saved):
        raise NothingNew("nothing to export")


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
            shown(run.command),
            run.started_at,
            run.status,
            shown(json.dumps(run.counts)),
            shown("; ".join(f"{k}: {v}" for k, v in run.errors.items())),
        )
    out.print(table)


@app.command()
def demo(
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Ingest the bundled real sample into a fresh home and rank its latest day for a sample
    reader."""
    from paperradar.pipeline.demo import run_demo

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

    profile = result.ranking.profile
    out.print(
        f"\n[bold]Ranked for the sample reader[/] ({len(profile.topics)} topics, "
        f"{len(profile.liked)} liked paper; see `radar profile --home {target}`):\n"
    )
    out.print(ranking_table(result.ranking, 10))
    out.print(f"\n[bold]Today's briefing:[/] {shown(result.briefing.title)}")
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
