"""The Briefing record: what a day's briefing says, independent of how it is rendered.

Composers (offline, LLM) fill it; renderers (Markdown, HTML, JSON) only read it. It is frozen
and holds no timestamps, so the same inputs give byte-identical output, which the tests check.
``to_json`` is the stable ``--json`` schema.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceBlock:
    """Where a featured paper comes from and why it was picked for this reader."""

    title: str
    authors: tuple[str, ...]
    id: str
    doi: str | None
    links: dict[str, str | None]
    why: str
    extra: tuple[str, ...] = ()  # "42 upvotes on HF", "1,203 GitHub stars"


@dataclass(frozen=True)
class Featured:
    paper_id: str
    name: str
    tag: str
    headline: str
    narrative: tuple[str, ...]
    takeaways: tuple[str, ...]
    overview: str
    source: SourceBlock
    composer: str = "offline"


@dataclass(frozen=True)
class Noted:
    paper_id: str
    name: str
    tag: str
    title: str
    line: str
    link: str | None
    why: str
    composer: str = "offline"


@dataclass(frozen=True)
class Theme:
    tag: str
    paper_ids: tuple[str, ...]
    names: tuple[str, ...]
    terms: tuple[str, ...] = ()
    trend: str = ""  # "rising", "steady", "cooling" or "" when the store is too young


@dataclass(frozen=True)
class Health:
    source: str
    status: str  # "ok", "partial", "failed" or "empty"
    items: int
    detail: str = ""


@dataclass(frozen=True)
class PostLine:
    """A post from somebody the reader follows, for "From people you follow"."""

    author: str  # handle or feed URL
    name: str  # how the author calls themself (or the blog's name)
    text: str  # the post, cut to a few sentences
    url: str | None
    posted_at: str | None
    source: str
    papers: tuple[str, ...] = ()  # ids of the papers it links to, when any


@dataclass(frozen=True)
class Briefing:
    day: str
    lang: str
    title: str
    overview: tuple[str, ...]
    featured: tuple[Featured, ...]
    noted: tuple[Noted, ...]
    observation: str
    themes: tuple[Theme, ...]
    health: tuple[Health, ...]
    people: tuple[PostLine, ...] = ()
    composer: str = "offline"
    stats: dict[str, Any] = field(default_factory=dict, hash=False)

    def papers(self) -> list[str]:
        return [f.paper_id for f in self.featured] + [n.paper_id for n in self.noted]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Briefing:
        """The Briefing back from ``to_json`` (the archive in the store keeps that form)."""

        def source(s: dict[str, Any]) -> SourceBlock:
            return SourceBlock(**{**s, "authors": tuple(s["authors"]), "extra": tuple(s["extra"])})

        def featured(f: dict[str, Any]) -> Featured:
            return Featured(
                **{
                    **f,
                    "narrative": tuple(f["narrative"]),
                    "takeaways": tuple(f["takeaways"]),
                    "source": source(f["source"]),
                }
            )

        def theme(t: dict[str, Any]) -> Theme:
            return Theme(
                tag=t["tag"],
                paper_ids=tuple(t["paper_ids"]),
                names=tuple(t["names"]),
                terms=tuple(t.get("terms", ())),
                trend=t.get("trend", ""),
            )

        return cls(
            **{
                **data,
                "overview": tuple(data["overview"]),
                "featured": tuple(featured(f) for f in data["featured"]),
                "noted": tuple(Noted(**n) for n in data["noted"]),
                "themes": tuple(theme(t) for t in data["themes"]),
                "health": tuple(Health(**h) for h in data["health"]),
                "people": tuple(
                    PostLine(**{**p, "papers": tuple(p["papers"])}) for p in data.get("people", ())
                ),
            }
        )
