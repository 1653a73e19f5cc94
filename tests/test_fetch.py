"""The fetch path against a real local HTTP server replaying recorded responses."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from conftest import Replay, data
from paperradar.errors import FetchError, SourceError, UsageError
from paperradar.http import Fetcher, FetchPolicy, parse_retry_after
from paperradar.ingest import ingest_fetch
from paperradar.sources import FetchRequest, arxiv_api, arxiv_oai, arxiv_rss, hf_daily
from paperradar.store import Store


def ok(body: bytes, content_type: str = "application/xml") -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": content_type}, body


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
    replay.routes["/api/query"] = lambda q: ok(data(f"arxiv_api/q_testing_s{q['start']}_m10.xml"))
    policy = FetchPolicy(default_delay=0.3, backoff=0.05, timeout=2)
    with Fetcher(policy) as polite:
        request = FetchRequest(
            query="testing", max_results=30, page_size=10, base_url=replay.url("/api/query")
        )
        assert len(list(arxiv_api.fetch(polite, request))) == 3
    times = [r.at for r in replay.requests]
    assert all(b - a >= 0.28 for a, b in itertools.pairwise(times))
    assert FetchPolicy().host_delays["export.arxiv.org"] >= 3.0


def test_429_with_retry_after_then_success(replay: Replay, fetcher: Fetcher) -> None:
    answers = iter(
        [
            (429, {"Retry-After": "1"}, b"slow down"),
            ok(data("hf_daily/daily_papers_2026-07-27.json")),
        ]
    )
    replay.routes["/api/daily_papers"] = lambda q: next(answers)
    request = FetchRequest(day=dt.date(2026, 7, 27), base_url=replay.url("/api/daily_papers"))
    (page,) = hf_daily.fetch(fetcher, request)
    assert page.items is not None and len(page.items) == 30
    assert all(i.observed_on == "2026-07-27" for i in page.items)
    first, second = replay.requests
    assert second.at - first.at >= 0.95  # waited the Retry-After, not the 0.05 s backoff
    assert first.query == {"date": "2026-07-27", "limit": "100"}


def test_503_then_success_and_persistent_failure(replay: Replay, fetcher: Fetcher) -> None:
    answers = iter([(503, {}, b"busy"), (503, {}, b"busy"), ok(data("arxiv_rss/arxiv_cs_ai.xml"))])
    replay.routes["/rss/cs.AI"] = lambda q: next(answers)
    (page,) = arxiv_rss.fetch(
        fetcher, FetchRequest(categories=("cs.AI",), base_url=replay.url("/rss"))
    )
    assert len(list(arxiv_rss.parse(page.data, page.origin))) == 3
    replay.routes["/rss/cs.CL"] = lambda q: (503, {}, b"down")
    with pytest.raises(FetchError, match=r"HTTP 503 \(gave up after 4 attempts\)"):
        list(
            arxiv_rss.fetch(
                fetcher, FetchRequest(categories=("cs.CL",), base_url=replay.url("/rss"))
            )
        )
    replay.routes["/rss/cs.LG"] = lambda q: (404, {}, b"no such category")
    before = len(replay.requests)
    with pytest.raises(FetchError, match="HTTP 404"):
        list(
            arxiv_rss.fetch(
                fetcher, FetchRequest(categories=("cs.LG",), base_url=replay.url("/rss"))
            )
        )
    assert len(replay.requests) == before + 1  # a 404 is not retried


def test_oversized_body_is_refused(replay: Replay) -> None:
    big = b"<rss>" + b" " * (50 * 1024 * 1024) + b"</rss>"
    replay.routes["/rss/cs.AI"] = lambda q: ok(big)
    with (
        Fetcher(FetchPolicy(default_delay=0, retries=0)) as small,
        pytest.raises(FetchError, match="larger than 25 MB"),
    ):
        small.get(replay.url("/rss/cs.AI"))


def test_timeout_is_retried_then_reported(replay: Replay) -> None:
    import time

    def slow(q: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.6)
        return ok(b"<rss/>")

    replay.routes["/slow"] = slow
    with (
        Fetcher(FetchPolicy(default_delay=0, timeout=0.2, retries=1, backoff=0.01)) as f,
        pytest.raises(FetchError, match="timed out"),
    ):
        f.get(replay.url("/slow"))


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
