"""The fetch path against a real local HTTP server replaying recorded responses.

Waits (politeness delays, backoff, Retry-After) run on a fake clock that records each sleep the
fetcher asks for, so the tests pin the exact delays without sitting through them; one test keeps
the real clock and measures the gaps at the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import Replay, Response, data
from paperradar.errors import FetchError, SourceError, UsageError
from paperradar.http import Fetcher, FetchPolicy, parse_retry_after
from paperradar.ingest import ingest_fetch
from paperradar.sources import FetchRequest, arxiv_api, arxiv_oai, arxiv_rss, hf_daily, openalex
from paperradar.store import Store


def ok(body: bytes, content_type: str = "application/xml") -> Response:
    return 200, {"Content-Type": content_type}, body


@dataclass
class FakeClock:
    """Time that moves only when the fetcher sleeps; every sleep it asks for is recorded."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed(clock: FakeClock) -> Iterator[Fetcher]:
    """The ``fetcher`` fixture's policy, waiting on ``clock`` instead of the real one."""
    policy = FetchPolicy(default_delay=0, backoff=0.05, timeout=2, retries=3)
    with Fetcher(policy, sleep=clock.sleep, clock=clock.monotonic) as f:
        yield f


def test_arxiv_api_pages_through_a_query(replay: Replay, fetcher: Fetcher, store: Store) -> None:
    pages = {str(s): data(f"arxiv_api/q_testing_s{s}_m10.xml") for s in (0, 10, 20)}
    replay.routes["/api/query"] = lambda q: ok(pages[q["start"]])
    request = FetchRequest(
        query="testing", max_results=30, page_size=10, base_url=replay.url("/api/query")
    )
    result = ingest_fetch(store, "arxiv-api", fetcher, request)
    assert result.pages == 3 and result.items == 30 and store.count() == 30
    assert [r.query["start"] for r in replay.requests] == ["0", "10", "20"]
    assert all(r.query["search_query"] == "testing" for r in replay.requests)
    assert replay.requests[0].headers["User-Agent"].startswith("paper-radar/")
    run = store.runs()[0]
    assert run.status == "ok" and run.counts["arxiv-api"]["inserted"] == 30


def test_arxiv_api_error_entry_fails_the_run_clearly(
    replay: Replay, fetcher: Fetcher, store: Store
) -> None:
    replay.routes["/api/query"] = lambda q: ok(data("arxiv_api/id_abc_s0_m100.xml"))
    request = FetchRequest(ids=("2104.12255",), base_url=replay.url("/api/query"))
    with pytest.raises(SourceError, match="incorrect id format"):
        ingest_fetch(store, "arxiv-api", fetcher, request)
    run = store.runs()[0]
    assert run.status == "failed" and "incorrect id format" in run.errors["arxiv-api"]
    with pytest.raises(UsageError, match="not an arXiv id"):
        list(arxiv_api.fetch(fetcher, FetchRequest(ids=("abc",))))


def test_politeness_delay_between_calls_to_one_host(replay: Replay) -> None:
    """The real clock: the server sees the gaps the fetcher asked to sleep."""
    replay.routes["/api/query"] = lambda q: ok(data(f"arxiv_api/q_testing_s{q['start']}_m10.xml"))
    policy = FetchPolicy(default_delay=0.3, backoff=0.05, timeout=2)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    with Fetcher(policy, sleep=sleep) as polite:
        request = FetchRequest(
            query="testing", max_results=30, page_size=10, base_url=replay.url("/api/query")
        )
        assert len(list(arxiv_api.fetch(polite, request))) == 3
    times = [r.at for r in replay.requests]
    assert all(b - a >= 0.28 for a, b in itertools.pairwise(times))
    assert len(slept) == 2 and all(0 < s <= 0.3 for s in slept)
    assert FetchPolicy().host_delays["export.arxiv.org"] >= 3.0


