"""The records that flow between the stages: an ``Item`` is one source's report of a paper.

Sources yield Items; the store merges Items into papers (one paper, however many sources and
versions report it) and hands back ``Paper`` records. Both are frozen: a stage never edits what
another stage gave it. A link is only ever an absolute ``http(s)`` URL: ``web_url`` is the one
check, applied where an Item is built (so every source gets it) and again where a Paper hands its
links out (so a row written before the check, or by hand, never becomes a link either).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

ARXIV_ABS = "https://arxiv.org/abs/{}"
ARXIV_PDF = "https://arxiv.org/pdf/{}"
LINK_FIELDS = ("abs_url", "pdf_url", "code_url", "project_url")
# Whitespace and control characters: browsers drop them inside a URL, so "java\tscript:" would
# still run; a real paper link never holds one.
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\\]")


# C0 and C1 control characters but newline and tab: ESC, OSC-8 hyperlinks, bells, backspaces.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters, so paper or post text shown in a terminal or a
    plain-text email cannot move the cursor, retitle the window or plant a hyperlink."""
    return _CONTROLS.sub("", text)


def web_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else ``None``.

    Everything else (``javascript:``, ``data:``, ``vbscript:``, protocol-relative ``//host``,
    relative paths, URLs hiding control characters or backslashes) is no link at all.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced "[" in the host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


@dataclass(frozen=True)
class Item:
    """What one source says about one paper on one day.

    ``extra`` holds what only that source knows (HF upvotes, an announce type, a journal ref); it
    is stored with the observation, not on the paper.
    """

    source: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    version: int | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    announced: str | None = None  # first listing date, YYYY-MM-DD
    published: str | None = None  # v1 submission date
    updated: str | None = None  # latest version date
    abs_url: str | None = None
    pdf_url: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    observed_on: str | None = None  # the day the source reported it, YYYY-MM-DD
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    def __post_init__(self) -> None:
        for name in LINK_FIELDS:
            value = getattr(self, name)
            if value is not None:
                # Frozen: the check runs once, as the record is made.
                object.__setattr__(self, name, web_url(value))


@dataclass(frozen=True)
class Observation:
    """One source having reported a paper on one day, with what that source adds."""

    source: str
    observed_on: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Paper:
    """One paper as the store knows it, merged over every source and version."""

    pk: int
    arxiv_id: str | None
    version: int | None
    doi: str | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary_category: str | None
    announced: str | None
    published: str | None
    updated: str | None
    abs_url: str | None
    pdf_url: str | None
    code_url: str | None
    project_url: str | None
    observations: tuple[Observation, ...] = ()

    @classmethod
    def of(
        cls,
        pk: int,
        title: str,
        abstract: str = "",
        *,
        authors: tuple[str, ...] = (),
        categories: tuple[str, ...] = (),
        arxiv_id: str | None = None,
        announced: str | None = None,
    ) -> Paper:
        """A paper from its text alone, for ranking papers that are in no store
        (``rank.rank_papers``); ``pk`` is any key unique among the papers ranked together."""
        return cls(
            pk=pk,
            arxiv_id=arxiv_id,
            version=None,
            doi=None,
            title=title,
            abstract=abstract,
            authors=authors,
            categories=categories,
            primary_category=categories[0] if categories else None,
            announced=announced,
            published=None,
            updated=None,
            abs_url=None,
            pdf_url=None,
            code_url=None,
            project_url=None,
        )

    @property
    def id(self) -> str:
        """The public id: the arXiv id, else ``doi:`` plus the DOI, else ``paper:`` plus the key."""
        if self.arxiv_id:
            return self.arxiv_id
        if self.doi:
            return f"doi:{self.doi}"
        return f"paper:{self.pk}"

    @property
    def links(self) -> dict[str, str | None]:
        """The paper's links, each an http(s) URL or ``None`` (a stored link that is not one is
        dropped here too, and the arXiv or DOI address stands in for it)."""
        arxiv = self.arxiv_id
        abs_url = web_url(self.abs_url) or (ARXIV_ABS.format(arxiv) if arxiv else None)
        pdf_url = web_url(self.pdf_url) or (ARXIV_PDF.format(arxiv) if arxiv else None)
        if abs_url is None and self.doi:
            abs_url = web_url(f"https://doi.org/{self.doi}")
        return {
            "abs": abs_url,
            "pdf": pdf_url,
            "code": web_url(self.code_url),
            "project": web_url(self.project_url),
        }

    def source_data(self, source: str) -> dict[str, Any]:
        """The newest data a given source attached to this paper (empty if it never saw it)."""
        found: dict[str, Any] = {}
        for obs in sorted(self.observations, key=lambda o: o.observed_on):
            if obs.source == source:
                found = obs.data
        return found

    def to_json(self) -> dict[str, Any]:
        """The stable ``--json`` schema of a paper (documented in the README)."""
        return {
            "id": self.id,
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "doi": self.doi,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "categories": list(self.categories),
            "primary_category": self.primary_category,
            "announced": self.announced,
            "published": self.published,
            "updated": self.updated,
            "links": self.links,
            "sources": [
                {"source": o.source, "seen": o.observed_on, "data": o.data}
                for o in sorted(self.observations, key=lambda o: (o.observed_on, o.source))
            ],
        }


@dataclass(frozen=True)
class Post:
    """A researcher's post or a blog entry: what people say, as opposed to what they publish.

    ``uid`` is the source's own id (an at:// URI, a status URL, a tweet id, a feed entry id), so
    re-reading a timeline updates counts instead of adding the post twice. ``author`` is the
    stable handle (``@user@instance``, ``handle.bsky.social``, ``x:@user``) or, for blogs, the feed
    URL; ``text`` is plain text, ``html`` the sanitised full text a blog entry carried.
    """

    source: str
    uid: str
    kind: str  # "post" or "blog"
    author: str
    text: str
    author_name: str = ""
    title: str = ""
    url: str | None = None
    posted_at: str | None = None  # ISO timestamp, UTC
    html: str = ""
    links: tuple[str, ...] = ()  # every URL the post links to, unshortened where the source says
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    feed: str = ""  # the blog's or timeline's own name

    @property
    def day(self) -> str | None:
        return self.posted_at[:10] if self.posted_at else None


@dataclass(frozen=True)
class Buzz:
    """Who has been talking about a paper: distinct people (most-liked first) and reach."""

    people: tuple[str, ...] = ()  # display names
    handles: tuple[str, ...] = ()  # the same people's handles (or feed URLs), in that order
    posts: int = 0
    likes: int = 0
    reposts: int = 0
    blogs: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "people": list(self.people),
            "handles": list(self.handles),
            "posts": self.posts,
            "likes": self.likes,
            "reposts": self.reposts,
            "blogs": self.blogs,
        }
