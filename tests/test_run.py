"""``radar run`` end to end: recorded arXiv listings replayed from a local server, one source
failing, the briefing mailed to a real SMTP server (aiosmtpd), webhooks posted, Atom feeds
written and served; then the same day again, which fetches nothing it already has."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiosmtpd.controller import Controller

from conftest import Replay, data
from paperradar import config as configuration
from paperradar.errors import ConfigError
from test_cli import radar

DAY = "2026-04-27"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port; the controller checks it by connecting
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def no_categories_known(replay: Replay) -> str:
    """The ``[fetch]`` table sending the categories lookup (HF papers come without them) to the
    replay server, which answers arXiv's recorded empty result: these runs fill none."""
    empty = data("arxiv_api/id_0000.0000_s0_m100.xml")
    replay.routes["/arxiv/query"] = lambda q: (200, {}, empty)
    return f'[fetch]\narxiv_api = "{replay.url("/arxiv/query")}"\n'


def write_config(home: Path, replay: Replay, port: int) -> None:
    (home / "radar.toml").write_text(
        no_categories_known(replay)
        + f"""
[sources]
arxiv = {{ categories = ["cs.AI", "cs.CL", "cs.LG"], base_url = "{replay.url("/rss/")}" }}
hf-daily = {{ base_url = "{replay.url("/api/daily_papers")}" }}
crossref = {{ issns = ["2835-8856"], base_url = "{replay.url("/works")}" }}

[deliver]
dir = "out"

[deliver.email]
to = ["reader@example.org", "second@example.org"]
from = "radar@example.org"
host = "127.0.0.1"
port = {port}
security = "none"

[[deliver.webhook]]
kind = "slack"
url = "{replay.url("/hooks/slack")}"

[[deliver.webhook]]
kind = "discord"
url = "{replay.url("/hooks/missing")}"

[[deliver.webhook]]
kind = "json"
url = "{replay.url("/hooks/json")}"

[deliver.feed]
base_url = "http://radar.example"
"""
    )