def test_politeness_waits_only_what_is_left_of_the_delay(replay: Replay, clock: FakeClock) -> None:
    """A slow answer counts towards the delay: the next call waits only the rest of it."""

    def page(q: dict[str, str]) -> Response:
        clock.now += 0.1  # each answer takes 0.1 s
        return ok(data(f"arxiv_api/q_testing_s{q['start']}_m10.xml"))

    replay.routes["/api/query"] = page
    policy = FetchPolicy(default_delay=0.3, backoff=0.05, timeout=2)
    with Fetcher(policy, sleep=clock.sleep, clock=clock.monotonic) as polite:
        request = FetchRequest(
            query="testing", max_results=30, page_size=10, base_url=replay.url("/api/query")
        )
        assert len(list(arxiv_api.fetch(polite, request))) == 3
        assert clock.sleeps == pytest.approx([0.2, 0.2])
        # The default delay is only for hosts without their own: arXiv's API keeps 3 s.
        assert polite.delay_for("export.arxiv.org") == 3.0
        assert polite.delay_for("127.0.0.1") == 0.3


def test_429_with_retry_after_then_success(
    replay: Replay, timed: Fetcher, clock: FakeClock
) -> None:
    answers = iter(
        [
            (429, {"Retry-After": "1"}, b"slow down"),
            ok(data("hf_daily/daily_papers_2026-07-27.json")),
        ]
    )
    asked_at: list[float] = []

    def daily(q: dict[str, str]) -> Response:
        asked_at.append(clock.now)
        return next(answers)

    replay.routes["/api/daily_papers"] = daily
    request = FetchRequest(day=dt.date(2026, 7, 27), base_url=replay.url("/api/daily_papers"))
    (page,) = hf_daily.fetch(timed, request)
    assert page.items is not None and len(page.items) == 30
    assert all(i.observed_on == "2026-07-27" for i in page.items)
    first, _ = replay.requests
    assert clock.sleeps == [1.0]  # waited the Retry-After, not the 0.05 s backoff
    assert asked_at == [0.0, 1.0]
    assert first.query == {"date": "2026-07-27", "limit": "100"}


def test_a_retry_after_too_long_is_reported_not_waited(
    replay: Replay, timed: Fetcher, clock: FakeClock
) -> None:
    replay.routes["/rss/cs.AI"] = lambda q: (503, {"Retry-After": "3600"}, b"maintenance")
    with pytest.raises(FetchError, match="server asks to retry after 3600 s; try again later"):
        timed.get(replay.url("/rss/cs.AI"))
    assert clock.sleeps == [] and len(replay.requests) == 1


def test_503_then_success_and_persistent_failure(
    replay: Replay, timed: Fetcher, clock: FakeClock
) -> None:
    answers = iter([(503, {}, b"busy"), (503, {}, b"busy"), ok(data("arxiv_rss/arxiv_cs_ai.xml"))])
    replay.routes["/rss/cs.AI"] = lambda q: next(answers)
    (page,) = arxiv_rss.fetch(
        timed, FetchRequest(categories=("cs.AI",), base_url=replay.url("/rss"))
    )
    assert len(list(arxiv_rss.parse(page.data, page.origin))) == 3
    assert clock.sleeps == [0.05, 0.1]  # the backoff doubles from 0.05 s
    replay.routes["/rss/cs.CL"] = lambda q: (503, {}, b"down")
    clock.sleeps.clear()
    with pytest.raises(FetchError, match=r"HTTP 503 \(gave up after 4 attempts\)"):
        list(
            arxiv_rss.fetch(timed, FetchRequest(categories=("cs.CL",), base_url=replay.url("/rss")))
        )
    assert clock.sleeps == [0.05, 0.1, 0.2]  # no sleep after the last attempt
    replay.routes["/rss/cs.LG"] = lambda q: (404, {}, b"no such category")
    before = len(replay.requests)
    clock.sleeps.clear()
    with pytest.raises(FetchError, match="HTTP 404"):
        list(
            arxiv_rss.fetch(timed, FetchRequest(categories=("cs.LG",), base_url=replay.url("/rss")))
        )
    assert len(replay.requests) == before + 1  # a 404 is not retried
    assert clock.sleeps == []


