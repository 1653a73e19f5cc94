"""Categories for papers only HF Daily Papers reported, looked up in the arXiv API by id after
``radar run`` and ``radar ingest``: a reader's category mute then hides them. The HF listing and
the arXiv API answer from the local replay server with recorded responses (the two HF papers of
2026-07-09 that the recorded 2026-07-13 API query also holds); the lookup failing (HTTP 500s, a
dropped connection) is a line of the run health and the briefing is written all the same."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from conftest import Replay, Response, data
from paperradar import config as configuration
from paperradar.http import Fetcher
from paperradar.ingest.categories import LOOKUP, fill_categories
from paperradar.models import Item
from paperradar.pipeline.daily import run_day
from paperradar.rank import rank_day
from paperradar.rank.stage import ranked
from paperradar.sources.common import iso_date
from paperradar.store import Store
from test_cli import radar

DAY = "2026-07-09"
CV_PAPER = "2607.09657"  # Scalable Visual Pretraining…: cs.CV primary, 34 upvotes on HF
CL_PAPER = "2607.09424"  # A Sovereign, Open-Source Foundation Model…: cs.CL primary
ATOM = "{http://www.w3.org/2005/Atom}"
SEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ElementTree.register_namespace("", ATOM[1:-1])
ElementTree.register_namespace("opensearch", "http://a9.com/-/spec/opensearch/1.1/")
ElementTree.register_namespace("arxiv", "http://arxiv.org/schemas/atom")


def hf_listing(ids: tuple[str, ...] | None = None) -> bytes:
    """HF's answer for 2026-07-09: that day's entries of the recorded July dump (or only
    ``ids``); none of them carries categories."""
    entries = json.loads(data("hf_daily/daily_papers_2026-07.json"))
    day = [e for e in entries if iso_date(e["publishedAt"]) == DAY]
    return json.dumps([e for e in day if ids is None or e["paper"]["id"] in ids]).encode()


def arxiv_lookup(query: dict[str, str]) -> Response:
    """The arXiv API answering an ``id_list`` lookup from the recorded 2026-07-13 query
    response: its entries for the ids asked (the others are not in the recording)."""
    root = ElementTree.fromstring(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml"))
    asked = set(query["id_list"].split(","))
    for entry in root.findall(f"{ATOM}entry"):
        entry_id = (entry.findtext(f"{ATOM}id") or "").rsplit("/", 1)[-1].split("v")[0]
        if entry_id not in asked:
            root.remove(entry)
    total = root.find(f"{SEARCH}totalResults")
    assert total is not None
    total.text = str(len(root.findall(f"{ATOM}entry")))  # as arXiv counts an id lookup
    return 200, {}, ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def write_config(home: Path, replay: Replay, *, arxiv: bool = False) -> None:
    listing = f'arxiv = {{ categories = ["cs.AI"], base_url = "{replay.url("/rss/")}" }}\n'
    (home / "radar.toml").write_text(
        f'[fetch]\narxiv_api = "{replay.url("/arxiv/query")}"\n\n[sources]\n'
        + (listing if arxiv else f'hf-daily = {{ base_url = "{replay.url("/api/daily")}" }}\n')
        + '\n[deliver]\ndir = "out"\n'
    )


def lookups(replay: Replay) -> list[dict[str, str]]:
    return [r.query for r in replay.requests if r.path == "/arxiv/query"]


def test_a_run_fills_hf_papers_categories_and_a_category_mute_then_hides_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: Replay
) -> None:
    hf = hf_listing()
    replay.routes["/api/daily"] = lambda q: (200, {}, hf)
    replay.routes["/arxiv/query"] = arxiv_lookup
    write_config(tmp_path, replay)
    home = str(tmp_path)
    assert radar(capsys, "mute", "category", "cs.CV", "--home", home)[0] == 0

    code, _, err = radar(capsys, "run", "--date", DAY, "--home", home)
    assert code == 0, err
    assert f"{LOOKUP}: ok, 2 of 7 filled" in err
    (asked,) = lookups(replay)  # the day's seven ids, in one request
    assert len(asked["id_list"].split(",")) == 7 and asked["max_results"] == "7"
    assert {CV_PAPER, CL_PAPER} <= set(asked["id_list"].split(","))
    text = (tmp_path / "out" / f"{DAY}.md").read_text()
    assert f"{LOOKUP}: OK, 2 items — 2 of 7 filled" in text

    with Store.open(tmp_path) as store:
        cv = store.get(CV_PAPER)
        assert cv.categories == ("cs.CV", "cs.AI", "cs.MM") and cv.primary_category == "cs.CV"
        assert store.get(CL_PAPER).primary_category == "cs.CL"
        # Only the categories came: HF's record, observation and upvotes are as HF gave them.
        entry = next(e for e in json.loads(hf) if e["paper"]["id"] == CV_PAPER)
        assert cv.title == " ".join(entry["paper"]["title"].split())
        assert cv.authors[0] == entry["paper"]["authors"][0]["name"].strip()
        assert cv.version is None and cv.published == entry["paper"]["publishedAt"][:10]
        assert [(o.source, o.observed_on) for o in cv.observations] == [("hf-daily", DAY)]
        assert cv.source_data("hf-daily")["upvotes"] == 34
        assert store.day_size(DAY) == 7 and len(store.papers(day=DAY)) == 7
        # The mute hides the cs.CV paper now that its categories are known; the others stay.
        ranking = [r.paper.arxiv_id for r in rank_day(store, DAY).ranked]
        assert CV_PAPER not in ranking and CL_PAPER in ranking and len(ranking) == 6
        assert store.uncategorised(day=DAY) != []  # five the recording does not hold


def _dropped(query: dict[str, str]) -> Response:
    raise ConnectionResetError("the test drops the connection")


FAULTS = {
    "HTTP 500s": lambda q: (500, {}, b"<html>Internal Server Error</html>"),
    "a dropped connection": _dropped,
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_lookup_is_in_the_health_and_the_next_run_fills_and_hides(
    tmp_path: Path, replay: Replay, fetcher: Fetcher, fault: str
) -> None:
    hf = hf_listing()
    replay.routes["/api/daily"] = lambda q: (200, {}, hf)
    replay.routes["/arxiv/query"] = FAULTS[fault]
    write_config(tmp_path, replay)
    config = configuration.load(tmp_path)
    day = dt.date.fromisoformat(DAY)
    with Store.open(tmp_path) as store:
        store.add_profile("mute-category", "cs.CV")
        report = run_day(store, config, day, fetcher)
        assert report.categories is not None and report.categories.status == "failed"
        assert report.sources[0].status == "ok" and not report.failed  # not the run's failure
        assert report.briefing is not None and store.briefing(DAY) is not None  # written
        (line,) = [h for h in report.briefing.health if h.source == LOOKUP]
        assert line.status == "failed" and "gave up after" in line.detail
        assert len(lookups(replay)) > 1  # retried by the fetcher before it gave up
        # Unknown categories: the mute cannot apply, so the stored ranking holds the paper.
        assert CV_PAPER in [r.paper.arxiv_id for r in ranked(store, DAY).ranked]
        (run,) = [r for r in store.runs() if r.command == f"ingest {LOOKUP}"]
        assert run.status == "failed" and run.errors == {LOOKUP: line.detail}  # like a source

        # The next run the same day reuses HF, asks the lookup again, and this time it answers.
        replay.routes["/arxiv/query"] = arxiv_lookup
        again = run_day(store, config, day, fetcher)
        assert again.sources[0].status == "reused"
        assert again.categories is not None and again.categories.status == "ok"
        assert again.briefing is not None
        (line,) = [h for h in again.briefing.health if h.source == LOOKUP]
        assert (line.status, line.items, line.detail) == ("ok", 2, "2 of 7 filled")
        # The ranking stored by the first run is not kept: the paper is hidden now.
        assert CV_PAPER not in [r.paper.arxiv_id for r in ranked(store, DAY).ranked]
        briefed = [p.paper_id for p in (*again.briefing.featured, *again.briefing.noted)]
        assert briefed and CV_PAPER not in briefed


def test_nothing_is_looked_up_when_every_paper_has_its_categories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: Replay
) -> None:
    home = str(tmp_path)
    # An arXiv listing: every paper comes with its categories, so the API is never asked.
    replay.routes["/rss/cs.AI"] = lambda q: (200, {}, data("arxiv_rss/arxiv_cs_ai.xml"))
    replay.routes["/arxiv/query"] = arxiv_lookup
    write_config(tmp_path, replay, arxiv=True)
    code, out, err = radar(capsys, "run", "--date", "2026-04-27", "--json", "--home", home)
    assert code == 0, err
    assert json.loads(out)["categories"] is None and not lookups(replay)
    assert LOOKUP not in (tmp_path / "out" / "2026-04-27.md").read_text()

    # Two HF papers filled by the first run; refetched, they have nothing left to look up.
    hf = hf_listing((CV_PAPER, CL_PAPER))
    replay.routes["/api/daily"] = lambda q: (200, {}, hf)
    write_config(tmp_path, replay)
    code, out, err = radar(capsys, "run", "--date", DAY, "--json", "--home", home)
    assert code == 0 and json.loads(out)["categories"]["detail"] == "2 of 2 filled"
    code, out, err = radar(capsys, "run", "--date", DAY, "--force", "--json", "--home", home)
    assert json.loads(out)["categories"] is None and len(lookups(replay)) == 1
    assert LOOKUP not in (tmp_path / "out" / f"{DAY}.md").read_text()


def _hf_only(store: Store, count: int) -> None:
    store.upsert(
        Item(
            source="hf-daily",
            title=f"Paper {i} on routing",
            arxiv_id=f"2607.{i:05d}",
            observed_on=DAY,
            extra={"upvotes": i},
        )
        for i in range(1, count + 1)
    )


@pytest.mark.parametrize(
    ("papers", "requests", "more"),
    [(250, [100, 100, 50], False), (450, [100, 100, 100], True)],
)
def test_the_lookup_asks_100_ids_a_request_and_at_most_300_a_day(
    store: Store, replay: Replay, fetcher: Fetcher, papers: int, requests: list[int], more: bool
) -> None:
    empty = data("arxiv_api/id_0000.0000_s0_m100.xml")  # arXiv's answer for ids it lacks
    replay.routes["/arxiv/query"] = lambda q: (200, {}, empty)
    _hf_only(store, papers)
    filled = fill_categories(store, fetcher, DAY, base_url=replay.url("/arxiv/query"))
    assert filled is not None and (filled.asked, filled.filled) == (min(papers, 300), 0)
    asked = lookups(replay)
    assert [len(q["id_list"].split(",")) for q in asked] == requests
    assert [int(q["max_results"]) for q in asked] == requests
    assert asked[0]["id_list"].startswith(f"2607.{papers:05d},")  # the most upvoted first
    assert filled is not None and filled.status == "ok" and ("next run" in filled.detail) == more


def test_ingest_looks_categories_up_live_and_says_how_after_a_saved_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: Replay
) -> None:
    hf = hf_listing()
    replay.routes["/api/daily"] = lambda q: (200, {}, hf)
    replay.routes["/arxiv/query"] = arxiv_lookup
    write_config(tmp_path, replay)
    home = str(tmp_path)
    args = ("ingest", "hf-daily", "--date", DAY, "--base-url", replay.url("/api/daily"))
    code, out, err = radar(capsys, *args, "--json", "--home", home)
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    assert report["inserted"] == 7 and report["categories"]["filled"] == 2
    with Store.open(tmp_path) as store:
        assert store.get(CV_PAPER).primary_category == "cs.CV"
    code, out, err = radar(capsys, *args, "--no-categories", "--home", home)
    assert f"{LOOKUP}" not in err and len(lookups(replay)) == 1

    saved = tmp_path / "hf.json"
    saved.write_bytes(hf)
    other = str(tmp_path / "other")
    code, out, err = radar(capsys, "ingest", "hf-daily", "--from", str(saved), "--home", other)
    assert code == 0 and len(lookups(replay)) == 1  # a saved file is read offline
    assert "7 hf-daily papers have no arXiv categories yet" in " ".join(err.split())
