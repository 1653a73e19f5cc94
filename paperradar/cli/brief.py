"""``radar brief``: write a day's briefing as Markdown, HTML or JSON, offline or with an LLM.

Registered on the same ``radar`` app as the other commands. The briefing is also kept in the
store (per day and language), which is where delivery and the web page read it from.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from paperradar.cli.app import Home, app, err, open_store, parse_day
from paperradar.errors import UsageError


@app.command()
def brief(
    date: Annotated[
        str | None, typer.Option("--date", help="Day to brief (default: the latest).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or zh.")] = "en",
    llm: Annotated[
        bool,
        typer.Option(
            "--llm/--offline",
            help="Rewrite with an OpenAI-compatible model (RADAR_LLM_URL, RADAR_LLM_MODEL, "
            "RADAR_LLM_API_KEY); the offline composer is the default.",
        ),
    ] = False,
    llm_url: Annotated[
        str | None, typer.Option("--llm-url", help="Base URL, e.g. http://localhost:11434/v1.")
    ] = None,
    llm_model: Annotated[str | None, typer.Option("--llm-model", help="Model name.")] = None,
    budget: Annotated[
        int | None, typer.Option("--budget", help="Token budget per briefing (default 40000).")
    ] = None,
    featured: Annotated[
        int | None, typer.Option("--featured", help="Featured papers, 3–5 (default by day size).")
    ] = None,
    noted: Annotated[int | None, typer.Option("--noted", help="Worth-noting papers, 5–12.")] = None,
    home: Home = None,
) -> None:
    """Write the daily briefing: overview, featured papers with takeaways, also worth noting,
    today's observation and run health."""
    from paperradar.brief import FORMATS, build, render
    from paperradar.brief.chat import LLMConfig

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    config = None
    if llm or llm_url or llm_model:
        config = LLMConfig.from_env(llm_url, llm_model, budget)
    day = parse_day(date)
    with open_store(home) as store:
        briefing = build(
            store,
            day.isoformat() if day else None,
            lang=lang,
            llm=config,
            featured=featured,
            noted=noted,
        )
    _report_llm(briefing.stats.get("llm"))
    text = render(briefing, fmt)
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err.print(f"Wrote the {briefing.day} briefing ({fmt}) to {output}")


def _report_llm(usage: dict[str, int] | None) -> None:
    """What the model cost and what it was refused, on stderr so the briefing stays clean."""
    if usage:
        err.print(
            f"[dim]LLM: {usage['calls']} calls, {usage['cached']} cached, "
            f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens "
            f"(budget {usage['budget']}); {usage['sentences_replaced']} sentences kept offline "
            f"for failing a check; {usage['failed']} failed calls.[/]"
        )