def test_oversized_body_is_refused(replay: Replay) -> None:
    big = b"<rss>" + b" " * (50 * 1024 * 1024) + b"</rss>"
    replay.routes["/rss/cs.AI"] = lambda q: ok(big)
    with (
        Fetcher(FetchPolicy(default_delay=0, retries=0)) as small,
        pytest.raises(FetchError, match="larger than 25 MB"),
    ):
        small.get(replay.url("/rss/cs.AI"))


def test_timeout_is_retried_then_reported(replay: Replay, clock: FakeClock) -> None:
    """A real socket timeout (the server holds the answer until the test ends)."""
    released = threading.Event()

    def stuck(q: dict[str, str]) -> Response:
        released.wait(5)
        return ok(b"<rss/>")

    replay.routes["/slow"] = stuck
    policy = FetchPolicy(default_delay=0, timeout=0.1, retries=1, backoff=0.01)
    try:
        with (
            Fetcher(policy, sleep=clock.sleep, clock=clock.monotonic) as f,
            pytest.raises(
                FetchError,
                match=r"timed out after 0.1 s \(ReadTimeout\) \(gave up after 2 attempts\)",
            ),
        ):
            f.get(replay.url("/slow"))
    finally:
        released.set()
    assert clock.sleeps == [0.01] and len(replay.requests) == 2


