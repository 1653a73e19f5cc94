"""Today's Observation: the selected papers grouped into themes, and the strongest theme retold.

A theme is a tag shared by two or more selected papers; the strongest is the biggest, ties going
to the higher summed score. What ties its papers together is the rarest phrase they share
(rare against the whole day, so "language models" never wins), and where the theme is heading
comes from the store itself: how often that phrase appeared in the last week against the three
weeks before. Everything named is in the briefing; nothing is invented.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paperradar.brief.model import Theme
from paperradar.brief.tags import localized
from paperradar.models import Paper

Share = Callable[[str, str, str], tuple[int, int]]  # (phrase, first day, last day) -> (hits, total)
MIN_HISTORY = 200  # papers in the earlier window before a trend is worth stating
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
STOP = set(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "these",
        "those",
        "into",
        "over",
        "under",
        "via",
        "using",
        "based",
        "their",
        "our",
        "its",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "can",
        "not",
        "but",
        "also",
        "than",
        "then",
        "more",
        "most",
        "such",
        "which",
        "while",
        "when",
        "where",
        "what",
        "how",
        "why",
        "all",
        "any",
        "each",
        "both",
        "other",
        "only",
        "very",
        "well",
        "new",
        "novel",
        "propose",
        "proposed",
        "present",
        "presents",
        "introduce",
        "introduces",
        "approach",
        "approaches",
        "method",
        "methods",
        "model",
        "models",
        "framework",
        "paper",
        "work",
        "results",
        "result",
        "show",
        "shows",
        "shown",
        "performance",
        "task",
        "tasks",
        "data",
        "large",
        "language",
        "learning",
        "existing",
        "across",
        "achieve",
        "achieves",
        "state-of-the-art",
        "art",
        "state",
        "however",
        "significantly",
        "significant",
        "recent",
        "problem",
        "problems",
        "use",
        "used",
        "study",
        "studies",
        "demonstrate",
        "experiments",
        "extensive",
        "benchmark",
        "benchmarks",
        "way",
        "address",
        "key",
        "first",
        "one",
        "two",
        "three",
        "without",
        "within",
        "between",
        "improve",
        "improves",
        "improved",
        "improvement",
        "effective",
        "efficient",
        "efficiently",
        "enables",
        "enable",
        "remains",
        "remain",
        "large-scale",
        "llms",
        "llm",
        "different",
        "multiple",
        "various",
        "further",
        "including",
        "often",
        "high",
        "low",
        "better",
        "without",
        "towards",
        "toward",
        "through",
        "while",
        "make",
        "makes",
    ]
)
NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


@dataclass(frozen=True)
class Entry:
    """A selected paper as the observation sees it."""

    id: str
    name: str
    tag: str
    score: float
    claim: str  # its measured claim, or a short retelling of its idea
    paper: Paper


def themes(entries: Sequence[Entry], day_papers: Sequence[Paper]) -> list[Theme]:
    """Themes of the selection, strongest first; one-paper themes come last."""
    by_tag: dict[str, list[Entry]] = {}
    for e in entries:
        by_tag.setdefault(e.tag, []).append(e)
    order = sorted(by_tag.items(), key=lambda kv: (-len(kv[1]), -sum(e.score for e in kv[1])))
    df = _document_frequency(day_papers)
    found = []
    for tag, members in order:
        terms = (
            shared_terms([m.paper for m in members], df, len(day_papers))
            if len(members) > 1
            else ()
        )
        found.append(
            Theme(tag, tuple(m.id for m in members), tuple(m.name for m in members), terms)
        )
    return found


def _phrases(paper: Paper) -> set[str]:
    grams: set[str] = set()
    # Bigrams never cross punctuation: "Rewards (RLVR)" is not the phrase "rewards rlvr".
    for chunk in re.split(r"[^\w\s-]+", f"{paper.title}. {paper.abstract}".lower()):
        words = _WORD.findall(chunk)
        grams |= {w for w in words if w not in STOP}
        grams |= {
            f"{a} {b}" for a, b in itertools.pairwise(words) if a not in STOP and b not in STOP
        }
    return grams


def _document_frequency(papers: Sequence[Paper]) -> Counter[str]:
    df: Counter[str] = Counter()
    for p in papers:
        df.update(_phrases(p))
    return df


def shared_terms(
    papers: Sequence[Paper], df: Counter[str], total: int, k: int = 2
) -> tuple[str, ...]:
    """Phrases most of ``papers`` share that the rest of the day rarely uses."""
    counts: Counter[str] = Counter()
    for p in papers:
        counts.update(_phrases(p))
    need = max(2, math.ceil(len(papers) / 2))
    scored = []
    for phrase, n in counts.items():
        if n < need:
            continue
        rarity = math.log((1 + total) / (1 + df.get(phrase, 0)))
        scored.append((n * rarity * (1.6 if " " in phrase else 1.0), phrase))
    chosen: list[str] = []
    for _, phrase in sorted(scored, key=lambda s: (-s[0], s[1])):
        if any(phrase in c or c in phrase for c in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == k:
            break
    return tuple(chosen)


def trend(phrase: str, day: str, share: Share) -> str:
    """ "rising", "steady", "cooling", or "" when the store holds too little history to tell."""
    end = dt.date.fromisoformat(day)
    recent = share(phrase, (end - dt.timedelta(days=6)).isoformat(), day)
    before = share(
        phrase,
        (end - dt.timedelta(days=27)).isoformat(),
        (end - dt.timedelta(days=7)).isoformat(),
    )
    if before[1] < MIN_HISTORY or recent[1] == 0:
        return ""
    now_share = recent[0] / recent[1]
    then_share = before[0] / before[1]
    if recent[0] >= 3 and now_share >= 1.5 * max(then_share, 1e-9):
        return "rising"
    if then_share and now_share <= 0.6 * then_share:
        return "cooling"
    return "steady"


def count_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def observation(entries: Sequence[Entry], found: list[Theme], lang: str = "en") -> str:
    """One paragraph connecting the day's selected papers into the strongest trend."""
    by_id = {e.id: e for e in entries}
    strong = [t for t in found if len(t.paper_ids) > 1]
    if not strong:
        if not entries:
            return ""
        top = max(entries, key=lambda e: e.score)
        return (
            f"Today's picks spread over {count_word(len(found))} themes with no two on the same "
            f"problem. The strongest single result is {top.name}: {_lower_first(top.claim)}"
            if top.claim
            else f"Today's picks spread over {count_word(len(found))} themes with no two on the "
            f"same problem; the first of them is {top.name}."
        )
    lead = strong[0]
    members = [by_id[i] for i in lead.paper_ids]
    tag = localized(lead.tag, lang)
    parts = [
        f"The clearest thread today is {tag}: {count_word(len(members))} of the "
        f"{count_word(len(entries))} papers in this briefing, {_join(lead.names)}."
    ]
    claims = [
        m.claim.rstrip(".")
        if m.claim.startswith(m.name)
        else f"{m.name} — {_lower_first(m.claim).rstrip('.')}"
        for m in members[:3]
        if m.claim
    ]
    if claims:
        parts.append(_upper_first("; ".join(claims)) + ".")
    if lead.terms:
        parts.append(f"What ties them together is {_join([repr_term(t) for t in lead.terms])}.")
        term = repr_term(lead.terms[0])
        parts.append(
            {
                "rising": f"This is where the field is moving: {term} appears in a clearly larger "
                "share of this week's listings than in the three weeks before, so expect more "
                "work built on it.",
                "steady": f"{_upper_first(term)} has held a steady share of the listings this "
                "month; today's papers push a sustained line of work rather than a one-day spike.",
                "cooling": f"Mentions of {term} are thinning against the weeks before, so these "
                "papers read as consolidation of an established approach more than a new front.",
                "": f"With {count_word(len(members))} of today's picks on it, {term} is the line "
                "to watch in the coming days.",
            }[lead.trend]
        )
    others = [t for t in found if t is not lead][:3]
    if others:
        parts.append(
            "Elsewhere: "
            + "; ".join(f"{localized(t.tag, lang)} ({_join(t.names)})" for t in others)
            + "."
        )
    return " ".join(parts)


def repr_term(term: str) -> str:
    return f"“{term}”"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _upper_first(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text
