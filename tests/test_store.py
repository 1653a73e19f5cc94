"""The store: idempotent upserts, version replacement, one record per paper across sources."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import data, rss_document, rss_item
from paperradar.errors import NotFoundError, ParseError
from paperradar.ingest import ingest_file
from paperradar.models import Item
from paperradar.sources import arxiv_api, arxiv_oai, arxiv_rss, hf_daily
from paperradar.store import PaperOrder, Store
from paperradar.store.sql import CHUNK, KEYS, rows_in


def table_dump(store: Store) -> list[tuple[object, ...]]:
    db = sqlite3.connect(store.path)
    try:
        return (
            db.execute("SELECT * FROM papers ORDER BY pk").fetchall()
            + db.execute("SELECT * FROM observations ORDER BY pk, source, observed_on").fetchall()
        )
    finally:
        db.close()


def test_same_response_twice_changes_nothing(store: Store) -> None:
    items = list(arxiv_api.parse(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml")))
    first = store.upsert(items)
    snapshot = table_dump(store)
    second = store.upsert(items)
    assert first.inserted == 50
    assert (second.inserted, second.updated, second.unchanged, second.observations) == (0, 0, 50, 0)
    assert table_dump(store) == snapshot


def test_replace_announcement_updates_the_paper(store: Store) -> None:
    (v1,) = [i for i in arxiv_rss.parse(data("arxiv_rss/arxiv_cs_ai.xml")) if i.version == 1][:1]
    store.upsert([v1])
    v2_feed = rss_document(
        [
            rss_item(
                v1.arxiv_id or "",
                2,
                v1.title + " (revised)",
                "A revised abstract.",
                list(v1.authors),
                list(v1.categories),
                announce="replace",
                day="Tue, 05 May 2026 00:00:00 -0400",
            )
        ],
        day="Tue, 05 May 2026 00:00:00 -0400",
    )
    stats = store.upsert(arxiv_rss.parse(v2_feed, "v2"))
    assert (stats.inserted, stats.updated) == (0, 1)
    assert store.count() == 1
    paper = store.get(f"{v1.arxiv_id}v2")
    assert paper.version == 2 and paper.title.endswith("(revised)")
    assert paper.abstract == "A revised abstract."
    assert paper.announced == "2026-04-27"  # first announcement stays
    assert paper.updated == "2026-05-05"
    assert [o.data["announce_type"] for o in paper.observations] == ["new", "replace"]
    # An older version arriving late does not roll the paper back.
    store.upsert([v1])
    assert store.get(v1.arxiv_id or "").title.endswith("(revised)")
    assert store.search("revised")[0][0].pk == paper.pk


def test_feed_api_and_hf_reports_become_one_paper(store: Store) -> None:
    api = {
        i.arxiv_id: i for i in arxiv_api.parse(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml"))
    }
    hf = [
        i for i in hf_daily.parse(data("hf_daily/daily_papers_2026-07.json")) if i.arxiv_id in api
    ]
    assert {i.arxiv_id for i in hf} == {"2607.09657", "2607.09424"}
    paper = api["2607.09657"]
    feed = rss_document(
        [
            rss_item(
                "2607.09657",
                1,
                paper.title,
                paper.abstract,
                list(paper.authors),
                list(paper.categories),
                day="Mon, 13 Jul 2026 00:00:00 -0400",
            )
        ],
        day="Mon, 13 Jul 2026 00:00:00 -0400",
    )
    store.upsert(hf)  # the order must not matter: HF first, arXiv after
    store.upsert(arxiv_rss.parse(feed, "feed"))
    store.upsert(api.values())
    assert store.count() == 50
    joined = store.get("https://arxiv.org/abs/2607.09657v1")
    assert {o.source for o in joined.observations} == {"arxiv", "arxiv-api", "hf-daily"}
    assert joined.title == paper.title and joined.version == 1
    assert joined.announced == "2026-07-13"
    assert joined.source_data("hf-daily")["upvotes"] >= 0


def test_doi_and_title_join(store: Store) -> None:
    arxiv = Item(
        source="arxiv",
        title="Irreversible Degradation of Quantum Coherence",
        arxiv_id="1601.03238",
        version=1,
        authors=("Jieci Wang", "Zehua Tian"),
        observed_on="2016-01-14",
    )
    journal = Item(
        source="crossref",
        title="Irreversible degradation of quantum coherence",
        doi="https://doi.org/10.1103/PhysRevD.93.016005",
        authors=("Wang, Jieci",),
        observed_on="2016-02-01",
    )
    journal = replace(journal, doi="10.1103/physrevd.93.016005")
    store.upsert([arxiv])
    store.upsert([journal])  # no arXiv id: joins on title plus first author's surname
    assert store.count() == 1
    assert store.get("doi:10.1103/PhysRevD.93.016005").arxiv_id == "1601.03238"
    other = replace(
        journal, title="A different paper", doi="10.1000/other", observed_on="2016-03-01"
    )
    store.upsert([other])
    assert store.count() == 2


def test_doi_only_paper_is_absorbed_when_arxiv_reveals_its_doi(store: Store) -> None:
    journal = Item(
        source="crossref",
        title="Published title",
        doi="10.1000/xyz",
        authors=("A. Author",),
        observed_on="2026-01-02",
    )
    preprint = Item(
        source="arxiv-api",
        title="Preprint title",
        arxiv_id="2601.00001",
        version=1,
        authors=("B. Other",),
        observed_on="2026-01-01",
    )
    store.upsert([journal])
    store.upsert([preprint])
    assert store.count() == 2
    store.upsert([replace(preprint, doi="10.1000/xyz", version=2, observed_on="2026-01-05")])
    assert store.count() == 1
    paper = store.get("10.1000/xyz")
    assert paper.arxiv_id == "2601.00001"
    assert {o.source for o in paper.observations} == {"crossref", "arxiv-api"}


def test_oai_and_api_agree_on_old_style_ids(store: Store) -> None:
    store.upsert(arxiv_oai.parse(data("arxiv_oai/ListRecordsResponse.xml")))
    assert store.count() == 6
    assert store.get("arXiv:0704.0471").doi == "10.1103/physrevc.76.024606"
    with pytest.raises(NotFoundError):
        store.get("2101.00001")
    with pytest.raises(NotFoundError, match="not a paper id"):
        store.get("nonsense")


def test_search_is_ranked_and_safe(store: Store) -> None:
    store.upsert(arxiv_api.parse(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml")))
    hits = store.search("dream EEG")
    assert hits and hits[0][0].arxiv_id == "2607.09662"
    scores = [s for _, s in hits]
    assert scores == sorted(scores)
    for nasty in ['"unbalanced', "AND OR NOT", "title:x", "-(", "NEAR(a b)", "*"]:
        store.search(nasty)  # never an FTS syntax error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<rss><channel><item><title>truncated", "malformed XML"),
        (b"<rss>\xc3\x28</rss>", "malformed XML"),
        (b"<item><title>&undefined;</title></item></channel></rss>", "undefined entity"),
    ],
)
def test_hostile_file_leaves_nothing_written(
    tmp_path: Path, store: Store, body: bytes, message: str
) -> None:
    good = data("arxiv_rss/arxiv_cs_ai.xml")
    path = tmp_path / "bad.xml"
    # A valid prefix with several items, then the hostile tail: nothing may be stored.
    path.write_bytes(good[: good.rindex(b"</item>") + 7] + body)
    with pytest.raises(ParseError, match=message) as caught:
        ingest_file(store, "arxiv", path)
    assert str(path) in str(caught.value)
    assert store.count() == 0
    assert store.runs()[0].status == "failed"


def test_empty_file_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")
    with pytest.raises(ParseError, match="empty response"):
        ingest_file(store, "arxiv", path)


def test_empty_listing_is_not_an_error(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(rss_document([]))
    result = ingest_file(store, "arxiv", path)
    assert result.items == 0 and store.count() == 0


def test_oversized_file_is_refused(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.write(b"<rss><channel>")
        handle.write(b" " * (50 * 1024 * 1024))
        handle.write(b"</channel></rss>")
    with pytest.raises(ParseError, match="over the 25 MB limit"):
        ingest_file(store, "arxiv", path)
    assert store.count() == 0


def fts_ok(store: Store) -> None:
    db = sqlite3.connect(store.path)
    try:
        db.execute("INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')")
    finally:
        db.close()


def test_bulk_import_keeps_the_search_index_exact(tmp_path: Path, store: Store) -> None:
    from paperradar.ingest import import_file

    store.upsert(arxiv_api.parse(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml")))
    target = store.get("2607.09662")
    lines = [
        # a new version of a paper indexed before the import: old words must leave the index
        json.dumps(
            {
                "id": "2607.09662",
                "title": "Completely renamed zebra study",
                "authors": "A B",
                "abstract": "Nothing about sleep.",
                "categories": "cs.LG",
                "versions": [{"version": "v1"}, {"version": "v2"}],
                "update_date": "2026-07-20",
            }
        ),
        # a paper inserted and revised within the same file
        json.dumps(
            {
                "id": "2701.00001",
                "title": "First giraffe draft",
                "authors": "C D",
                "abstract": "x",
                "categories": "cs.AI",
                "versions": [{"version": "v1"}],
            }
        ),
        json.dumps(
            {
                "id": "2701.00001",
                "title": "Second giraffe draft",
                "authors": "C D",
                "abstract": "x",
                "categories": "cs.AI",
                "versions": [{"version": "v1"}, {"version": "v2"}],
            }
        ),
    ]
    dump = tmp_path / "snap.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    result = import_file(store, dump)
    assert (result.stats.inserted, result.stats.updated) == (1, 2)
    fts_ok(store)
    assert [p.pk for p, _ in store.search("zebra")] == [target.pk]
    assert store.search("dream EEG") == []
    assert [p.title for p, _ in store.search("giraffe")] == ["Second giraffe draft"]
    assert store.search("first giraffe") == []
    # the per-row triggers are back for ordinary upserts
    store.upsert(arxiv_rss.parse(data("arxiv_rss/arxiv_cs_ai.xml")))
    fts_ok(store)
    assert store.search("Math Takes Two")


@pytest.mark.parametrize("worker", [False, True], ids=["in place", "worker process"])
def test_failed_bulk_import_writes_nothing(tmp_path: Path, store: Store, worker: bool) -> None:
    from paperradar.ingest import import_file

    good = json.dumps(
        {
            "id": "2701.00002",
            "title": "Okapi",
            "authors": "E F",
            "abstract": "y",
            "categories": "cs.AI",
            "versions": [{"version": "v1"}],
        }
    )
    dump = tmp_path / "bad.jsonl"
    dump.write_text(good + "\n{not json\n")
    with pytest.raises(ParseError, match=r"bad.jsonl: line 2, column 2: malformed JSON"):
        import_file(store, dump, worker=worker)
    assert store.count() == 0
    fts_ok(store)
    assert store.search("okapi") == []


def test_a_worker_process_imports_exactly_what_reading_in_place_does(tmp_path: Path) -> None:
    from paperradar.ingest import import_file
    from paperradar.pipeline.demo import sample_paths

    dumps = []
    for worker in (False, True):
        with Store.open(tmp_path / str(worker)) as store:
            for path in sample_paths():
                result = import_file(store, path, worker=worker)
                assert result.items > 0
            fts_ok(store)
            dumps.append(table_dump(store))
    assert dumps[0] == dumps[1] and len(dumps[0]) > 1500


def test_a_truncated_gzip_fails_cleanly_in_the_worker(tmp_path: Path, store: Store) -> None:
    from paperradar.ingest import import_file
    from paperradar.pipeline.demo import sample_paths

    whole = next(p for p in sample_paths() if p.name.endswith(".gz")).read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ParseError, match=r"cut.jsonl.gz: line \d+: cannot read"):
        import_file(store, cut, worker=True)
    assert store.count() == 0


def test_bulk_import_leaves_other_triggers_firing(tmp_path: Path, store: Store) -> None:
    from paperradar.ingest import import_file

    db = sqlite3.connect(store.path)
    db.executescript(
        "CREATE TABLE audit (pk INTEGER);"
        "CREATE TRIGGER audit_insert AFTER INSERT ON papers BEGIN "
        "INSERT INTO audit VALUES (new.pk); END;"
    )
    db.close()
    dump = tmp_path / "snap.jsonl"
    dump.write_text(
        json.dumps(
            {
                "id": "2701.00003",
                "title": "Tapir",
                "authors": "G H",
                "abstract": "z",
                "categories": "cs.AI",
                "versions": [{"version": "v1"}],
            }
        )
        + "\n"
    )
    import_file(store, dump)
    db = sqlite3.connect(store.path)
    try:
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == 1
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    finally:
        db.close()
    assert {"audit_insert", "papers_fts_insert", "papers_fts_update"} <= names
    fts_ok(store)


def test_listing_order_is_named_and_most_upvoted_is_the_default(store: Store) -> None:
    store.upsert(
        Item(
            source="arxiv",
            title=f"Paper number {n}",
            arxiv_id=f"2601.0000{n}",
            version=1,
            announced=f"2026-01-0{n}",
            observed_on="2026-01-09",
        )
        for n in (1, 2, 3)
    )
    store.upsert(
        [
            Item(source="hf-daily", title="Paper number 1", arxiv_id="2601.00001",
                 observed_on="2026-01-08", extra={"upvotes": 3}),
            Item(source="hf-daily", title="Paper number 1", arxiv_id="2601.00001",
                 observed_on="2026-01-09", extra={"upvotes": 7}),
            Item(source="hf-daily", title="Paper number 2", arxiv_id="2601.00002",
                 observed_on="2026-01-09", extra={"upvotes": 5}),
        ]
    )  # fmt: skip
    upvoted = ["2601.00001", "2601.00002", "2601.00003"]  # 7 (its best day), 5, none
    assert [p.arxiv_id for p in store.papers()] == upvoted
    assert [p.arxiv_id for p in store.papers(order=PaperOrder.MOST_UPVOTED)] == upvoted
    newest = ["2601.00003", "2601.00002", "2601.00001"]
    assert [p.arxiv_id for p in store.papers(order=PaperOrder.NEWEST)] == newest
    assert [p.arxiv_id for p in store.papers(day="2026-01-08")] == ["2601.00001"]
    assert [p.arxiv_id for p in store.papers(order=PaperOrder.NEWEST, limit=1)] == newest[:1]


def test_many_keys_are_asked_in_chunks_and_keep_the_order_asked(store: Store) -> None:
    n = CHUNK * 2 + 7
    store.upsert(
        Item(source="arxiv", title=f"Chunked paper {i}", arxiv_id=f"2602.{i:05d}", version=1,
             observed_on="2026-02-01")
        for i in range(n)
    )  # fmt: skip
    pks = [p.pk for p in store.iter_papers()][::-1]
    found = store.papers_by_pk([*pks, 999_999])
    assert [p.pk for p in found] == pks
    assert all(len(p.observations) == 1 for p in found)  # observations of every chunk
    assert len(store.paper_refs_by_pk(pks)) == n
    with pytest.raises(ValueError, match="exactly one"):
        list(rows_in(store._db, "SELECT pk FROM papers", pks))
    assert list(rows_in(store._db, f"SELECT pk FROM papers WHERE pk IN {KEYS}", [])) == []


# -- several processes at once -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def radar_process(home: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """``radar ARGS --home HOME`` in a child process running this tree's code."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "paperradar", *args, "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def test_twenty_first_commands_at_once_on_a_new_home_all_succeed(tmp_path: Path) -> None:
    home = tmp_path / "new"
    children = [radar_process(home, "init") for _ in range(20)]
    outcomes = [(child.wait(timeout=120), *child.communicate()) for child in children]
    failed = [(code, err) for code, _, err in outcomes if code != 0 or err]
    assert failed == []
    with Store.open(home) as store:
        assert store.count() == 0
        version = store._db.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(list((ROOT / "paperradar/migrations").glob("*.sql")))


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's long write (an import): a connection holding the write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_writer_waits_for_a_held_write_then_succeeds(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    holder = hold_write_lock(tmp_path / "radar.db")
    child = radar_process(tmp_path, "follow", "keyword", "KV cache")
    time.sleep(4)  # past the store's first busy wait, so the child says it is waiting
    assert child.poll() is None
    holder.execute("COMMIT")
    holder.close()
    code = child.wait(timeout=60)
    out, err = child.communicate()
    assert code == 0 and "Following keyword 'KV cache'" in out
    assert "waiting" in err and "Traceback" not in err