def test_daily_run_mails_the_briefing_and_says_what_failed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    replay: Replay,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    for cat in ("ai", "cl", "lg"):
        body = data(f"arxiv_rss/arxiv_cs_{cat}.xml")
        replay.routes[f"/rss/cs.{cat.upper()}"] = lambda q, body=body: (200, {}, body)
    hf = data("hf_daily/daily_papers_2026-07-27.json")
    replay.routes["/api/daily_papers"] = lambda q: (200, {}, hf)
    replay.routes["/works"] = lambda q: (200, {}, b"<html>Service Unavailable</html>")
    replay.routes["/hooks/slack"] = lambda q: (200, {}, b"ok")
    replay.routes["/hooks/json"] = lambda q: (200, {}, b"")
    write_config(tmp_path, replay, port)
    home = str(tmp_path)

    code, out, err = radar(capsys, "run", "--date", DAY, "--home", home)
    assert code == 1, err  # a source failed
    assert "arxiv: ok, 9 new" in err and "hf-daily: ok, 30 new" in err
    assert "crossref: failed" in err and "malformed JSON" in err
    assert "email: sent to reader@example.org, second@example.org" in out
    assert "webhook 1 (slack): sent" in out
    assert "webhook 2 (discord): failed" in out and "HTTP 404" in out  # one channel failing

    # One message per reader, multipart: the plain text, then the HTML briefing.
    assert [m["To"] for m in inbox.messages] == ["reader@example.org", "second@example.org"]
    msg = inbox.messages[0]
    assert msg["Subject"].startswith(f"Paper Radar · {DAY}: ")
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",))
    rich = msg.get_body(("html",))
    assert plain is not None and rich is not None
    text, page = plain.get_content(), rich.get_content()
    assert "## Run health" in text and "crossref: failed" in text and "malformed JSON" in text
    assert "arxiv: OK, 9 items" in text and "hf-daily: OK, 30 items" in text
    assert "<table" in page and "style=" in page and "crossref" in page

    slack = [r for r in replay.requests if r.path == "/hooks/slack"]
    assert slack and slack[0].method == "POST" and json.loads(slack[0].body)["text"]
    generic = [r for r in replay.requests if r.path == "/hooks/json"]
    assert json.loads(generic[0].body)["day"] == DAY and "webhook 3 (json): sent" in out
    assert (tmp_path / "out" / f"{DAY}.md").exists() and (tmp_path / "out" / f"{DAY}.html").exists()
    for name in ("briefings.atom", "papers.atom"):
        parsed = feedparser.parse((tmp_path / "out" / name).read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.entries
    day_feed = feedparser.parse((tmp_path / "out" / "briefings.atom").read_bytes())
    assert day_feed.entries[0].link == f"http://radar.example/briefing?day={DAY}"
    assert "<table" in day_feed.entries[0].content[0].value

    # Same day again: arXiv and HF are reused, only the failed source is asked again.
    asked = len([r for r in replay.requests if r.path.startswith(("/rss/", "/api/"))])
    code, out, err = radar(capsys, "run", "--date", DAY, "--json", "--home", home)
    report = json.loads(out)
    assert code == 1 and report["exit"] == 1
    status = {s["source"]: s["status"] for s in report["sources"]}
    assert status == {"arxiv": "reused", "hf-daily": "reused", "crossref": "failed"}
    assert len([r for r in replay.requests if r.path.startswith(("/rss/", "/api/"))]) == asked
    # --force fetches everything again: arXiv and HF have nothing new, Crossref now answers.
    replay.routes["/works"] = lambda q: (200, {}, data("crossref/works_query.json"))
    code, out, _ = radar(capsys, "run", "--date", DAY, "--force", "--json", "--home", home)
    report = json.loads(out)
    assert code == 0 and {s["source"]: s["status"] for s in report["sources"]} == {
        "arxiv": "empty",
        "hf-daily": "empty",
        "crossref": "ok",
    }
    assert len([r for r in replay.requests if r.path.startswith(("/rss/", "/api/"))]) == asked + 4


def test_a_day_with_nothing_still_delivers_a_briefing_that_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: Replay
) -> None:
    empty = b'<rss version="2.0"><channel><title>cs.AI updates</title></channel></rss>'
    replay.routes["/rss/cs.AI"] = lambda q: (200, {}, empty)
    (tmp_path / "radar.toml").write_text(
        f'[sources]\narxiv = {{ categories = ["cs.AI"], base_url = "{replay.url("/rss/")}" }}\n'
    )
    code, out, err = radar(capsys, "run", "--date", "2026-11-21", "--home", str(tmp_path))
    assert code == 1 and "nothing new was fetched" in err and "Nothing new" in out
    text = (tmp_path / "briefings" / "2026-11-21.md").read_text()
    assert "Nothing new on 2026-11-21" in text
    assert "arXiv publishes no listing on weekends and holidays" in text
    assert "the run health below says why" in text and "## Featured" not in text
    page = (tmp_path / "briefings" / "2026-11-21.html").read_text()
    assert "the run health below says why" in page and "Featured" not in page


def test_weekend_listing_is_explained() -> None:
    import datetime as dt

    from paperradar.sources import get

    assert "weekends" in get("arxiv").explain_empty(dt.date(2026, 11, 21))  # a Saturday
    assert "holidays" in get("arxiv").explain_empty(dt.date(2026, 11, 23))