def test_oai_harvest_follows_tokens_restarts_on_bad_token_and_moves_cursor(
    replay: Replay, fetcher: Fetcher, store: Store
) -> None:
    first = data("arxiv_oai/ListRecordsResponse.xml")
    last = data("arxiv_oai/hep-th.xml")
    bad = data("arxiv_oai/ErrorResponseBadResumptionToken.xml")
    tokens = iter([bad, last])  # the first resumption fails once, then works

    def oai(q: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return ok(first if "resumptionToken" not in q else next(tokens))

    replay.routes["/oai2"] = oai
    request = FetchRequest(
        since="2014-10-01", metadata_format="arXivRaw", base_url=replay.url("/oai2")
    )
    result = ingest_fetch(store, "arxiv-oai", fetcher, request)
    verbs = [(r.query.get("from"), r.query.get("resumptionToken")) for r in replay.requests]
    assert verbs == [
        ("2014-10-01", None),
        (None, "726959|1001"),
        ("2014-10-01", None),  # restarted cleanly from the beginning
        (None, "726959|1001"),
    ]
    assert store.count() == 9 and result.items == 15
    assert store.cursor("arxiv-oai") == "2017-12-14"


def test_oai_no_records_match_is_nothing_new(
    replay: Replay, fetcher: Fetcher, store: Store
) -> None:
    replay.routes["/oai2"] = lambda q: ok(data("arxiv_oai/ErrorResponseNoRecordsMatch.xml"))
    store.set_cursor("arxiv-oai", "2026-01-01")
    result = ingest_fetch(store, "arxiv-oai", fetcher, FetchRequest(base_url=replay.url("/oai2")))
    assert result.items == 0 and result.changed == 0
    assert replay.requests[0].query["from"] == "2026-01-01"  # resumed from the stored cursor
    assert store.cursor("arxiv-oai") == "2026-01-01"


def test_past_days_are_not_asked_of_the_rss_listing(fetcher: Fetcher, store: Store) -> None:
    with pytest.raises(UsageError, match="serves only the current listing"):
        ingest_fetch(store, "arxiv", fetcher, FetchRequest(day=dt.date(2020, 1, 1)))


def test_retry_after_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert arxiv_oai.FORMATS == ("arXiv", "arXivRaw")


@contextlib.contextmanager
def raw_server(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A second loopback server (another port is another origin) whose ``answer`` writes the
    whole response itself: a drip, a redirect elsewhere."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                answer(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_loop_is_a_fetch_error_after_a_few_polite_hops(
    replay: Replay, timed: Fetcher
) -> None:
    replay.routes["/loop"] = lambda q: (302, {"Location": "/loop"}, b"")
    with pytest.raises(FetchError, match=r"more than 5 redirects"):
        timed.get(replay.url("/loop"))
    assert len(replay.requests) == 6  # the first request and five hops, not httpx's 21
    # Each hop waits its host's turn like any other call (it used to be 21 requests in 0.3 s).
    clock = FakeClock()
    policy = FetchPolicy(default_delay=0.3, retries=0)
    with (
        Fetcher(policy, sleep=clock.sleep, clock=clock.monotonic) as polite,
        pytest.raises(FetchError, match=r"more than 5 redirects"),
    ):
        polite.get(replay.url("/loop"))
    assert clock.sleeps == pytest.approx([0.3] * 5)


def test_a_bad_content_encoding_is_a_fetch_error(replay: Replay, timed: Fetcher) -> None:
    replay.routes["/bad"] = lambda q: (200, {"Content-Encoding": "gzip"}, b"not gzip at all")
    with pytest.raises(FetchError, match="DecodingError"):
        timed.get(replay.url("/bad"))
    good = gzip.compress(b"[]")
    replay.routes["/good"] = lambda q: (200, {"Content-Encoding": "gzip"}, good)
    assert timed.get(replay.url("/good")) == b"[]"


def test_api_keys_do_not_follow_a_redirect_to_another_origin(
    replay: Replay, timed: Fetcher
) -> None:
    seen: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def elsewhere(handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        seen.append((parts.path, query, {k.lower(): v for k, v in handler.headers.items()}))
        body = b'{"meta": {"next_cursor": null}, "results": []}'
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with raw_server(elsewhere) as other:
        # A path-preserving move, the usual kind: the query (and its key) goes along.
        def moved(q: dict[str, str]) -> Response:
            query = "&".join(f"{k}={v}" for k, v in q.items())
            return 301, {"Location": f"{other}/works?{query}"}, b""

        replay.routes["/works"] = moved
        replay.routes["/same"] = lambda q: (302, {"Location": "/works-here"}, b"")
        replay.routes["/works-here"] = lambda q: ok(b"{}")
        request = FetchRequest(
            filter="topics.id:T1", api_key="oa-secret", base_url=replay.url("/works")
        )
        (page,) = openalex.fetch(timed, request)
        assert page.items == ()
        timed.get(replay.url("/works"), {"page": 2}, headers={"x-api-key": "s2-secret"})
        # The same origin keeps them: the key is the origin's own.
        timed.get(replay.url("/same"), {"api_key": "k"}, headers={"x-api-key": "s2-secret"})
    assert replay.requests[0].query["api_key"] == "oa-secret"
    assert [path for path, _, _ in seen] == ["/works", "/works"]
    for _, query, headers in seen:
        assert "api_key" not in query and "x-api-key" not in headers
        assert "oa-secret" not in str(query) and "s2-secret" not in str(headers)
    assert seen[0][1]["filter"].startswith("from_publication_date:")  # the rest went along
    assert seen[1][1] == {"page": "2"}
    same = [r for r in replay.requests if r.path == "/works-here"]
    assert same[0].headers["x-api-key"] == "s2-secret"


def test_a_dripping_server_is_cut_off_at_the_deadline() -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "40")
        handler.end_headers()
        for _ in range(40):  # a byte every 0.1 s: each read is quick, the whole is not
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.1)

    policy = FetchPolicy(default_delay=0, timeout=2, retries=2, backoff=0.01, deadline=0.5)
    with raw_server(drip) as base, Fetcher(policy) as f:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no complete answer within 0.5 s"):
            f.get(base + "/slow")
        assert time.monotonic() - started < 1.5  # not retried, and not the 4 s of the drip

    def stall(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "40")
        handler.end_headers()
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(3)  # then nothing: the read that waits is cut at the deadline, not at 2 s

    with raw_server(stall) as base, Fetcher(policy) as f:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no complete answer within 0.5 s"):
            f.get(base + "/stalled")
        assert time.monotonic() - started < 1.5


def test_a_host_name_that_does_not_resolve_fails_at_once(timed: Fetcher, clock: FakeClock) -> None:
    with pytest.raises(FetchError, match=r"cannot resolve the host name 'papers\.invalid'"):
        timed.get("http://papers.invalid/works")
    assert clock.sleeps == []  # no backoff: a name that does not resolve is not retried
