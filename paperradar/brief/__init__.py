"""The brief stage: a day's ranking turned into the reader's briefing, kept in the store.

``build`` takes the day's ranking from the rank stage (stored, or ranked and stored now),
or a ranking it is given, selects the featured and noted papers, writes
every part with the offline composer, and, when an LLM is configured, lets ``llm.improve``
rewrite the parts it can ground; whatever the model gets wrong stays offline text. The result
is saved per (day, language), so delivery and the web page read it without re-running anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from paperradar.brief import extract, observe
from paperradar.brief.extractive import PaperText, compose, title_line
from paperradar.brief.model import Briefing, Featured, Health, Noted, PostLine, SourceBlock
from paperradar.brief.render import FORMATS, render
from paperradar.brief.select import Pick, Selection, select
from paperradar.errors import UsageError
from paperradar.rank import RankResult
from paperradar.rank.signals import popularity_reasons
from paperradar.rank.stage import ranked
from paperradar.store import Store

if TYPE_CHECKING:
    from paperradar.brief.chat import LLMConfig

__all__ = ["FORMATS", "LANGS", "Briefing", "build", "render"]
LANGS = ("en", "zh")


def build(
    store: Store,
    day: str | None = None,
    *,
    lang: str = "en",
    llm: LLMConfig | None = None,
    ranking: RankResult | None = None,
    featured: int | None = None,
    noted: int | None = None,
    save: bool = True,
) -> Briefing:
    """Write the briefing for ``day`` (the latest day when None) and keep it in the store."""
    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    result = ranking or ranked(store, day)
    selection = select(result.ranked, featured, noted)
    texts = {p.id: compose(p.ranked.paper, p.name) for p in (*selection.featured, *selection.noted)}
    briefing = offline_briefing(store, result, selection, texts, lang)
    if llm is not None:
        from paperradar.brief.llm import improve

        briefing = improve(store, briefing, selection, texts, llm)
    if save:
        store.save_briefing(
            briefing.day, lang, briefing.composer, briefing.title, briefing.to_json()
        )
    return briefing


def offline_briefing(
    store: Store,
    result: RankResult,
    selection: Selection,
    texts: dict[str, PaperText],
    lang: str,
) -> Briefing:
    featured = tuple(_featured(p, texts[p.id]) for p in selection.featured)
    noted = tuple(_noted(p, texts[p.id]) for p in selection.noted)
    entries = [
        observe.Entry(
            p.id,
            p.name,
            p.tag,
            p.ranked.score,
            _short_claim(texts[p.id]),
            p.ranked.paper,
        )
        for p in (*selection.featured, *selection.noted)
    ]
    found = observe.themes(entries, [r.paper for r in result.ranked])
    if found and len(found[0].paper_ids) > 1 and found[0].terms:
        found[0] = replace(
            found[0], trend=observe.trend(found[0].terms[0], result.day, store.phrase_share)
        )
    title = title_line([(p.name, texts[p.id]) for p in selection.featured]) if featured else ""
    return Briefing(
        day=result.day,
        lang=lang,
        title=title or _empty_title(result),
        overview=tuple(f.overview for f in featured),
        featured=featured,
        noted=noted,
        observation=observe.observation(entries, found, lang),
        themes=tuple(found),
        health=health(store, result.day),
        people=people_posts(store, result.profile.people, result.day),
        composer="offline",
        stats={
            "candidates": result.candidates,
            "ranked": len(result.ranked),
            "muted": result.muted,
            "selected": len(featured) + len(noted),
            "close": sum(r.close for r in result.ranked),
        },
    )


def _empty_title(result: RankResult) -> str:
    if result.ranked and not any(r.close for r in result.ranked):
        return f"Nothing close to your interests on {result.day}"
    return f"Nothing for you on {result.day}"


def _short_claim(text: PaperText) -> str:
    """What the observation may quote of a paper: its measured claim when short, else its
    one-liner cut to a clause."""
    if text.claim and len(text.claim.split()) <= 22:
        return text.claim
    line = extract.shorten(text.line, 22)
    return line if len(line.split()) <= 30 else ""


def _reasons(pick: Pick) -> tuple[str, tuple[str, ...]]:
    """Split a paper's reasons into why it suits the reader and how popular it is."""
    extra = tuple(popularity_reasons(pick.ranked.paper, pick.ranked.buzz))
    why = "; ".join(r for r in pick.ranked.reasons if r not in extra) or "popular today"
    return why, extra


