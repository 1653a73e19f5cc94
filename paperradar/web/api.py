"""The JSON API under ``/api``: the same radar as the pages, for scripts and for ``app.js``.

Every response has a pydantic model, so ``/openapi.json`` documents the exact shapes. Reads are
GET; every change is a POST with a JSON body and the ``X-CSRF-Token`` header (the value of the
``radar_csrf`` cookie), which a page on another site can neither read nor send.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from paperradar.models import Paper, Post
from paperradar.rank import latest_day
from paperradar.web import actions
from paperradar.web.pages import DAY_PATTERN, PAGE, Day, FiltersDep, radar_of, real_day
from paperradar.web.security import check_csrf
from paperradar.web.state import Card, Radar

router = APIRouter(prefix="/api", tags=["radar"])


class PaperOut(BaseModel):
    id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None
    announced: str | None
    doi: str | None
    links: dict[str, str | None]
    sources: list[dict[str, Any]] = Field(description="What each source reported, by day.")


class CardOut(BaseModel):
    rank: int
    score: float
    reasons: list[str] = Field(description="Why the paper is here, in words.")
    tag: str
    followed_authors: list[str]
    badges: list[str] = Field(description="Which kinds of source carry it: arXiv, HF, …")
    organisation: str | None
    upvotes: int
    stars: int
    comments: int
    feedback: list[str] = Field(description="like / dislike / save given by the reader.")
    paper: PaperOut


class DayOut(BaseModel):
    day: str
    previous: str | None
    next: str | None
    candidates: int
    muted: int
    matching: int = Field(description="Cards that pass the filters (before offset/limit).")
    stale: str = Field(
        "", description="Why this is an out-of-date ranking (re-ranking failed); empty if not."
    )
    items: list[CardOut]


class SearchOut(BaseModel):
    query: str
    mode: str = Field(
        description="The mode that ran: hybrid falls back to keyword while the store has no "
        "vectors (see note)."
    )
    note: str = Field("", description="What to know about the answer (no vectors yet), or empty.")
    matched: int
    searched: int
    items: list[CardOut]


class PaperDetailOut(BaseModel):
    paper: PaperOut
    feedback: list[str]
    similar: list[dict[str, Any]]
    posts: list[dict[str, Any]]


class FeedbackIn(BaseModel):
    paper: str = Field(description="arXiv id, DOI, or paper:N", max_length=300)
    kind: Literal["like", "dislike", "save"]
    undo: bool = False


class FeedbackOut(BaseModel):
    paper: str
    feedback: list[str]


class EntryIn(BaseModel):
    kind: str = Field(description="author, topic, category, include, mute-author, …")
    value: str = Field(max_length=500)


class SettingsIn(BaseModel):
    popularity: bool


def paper_out(p: Paper) -> PaperOut:
    data = p.to_json()
    return PaperOut(**{k: data[k] for k in PaperOut.model_fields})


def card_out(radar: Radar, c: Card, state: dict[int, set[str]]) -> CardOut:
    return CardOut(
        rank=c.rank,
        score=round(c.score, 4),
        reasons=list(c.reasons),
        tag=radar.tag(c.paper),
        followed_authors=sorted(c.followed),
        badges=list(c.badges),
        organisation=c.organisation,
        upvotes=c.upvotes,
        stars=c.stars,
        comments=c.comments,
        feedback=sorted(state.get(c.paper.pk, ())),
        paper=paper_out(c.paper),
    )


@router.get("/days", summary="Days with papers, newest first")
def days(request: Request) -> list[dict[str, Any]]:
    return [{"day": d, "papers": n} for d, n in radar_of(request).store().days()]


@router.get("/today", summary="The ranked radar of a day, filtered and paged")
def today(
    request: Request,
    filters: FiltersDep,
    day: Day = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE,
    exclude: Annotated[str, Query(pattern=r"^[0-9,]*$", max_length=20_000)] = "",
) -> DayOut:
    """Cards in ranking order. ``exclude`` (store keys, comma-separated) skips cards already
    shown: that is how "another batch" never repeats itself, even after a re-rank."""
    radar = radar_of(request)
    store = radar.store()
    day = day or latest_day(store)
    ranking = radar.ranking(day)
    skip = [int(x) for x in exclude.split(",") if x]
    cards, matching = ranking.page(filters, offset=offset, limit=limit, exclude=skip)
    state = actions.feedback_state(store)
    before, after = store.adjacent_days(day)
    return DayOut(
        day=day,
        previous=before,
        next=after,
        candidates=ranking.candidates,
        muted=ranking.muted,
        matching=matching,
        stale=ranking.stale,
        items=[card_out(radar, c, state) for c in cards],
    )


@router.get(
    "/search",
    summary="Hybrid (bm25 and embedding ranks fused), keyword (FTS5) or semantic search, "
    "with the same filters",
)
def search(
    request: Request,
    filters: FiltersDep,
    mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchOut:
    radar = radar_of(request)
    found = actions.search(radar, filters, mode, limit)
    state = actions.feedback_state(radar.store())
    return SearchOut(
        query=found.query,
        mode=found.mode,
        note=found.note,
        matched=found.matched,
        searched=found.searched,
        items=[card_out(radar, c, state) for c in found.cards],
    )


@router.get("/papers/{ref:path}", summary="One paper, its nearest papers and mentions")
def paper(request: Request, ref: str) -> PaperDetailOut:
    found = actions.paper_detail(radar_of(request), ref)
    return PaperDetailOut(
        paper=paper_out(found["paper"]),
        feedback=sorted(found["state"]),
        similar=[
            {"id": p.id, "title": p.title, "similarity": round(sim, 4)}
            for p, sim in found["similar"]
        ],
        posts=[post_json(s.post) for s in found["posts"]],
    )


@router.get("/briefings", summary="The archive of written briefings")
def briefings(request: Request) -> list[dict[str, Any]]:
    return [
        {"day": b.day, "lang": b.lang, "title": b.title, "composer": b.composer}
        for b in radar_of(request).store().briefings(limit=365)
    ]


@router.get("/briefings/{day}", summary="One day's briefing (written offline if missing)")
def briefing(
    request: Request,
    day: Annotated[str, Path(pattern=DAY_PATTERN), AfterValidator(real_day)],
    lang: Literal["en", "zh"] = "en",
) -> dict[str, Any]:
    return actions.briefing(radar_of(request), day, lang).to_json()


@router.get("/profile", summary="Followed, muted, liked, disliked, saved, and settings")
def profile(request: Request) -> dict[str, Any]:
    found = actions.profile(radar_of(request))
    return {
        "entries": found["entries"],
        "feedback": found["feedback"],
        "settings": {"popularity": found["popularity"]},
    }


@router.post("/feedback", summary="Like, dislike or save a paper (or undo)")
def feedback(request: Request, body: FeedbackIn, _: None = Depends(check_csrf)) -> FeedbackOut:
    state = actions.feedback(radar_of(request), body.paper, body.kind, undo=body.undo)
    return FeedbackOut(paper=body.paper, feedback=sorted(state))


@router.post("/profile/add", summary="Follow or mute an author, topic, category or keyword")
def add_entry(request: Request, body: EntryIn, _: None = Depends(check_csrf)) -> EntryIn:
    value = actions.add_entry(radar_of(request), body.kind, body.value)
    return EntryIn(kind=body.kind, value=value)


@router.post("/profile/remove", summary="Remove one profile entry or feedback mark")
def remove_entry(request: Request, body: EntryIn, _: None = Depends(check_csrf)) -> EntryIn:
    actions.remove_entry(radar_of(request), body.kind, body.value)
    return body


@router.post("/settings", summary="Switch the popularity signals (upvotes, stars) on or off")
def settings(request: Request, body: SettingsIn, _: None = Depends(check_csrf)) -> SettingsIn:
    actions.set_popularity(radar_of(request), body.popularity)
    return body


def post_json(post: Post) -> dict[str, Any]:
    """A post as the API shows it (the stored HTML stays out: the text says the same)."""
    return {
        "source": post.source,
        "kind": post.kind,
        "author": post.author,
        "name": post.author_name,
        "title": post.title,
        "text": post.text[:2000],
        "url": post.url,
        "posted_at": post.posted_at,
        "likes": post.likes,
        "reposts": post.reposts,
    }
