"""The offline composer: a briefing written from the papers' own sentences, with no network.

For each featured paper it finds the sentence that states the problem, the one that states the
idea and the strongest result (numbers first), retells them in the third person and cuts them
at clause boundaries; takeaways are the findings and results the narrative did not use, stripped
of their "experiments show that" scaffolding. The headline is the paper's best-backed claim.
It is deterministic: the same papers give the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperradar.brief import extract
from paperradar.brief.extract import Sentence
from paperradar.models import Paper

NARRATIVE_WORDS = 40
TAKEAWAY_WORDS = 28
HEADLINE_WORDS = 14


@dataclass(frozen=True)
class PaperText:
    headline: str
    narrative: tuple[str, ...]
    takeaways: tuple[str, ...]
    overview: str
    line: str  # the one-liner used when the paper is only noted
    claim: str  # the strongest result clause, "" when the abstract states none
    strength: float


def compose(paper: Paper, name: str) -> PaperText:
    """Headline, narrative, takeaways and one-liners for one paper, from its abstract."""
    sents = extract.sentences(paper.abstract)
    named = extract.short_name(paper.title, paper.abstract)
    if not sents:
        title = extract.clean(paper.title)
        return PaperText(title, (), (), f"{name}: {title}.", title, "", 0.0)

    def retell(s: Sentence, words: int = NARRATIVE_WORDS) -> str:
        return extract.shorten(extract.third_person(s.text, named), words)

    problem = _first(sents, "problem") or sents[0]
    method = _first(sents, "method", after=problem.index) or _next(sents, problem)
    results = sorted(
        (s for s in sents if s.role in ("result", "finding") and s not in (problem, method)),
        key=lambda s: (-extract.result_strength(s), s.index),
    )
    best = results[0] if results and extract.result_strength(results[0]) > 0 else None
    story = [s for s in (problem, method, best) if s is not None]
    if len(story) < 3:
        story += [s for s in sents if s not in story][: 3 - len(story)]
    detail = _next(sents, method) if method else None
    words = sum(len(s.text.split()) for s in story)
    if detail and detail not in story and detail.role != "problem" and words < 80:
        story.append(detail)
    story = sorted(set(story), key=lambda s: s.index)[:4]
    narrative = tuple(retell(s) for s in story)

    claim = _clause(best, named) if best else ""
    takeaways = _takeaways(sents, story, best, named)
    headline = _headline(claim, named, paper.title)
    summary = retell(method, 24) if method else narrative[0]
    overview = f"{name}: {summary}"
    if (
        claim
        and extract.numbers(claim)
        and len(claim.split()) <= 22
        and claim.rstrip(".") not in summary
    ):
        overview += f" {_sentence(claim)}"
    strong = best and extract.claim_strength(best.text) >= 4 and not extract.dangling(best.text)
    line = retell(best, 26) if best and strong else summary
    strength = extract.result_strength(best) if best else 0.0
    return PaperText(headline, narrative, takeaways, overview, line, claim, strength)


def _first(sents: list[Sentence], role: str, after: int = -1) -> Sentence | None:
    return next((s for s in sents if s.role == role and s.index > after), None)


def _next(sents: list[Sentence], current: Sentence | None) -> Sentence | None:
    if current is None:
        return None
    return next((s for s in sents if s.index > current.index), None)


_PARTICIPLES = {
    "achieving": "achieves", "outperforming": "outperforms", "reducing": "reduces",
    "yielding": "yields", "improving": "improves", "delivering": "delivers",
    "reaching": "reaches", "surpassing": "surpasses", "exhibiting": "exhibits",
    "enabling": "enables", "matching": "matches", "cutting": "cuts", "boosting": "boosts",
    "attaining": "attains", "providing": "provides", "obtaining": "obtains",
    "running": "runs", "maintaining": "maintains", "beating": "beats", "saving": "saves",
}  # fmt: skip
_SUBJECTLESS = {
    *_PARTICIPLES.values(), "is", "are", "remains", "performs", "generalizes", "scales",
    "speeds", "requires", "uses", "runs", "gives",
}  # fmt: skip
_OPENS_BARE = set(_PARTICIPLES) | _SUBJECTLESS
_OBSERVE = re.compile(r"\bthe authors (?:observe|report|see|measure|obtain|find)\b", re.I)
_CLAUSE_SPLIT = re.compile(
    r";|,\s(?:while|and|whereas|with|which|including|but)\s|\s(?:where|while|whereas)\s|"
    r",\s(?=(?:" + "|".join(_PARTICIPLES) + r")\b)"
)


def _clause(sentence: Sentence, name: str | None) -> str:
    """The part of a result sentence that carries its strongest number, as a short claim with a
    subject: "..., achieving 16 FPS on a single GPU" becomes "ShotStream achieves 16 FPS …"."""
    text = extract.third_person(extract.strip_lead(sentence.text), name)
    parts = [p.strip(" ,") for p in _CLAUSE_SPLIT.split(text) if p and p.strip(" ,")]
    if not parts:
        return ""
    if not name:  # a clause that lost its subject cannot be given the paper's name
        parts = [p for p in parts if p.split()[0].lower() not in _OPENS_BARE] or parts[:1]
    best = max(parts, key=lambda p: (extract.claim_strength(p), -parts.index(p)))
    if best is parts[0] and extract.dangling(text):
        return ""  # "It reaches 9%": the "it" is in a sentence the briefing does not show
    if name:
        best = _OBSERVE.sub(f"{name} shows", best, count=1)
    words = best.split()
    first = words[0].lower()
    if first in _PARTICIPLES:
        words[0] = _PARTICIPLES[first]
        first = words[0]
    if first in ("it", "they") and name:
        words[0] = name
    elif first in _SUBJECTLESS:
        if not name:
            return ""
        words.insert(0, name)
    best = " ".join(words)
    if not (name and best.startswith(name)):
        best = best[0].upper() + best[1:]
    return extract.shorten(best, HEADLINE_WORDS + 6)


def _headline(claim: str, name: str | None, title: str) -> str:
    """A claim-shaped headline when the abstract has a measured result, else the title's gist."""
    if claim and extract.numbers(claim) and len(claim.split()) <= HEADLINE_WORDS + 6:
        return claim.rstrip(".")
    return extract.subtitle(title)