def test_config_check_names_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path)
    code, out, _ = radar(capsys, "config", "check", "--home", home)
    assert code == 0 and "defaults: OK" in out and "arxiv" in out
    assert radar(capsys, "config", "init", "--home", home)[0] == 0
    assert radar(capsys, "config", "init", "--home", home)[0] == 2  # never over a file
    code, out, _ = radar(capsys, "config", "--home", home)
    assert code == 0 and str(tmp_path / "radar.toml") in out
    cases = {
        "[sources]\nnosuch = {}\n": "unknown source 'nosuch'",
        "[sources]\narxiv = { categories = 'cs.CL' }\n": "must be a list of strings",
        "[sources]\narxiv = {}\n[deliver.email]\nto = ['a@b.c']\nfrom='x@y.z'\nhost='h'\n"
        "password='hunter2'\n": "keep secrets out of the file",
        "[sources]\narxiv = {}\n[[deliver.webhook]]\nkind='teams'\nurl='https://x'\n": "kind",
        "[sources\n": "not valid TOML",
    }
    for text, problem in cases.items():
        (tmp_path / "radar.toml").write_text(text)
        with pytest.raises(ConfigError, match=problem):
            configuration.load(tmp_path)
        code, _, err = radar(capsys, "config", "check", "--home", home)
        assert code == 2 and "hunter2" not in err


def test_schedule_prints_a_timer_and_a_cron_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = radar(capsys, "schedule", "--at", "06:30", "--home", str(tmp_path))
    assert code == 0 and "OnCalendar=*-*-* 06:30:00" in out and "Persistent=true" in out
    assert f"run --home {tmp_path}" in out
    code, out, _ = radar(capsys, "schedule", "--cron", "--at", "7:05", "--home", str(tmp_path))
    assert code == 0 and out.startswith("5 7 * * * ")
    assert radar(capsys, "schedule", "--at", "25:00")[0] == 2
    assert radar(capsys, "run", "--every", "soon", "--home", str(tmp_path))[0] == 2


def test_web_serves_the_atom_feeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fastapi.testclient import TestClient

    from paperradar.web import create_app

    feed = str(data.__globals__["DATA"] / "arxiv_rss/arxiv_cs_ai.xml")
    assert radar(capsys, "ingest", "arxiv", "--from", feed, "--home", str(tmp_path))[0] == 0
    assert radar(capsys, "brief", "--home", str(tmp_path), "-o", str(tmp_path / "b.md"))[0] == 0
    with TestClient(create_app(tmp_path), base_url="http://127.0.0.1") as client:
        response = client.get("/feed/briefings.atom")
        assert response.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo and len(parsed.entries) == 1
        assert parsed.entries[0].link.startswith("http://127.0.0.1/briefing?day=")
        assert client.get("/feed/other.atom").status_code == 422


def test_webhook_payloads() -> None:
    from paperradar.brief.model import Briefing
    from paperradar.config import Webhook
    from paperradar.deliver import DISCORD_LIMIT, webhook_payload

    b = Briefing(
        day=DAY,
        lang="en",
        title="Routers win",
        overview=("A claim with 12% behind it.",) * 200,
        featured=(),
        noted=(),
        observation="",
        themes=(),
        health=(),
    )
    slack = webhook_payload(b, Webhook("slack", "https://h"), "http://x/briefing?day=1")
    assert slack["text"].startswith("*Routers win*\n• A claim") and slack["text"].endswith("day=1")
    discord = webhook_payload(b, Webhook("discord", "https://h"), None)
    assert len(discord["content"]) <= DISCORD_LIMIT and discord["content"].endswith("…")
    assert webhook_payload(b, Webhook("json", "https://h"), None)["day"] == DAY


