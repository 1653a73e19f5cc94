"""The radar page's HTML routes: Today, Briefing, Paper, Search, Profile, and the form posts.

Each route reads through ``Radar`` (the store, and the day's ranking from the rank stage as
cards) and renders a Jinja2 template with autoescaping on, so paper text prints as text
whatever it contains. Form posts
(feedback, profile changes) answer with a redirect back to the page they came from, so the
page works with scripts off; ``app.js`` sends the same changes to the JSON API instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import AfterValidator

from paperradar import __version__
from paperradar.brief.render import html_context
from paperradar.brief.tags import TAGS
from paperradar.errors import NotFoundError, UsageError
from paperradar.models import web_url
from paperradar.rank import latest_day
from paperradar.web import actions
from paperradar.web.security import check_csrf
from paperradar.web.state import SOURCE_FILTERS, Card, DayRanking, Filters, Radar

router = APIRouter(include_in_schema=False)
PAGE = 20  # cards per batch


def real_day(value: str | None) -> str | None:
    """A ``day`` parameter must be a calendar date, not only look like one (2026-13-45)."""
    if value is not None:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a date: use YYYY-MM-DD") from None
    return value


DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
Day = Annotated[
    str | None,
    Query(pattern=DAY_PATTERN, description="YYYY-MM-DD"),
    AfterValidator(real_day),
]
OneDay = Annotated[str, Query(pattern=DAY_PATTERN), AfterValidator(real_day)]
Text = Annotated[str, Query(max_length=200)]


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("paperradar", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        version=__version__, sources=SOURCE_FILTERS, tags=[t.name for t in TAGS], page=PAGE
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.globals["link"] = link
    env.globals["href"] = web_url  # every paper or post link goes through it before an href
    return env


def radar_of(request: Request) -> Radar:
    radar: Radar = request.app.state.radar
    return radar


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    radar = radar_of(request)
    context.setdefault("nav", name.split(".")[0])
    body = (
        environment()
        .get_template(f"web/{name}")
        .render(
            request=request,
            csrf=request.scope.get("state", {}).get("csrf", ""),
            tag_of=radar.tag,
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        )
    )
    return HTMLResponse(body, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status, message=message, code=status, nav="")


def filters_of(
    author: str = "", category: str = "", source: str = "", followed: str = "", q: str = ""
) -> Filters:
    return Filters(
        author=author.strip(),
        category=category.strip(),
        source=source.strip(),
        followed=followed.lower() in ("1", "true", "on", "yes"),
        keyword=q.strip(),
    )


FiltersDep = Annotated[Filters, Depends(filters_of)]


def link(path: str, **params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return path + (f"?{urlencode(kept)}" if kept else "")


@router.get("/", response_class=HTMLResponse)
def today(
    request: Request,
    filters: FiltersDep,
    day: Day = None,
    batch: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    radar = radar_of(request)
    store = radar.store()
    try:
        day = day or latest_day(store)
    except NotFoundError as exc:
        return render(request, "empty.html", message=str(exc), nav="today")
    before, after = store.adjacent_days(day)
    try:
        ranking: DayRanking | None = radar.ranking(day)
    except NotFoundError:
        ranking = None
    cards: list[Card] = []
    total = 0
    if ranking is not None:
        cards, total = ranking.page(filters, offset=(batch - 1) * PAGE, limit=PAGE)
    state = actions.feedback_state(store)
    shown = min(batch * PAGE, total)
    return render(
        request,
        "today.html",
        nav="today",
        day=day,
        weekday=dt.date.fromisoformat(day).strftime("%A"),
        before=before,
        after=after,
        ranking=ranking,
        cards=cards,
        total=total,
        batch=batch,
        more=shown < total,
        filters=filters,
        state=state,
        categories=ranking.categories if ranking else [],
        chips=chips(filters, "/", day=day),
    )


@router.get("/cards", response_class=HTMLResponse)
def more_cards(
    request: Request,
    filters: FiltersDep,
    day: OneDay,
    shown: Annotated[str, Query(max_length=20_000, pattern=r"^[0-9,]*$")] = "",
) -> Response:
    """The next batch as an HTML fragment: the best cards not yet shown (used by app.js)."""
    radar = radar_of(request)
    ranking = radar.ranking(day)
    exclude = [int(x) for x in shown.split(",") if x]
    cards, total = ranking.page(filters, limit=PAGE, exclude=exclude)
    state = actions.feedback_state(radar.store())
    response = render(request, "_cards.html", cards=cards, state=state, filters=filters, day=day)
    response.headers["X-Radar-Remaining"] = str(max(total - len(cards), 0))
    return response


CHIP_WORDS = {"author": "Author", "q": "Keyword", "category": "Category", "source": "Source"}


def chips(filters: Filters, path: str, **keep: str) -> list[tuple[str, str]]:
    """Each active filter as (label, the same page's link without it)."""
    params = filters.params()
    found = []
    for key, value in params.items():
        rest = {k: v for k, v in params.items() if k != key}
        if key == "followed":
            label = "Followed authors only"
        else:
            shown = SOURCE_FILTERS.get(value, value) if key == "source" else value
            label = f"{CHIP_WORDS[key]}: {shown}"
        found.append((label, link(path, **keep, **rest)))
    return found


@router.get("/feed/{kind}.atom")
def atom(request: Request, kind: Annotated[str, Path(pattern="^(briefings|papers)$")]) -> Response:
    """The Atom feeds of briefings and of top papers, linking back to this server."""
    from paperradar.deliver import atom as feed

    build = feed.briefings_atom if kind == "briefings" else feed.papers_atom
    base = str(request.base_url).rstrip("/")
    return Response(build(radar_of(request).store(), base), media_type="application/atom+xml")


@router.get("/briefing", response_class=HTMLResponse)
def briefing(
    request: Request,
    day: Day = None,
    lang: Annotated[str, Query(pattern="^(en|zh)$")] = "en",
) -> Response:
    radar = radar_of(request)
    store = radar.store()
    archive = store.briefings(limit=90)
    try:
        day = day or (archive[0].day if archive else latest_day(store))
    except NotFoundError as exc:
        return render(request, "empty.html", message=str(exc), nav="briefing")
    known = any(entry.day == day and entry.lang == lang for entry in archive)
    b = actions.briefing(radar, day, lang)
    if not known:  # just written: the archive gains it
        archive = store.briefings(limit=90)
    days: dict[str, list[str]] = {}
    for entry in archive:
        days.setdefault(entry.day, []).append(entry.lang)
    titles = {entry.day: entry.title for entry in archive if entry.lang == "en"}
    return render(
        request,
        "briefing.html",
        nav="briefing",
        b=b,
        archive=days,
        titles=titles,
        day=day,
        lang=lang,
        **{k: v for k, v in html_context(b).items() if k != "b"},
    )


@router.get("/paper/{ref:path}", response_class=HTMLResponse)
def paper(request: Request, ref: str) -> Response:
    radar = radar_of(request)
    found = actions.paper_detail(radar, ref)
    return render(request, "paper.html", nav="", **found)


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    filters: FiltersDep,
    mode: Annotated[str, Query(pattern="^(hybrid|keyword|semantic)$")] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    radar = radar_of(request)
    result = actions.search(radar, filters, mode, limit) if filters.keyword else None
    state = actions.feedback_state(radar.store())
    return render(
        request,
        "search.html",
        nav="search",
        filters=filters,
        mode=mode,
        result=result,
        state=state,
        chips=chips(replace(filters, keyword=""), "/search", mode=mode, q=filters.keyword),
    )


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request) -> Response:
    return render(request, "profile.html", nav="profile", **actions.profile(radar_of(request)))


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> Response:
    schema = request.app.openapi()
    endpoints = [
        (method.upper(), path, op.get("summary", ""), op.get("description", ""))
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]
    return render(request, "api.html", nav="api", endpoints=endpoints)