def _featured(pick: Pick, text: PaperText) -> Featured:
    paper = pick.ranked.paper
    why, extra = _reasons(pick)
    return Featured(
        paper_id=paper.id,
        name=pick.name,
        tag=pick.tag,
        headline=text.headline,
        narrative=text.narrative,
        takeaways=text.takeaways,
        overview=text.overview,
        source=SourceBlock(
            title=extract.clean(paper.title),
            authors=paper.authors,
            id=paper.id,
            doi=paper.doi,
            links=paper.links,
            why=why,
            extra=extra,
        ),
    )


def _noted(pick: Pick, text: PaperText) -> Noted:
    paper = pick.ranked.paper
    why, _ = _reasons(pick)
    return Noted(
        paper_id=paper.id,
        name=pick.name,
        tag=pick.tag,
        title=extract.clean(paper.title),
        line=text.line,
        link=paper.links.get("abs"),
        why=why,
    )


def health(store: Store, day: str) -> tuple[Health, ...]:
    """Each source that reported on ``day`` or failed since: status, items and the reason."""
    counts = {**store.source_counts(day), **store.post_counts(day)}
    lines: dict[str, Health] = {s: Health(s, "ok", n) for s, n in counts.items()}
    for run in reversed(store.runs(limit=50)):  # oldest first, so the latest run wins
        if not run.command.startswith("ingest ") or run.started_at[:10] < day:
            continue
        for source, error in run.errors.items():
            # A partial run read some of its feeds or accounts: say which failed, not "failed".
            status = "partial" if run.status == "partial" else "failed"
            lines[source] = Health(source, status, counts.get(source, 0), error)
        for source in run.counts:
            if source not in run.errors and source in lines:
                lines[source] = Health(source, "ok", counts.get(source, 0))
    return tuple(
        h if h.items or h.status in ("failed", "partial") else replace(h, status="empty")
        for h in sorted(lines.values(), key=lambda h: h.source)
    )


PEOPLE_SHOWN = 10


def people_posts(store: Store, people: tuple[str, ...], day: str) -> tuple[PostLine, ...]:
    """Followed people's posts of ``day`` and the day before, newest first, each with the
    papers it links to (a post that links none is shown all the same)."""
    if not people or not store.post_count():
        return ()
    since = str(dt.date.fromisoformat(day) - dt.timedelta(days=1))
    found = store.posts(since=since, until=day, authors=people, limit=PEOPLE_SHOWN)
    ids = store.paper_refs_by_pk(sorted({pk for s in found for pk in s.paper_pks}))
    lines = []
    for stored in found:
        post = stored.post
        text = post.title if post.kind == "blog" and post.title else post.text
        lines.append(
            PostLine(
                author=post.author,
                name=post.author_name or post.feed or post.author,
                text=_cut(" ".join(text.split()), 50),
                url=post.url if (post.url or "").startswith(("https://", "http://")) else None,
                posted_at=post.posted_at,
                source=post.source,
                papers=tuple(_public_id(ids[pk]) for pk in stored.paper_pks if pk in ids),
            )
        )
    return tuple(lines)


def _cut(text: str, words: int) -> str:
    parts = text.split(" ")
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


def _public_id(ref: str) -> str:
    # arxiv:ID is shown as the bare id, the way papers are named everywhere else.
    return ref.removeprefix("arxiv:")