def test_daily_run_sends_the_api_keys_from_the_environment(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    replay: Replay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `radar run` builds requests the way `radar ingest` does: the keys come from the
    # environment, never from the file (it used to drop them on the daily run).
    monkeypatch.setenv("OPENALEX_API_KEY", "oa-secret")
    monkeypatch.setenv("S2_API_KEY", "s2-secret")
    work = json.loads(data("openalex/W-api-response.json"))
    page = json.dumps({"meta": {"next_cursor": None}, "results": [work]}).encode()
    replay.routes["/works"] = lambda q: (200, {}, page)
    last = data("semantic_scholar/bulk_2.json")
    replay.routes["/graph/v1/paper/search/bulk"] = lambda q: (200, {}, last)
    (tmp_path / "radar.toml").write_text(
        "[sources]\n"
        f'openalex = {{ filter = "topics.id:T10181", base_url = "{replay.url("/works")}" }}\n'
        f'semantic-scholar = {{ query = "kubernetes", base_url = "{replay.base}" }}\n'
    )
    code, out, err = radar(capsys, "run", "--date", DAY, "--json", "--home", str(tmp_path))
    status = {s["source"]: s["status"] for s in json.loads(out)["sources"]}
    assert status == {"openalex": "ok", "semantic-scholar": "ok"}, err
    (openalex,) = [r for r in replay.requests if r.path == "/works"]
    assert openalex.query["api_key"] == "oa-secret"
    (s2,) = [r for r in replay.requests if r.path.startswith("/graph/")]
    assert s2.headers["x-api-key"] == "s2-secret"
    assert "oa-secret" not in out + err and "s2-secret" not in out + err
    # `radar ingest` takes the same path, with RADAR_MAILTO for the polite pool.
    monkeypatch.setenv("RADAR_MAILTO", "me@example.org")
    flags = ("--filter", "topics.id:T10181", "--base-url", replay.url("/works"))
    code, _, err = radar(capsys, "ingest", "openalex", *flags, "--home", str(tmp_path))
    assert code in (0, 1), err
    sent = replay.requests[-1].query
    assert sent["api_key"] == "oa-secret" and sent["mailto"] == "me@example.org"


def test_source_options_are_checked_by_name_in_the_file_and_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "[sources]\narxiv = { issns = ['2835-8856'] }\n": "sources.arxiv: issns is not an option",
        "[sources]\ncrossref = { max = '10' }\n": "sources.crossref: max: input should be",
        "[sources]\nx-import = {}\n": "x-import cannot run daily",
        "[sources]\narxiv = 3\n": "sources.arxiv must be a table",
        "[sources]\n": "must name at least one source",
        "[sources]\narxiv = {}\n[brief]\nlang = 'fr'\n": "brief.lang must be 'en' or 'zh'",
        "[sources]\narxiv = {}\n[deliver]\ndirectory = 'x'\n": "deliver.directory: unknown key",
        "[sources]\narxiv = {}\n[deliver.email]\nto = []\nfrom='x@y.z'\nhost='h'\n": "at least one",
        "[sources]\narxiv = {}\n[deliver.email]\nto = 'a@b.c'\nhost='h'\n": "from is missing",
        "[sources]\narxiv = {}\n[[deliver.webhook]]\nurl='ftp://x'\n": "webhook[0].url must be",
    }
    for text, problem in cases.items():
        (tmp_path / "radar.toml").write_text(text)
        with pytest.raises(ConfigError, match=re.escape(problem)):
            configuration.load(tmp_path)
    (tmp_path / "radar.toml").write_text(
        "[sources]\narxiv = { categories = ['cs.CL'] }\n[deliver.email]\nto = 'a@b.c'\n"
        "from = 'r@b.c'\nhost = 'h'\nsecurity = 'ssl'\n"
    )
    loaded = configuration.load(tmp_path)
    assert loaded.sources["arxiv"].model_dump() == {"categories": ("cs.CL",), "base_url": None}
    assert loaded.email is not None and loaded.email.to == ("a@b.c",) and loaded.email.port == 465
    home = str(tmp_path)
    code, _, err = radar(capsys, "ingest", "arxiv", "--issn", "2835-8856", "--home", home)
    assert code == 2 and "--issn is not an option of arxiv (arxiv takes --category" in err
    code, _, err = radar(capsys, "ingest", "arxiv-oai", "--format", "MARC", "--home", home)
    assert code == 2 and "--format: input should be 'arXiv' or 'arXivRaw'" in err


def test_every_source_keeps_the_protocol_and_is_listed_once() -> None:
    from paperradar import sources
    from paperradar.sources.base import Options

    registry = sources.registry()
    assert list(registry) == list(sources.names())
    for name, source in registry.items():
        assert source.name == name and source.kind in ("papers", "posts") and source.description
        assert issubclass(source.options, Options)
        source.options()  # every option has a default: `name = {}` is a valid [sources] entry
    assert {n for n, s in registry.items() if not s.daily} == {"arxiv-oai", "x-import"}