def test_a_writer_that_waits_too_long_fails_with_one_line(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    holder = hold_write_lock(tmp_path / "radar.db")
    try:
        child = radar_process(tmp_path, "follow", "keyword", "KV cache", RADAR_STORE_WAIT="3")
        code = child.wait(timeout=60)
        _, err = child.communicate()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("radar: error:")]
    assert len(errors) == 1 and "busy" in errors[0]


def test_a_store_opened_with_a_short_wait_gives_up_after_it(tmp_path: Path) -> None:
    """The page opens its store with a short wait: a click behind an import gets its error page
    in seconds, not after the ten minutes a command would wait."""
    import time

    from paperradar.errors import StoreError

    Store.open(tmp_path).close()
    holder = hold_write_lock(tmp_path / "radar.db")
    try:
        with Store.open(tmp_path, wait=1.0) as store:
            started = time.monotonic()
            with pytest.raises(StoreError, match="busy"):
                store.set_cursor("probe", "1")
            assert time.monotonic() - started < 8
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_run_whose_process_was_killed_is_marked_interrupted(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom paperradar.store import Store\n"
        "store = Store.open(Path(sys.argv[1]))\nstore.start_run('ingest arxiv')\n"
        "print('started', flush=True)\ntime.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None and child.stdout.readline() == "started\n"
    with Store.open(tmp_path) as store:
        assert [r.status for r in store.runs()] == ["running"]  # its process is still there
    child.kill()
    child.wait()
    listed = radar_process(tmp_path, "runs", "--json")
    out, _ = listed.communicate(timeout=60)
    assert [r["status"] for r in json.loads(out)] == ["interrupted"]
    db = sqlite3.connect(tmp_path / "radar.db")
    try:  # written down by the command that noticed, not only shown
        assert db.execute("SELECT status, finished_at IS NOT NULL FROM runs").fetchall() == [
            ("interrupted", 1)
        ]
    finally:
        db.close()


def test_the_store_survives_kill_9_during_an_import(tmp_path: Path) -> None:
    lines = gzip.decompress((ROOT / "paperradar/data/sample_arxiv.jsonl.gz").read_bytes())
    records = [json.loads(line) for line in lines.splitlines()]
    path = tmp_path / "big.jsonl"
    with path.open("w") as handle:
        for copy in range(20):
            for n, record in enumerate(records):
                record = {**record, "id": f"25{copy + 1:02d}.{n:05d}"}
                record["title"] = f"{record['title']} (copy {copy})"
                handle.write(json.dumps(record) + "\n")
    home = tmp_path / "home"
    with Store.open(home) as store:
        store.upsert(arxiv_api.parse(data("arxiv_api/query_cs.AI_cs.LG_2026-07-13.xml")))
    child = radar_process(home, "import", str(path))
    wal = home / "radar.db-wal"
    deadline = time.monotonic() + 60
    while (not wal.exists() or wal.stat().st_size < 4 << 20) and time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()
        time.sleep(0.05)
    child.kill()  # SIGKILL: no handler, no rollback, mid-transaction
    child.wait()
    db = sqlite3.connect(home / "radar.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.execute("INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')")
        assert db.execute("SELECT count(*) FROM papers").fetchone() == (50,)  # all or nothing
    finally:
        db.close()
    with Store.open(home) as store:
        assert [r.status for r in store.runs()] == ["interrupted"]
        assert len(store.search("agents", limit=100)) > 0