def _takeaways(
    sents: list[Sentence], story: list[Sentence], best: Sentence | None, name: str | None
) -> tuple[str, ...]:
    """Two or three points worth remembering: findings and measured results the narrative left
    out first, then the idea and the headline result in their shortest form. Background
    sentences ("X is a cornerstone of …") are never takeaways."""
    used = {s.index for s in story}
    useful = [s for s in sents if s.role in ("finding", "result", "method")]
    fresh = sorted(
        (s for s in useful if s.index not in used),
        key=lambda s: (-(s.role == "finding") - extract.result_strength(s) / 10, s.index),
    )
    out: list[str] = []

    def add(text: str) -> None:
        if text and len(out) < 3 and not any(_same(text, o) for o in out):
            out.append(text)

    for s in fresh:
        text = extract.third_person(extract.strip_lead(s.text), name)
        if not extract.dangling(text):
            add(extract.shorten(text, TAKEAWAY_WORDS))
    if len(out) < 2 and best is not None:
        add(_clause(best, name))
    for s in useful:
        if len(out) >= 2:
            break
        if s.index in used and s is not best:
            add(extract.shorten(extract.third_person(extract.strip_lead(s.text), name), 24))
    return tuple(t for t in out if len(t.split()) <= TAKEAWAY_WORDS + 14)


def _same(a: str, b: str) -> bool:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb))) > 0.6


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] if text else text


def title_line(texts: list[tuple[str, PaperText]]) -> str:
    """The day's headline: the best-backed measured claim among the featured papers, named,
    and a second one when it is short; the first featured paper's gist when none has one."""
    picks = title_picks(texts)
    if not picks:
        name, first = texts[0]
        head = first.headline if name in first.headline else f"{name}: {first.headline}"
        return _sentence(head)
    return joined_title([(texts[i][0], texts[i][1].headline) for i in picks])


def title_picks(texts: list[tuple[str, PaperText]]) -> list[int]:
    """Which featured papers (by position) the day's headline is made of: the one or two with
    the best-backed measured claims, strongest first; none when no headline is a claim."""
    claims = [i for i, (_, t) in enumerate(texts) if t.headline == t.claim.rstrip(".")]
    claims.sort(key=lambda i: (-texts[i][1].strength, i))
    return claims[:2]


def joined_title(heads: list[tuple[str, str]]) -> str:
    """(name, headline) pairs as one title line, each headline named; a second one only when
    it is short."""
    parts: list[str] = []
    for name, head in heads:
        if name.lower() not in head.lower():
            head = f"{name}: {head}"
        if parts and len(head.split()) > 14:
            break
        parts.append(head)
    return _sentence("; ".join(parts))
