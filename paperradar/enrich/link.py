"""The linking stage: find the papers a post or blog entry talks about.

``extract_refs`` is pure: it reads a post's text and links and returns the papers it names, as
canonical refs (``arxiv:ID``, ``doi:DOI``, ``openreview:ID``). An arXiv id counts in any of its
written forms (``arXiv:2506.01234v2``, ``arxiv 2506.01234``, an abs/pdf/html URL, alphaxiv,
huggingface.co/papers, ar5iv, arXiv's own DOI) and bare only when it is a well-formed id with a
real month, so "2506 results" or "1.2345" never link. ``TitleIndex`` finds a paper's exact title
(whole, at least four words) inside a post. ``link`` runs both over every stored post and lets
the store point the mentions at papers; it is idempotent and any later run resolves mentions
whose paper has arrived since.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from paperradar.ids import fold, normalize_doi
from paperradar.models import Post
from paperradar.store import Store

Ref = tuple[str, str]  # (canonical ref, how it was found)

_NEW = r"(?P<id>(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5}))(?:v\d+)?"
_OLD = r"(?P<old>[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_HOSTS = (
    r"(?:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)"
    r"|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html)"
    r"|(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)"
    r"|(?:huggingface|hf)\.co/papers"
    r"|(?:www\.)?semanticscholar\.org/arxiv"
    r"|paperswithcode\.com/paper/arxiv)"
)
_URL_ID = re.compile(rf"{_ARXIV_HOSTS}/(?:{_NEW}|{_OLD})", re.IGNORECASE)
# "arXiv:2506.01234", "arXiv 2506.01234", "arxiv id 2506.01234", "arXiv: hep-th/9901001"
_PREFIXED = re.compile(rf"\barxiv(?:\s*(?:id|preprint))?\s*[:#]?\s*(?:{_NEW}|{_OLD})", re.I)
_BARE = re.compile(rf"(?<![\w./\-]){_NEW}(?![\w/]|\.\d)")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(?P<id>\d{4}\.\d{4,5})", re.IGNORECASE)
_DOI = re.compile(r"\b(?:doi\.org/|doi:\s*)?(?P<doi>10\.\d{4,9}/[^\s\"'<>?#&]+)", re.IGNORECASE)
_OPENREVIEW = re.compile(
    r"openreview\.net/(?:forum|pdf|attachment)\?(?:[^\s\"'<>]*&)?id=(?P<id>[A-Za-z0-9_\-]{6,})"
)
_DOI_TAIL = ".,;:)]}>'\"!?"
MIN_TITLE_WORDS = 4
MIN_TITLE_CHARS = 20


def plausible_new_id(yy: str, mm: str, num: str) -> bool:
    """Whether YYMM.NNNNN could be an arXiv id: a real month since April 2007, and five digits
    from 2015 on (four before)."""
    year, month = int(yy), int(mm)
    if not 1 <= month <= 12 or (year, month) < (7, 4):
        return False
    return len(num) == (5 if year >= 15 else 4)


def extract_refs(text: str, links: Iterable[str] = ()) -> list[Ref]:
    """The papers a text and its links name, in order of first mention, each once."""
    found: dict[str, str] = {}

    def add(ref: str, how: str) -> None:
        found.setdefault(ref, how)

    blobs = [unquote(link) for link in links]
    body = text or ""
    for blob, in_link in [*((b, True) for b in blobs), (body, False)]:
        for m in _URL_ID.finditer(blob):
            _add_arxiv(m, "arxiv-url", add)
        for m in _ARXIV_DOI.finditer(blob):
            add(f"arxiv:{m.group('id')}", "arxiv-doi")
        for m in _OPENREVIEW.finditer(blob):
            add(f"openreview:{m.group('id')}", "openreview")
        for m in _DOI.finditer(blob):
            doi = normalize_doi(_trim_doi(m.group("doi")))
            if doi and not doi.startswith("10.48550/"):
                add(f"doi:{doi}", "doi")
        if not in_link:
            for m in _PREFIXED.finditer(blob):
                _add_arxiv(m, "arxiv-id", add)
            stripped = _strip_urls(blob)
            for m in _BARE.finditer(stripped):
                _add_arxiv(m, "arxiv-bare", add)
    return list(found.items())


def _add_arxiv(m: re.Match[str], how: str, add: Callable[[str, str], None]) -> None:
    if "old" in m.re.groupindex and m.group("old"):
        add(f"arxiv:{m.group('old').lower()}", how)
    elif plausible_new_id(m.group("yy"), m.group("mm"), m.group("num")):
        add(f"arxiv:{m.group('id')}", how)


def _trim_doi(doi: str) -> str:
    # Sentence punctuation after a DOI is not part of it; a closing bracket is only when the
    # DOI opened one itself, as in 10.1016/S0140-6736(20)30183-5.
    while doi and doi[-1] in _DOI_TAIL:
        if doi[-1] == ")" and doi.count("(") >= doi.count(")"):
            break
        doi = doi[:-1]
    return doi


_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _strip_urls(text: str) -> str:
    # A bare id inside some other site's URL (a tweet id, a blog slug) is not a mention.
    return _URL.sub(" ", text)


@dataclass
class TitleIndex:
    """Exact-title lookup: a paper's folded title found as a whole run of words in a text.

    Keyed by each title's first four words, so scanning a post costs one dict lookup per word.
    Titles shorter than four words or twenty characters are left out: "Introduction" or
    "Deep Learning" name a field, not a paper.
    """

    heads: dict[tuple[str, ...], list[tuple[tuple[str, ...], int]]]

    @classmethod
    def build(cls, rows: Iterable[tuple[int, str]]) -> TitleIndex:
        heads: dict[tuple[str, ...], list[tuple[tuple[str, ...], int]]] = {}
        for pk, title in rows:
            folded = fold(title)
            words = tuple(folded.split())
            if len(words) < MIN_TITLE_WORDS or len(folded) < MIN_TITLE_CHARS:
                continue
            heads.setdefault(words[:MIN_TITLE_WORDS], []).append((words, pk))
        for candidates in heads.values():
            candidates.sort(key=lambda c: -len(c[0]))  # longest first: the most specific title
        return cls(heads)

    def find(self, text: str) -> list[int]:
        """Papers whose whole title occurs in ``text``; overlapping matches keep the longest."""
        words = fold(text).split()
        found: list[int] = []
        i = 0
        while i <= len(words) - MIN_TITLE_WORDS:
            candidates = self.heads.get(tuple(words[i : i + MIN_TITLE_WORDS]))
            hit = None
            for title, pk in candidates or ():
                if tuple(words[i : i + len(title)]) == title:
                    hit = (title, pk)
                    break
            if hit is None:
                i += 1
                continue
            pks = [pk for title, pk in candidates or () if title == hit[0]]
            if len(pks) == 1 and pks[0] not in found:
                found.append(pks[0])  # two papers with one title: ambiguous, link neither
            i += len(hit[0])
        return found


def post_text(post: Post) -> str:
    return f"{post.title}\n{post.text}" if post.title else post.text


@dataclass
class LinkResult:
    posts: int
    changed: int
    resolved: int
    counts: dict[str, int]


def link(store: Store, *, titles: bool = True) -> LinkResult:
    """Read every stored post, record what it mentions, and resolve mentions to papers."""
    index = TitleIndex.build(store.title_rows()) if titles else None
    refs: dict[int, list[tuple[str, str, int | None]]] = {}
    posts = list(store.iter_posts())
    for stored in posts:
        text = post_text(stored.post)
        found: list[tuple[str, str, int | None]] = [
            (ref, how, None) for ref, how in extract_refs(text, stored.post.links)
        ]
        if index is not None:
            named = {ref for ref, _, _ in found}
            for pk, ref in store.paper_refs_by_pk(index.find(text)).items():
                if ref not in named:  # named by id as well: the id is the stronger evidence
                    found.append((ref, "title", pk))
        refs[stored.pk] = found
    changed = store.set_post_refs(refs)
    resolved = store.resolve_post_refs()
    return LinkResult(len(posts), changed, resolved, store.link_counts())
