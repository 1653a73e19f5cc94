"""The ``radar`` command: output, JSON schema, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA
from paperradar.cli import main


def radar(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_ingest_list_show_search(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path)
    feed = str(DATA / "arxiv_rss/arxiv_cs_ai.xml")
    code, out, _ = radar(capsys, "ingest", "arxiv", "--from", feed, "--home", home)
    assert code == 0 and "3 new" in out
    code, out, _ = radar(capsys, "ingest", "arxiv", "--from", feed, "--home", home)
    assert code == 1 and "0 new" in out  # ran, found nothing new
    hf = str(DATA / "hf_daily/daily_papers_2026-07-27.json")
    assert radar(capsys, "ingest", "hf-daily", "--from", hf, "--home", home)[0] == 0

    code, out, _ = radar(capsys, "papers", "--date", "2026-04-27", "--json", "--home", home)
    listed = json.loads(out)
    assert code == 0 and len(listed) == 3
    assert set(listed[0]) == {
        "id",
        "arxiv_id",
        "version",
        "doi",
        "title",
        "abstract",
        "authors",
        "categories",
        "primary_category",
        "announced",
        "published",
        "updated",
        "links",
        "sources",
    }
    code, out, _ = radar(capsys, "papers", "--source", "hf-daily", "--json", "--home", home)
    upvotes = [p["sources"][0]["data"]["upvotes"] for p in json.loads(out)]
    assert len(upvotes) == 30 and upvotes == sorted(upvotes, reverse=True)

    code, out, _ = radar(
        capsys, "show", "https://arxiv.org/abs/2604.21935v1", "--json", "--home", home
    )
    paper = json.loads(out)
    assert paper["title"].startswith("Math Takes Two")
    assert paper["links"]["pdf"] == "https://arxiv.org/pdf/2604.21935"
    code, out, _ = radar(capsys, "show", "2604.21935", "--home", home)
    assert code == 0 and "Math Takes Two" in out and "seen" in out

    code, out, _ = radar(capsys, "search", "mathematical reasoning", "--json", "--home", home)
    assert code == 0 and json.loads(out)[0]["id"] == "2604.21935"
    code, _, err = radar(capsys, "search", "zzzunfindable", "--keyword", "--home", home)
    assert code == 1 and "No paper matches" in err


def test_export_roundtrip_and_bibtex(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home, other = str(tmp_path / "a"), str(tmp_path / "b")
    radar(
        capsys,
        "ingest",
        "arxiv-api",
        "--from",
        str(DATA / "arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml"),
        "--home",
        home,
    )
    radar(
        capsys,
        "ingest",
        "hf-daily",
        "--from",
        str(DATA / "hf_daily/daily_papers_2026-07.json"),
        "--home",
        home,
    )
    dump = tmp_path / "export.jsonl"
    assert radar(capsys, "export", "--format", "json", "-o", str(dump), "--home", home)[0] == 0
    assert radar(capsys, "import", str(dump), "--home", other)[0] == 0
    code, first, _ = radar(capsys, "papers", "--json", "-n", "500", "--home", home)
    code, second, _ = radar(capsys, "papers", "--json", "-n", "500", "--home", other)
    assert json.loads(first) == json.loads(second)
    assert radar(capsys, "import", str(dump), "--home", other)[0] == 1  # nothing new
    code, out, _ = radar(capsys, "export", "--format", "bibtex", "--home", home)
    assert code == 0
    assert out.count("@misc{") == 73 and "eprint = {2607.09662}" in out


def test_errors_are_one_line_with_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path)
    code, _, err = radar(capsys, "ingest", "nosuch", "--home", home)
    assert code == 2 and "unknown source 'nosuch'" in err and "arxiv-api" in err
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<rss><channel><item>")
    code, _, err = radar(capsys, "ingest", "arxiv", "--from", str(bad), "--home", home)
    assert code == 1 and str(bad) in err.replace("\n", "") and "line 1" in err
    assert "Traceback" not in err
    code, _, err = radar(
        capsys, "ingest", "arxiv", "--from", str(tmp_path / "missing.xml"), "--home", home
    )
    assert code == 2 and "missing.xml" in err
    code, _, err = radar(capsys, "papers", "--date", "yesterday-ish", "--home", home)
    assert code == 2 and "not a date" in err
    code, _, err = radar(capsys, "show", "2601.99999", "--home", home)
    assert code == 1 and "no paper" in err
    code, _, err = radar(capsys, "export", "--format", "csv", "--home", home)
    assert code == 2


def test_demo_and_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paperradar", "demo", "--json", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["day"] == "2026-03-27"
    ups = [p["sources"][-1]["data"].get("upvotes", -1) for p in result["papers"]]
    assert ups[0] >= 40 and ups[:5] == sorted(ups[:5], reverse=True)
    assert all(p["announced"] == "2026-03-27" for p in result["papers"])


def test_console_script_exits_quickly_with_the_same_codes_and_output(tmp_path: Path) -> None:
    """`python -m paperradar` skips the interpreter's teardown; codes and output must not change."""

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "paperradar", *args, "--home", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    feed = str(DATA / "arxiv_rss/arxiv_cs_ai.xml")
    done = command("ingest", "arxiv", "--from", feed)
    assert done.returncode == 0 and "3 new" in done.stdout
    listed = command("papers", "--json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 3  # all of it flushed
    empty = subprocess.run(
        [sys.executable, "-m", "paperradar", "rank", "--home", str(tmp_path / "empty")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert empty.returncode == 1 and "radar: error: the store is empty" in empty.stderr
    usage = command("rank", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    # through a pipe whose reader stops after one byte, the exit stays quiet
    shell = f"{sys.executable} -m paperradar papers --json --home {tmp_path} | head -c 1"
    piped = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=120)
    assert piped.stdout == "[" and piped.stderr == ""


MARKUP_TITLE = "Z2[u,v](x) codes over [bold]rings[/] with [/] closed"
TERMINAL_TRICKS = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[2J\x07\x9b31m"


def test_paper_text_prints_as_written_in_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rich markup in a title is text (no MarkupError, no restyling), and escape sequences from
    a JSON source never reach the terminal."""
    from paperradar.models import Item
    from paperradar.store import Store

    with Store.open(tmp_path) as store:
        store.upsert(
            [
                Item(
                    source="hf-daily",
                    title=f"{MARKUP_TITLE} {TERMINAL_TRICKS}",
                    abstract=f"Quasi-cyclic [red]codes[/red] {TERMINAL_TRICKS} end.",
                    authors=(f"Eve [link=https://evil.example]E[/link] {TERMINAL_TRICKS}",),
                    arxiv_id="2605.03031",
                    announced="2026-05-05",
                    observed_on="2026-05-05",
                    extra={"upvotes": 3, "note": TERMINAL_TRICKS},
                )
            ]
        )
    home = str(tmp_path)
    runs = [
        ("papers", "--date", "2026-05-05"),
        ("search", "quasi-cyclic codes"),
        ("show", "2605.03031"),
    ]
    for args in runs:
        code, out, err = radar(capsys, *args, "--home", home)
        assert code == 0, (args, err)
        flat = " ".join(out.replace("│", " ").split())
        assert "Z2[u,v](x)" in flat and "[bold]rings[/]" in flat, args
        if args[0] == "show":  # the tables wrap the narrow authors column
            assert "Eve [link=https://evil.example]E[/link]" in flat
        for char in ("\x1b", "\x07", "\x9b"):
            assert char not in out + err, (args, char)
    assert "[red]codes[/red]" in out  # the abstract, from `radar show`


@pytest.mark.parametrize("every", ["0h", "0s", "30m", "59m"])
def test_run_every_refuses_intervals_under_an_hour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, every: str
) -> None:
    from paperradar.cli import run as run_module

    def sleep(_: float) -> None:
        raise AssertionError(f"--every {every} was accepted: the runs would go back to back")

    monkeypatch.setattr(run_module.time, "sleep", sleep)
    monkeypatch.setattr(run_module, "_run_once", lambda *_: 0)  # never the network
    code, _, err = radar(capsys, "run", "--every", every, "--home", str(tmp_path))
    assert code == 2 and "at most once an hour" in err and len(err.strip().splitlines()) == 1


class Stop(Exception):
    """Ends a ``radar run --every`` loop in a test."""


def test_run_every_waits_after_a_failed_run_and_keeps_going(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperradar.cli import run as run_module
    from paperradar.errors import StoreError

    outcomes: list[Exception | int] = [StoreError("the store is busy"), 0, StoreError("again")]
    slept: list[float] = []

    def run_once(*_: object) -> int:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise Stop

    monkeypatch.setattr(run_module, "_run_once", run_once)
    monkeypatch.setattr(run_module.time, "sleep", sleep)
    with pytest.raises(Stop):
        main(["run", "--every", "24h", "--home", str(tmp_path)])
    assert slept == [3600, 86400, 3600]  # a failure retries after 1h, a success after 24h
    err = capsys.readouterr().err
    assert "radar: error: the store is busy" in err and "Next run in 1h." in err
    assert "Next run in 24h." in err

    slept.clear()
    outcomes[:] = [StoreError("down"), StoreError("down"), StoreError("down")]
    with pytest.raises(Stop):
        main(["run", "--every", "90m", "--home", str(tmp_path)])
    assert slept == [3600, 3600, 3600]  # never sooner than an hour, never a tight loop


def test_schedule_install_without_the_scheduler_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    monkeypatch.setenv("PATH", str(tools))  # neither crontab nor systemctl
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    home = str(tmp_path / "radar")
    for args in (["--cron"], []):
        code, _, err = radar(capsys, "schedule", "--install", *args, "--home", home)
        assert code == 2 and "Traceback" not in err
        assert err.startswith("radar: error: cannot install the schedule:")
        assert "is not installed" in err and "crontab line: 0 7 * * *" in err
    # systemctl present, but no user instance (a container, an ssh session)
    fake = tools / "systemctl"
    fake.write_text("#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n")
    fake.chmod(0o755)
    code, _, err = radar(capsys, "schedule", "--install", "--home", home)
    assert code == 2 and "Failed to connect to bus" in err and "Traceback" not in err


def test_the_days_in_the_store_are_listed_and_the_hints_are_true(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path)
    for feed in ("arxiv_rss/arxiv_cs_ai.xml", "hf_daily/daily_papers_2026-07-27.json"):
        source = "arxiv" if feed.startswith("arxiv") else "hf-daily"
        radar(capsys, "ingest", source, "--from", str(DATA / feed), "--home", home)
    code, out, _ = radar(capsys, "papers", "--days", "--json", "--home", home)
    days = json.loads(out)
    assert code == 0 and [d["day"] for d in days] == sorted((d["day"] for d in days), reverse=True)
    assert days[0] == {"day": "2026-07-29", "papers": 19} and days[-1] == {
        "day": "2026-04-27",
        "papers": 3,
    }
    code, out, _ = radar(capsys, "papers", "--days", "--home", home)
    assert code == 0 and "2026-04-27" in out
    # The hint the ranker gives for a day without papers names this option.
    code, _, err = radar(capsys, "rank", "--date", "2020-01-01", "--home", home)
    assert code == 1 and "radar papers --days" in err
    # A listing cut at its limit says how much more there is.
    code, out, err = radar(capsys, "papers", "-n", "5", "--home", home)
    assert code == 0 and "5 of 33 papers" in err and "--limit 33" in err
    code, _, err = radar(capsys, "papers", "--home", home)
    assert code == 0 and " of " not in err
    assert radar(capsys, "papers", "--days", "--home", str(tmp_path / "empty"))[0] == 1


def test_dates_take_today_and_yesterday_and_errors_name_their_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    from paperradar.cli.app import parse_day

    today = dt.date.today()
    assert parse_day("today") == today and parse_day("Yesterday") == today - dt.timedelta(days=1)
    home = str(tmp_path)
    code, _, err = radar(capsys, "papers", "--date", "yesterday", "--home", home)
    assert code == 1 and "not a date" not in err  # accepted; the empty store has nothing then
    code, _, err = radar(capsys, "ingest", "arxiv-oai", "--since", "2026-13-01", "--home", home)
    assert code == 2 and "--since '2026-13-01' is not a date" in err and "--date" not in err