# -- form posts (the no-script path; app.js uses /api) ------------------------------------------


Field = Annotated[str, Form(max_length=500)]


@router.post("/feedback", dependencies=[Depends(check_csrf)])
def feedback(
    request: Request, paper: Field, kind: Field, undo: Field = "", next: Field = "/"
) -> Response:
    actions.feedback(radar_of(request), paper, kind, undo=bool(undo))
    return _back(next)


@router.post("/profile/add", dependencies=[Depends(check_csrf)])
def profile_add(request: Request, kind: Field, value: Field) -> Response:
    actions.add_entry(radar_of(request), kind, value)
    return _back("/profile")


@router.post("/profile/remove", dependencies=[Depends(check_csrf)])
def profile_remove(request: Request, kind: Field, value: Field) -> Response:
    actions.remove_entry(radar_of(request), kind, value)
    return _back("/profile")


@router.post("/profile/popularity", dependencies=[Depends(check_csrf)])
def popularity(request: Request, value: Field) -> Response:
    if value not in ("on", "off"):
        raise UsageError("popularity is either on or off")
    actions.set_popularity(radar_of(request), value == "on")
    return _back("/profile")


def _back(where: str) -> RedirectResponse:
    # Only paths on this site: a crafted "next" must not turn the form into an open redirect.
    if not where.startswith("/") or where.startswith("//") or "\\" in where:
        where = "/"
    return RedirectResponse(where, status_code=303)
