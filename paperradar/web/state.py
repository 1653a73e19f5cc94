"""What the radar page keeps between requests: one store connection per thread, the cards of
the days it has shown, and the embedding index for "nearest papers" and semantic search.

The ranking itself is the rank stage's (``rank.stage.ranked``): stored in the store by
``radar run``, ``radar demo`` or an earlier view, and recomputed there when the reader's state,
the day or its posts changed. The page keeps only the cards it built from a ranking, with the
ranking's digest, because building cards for a 1,000-paper day from the store on every view
would cost more than the view itself. Feedback needs no bookkeeping here: it changes the
digest, so the next view of a day ranks it again through the stage. A re-rank that fails is
logged and the page shows the last ranking marked stale, with the reason. Only the store is
shared with the other stages: the page never writes anything a command would not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from paperradar.brief.tags import tag_of
from paperradar.enrich import embed, search
from paperradar.errors import NotFoundError, RadarError, RankingError
from paperradar.ids import fold
from paperradar.models import Buzz, Paper
from paperradar.profile import AuthorName, Profile
from paperradar.rank import RankResult, stage
from paperradar.rank.signals import discussed_by
from paperradar.store import Store

BADGES = {"hf-daily": "HF"}  # anything arxiv-* is "arXiv"; journals and posts come later
JOURNALS = ("openalex", "crossref", "semantic-scholar")
SOURCE_FILTERS = {"arxiv": "arXiv", "hf": "HF", "journal": "Journal", "posts": "Posts"}
PAGE_WAIT = 10.0  # seconds a click waits behind another writer (an import) before its error page
KEPT_DAYS = 8  # days whose cards are kept in memory
KEPT_TAGS = 50_000
INDEX_CHECK = 30.0  # seconds between checks for newly embedded papers
KEPT_QUERIES = 256  # query vectors remembered
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Card:
    """One ranked paper as the page shows it; built once per ranking, shared by every view."""

    rank: int
    paper: Paper
    score: float
    reasons: tuple[str, ...]
    followed: frozenset[str]  # the paper's author names that the reader follows
    badges: tuple[str, ...]
    organisation: str | None
    upvotes: int
    stars: int
    comments: int
    discussed: str = ""  # "discussed by A, B and 3 others"

    # Folding text costs ~50 µs a paper; only the filters that need it pay for it, once.
    @cached_property
    def text(self) -> str:
        """Folded title and abstract, for the keyword filter."""
        return fold(f"{self.paper.title} {self.paper.abstract}")

    @cached_property
    def people(self) -> tuple[frozenset[str], ...]:
        """Each author's folded name words, for the author filter."""
        return tuple(frozenset(fold(a).split()) for a in self.paper.authors)


def card(
    rank: int,
    paper: Paper,
    score: float,
    reasons: tuple[str, ...],
    profile: Profile,
    buzz: Buzz | None = None,
) -> Card:
    hf = paper.source_data("hf-daily")
    followed: frozenset[str] = frozenset()
    if profile.followed_author(paper.authors):
        followed = frozenset(n for n in paper.authors if profile.followed_author((n,)))
    return Card(
        rank=rank,
        paper=paper,
        score=score,
        reasons=reasons,
        followed=followed,
        badges=badges(paper) + (("Posts",) if buzz and buzz.people else ()),
        organisation=hf.get("organization"),
        upvotes=int(hf.get("upvotes") or 0),
        stars=int(hf.get("github_stars") or 0),
        comments=int(hf.get("comments") or 0),
        discussed=discussed_by(buzz),
    )


def badges(paper: Paper) -> tuple[str, ...]:
    found: list[str] = []
    for obs in paper.observations:
        if obs.source.startswith("arxiv"):
            label = "arXiv"
        elif obs.source in JOURNALS:
            label = "Journal"
        else:
            label = BADGES.get(obs.source, obs.source)
        if label not in found:
            found.append(label)
    if paper.arxiv_id and "arXiv" not in found:
        found.insert(0, "arXiv")
    return tuple(found)


