"""Links that are not http(s): never stored from a source, never an href anywhere they show.

A source (or a hand-edited row) may carry ``javascript:``, ``data:``, ``vbscript:`` or a
protocol-relative address as a paper's link. The page's CSP would block some of them, but the
Atom feeds, the HTML briefing and the email have no such net, so the link must not exist.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import DAY
from paperradar import brief
from paperradar.brief.model import Briefing, PostLine
from paperradar.deliver import atom
from paperradar.models import Item, web_url
from paperradar.store import DB_NAME, Store
from paperradar.web import create_app

BAD = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "https:evil.example",
    "https:\\\\evil.example",
    "ftp://example.org/paper.pdf",
]
HOSTILE_ID = "2603.99999"  # the conftest paper whose text tries to be markup
FIELDS = ("abs_url", "pdf_url", "code_url", "project_url")


@pytest.mark.parametrize("url", BAD)
def test_an_item_keeps_no_link_that_is_not_http(url: str) -> None:
    item = Item(source="x", title="t", abs_url=url, pdf_url=url, code_url=url, project_url=url)
    assert [getattr(item, name) for name in FIELDS] == [None] * 4
    assert web_url(url) is None


def test_http_links_are_kept() -> None:
    item = Item(
        source="x",
        title="t",
        abs_url="https://example.org/abs?x=(1)",
        code_url=" http://github.com/a/b ",
    )
    assert item.abs_url == "https://example.org/abs?x=(1)"
    assert item.code_url == "http://github.com/a/b"


def _bad_hrefs(text: str) -> list[str]:
    """Every link (an anchor, an Atom link, a Markdown link target) that is not an http(s) URL or
    a path on this site. (The page's own favicon is a data: URL in a <link rel="icon">.)"""
    targets = [
        *re.findall(r'<a\b[^>]*\bhref="([^"]*)"', text),
        *re.findall(r'<link href="([^"]*)"', text),
        *re.findall(r"\]\(([^)]*)\)", text),
    ]
    return [
        t for t in targets if not (t.startswith(("https://", "http://")) or re.match(r"/(?!/)", t))
    ] + [t for t in targets if re.search(r"javascript|vbscript|data:|evil", t, re.I)]


@pytest.fixture
def poisoned(reader_db: Path, tmp_path: Path) -> Path:
    """The reader's store with the hostile paper's links and a stored briefing's links set, raw,
    to what a careless source could have written before the check existed."""
    shutil.copy(reader_db / DB_NAME, tmp_path / DB_NAME)
    with Store.open(tmp_path) as store:
        for name, url in zip(FIELDS, BAD, strict=False):
            store._db.execute(f"UPDATE papers SET {name} = ? WHERE arxiv_id = ?", (url, HOSTILE_ID))
        b = brief.build(store, DAY)
        store.save_briefing(DAY, "en", b.composer, b.title, _poison(b).to_json())
    return tmp_path


def _poison(b: Briefing) -> Briefing:
    featured = replace(b.featured[0], source=replace(b.featured[0].source, links=dict.fromkeys(
        ("abs", "pdf", "code", "project"), "javascript:alert(1)"
    )))  # fmt: skip
    noted = replace(b.noted[0], link="data:text/html,<script>alert(1)</script>")
    post = PostLine("a", "A", "hello", "vbscript:msgbox(1)", None, "bluesky")
    return replace(
        b, featured=(featured, *b.featured[1:]), noted=(noted, *b.noted[1:]), people=(post,)
    )


def test_a_stored_bad_link_is_never_an_href(poisoned: Path) -> None:
    html = {"Accept": "text/html"}
    with TestClient(create_app(poisoned), base_url="http://127.0.0.1") as c:
        shown = {
            "today": c.get("/", params={"day": DAY, "q": "speculative decoding"}, headers=html),
            "paper": c.get(f"/paper/{HOSTILE_ID}", headers=html),
            "search": c.get("/search", params={"q": "R&D matters"}, headers=html),
            "briefing": c.get("/briefing", params={"day": DAY}, headers=html),
            "briefings.atom": c.get("/feed/briefings.atom"),
            "papers.atom": c.get("/feed/papers.atom"),
        }
        api = c.get(f"/api/papers/{HOSTILE_ID}").json()["paper"]["links"]
    for name, response in shown.items():
        assert response.status_code == 200, name
        assert HOSTILE_ID in response.text or name.endswith("atom") or name == "briefing", name
        assert _bad_hrefs(response.text) == [], name
    assert api["abs"] == f"https://arxiv.org/abs/{HOSTILE_ID}"  # the arXiv address stands in
    assert api["code"] is None and api["project"] is None
    with Store.open(poisoned) as store:
        stored = store.briefing(DAY)
        assert stored is not None
        b = Briefing.from_json(stored.body)
        for fmt in ("md", "html"):
            assert _bad_hrefs(brief.render(b, fmt)) == [], fmt
        for build in (atom.briefings_atom, atom.papers_atom):
            feed = build(store, "http://127.0.0.1:8000").decode()
            assert _bad_hrefs(feed.replace("&quot;", '"')) == []


def test_a_markdown_link_target_cannot_end_early() -> None:
    """An http(s) URL holding ``)`` must not close the link and open a javascript: one."""
    sneaky = "https://example.org/) [abstract](javascript:alert(1)"
    assert web_url(sneaky) is None  # the space alone rules it out
    tricky = "https://example.org/a)[x](javascript:alert(1)"
    b = _briefing_with_link(tricky)
    md = brief.render(b, "md")
    assert "](javascript:" not in md
    assert re.search(r"\]\(https://example\.org/a%29", md)


def _briefing_with_link(url: str) -> Briefing:
    from paperradar.brief.model import Noted

    noted = Noted("p1", "P", "method", "Title", "line", url, "why")
    return Briefing(DAY, "en", "T", (), (), (noted,), "", (), ())
