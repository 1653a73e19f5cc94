"""HTML that arrives inside feeds and posts: sanitised for display, flattened for reading.

Blog entries and Mastodon statuses are HTML written by strangers. ``sanitize`` keeps a small
allowlist of formatting tags (through nh3, the Rust ammonia sanitiser), so a stored entry can be
shown without running anyone's script; ``to_text`` gives the plain text the linker and ranker read,
and ``hrefs`` every link target, since a paper is often only in an anchor's href.

The sanitiser's tree builder spends time proportional to the depth of open elements on each
tag, so markup nested thousands deep takes minutes; ``sanitize`` measures the nesting first
(one regex pass) and keeps only the text of markup deeper than ``MAX_DEPTH``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q", "s", "small", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan"}, "th": {"colspan"}}
_BLOCK = {"p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre"}
_SKIP = {"script", "style", "template", "noscript"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Elements whose end tag may be left out: the next one closes them, so they do not nest.
_OPTIONAL_END = {"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option"}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
MAX_DEPTH = 100  # real posts and blog entries nest a few dozen deep at most
MAX_MARKUP = 200_000  # characters sanitised; the rest of a longer fragment is dropped


def too_deep(markup: str, limit: int = MAX_DEPTH) -> bool:
    """Whether ``markup`` opens elements more than ``limit`` deep (void, self-closed and
    self-ending tags do not count; a stray closing tag never takes the depth below zero)."""
    if markup.count("<") <= limit:
        return False
    depth = 0
    for match in _TAG.finditer(markup):
        closing, name, selfclosed = match.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not selfclosed and name.lower() not in _VOID | _OPTIONAL_END:
            depth += 1
            if depth > limit:
                return True
    return False


def sanitize(markup: str) -> str:
    """Markup reduced to harmless formatting and links (http, https and mailto only)."""
    if not markup:
        return ""
    markup = markup[:MAX_MARKUP]
    if too_deep(markup):
        return html.escape(to_text(markup), quote=False)
    return nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href")
            if href and href.startswith(("http://", "https://")):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _read(markup: str) -> _Reader:
    reader = _Reader()
    reader.feed(markup or "")
    reader.close()
    return reader


def to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs kept."""
    if not markup:
        return ""
    if "<" not in markup:
        return html.unescape(markup).strip()
    text = "".join(_read(markup).parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def hrefs(markup: str) -> list[str]:
    """Every http(s) link target in an HTML fragment, in order, each once."""
    if not markup or "<" not in markup:
        return []
    return list(dict.fromkeys(_read(markup).links))
