"""What the page and the JSON API both do: feedback, profile edits, paper details, search.

The HTML routes and the API routes are two faces of these functions, so a like from a form, from
``app.js`` or from ``curl`` goes through the same checks and reaches the store the same way as
``radar like``. A change to the reader changes the digest of every ranking, so the next view of
a day re-ranks it through the rank stage; nothing is scheduled from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paperradar.brief import build
from paperradar.brief.model import Briefing
from paperradar.enrich.search import search as find
from paperradar.errors import NotFoundError, UsageError
from paperradar.profile import FOLLOW_KINDS, MUTE_KINDS, check_value, load
from paperradar.store import Store
from paperradar.store.reader import FEEDBACK_KINDS, paper_ref, title_ref
from paperradar.web.state import Card, Filters, Radar, card

FEEDBACK = ("like", "dislike", "save")
# Profile kinds a reader can add from the page, with the words the page uses for them.
ENTRY_KINDS = {
    "author": "Followed authors",
    "topic": "Topics",
    "category": "Categories",
    "include": "Must-include keywords",
    "person": "Followed people (their posts)",
    "feed": "Followed blogs and feeds",
    "mute-author": "Muted authors",
    "mute-keyword": "Muted keywords",
    "mute-category": "Muted categories",
}
ADDABLE = set(FOLLOW_KINDS.values()) | set(MUTE_KINDS.values())
SEARCH_POOL = 400  # hits fetched before the filters narrow them down


def feedback_state(store: Store) -> dict[int, set[str]]:
    """Store key to the feedback kinds the reader gave it."""
    state: dict[int, set[str]] = {}
    for f in store.feedback():
        if f.pk is not None:
            state.setdefault(f.pk, set()).add(f.kind)
    return state


def feedback(radar: Radar, ref: str, kind: str, *, undo: bool = False) -> set[str]:
    """Record (or with ``undo`` take back) a like, dislike or save; returns the paper's state."""
    if kind not in FEEDBACK:
        raise UsageError(f"unknown feedback {kind!r}; use like, dislike or save")
    store = radar.store()
    paper = store.get(ref)
    key = paper_ref(paper.arxiv_id or paper.doi or "") or title_ref(paper.title)
    if undo:
        store.remove_feedback(key, [kind])
    else:
        store.set_feedback(key, kind, pk=paper.pk, label=paper.title, origin="web")
    return feedback_state(store).get(paper.pk, set())


def add_entry(radar: Radar, kind: str, value: str) -> str:
    if kind not in ADDABLE:
        raise UsageError(f"cannot add {kind!r}; use one of {', '.join(sorted(ADDABLE))}")
    value = check_value(kind, value)
    radar.store().add_profile(kind, value)
    return value


def remove_entry(radar: Radar, kind: str, value: str) -> None:
    store = radar.store()
    if kind in FEEDBACK_KINDS:
        key = value if ":" in value else (paper_ref(value) or value)
        if not store.remove_feedback(key, [kind]):
            raise NotFoundError(f"no {kind} of {value!r} in your profile")
    elif not store.remove_profile(kind, value):
        raise NotFoundError(f"no {kind} {value!r} in your profile")


def set_popularity(radar: Radar, on: bool) -> None:
    radar.store().set_setting("popularity", "on" if on else "off")


def briefing(radar: Radar, day: str, lang: str) -> Briefing:
    """The day's stored briefing; when the day has none yet, the offline one is written from the
    day's ranking and kept, exactly as `radar brief --date DAY` would (never from a stale
    ranking: a briefing is kept for good, so it waits for a ranking that holds)."""
    store = radar.store()
    stored = store.briefing(day, lang)
    if stored is not None:
        return Briefing.from_json(stored.body)
    ranking = radar.ranking(day)
    return build(store, day, lang=lang, ranking=None if ranking.stale else ranking.result)


def profile(radar: Radar) -> dict[str, Any]:
    store = radar.store()
    entries: dict[str, list[str]] = {kind: [] for kind in ENTRY_KINDS}
    for e in store.profile_entries():
        entries.setdefault(e.kind, []).append(e.value)
    marks: dict[str, list[dict[str, Any]]] = {kind: [] for kind in FEEDBACK_KINDS}
    for f in store.feedback():
        marks.setdefault(f.kind, []).append(
            {
                "ref": f.ref,
                "id": f.ref.split(":", 1)[1] if not f.ref.startswith("title:") else "",
                "label": f.label,
                "waiting": f.pk is None,
                "added": f.added_at[:10],
            }
        )
    return {
        "entries": entries,
        "entry_kinds": ENTRY_KINDS,
        "feedback": marks,
        "popularity": store.setting("popularity", "on") != "off",
    }


def paper_detail(radar: Radar, ref: str, nearest: int = 8) -> dict[str, Any]:
    """Everything the store knows about a paper, its nearest papers and the posts naming it."""
    store = radar.store()
    paper = store.get(ref)
    hits = radar.nearest(radar.paper_vector(paper), nearest, exclude=[paper.pk])
    by_pk = {p.pk: p for p in store.papers_by_pk([pk for pk, _ in hits])}
    similar = [(by_pk[pk], sim) for pk, sim in hits if pk in by_pk]
    posts = store.posts_about(paper.pk)
    buzz = store.buzz([paper.pk]).get(paper.pk)
    return {
        "paper": paper,
        "card": card(0, paper, 0.0, (), load(store), buzz),
        "similar": similar,
        "posts": posts,
        "state": feedback_state(store).get(paper.pk, set()),
    }


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str  # the mode that ran: hybrid falls back to keyword while nothing is embedded
    cards: list[Card]
    matched: int  # hits before the filters
    searched: int  # papers the mode could see (the store, or the embedded part of it)
    note: str = ""  # what the reader should know (no vectors yet), else empty


def search(radar: Radar, filters: Filters, mode: str, limit: int = 50) -> SearchResult:
    """Hybrid (bm25 and embedding ranks fused), keyword (FTS5, bm25) or semantic (embedding
    cosine) search, as `radar search` does it, then the page's filters."""
    store = radar.store()
    query = filters.keyword
    # The query already chose the papers; the keyword filter would only repeat it.
    rest = Filters(filters.author, filters.category, filters.source, filters.followed)
    pool = SEARCH_POOL if rest.active else limit
    found = find(
        store,
        query,
        mode,
        limit=pool,
        model=radar.embedding,
        index=radar.index() if mode != "keyword" else None,
        encode=radar.text_vector,
    )
    profile = load(store)
    keep = rest.matcher()
    cards = [card(n, p, s, (), profile) for n, (p, s) in enumerate(found.hits, 1)]
    passing = [c for c in cards if keep(c)]
    return SearchResult(
        query, found.mode, passing[:limit], len(found.hits), found.searched, found.note
    )
