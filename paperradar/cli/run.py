"""``radar run``, ``radar schedule``, ``radar config`` and ``radar feed``: the daily job and
what keeps it running.

``radar run`` prints each source's outcome as it lands, then the briefing's title and where it
was delivered, and exits 1 when a source failed or nothing new came in, so cron and systemd
notice. ``--every 24h`` keeps it running in the foreground as a service. ``radar schedule``
prints (or installs) a systemd user timer or a crontab line that runs it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

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
from paperradar.errors import RadarError, UsageError

config_app = typer.Typer(
    help="Show, create or check the configuration file.", no_args_is_help=False
)
app.add_typer(config_app, name="config")
MARKS = {"ok": "[green]✓[/]", "reused": "[green]↺[/]", "empty": "[yellow]○[/]"}


# The shortest --every: a daily briefing mailed more than hourly is a loop, not a schedule.
SHORTEST = 3600.0
# After a run that failed outright (the store busy, the config wrong), the next try comes after
# this long or the interval, whichever is shorter: soon enough to save the day's briefing, never
# a tight loop under systemd's Restart= or a shell's `while`.
RETRY = 3600.0


def _every(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd])", text.strip())
    if not match:
        raise UsageError(f"--every {text!r}: write it like 24h, 90m or 1d")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds < SHORTEST:
        raise UsageError(f"--every {text!r} is too often: run at most once an hour (e.g. 24h)")
    return seconds


@app.command()
def run(
    date: Annotated[str | None, typer.Option("--date", help="Day to run (default: today).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Refetch sources already fetched.")
    ] = False,
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            help="Keep running: e.g. 24h, at least 1h (foreground service); a run that fails "
            "is tried again after 1h or the interval, whichever is shorter.",
        ),
    ] = None,
    as_json: AsJson = False,
    home: Home = None,
) -> None:
    """The daily job: fetch every configured source, link, rank, brief, and deliver."""
    interval = _every(every) if every else None
    if interval is None:
        if _run_once(parse_day(date) or dt.date.today(), force, as_json, home):
            raise NothingNew("run")
        return
    while True:
        try:
            _run_once(parse_day(date) or dt.date.today(), force, as_json, home)
            delay = interval
        except RadarError as exc:
            # A service outlives one bad run: say why, and try again later instead of exiting.
            delay = min(interval, RETRY)
            err.print(f"[red]radar: error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        err.print(f"[dim]Next run in {_duration(delay)}.[/]")
        time.sleep(delay)


def _duration(seconds: float) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"


def _run_once(day: dt.date, force: bool, as_json: bool, home: Path | None) -> int:
    from paperradar import config as configuration
    from paperradar.deliver import deliver_all
    from paperradar.http import Fetcher
    from paperradar.ingest.categories import LOOKUP
    from paperradar.pipeline.daily import SourceReport, run_day

    root = resolve_home(home)
    config = configuration.load(root)

    def show(report: SourceReport) -> None:
        if as_json:
            return
        mark = MARKS.get(report.status, "[red]✗[/]")
        detail = f" — {escape(report.detail)}" if report.detail else ""
        err.print(f"{mark} {report.source}: {report.status}, {report.new} new{detail}")

    with open_store(home) as store, Fetcher() as fetcher:
        with err.status(f"Running {day}…") as status:
            report = run_day(
                store, config, day, fetcher, force=force, on_source=show, on_status=status.update
            )
        for reused in (s for s in report.sources if s.status == "reused"):
            show(reused)
        if report.categories is not None and not as_json:
            filled = report.categories
            mark = MARKS.get(filled.status, "[red]✗[/]")
            err.print(f"{mark} {LOOKUP}: {filled.status}, {escape(filled.detail)}")
        for warning in report.warnings:
            err.print(f"[yellow]radar: warning:[/] {escape(warning)}")
        if report.briefing is not None:
            report.delivered = deliver_all(store, report.briefing, config, root, fetcher)
    code = 1 if report.failed or report.new_items == 0 else 0
    if as_json:
        emit_json(
            {
                "day": report.day,
                "sources": [s.__dict__ for s in report.sources],
                "categories": report.categories.as_dict() if report.categories else None,
                "title": report.briefing.title if report.briefing else None,
                "delivered": report.delivered,
                "warnings": list(report.warnings),
                "exit": code,
            }
        )
        return code
    if report.briefing is None:  # pragma: no cover - run_day always writes one
        err.print(f"[red]radar: no briefing for {day}.[/]")
    else:
        out.print(f"[bold]{escape(report.briefing.title)}[/]")
        for channel, what in report.delivered.items():
            colour = "red" if what.startswith("failed") else "green"
            out.print(f"  [{colour}]{channel}[/]: {escape(what)}")
    if report.new_items == 0:
        err.print("[yellow]radar: nothing new was fetched for this day.[/]")
    return code


@app.command()
def schedule(
    at: Annotated[str, typer.Option("--at", help="Time of day, HH:MM (local).")] = "07:00",
    cron: Annotated[
        bool, typer.Option("--cron", help="A crontab line instead of systemd.")
    ] = False,
    install: Annotated[bool, typer.Option("--install", help="Install it, not just print.")] = False,
    home: Home = None,
) -> None:
    """Print (or --install) a systemd user timer or a crontab line for `radar run`."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", at)
    if not match:
        raise UsageError(f"--at {at!r}: write the time as HH:MM, e.g. 07:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    radar = shutil.which("radar") or f"{sys.executable} -m paperradar"
    command = f"{radar} run --home {resolve_home(home)}"
    if cron:
        line = f"{minute} {hour} * * * {command} >> {resolve_home(home)}/run.log 2>&1"
        if not install:
            out.print(line, markup=False, highlight=False, soft_wrap=True)
            return
        current = _call(["crontab", "-l"], instead=line, check=False)
        lines = [
            x
            for x in current.stdout.splitlines()
            if "paperradar" not in x and " radar run" not in x
        ]
        _call(["crontab", "-"], instead=line, given="\n".join([*lines, line]) + "\n")
        out.print("Installed in your crontab:\n" + line, markup=False, soft_wrap=True)
        return
    service = (
        "[Unit]\nDescription=Paper Radar daily run\nWants=network-online.target\n"
        "After=network-online.target\n\n[Service]\nType=oneshot\n"
        f"ExecStart={command}\n"
    )
    timer = (
        "[Unit]\nDescription=Run Paper Radar every morning\n\n[Timer]\n"
        f"OnCalendar=*-*-* {hour:02d}:{minute:02d}:00\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    if not install:
        out.print(
            f"# ~/.config/systemd/user/paper-radar.service\n{service}", markup=False, soft_wrap=True
        )
        out.print(
            f"# ~/.config/systemd/user/paper-radar.timer\n{timer}", markup=False, soft_wrap=True
        )
        out.print(
            "# then: systemctl --user enable --now paper-radar.timer", markup=False, soft_wrap=True
        )
        return
    units = Path.home() / ".config/systemd/user"
    units.mkdir(parents=True, exist_ok=True)
    (units / "paper-radar.service").write_text(service)
    (units / "paper-radar.timer").write_text(timer)
    by_cron = f"{minute} {hour} * * * {command}"
    for step in (["daemon-reload"], ["enable", "--now", "paper-radar.timer"]):
        _call(["systemctl", "--user", *step], instead=by_cron, units=units)
    out.print(f"Installed and started paper-radar.timer ({hour:02d}:{minute:02d} daily).")


def _call(
    args: list[str],
    *,
    instead: str,
    given: str | None = None,
    check: bool = True,
    units: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``args``; when the tool is missing or fails (no crontab, no systemd user instance in
    a container or over ssh), a UsageError that says what to do by hand instead."""
    try:
        return subprocess.run(args, input=given, capture_output=True, text=True, check=check)
    except (OSError, subprocess.CalledProcessError) as exc:
        if isinstance(exc, FileNotFoundError):
            why = f"{args[0]} is not installed"
        else:
            said = (getattr(exc, "stderr", None) or str(exc)).strip().splitlines()
            why = f"`{' '.join(args)}` failed" + (f": {said[-1]}" if said else "")
        written = f" (the unit files are written in {units})" if units else ""
        raise UsageError(
            f"cannot install the schedule: {why}{written}; run `radar run` from another "
            f"scheduler instead, e.g. this crontab line: {instead}"
        ) from exc


@config_app.callback(invoke_without_command=True)
def config_show(ctx: typer.Context, home: Home = None) -> None:
    """Show the configuration file and its path (the defaults when there is none)."""
    if ctx.invoked_subcommand is not None:
        return
    from paperradar import config as configuration

    path = configuration.path_for(resolve_home(home))
    if path.exists():
        out.print(f"# {path}", markup=False, soft_wrap=True)
        out.print(path.read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
    else:
        out.print(
            f"# {path} does not exist; these defaults apply (radar config init)", markup=False
        )
        out.print(configuration.EXAMPLE, markup=False, highlight=False, soft_wrap=True)


@config_app.command("init")
def config_init(home: Home = None) -> None:
    """Write the commented example configuration (never over an existing file)."""
    from paperradar import config as configuration

    path = configuration.path_for(resolve_home(home))
    if path.exists():
        raise UsageError(f"{path} exists; edit it, or remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(configuration.EXAMPLE, encoding="utf-8")
    out.print(f"Wrote {path}.")


@config_app.command("check")
def config_check(home: Home = None) -> None:
    """Validate the configuration; exit 2 with the reason when it is wrong."""
    from paperradar import config as configuration

    loaded = configuration.load(resolve_home(home))
    where = loaded.path or "defaults"
    channels = (
        ["files"]
        + (["email"] if loaded.email else [])
        + [f"{h.kind} webhook" for h in loaded.webhooks]
    )
    out.print(
        f"{where}: OK — sources {', '.join(loaded.sources)}; delivers to {', '.join(channels)}.",
        markup=False,
    )
    if loaded.email and loaded.email.username and loaded.email.password() is None:
        err.print("[yellow]radar: warning:[/] no SMTP password: set RADAR_SMTP_PASSWORD")


@app.command()
def feed(
    kind: Annotated[str, typer.Argument(help="briefings or papers.")] = "briefings",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    home: Home = None,
) -> None:
    """Write the Atom feed of briefings (one entry a day) or of your top papers."""
    from paperradar import config as configuration
    from paperradar.deliver import atom as feeds

    builders = {"briefings": feeds.briefings_atom, "papers": feeds.papers_atom}
    if kind not in builders:
        raise UsageError(f"unknown feed {kind!r}; use briefings or papers")
    config = configuration.load(resolve_home(home))
    with open_store(home) as store:
        data = builders[kind](store, config.feed_base, config.lang)
    if output is None:
        sys.stdout.write(data.decode("utf-8") + "\n")
    else:
        output.write_bytes(data)
        err.print(f"Wrote {output}.")