def _two_good_sources(replay: Replay) -> None:
    for cat in ("ai", "cl", "lg"):
        body = data(f"arxiv_rss/arxiv_cs_{cat}.xml")
        replay.routes[f"/rss/cs.{cat.upper()}"] = lambda q, body=body: (200, {}, body)
    hf = data("hf_daily/daily_papers_2026-07-27.json")
    replay.routes["/api/daily_papers"] = lambda q: (200, {}, hf)


def _config_with_crossref(home: Path, replay: Replay) -> None:
    (home / "radar.toml").write_text(
        no_categories_known(replay)
        + f"""
[sources]
arxiv = {{ categories = ["cs.AI", "cs.CL", "cs.LG"], base_url = "{replay.url("/rss/")}" }}
hf-daily = {{ base_url = "{replay.url("/api/daily_papers")}" }}
crossref = {{ issns = ["2835-8856"], base_url = "{replay.url("/works")}" }}

[deliver]
dir = "out"
"""
    )


BROKEN: dict[str, tuple[tuple[int, dict[str, str], bytes], str]] = {
    "redirect loop": ((302, {"Location": "/works"}, b""), "more than 5 redirects"),
    "bad encoding": ((200, {"Content-Encoding": "gzip"}, b"{not gzip"), "DecodingError"),
    # A well-formed response of an unexpected shape: the parser meets a list for an object.
    "unexpected shape": (
        (200, {}, b'{"status": "ok", "message-type": "work-list", "message": []}'),
        "expected an object",
    ),
    # A bug in a source's own code, whatever the response: contained, named and logged.
    "parser crash": (
        (200, {}, data("crossref/cursor_page1.json")),
        "AttributeError",
    ),
}


@pytest.mark.parametrize("fault", list(BROKEN))
def test_one_broken_source_does_not_stop_the_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    replay: Replay,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    answer, problem = BROKEN[fault]
    if fault == "parser crash":
        from paperradar.sources import crossref

        def broken(*args: object) -> None:
            raise AttributeError("the parser broke")

        monkeypatch.setattr(crossref, "parse", broken)
    _two_good_sources(replay)
    replay.routes["/works"] = lambda q: answer
    _config_with_crossref(tmp_path, replay)
    code, out, err = radar(capsys, "run", "--date", DAY, "--home", str(tmp_path))
    assert code == 1, err
    assert "arxiv: ok, 9 new" in err and "hf-daily: ok, 30 new" in err
    assert "crossref: failed" in err and problem in err
    text = (tmp_path / "out" / f"{DAY}.md").read_text()
    assert "crossref: failed" in text and problem in text
    assert "arxiv: OK, 9 items" in text and "hf-daily: OK, 30 items" in text
    assert "Traceback" not in out + err
    if fault == "parser crash":  # unexpected, so its traceback is logged
        (logged,) = [r for r in caplog.records if r.exc_info]
        assert "crossref failed unexpectedly" in logged.getMessage()


def test_a_lone_surrogate_and_nan_numbers_are_stored_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: Replay
) -> None:
    _two_good_sources(replay)
    entries = json.loads(data("hf_daily/daily_papers_2026-07-27.json"))
    entries[0]["paper"]["title"] = "Broken \ud800 title"
    entries[1]["paper"]["upvotes"] = float("nan")
    entries[2]["paper"]["upvotes"] = float("inf")
    hf = json.dumps(entries).encode()  # json writes NaN, Infinity and "\ud800" as they came
    assert b"NaN" in hf and b"\\ud800" in hf
    replay.routes["/api/daily_papers"] = lambda q: (200, {}, hf)
    (tmp_path / "radar.toml").write_text(
        no_categories_known(replay)
        + f'[sources]\nhf-daily = {{ base_url = "{replay.url("/api/daily_papers")}" }}\n'
    )
    code, out, err = radar(capsys, "run", "--date", DAY, "--json", "--home", str(tmp_path))
    report = json.loads(out)
    assert code == 0, err
    assert report["sources"] == [{"source": "hf-daily", "status": "ok", "new": 30, "detail": ""}]
    from paperradar.store import Store

    with Store.open(tmp_path) as store:
        assert store.get(entries[0]["paper"]["id"]).title == "Broken \ufffd title"
        assert len(store.papers()) == 30


