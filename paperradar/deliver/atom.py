"""Atom feeds: the briefings (one entry a day, the whole HTML briefing as content) and the
reader's top papers (each day's featured and noted papers, newest day first).

Built with ElementTree, so every title and every body is escaped by the serializer, and ids are
stable tag URIs, so a feed reader never shows an entry twice. An entry links to the paper only
through an http(s) URL (``web_url``), else to its page on this server. ``radar feed`` writes them,
``radar run`` refreshes them, and ``radar serve`` serves them at /feed/briefings.atom and
/feed/papers.atom.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from paperradar import brief
from paperradar.brief.model import Briefing
from paperradar.config import Config
from paperradar.models import web_url
from paperradar.store import Store

ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:paper-radar,2026:"
DAYS = 30
# What XML 1.0 cannot carry even escaped: ElementTree writes it as it is and the whole feed
# becomes ill-formed, so a stored title holding U+0001 would break every reader's feed.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _legal(text: str) -> str:
    return _ILLEGAL.sub("", text)


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: _legal(v) for k, v in attrs.items()})
    if text is not None:
        node.text = _legal(text)
    return node


def _feed(title: str, ident: str, base: str, self_path: str, updated: str) -> ET.Element:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _el(root, "title", title)
    _el(root, "id", TAG + ident)
    _el(root, "updated", updated)
    _el(root, "link", href=f"{base}{self_path}", rel="self")
    _el(root, "link", href=f"{base}/", rel="alternate")
    author = _el(root, "author")
    _el(author, "name", "Paper Radar")
    _el(root, "generator", "Paper Radar")
    return root


def _stamp(day: str) -> str:
    return f"{day}T07:00:00Z"


def _recent(store: Store, lang: str) -> list[Briefing]:
    return [Briefing.from_json(s.body) for s in store.briefings(limit=DAYS * 2) if s.lang == lang][
        :DAYS
    ]


def briefings_atom(store: Store, base: str, lang: str = "en") -> bytes:
    """The briefing archive as Atom: one entry per day, the full HTML briefing as content."""
    base = base.rstrip("/")
    days = _recent(store, lang)
    updated = _stamp(days[0].day) if days else "1970-01-01T00:00:00Z"
    root = _feed("Paper Radar: daily briefings", "briefings", base, "/feed/briefings.atom", updated)
    for b in days:
        entry = _el(root, "entry")
        _el(entry, "title", b.title)
        _el(entry, "id", f"{TAG}briefing:{b.day}:{b.lang}")
        _el(entry, "updated", _stamp(b.day))
        _el(entry, "link", href=f"{base}/briefing?day={b.day}", rel="alternate")
        _el(entry, "summary", " ".join(b.overview) or b.title)
        _el(entry, "content", brief.render(b, "html"), type="html")
    return _bytes(root)


def papers_atom(store: Store, base: str, lang: str = "en") -> bytes:
    """The reader's top papers as Atom: each day's featured then noted papers."""
    base = base.rstrip("/")
    days = _recent(store, lang)
    updated = _stamp(days[0].day) if days else "1970-01-01T00:00:00Z"
    root = _feed("Paper Radar: your top papers", "papers", base, "/feed/papers.atom", updated)
    for b in days:
        for f in b.featured:
            entry = _el(root, "entry")
            _el(entry, "title", f"[{f.tag}] {f.source.title}")
            _el(entry, "id", f"{TAG}paper:{f.paper_id}")
            _el(entry, "updated", _stamp(b.day))
            _el(
                entry,
                "link",
                href=web_url(f.source.links.get("abs")) or f"{base}/paper/{f.paper_id}",
            )
            _el(entry, "summary", " ".join(f.narrative))
            for name in f.source.authors[:10]:
                _el(_el(entry, "author"), "name", name)
        for n in b.noted:
            entry = _el(root, "entry")
            _el(entry, "title", f"[{n.tag}] {n.title}")
            _el(entry, "id", f"{TAG}paper:{n.paper_id}")
            _el(entry, "updated", _stamp(b.day))
            _el(entry, "link", href=web_url(n.link) or f"{base}/paper/{n.paper_id}")
            _el(entry, "summary", n.line)
    return _bytes(root)


def _bytes(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def write(store: Store, config: Config, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in (("briefings.atom", briefings_atom), ("papers.atom", papers_atom)):
        path = directory / name
        path.write_bytes(build(store, config.feed_base, config.lang))
        written.append(path)
    return written
