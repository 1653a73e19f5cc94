"""Shared test helpers: recorded data, a fresh store, the sample reader's ranked store for the
web tests, and a real local HTTP server that replays recorded responses and injects faults."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest

from paperradar.http import Fetcher, FetchPolicy
from paperradar.models import Item
from paperradar.pipeline.demo import SAMPLE_TOPICS, import_sample
from paperradar.rank.stage import ranked
from paperradar.store import DB_NAME, Store

DATA = Path(__file__).parent / "data"
DAY = "2026-03-27"  # the sample's latest listing day
HOSTILE = "<img src=x onerror=alert(1)>"

Response = tuple[int, dict[str, str], bytes]
Route = Callable[[dict[str, str]], Response]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float
    body: bytes = b""
    method: str = "GET"


@dataclass
class Replay:
    """A running local server: ``routes`` maps a path to a function of the query string that
    gives (status, headers, body); a Content-Length header is added unless the route names one
    (the empty string: none at all)."""

    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def replay() -> Iterator[Replay]:
    state = Replay(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.do_GET(self.rfile.read(length), "POST")

        def do_GET(self, body: bytes = b"", method: str = "GET") -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            state.requests.append(
                Request(parts.path, query, dict(self.headers), time.monotonic(), body, method)
            )
            route = state.routes.get(parts.path)
            if route is None:
                status, headers, body = 404, {}, b"not found"
            else:
                status, headers, body = route(query)
            self.send_response(status)
            for name, value in headers.items():
                if value:
                    self.send_header(name, value)
            # A route's "Content-Length": "" sends none: the body ends where the server closes
            # the connection (HTTP/1.0), so a body cut short looks complete to the client.
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may hang up first (a size cap or a timeout under test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # quick stop
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled real sample (5 days of arXiv + HF), imported once per test module."""
    home = tmp_path_factory.mktemp("sample")
    with Store.open(home) as store:
        import_sample(store)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return home


def add_hostile(store: Store, day: str = DAY) -> None:
    """A paper whose text tries to be markup: it must print as text everywhere."""
    store.upsert(
        [
            Item(
                source="arxiv-rss",
                title=HOSTILE,
                abstract="We show <script>alert('x')</script> & $a<b$ that R&D matters "
                "for speculative decoding with \\textbf{bold} claims.",
                authors=("Mallory <b>Bold</b>",),
                arxiv_id="2603.99999",
                categories=("cs.CL",),
                primary_category="cs.CL",
                announced=day,
                observed_on=day,
            )
        ]
    )


@pytest.fixture(scope="module")
def reader_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with the demo reader's topics and the hostile paper, its latest day ranked
    and stored once per module (as `radar run` leaves a store): a web test's first view reads
    the stored ranking instead of ranking the day again."""
    home = tmp_path_factory.mktemp("reader")
    shutil.copy(sample_db / DB_NAME, home / DB_NAME)
    with Store.open(home) as store:
        for topic in SAMPLE_TOPICS:
            store.add_profile("topic", topic)
        add_hostile(store)
        ranked(store, DAY)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return home


@pytest.fixture
def sample(sample_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the imported sample, so each test edits its own profile."""
    shutil.copy(sample_db / DB_NAME, tmp_path / DB_NAME)
    with Store.open(tmp_path) as store:
        yield store


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """A fetcher with no politeness delay and quick retries, for the local server."""
    with Fetcher(FetchPolicy(default_delay=0, backoff=0.05, timeout=2, retries=3)) as f:
        yield f


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "home") as s:
        yield s


def data(relative: str) -> bytes:
    return (DATA / relative).read_bytes()


def rss_item(
    arxiv_id: str,
    version: int,
    title: str,
    abstract: str,
    authors: list[str],
    categories: list[str],
    announce: str = "new",
    day: str = "Mon, 27 Apr 2026 00:00:00 -0400",
) -> str:
    """One item in rss.arxiv.org's RSS 2.0 shape (as in the recorded feeds)."""
    cats = "".join(f"<category>{c}</category>" for c in categories)
    return (
        f"<item><title>{escape(title)}</title><link>https://arxiv.org/abs/{arxiv_id}</link>"
        f"<description>arXiv:{arxiv_id}v{version} Announce Type: {announce} \n"
        f"Abstract: {escape(abstract)}</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v{version}</guid>{cats}'
        f"<pubDate>{day}</pubDate><arxiv:announce_type>{announce}</arxiv:announce_type>"
        f"<dc:creator>{escape(', '.join(authors))}</dc:creator></item>"
    )


def rss_document(items: list[str], day: str = "Mon, 27 Apr 2026 00:00:00 -0400") -> bytes:
    return (
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        f"<title>cs.AI updates on arXiv.org</title><pubDate>{day}</pubDate>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()
