"""The ranking's commands: rank (a day's papers with scores and reasons), embed (the vectors the
store lacks) and eval (ranking quality offline on labelled data)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

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
    ranking_table,
)
from paperradar.errors import UsageError

if TYPE_CHECKING:  # the evaluation pulls numpy and scipy; import it only when evaluating
    from paperradar.eval.evaluate import Result


@app.command()
def rank(
    date: Annotated[
        str | None, typer.Option("--date", help="Day to rank (default: latest).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show this many.")] = 20,
    popularity: Annotated[
        float | None, typer.Option("--popularity", help="Weight of upvotes/stars (0 = off).")
    ] = None,
    embedding: Annotated[
        str, typer.Option("--embedding", help="Embedding backend: minilm, static or none.")
    ] = "minilm",
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """Rank a day's papers for you, with the reasons behind each score."""
    from paperradar.rank import Weights, explain
    from paperradar.rank.stage import ranked

    day = parse_day(date)
    weights = Weights() if popularity is None else Weights(popularity=popularity)
    with open_store(home) as store:
        # Ranked afresh every time (the benchmarks time this command); the reader's own ranking
        # is stored too, so the page and the briefing need not rank the day again.
        result = ranked(
            store,
            day.isoformat() if day else None,
            weights=weights,
            embedding=embedding,
            fresh=True,
        )
    if as_json:
        payload = explain(result)
        payload["items"] = payload["items"][:limit]
        emit_json(payload)
        return
    mode = "popularity and recency (empty profile)" if result.profile.empty else "your profile"
    out.print(
        f"[bold]{result.day}[/]: {result.candidates} papers ranked by {mode}"
        + (f", {result.muted} muted" if result.muted else "")
    )
    out.print(ranking_table(result, limit))
    if result.profile.waiting:
        err.print(f"[dim]{result.profile.waiting} seeded papers are not in the store yet.[/]")


@app.command()
def embed(
    model: Annotated[str, typer.Option("--model", help="minilm (default) or static.")] = "minilm",
    home: Home = None,
) -> None:
    """Compute the embeddings the store lacks (ranking also does this for the papers it needs)."""
    from paperradar.enrich.embed import backend, embed_store

    backend(model)  # fail fast on an unknown or uninstalled backend
    with open_store(home) as store, _bar() as bar:
        task = bar.add_task(f"Embedding ({model})", total=None)
        done = embed_store(
            store, model, on_progress=lambda n, total: bar.update(task, completed=n, total=total)
        )
    out.print(f"Embedded {done} papers with {model}.")
    if not done:
        raise NothingNew("nothing to embed")


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )


@app.command("eval")
def eval_(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            envvar="RADAR_EVAL_DATA",
            help="Labelled-data folder: corpus/ and relevance/ (e.g. ../shared/data).",
        ),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus", envvar="RADAR_EVAL_CORPUS", help="Corpus JSON lines (not DATA's)."
        ),
    ] = None,
    relevance: Annotated[
        Path | None,
        typer.Option(
            "--relevance", envvar="RADAR_EVAL_RELEVANCE", help="Relevance labels dir (not DATA's)."
        ),
    ] = None,
    days: Annotated[int | None, typer.Option("--days", help="Use this many judged days.")] = None,
    topics: Annotated[int | None, typer.Option("--topics", help="Liked-paper topics.")] = None,
    topic_set: Annotated[
        str, typer.Option("--topic-set", help="named, generated, or its dev or test half.")
    ] = "named",
    task: Annotated[str, typer.Option("--task", help="stated, liked or both.")] = "both",
    embedding: Annotated[
        str | None,
        typer.Option("--embedding", help="Our ranker's backend: minilm (default), static, none."),
    ] = None,
    vectors: Annotated[
        Path | None,
        typer.Option(
            "--vectors",
            envvar="RADAR_EVAL_VECTORS",
            help="Folder caching the corpus's MiniLM vectors (default: in the user cache dir).",
        ),
    ] = None,
    only: Annotated[
        str,
        typer.Option("--only", help="Comma-separated parts of ranker names to run (e.g. bm25)."),
    ] = "",
    as_json: AsJson = False,
) -> None:
    """Measure ranking quality offline on real relevance labels, against the baselines (tf-idf,
    BM25, zotero-arxiv-daily, arxiv-sanity-lite), each ranker paired with the best of them
    (see README: Evaluation)."""
    from paperradar.eval import report
    from paperradar.eval.corpus import locate

    tasks = {"both": ("stated", "liked"), "stated": ("stated",), "liked": ("liked",)}.get(task)
    if tasks is None:
        raise UsageError(f"--task {task!r}: use stated, liked or both")
    corpus, relevance = locate(data, corpus, relevance, labels="stated" in tasks)
    results = _evaluate(
        embedding,
        vectors,
        only,
        corpus,
        relevance,
        tasks=tasks,
        max_days=days,
        max_topics=topics,
        topics=topic_set,
    )
    if as_json:
        emit_json(report.to_json(results))
    else:
        out.print(report.table(results), highlight=False)


def _evaluate(
    embedding: str | None,
    vectors: Path | None,
    only: str,
    corpus: Path,
    relevance: Path | None,
    **options: Any,
) -> list[Result]:
    """The evaluation of our ranker and the baselines, with a progress bar per step; MiniLM
    vectors come from (and go to) one cache folder shared by the rankers."""
    from paperradar.enrich.embed import DEFAULT
    from paperradar.eval import evaluate
    from paperradar.eval.rankers import lineup
    from paperradar.eval.vectors import VectorCache, default_folder

    with _bar() as bar:
        current: dict[str, TaskID] = {}

        def progress(label: str, done: int, total: int) -> None:
            # the encoder's label carries its rate, "embedding papers (17/s)": one bar, relabelled
            key = label.rsplit(" (", 1)[0] if label.endswith("/s)") else label
            if key not in current:
                current[key] = bar.add_task(label, total=total)
            bar.update(current[key], completed=done, total=total, description=label)

        cache = VectorCache(vectors or default_folder(), progress=progress)
        rankers = lineup(cache, only, embedding or DEFAULT)
        return evaluate.run(rankers, corpus, relevance, progress=progress, **options)