@dataclass(frozen=True)
class Filters:
    """The page's filters; empty fields filter nothing."""

    author: str = ""
    category: str = ""
    source: str = ""
    followed: bool = False
    keyword: str = ""

    @property
    def active(self) -> bool:
        return bool(self.author or self.category or self.source or self.followed or self.keyword)

    def params(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        found = {
            "author": self.author,
            "category": self.category,
            "source": self.source,
            "q": self.keyword,
            "followed": "1" if self.followed else "",
        }
        return {k: v for k, v in found.items() if v}

    def matcher(self) -> _Matcher:
        return _Matcher(self)


class _Matcher:
    """The filters compiled once per request, then applied to each card."""

    def __init__(self, f: Filters) -> None:
        self.f = f
        self.author = frozenset(fold(f.author).split())
        self.person = AuthorName.parse(f.author) if len(f.author.split()) > 1 else None
        self.words = fold(f.keyword).split()
        self.category = f.category.strip()
        self.source = SOURCE_FILTERS.get(f.source.strip().lower(), f.source.strip())

    def __call__(self, c: Card) -> bool:
        f = self.f
        if f.followed and not c.followed:
            return False
        if self.category and not any(
            cat == self.category or cat.startswith(self.category + ".")
            for cat in c.paper.categories
        ):
            return False
        if self.source and self.source not in c.badges:
            return False
        if self.words and not all(w in c.text for w in self.words):
            return False
        return not self.author or self._author(c)

    def _author(self, c: Card) -> bool:
        # Whole words of one author ("xu" is not "Xue"), or a name with initials ("B. Zhuang").
        if any(self.author <= words for words in c.people):
            return True
        person = self.person
        return person is not None and any(
            person.matches(AuthorName.parse(name)) for name in c.paper.authors
        )


@dataclass(frozen=True)
class DayRanking:
    """A day's ranking as cards, with the digest it was made for; ``stale`` says why it is an
    older ranking than the reader's state asks for (re-ranking failed), empty when it is not."""

    day: str
    digest: str
    cards: tuple[Card, ...]
    candidates: int
    muted: int
    result: RankResult = field(repr=False)
    stale: str = ""

    @cached_property
    def categories(self) -> list[tuple[str, int]]:
        """The day's primary categories with their counts, most common first (for the filter)."""
        counts: dict[str, int] = {}
        for c in self.cards:
            if c.paper.primary_category:
                counts[c.paper.primary_category] = counts.get(c.paper.primary_category, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:30]

    def page(
        self, filters: Filters, *, offset: int = 0, limit: int = 20, exclude: Iterable[int] = ()
    ) -> tuple[list[Card], int]:
        """``limit`` cards after ``offset`` that pass the filters and are not in ``exclude``,
        and how many pass in all."""
        skip = set(exclude)
        keep = filters.matcher()
        passing = [c for c in self.cards if keep(c) and c.paper.pk not in skip]
        return passing[offset : offset + limit], len(passing)


def day_ranking(result: RankResult, digest: str) -> DayRanking:
    cards = tuple(
        card(n, r.paper, r.score, r.reasons, result.profile, r.buzz)
        for n, r in enumerate(result.ranked, 1)
    )
    return DayRanking(result.day, digest, cards, result.candidates, result.muted, result)


class Radar:
    """The web app's state over one home directory."""

    def __init__(self, home: Path, *, embedding: str = embed.DEFAULT) -> None:
        self.home = home
        self.embedding = embedding
        self._local = threading.local()
        self._rankings: OrderedDict[str, DayRanking] = OrderedDict()
        self._guard = threading.Lock()
        self._index: search.Index | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._index_checked = 0.0
        self._stores: list[Store] = []
        self._tags: dict[int, str] = {}

    def tag(self, paper: Paper) -> str:
        """The paper's briefing tag, remembered: finding it reads the whole abstract (~1 ms),
        so it is worked out only for the cards a page actually shows."""
        found = self._tags.get(paper.pk)
        if found is None:
            if len(self._tags) >= KEPT_TAGS:
                self._tags.clear()
            found = self._tags[paper.pk] = tag_of(paper)
        return found

    def store(self) -> Store:
        """This thread's connection (SQLite connections are not shared across threads)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.home, wait=PAGE_WAIT)
            self._local.store = store
            with self._guard:
                self._stores.append(store)
        return store

    def close(self) -> None:
        with self._guard:
            for store in self._stores:
                store.close()
            self._stores.clear()

    # -- rankings -----------------------------------------------------------------------------

    def ranking(self, day: str, store: Store | None = None) -> DayRanking:
        """The day's ranking as cards: the cards already built while the digest holds, else the
        rank stage's ranking (stored, or ranked now and stored). When ranking fails, the last
        ranking the page or the store has is shown marked stale, with the reason, and the
        failure is logged; with no earlier ranking a ``RankingError`` says so, as a page."""
        store = store or self.store()
        want = stage.digest(store, day, embedding=self.embedding)
        with self._guard:
            found = self._rankings.get(day)
        if found is not None and found.digest == want:
            return found
        try:
            result = stage.ranked(store, day, embedding=self.embedding)
        except NotFoundError:
            raise
        except Exception as exc:  # whatever broke, the reader is told and the log has the trace
            log.error("ranking %s failed; the page shows the last ranking", day, exc_info=True)
            older = found or self._last(store, day)
            if older is None:
                raise RankingError(
                    f"ranking {day} failed ({_why(exc)}); the server log has the details"
                ) from exc
            return replace(older, stale=_why(exc))
        ranking = day_ranking(result, want)
        with self._guard:
            self._rankings[day] = ranking
            self._rankings.move_to_end(day)
            while len(self._rankings) > KEPT_DAYS:
                self._rankings.popitem(last=False)
        return ranking

    def _last(self, store: Store, day: str) -> DayRanking | None:
        older = stage.last_ranked(store, day)
        return day_ranking(older, "") if older is not None else None

    # -- embeddings ---------------------------------------------------------------------------

    def nearest(
        self, vector: np.ndarray, k: int, exclude: Sequence[int] = ()
    ) -> list[tuple[int, float]]:
        """The ``k`` stored papers closest to ``vector`` (cosine), best first."""
        return self.index().nearest(vector, k, exclude)

    def embedded(self) -> int:
        return len(self.index())

    def paper_vector(self, paper: Paper) -> np.ndarray:
        vectors, stats = embed.embed_papers(self.store(), [paper], self.embedding)
        if stats.computed:
            self._index_checked = 0.0  # the store has a vector the index lacks
        return np.asarray(vectors[0], dtype=np.float32)

    def text_vector(self, text: str) -> np.ndarray:
        """The query's vector, remembered: MiniLM takes ~20 ms a query, and a reader pages,
        filters and switches modes on the same words."""
        with self._guard:
            found = self._queries.get(text)
            if found is not None:
                self._queries.move_to_end(text)
                return found
        vector = np.asarray(embed.backend(self.embedding).encode([text])[0], dtype=np.float32)
        with self._guard:
            self._queries[text] = vector
            while len(self._queries) > KEPT_QUERIES:
                self._queries.popitem(last=False)
        return vector

    def index(self) -> search.Index:
        """The stored vectors of the page's model, for nearest papers and semantic search."""
        # Counting 100k stored vectors reads the whole table (~40 ms), so the index is checked
        # for new vectors at most every INDEX_CHECK seconds; `radar embed` shows up after that.
        index = self._index
        now = time.monotonic()
        if index is None or now - self._index_checked > INDEX_CHECK:
            store = self.store()
            count = store.embedding_count(self.embedding)
            self._index_checked = now
            if index is None or len(index) != count:
                index = search.Index.load(store, self.embedding)
                self._index = index
        return index


def _why(exc: Exception) -> str:
    """A failure in words for the page: the message of a domain error, else its kind too."""
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, RadarError) else f"{type(exc).__name__}: {text}"