def _crossref_first_page_then_reset(replay: Replay) -> None:
    """Crossref with a full first page (100 works, a next-cursor) and a connection that drops
    on the second page, every time."""
    works = json.loads(data("crossref/works_query.json"))["message"]["items"]
    full = [
        {**works[i % len(works)], "DOI": f"10.5555/page-one.{i}", "title": [f"Router study {i}"]}
        for i in range(100)
    ]
    first = {
        "status": "ok",
        "message-type": "work-list",
        "message": {"items": full, "next-cursor": "second-page"},
    }
    body = json.dumps(first).encode()

    def works_route(q: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if q["cursor"] != "*":
            raise ConnectionResetError("the test drops the connection")
        return 200, {}, body

    replay.routes["/works"] = works_route


def test_a_paging_source_failing_midway_is_partial_and_fetched_again(
    tmp_path: Path, replay: Replay, fetcher: Any
) -> None:
    import datetime as dt

    from paperradar.pipeline.daily import fetch_all
    from paperradar.store import Store

    _crossref_first_page_then_reset(replay)
    (tmp_path / "radar.toml").write_text(
        f'[sources]\ncrossref = {{ issns = ["2835-8856"], base_url = "{replay.url("/works")}" }}\n'
    )
    config = configuration.load(tmp_path)
    day = dt.date.fromisoformat(DAY)
    with Store.open(tmp_path) as store:
        (report,), _ = fetch_all(store, config, day, fetcher)
        assert report.status == "partial" and report.new == 100, report
        assert "stopped after 1 pages" in report.detail and "gave up after" in report.detail
        assert store.runs()[0].status == "partial" and store.count() == 100
        assert store.cursor("crossref", f"day:{DAY}") is None  # the day is not done
        (again,), _ = fetch_all(store, config, day, fetcher)
        assert again.status == "partial"  # asked again, not "reused"
    # `radar ingest` says the same: what came is kept, and the run is partial, not ok.
    replay.requests.clear()
    with Store.open(tmp_path / "other") as store:
        from paperradar.ingest import ingest_fetch
        from paperradar.sources import FetchRequest

        request = FetchRequest(issns=("2835-8856",), base_url=replay.url("/works"))
        result = ingest_fetch(store, "crossref", fetcher, request)
        assert result.items == 100 and result.errors and "stopped after 1 pages" in result.errors[0]
        assert store.runs()[0].status == "partial"


READER_PARENT = """
import multiprocessing, sys, time
from pathlib import Path
from paperradar.ingest.bulk import prepared_batches

batches = prepared_batches(Path(sys.argv[1]), worker=True)
next(batches)  # the reader is running and will soon block on the full queue
(reader,) = multiprocessing.active_children()
print(reader.pid, flush=True)
time.sleep(60)  # killed long before this ends
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has already died


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_the_import_reader_dies_with_its_parent(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    lines = (
        json.dumps(
            {
                "listing_date": "2026-04-27",
                "id": f"2604.{i:05d}",
                "title": f"Paper {i} on routing",
                "summary": "An abstract long enough to be worth parsing. " * 4,
                "authors": ["Ada Lovelace", "Alan Turing"],
                "categories": ["cs.LG"],
            }
        )
        for i in range(40_000)  # more than the queue holds, so the reader blocks
    )
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n")
    parent = subprocess.Popen(
        [sys.executable, "-c", READER_PARENT, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert parent.stdout is not None
        reader = int(parent.stdout.readline())
        assert _alive(reader)
        time.sleep(1)  # let the reader fill the queue and block
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 5
        while _alive(reader) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(reader), "the reader outlived the killed import"
    finally:
        parent.kill()
        with contextlib.suppress(ProcessLookupError):
            if "reader" in locals() and _alive(reader):
                os.kill(reader, signal.SIGKILL)
