"""Sentences out of an abstract: split, cleaned, sorted into problem / method / result, shortened.

The offline composer writes only with what this module hands it, so every sentence it prints is
the paper's own words, lightly edited: LaTeX markup unwrapped, "we" turned into the paper's name
or "the authors", long sentences cut at a clause boundary rather than mid-thought. Numbers are
never created or changed here, which is what lets the tests check that every number in a
briefing occurs in the paper it describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "et al.",
    "etc.",
    "vs.",
    "cf.",
    "Fig.",
    "Figs.",
    "Eq.",
    "Sec.",
    "approx.",
    "resp.",
    "No.",
    "Dr.",
    "St.",
)
_SPLIT = re.compile(
    r"(?<=[.!?。！？])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff$\\])|(?<=[。！？])"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_LATEX_CMD = re.compile(
    r"\\(?:emph|textbf|textit|texttt|mathrm|mathbf|text|mathcal|bm)\{([^{}]*)\}"
)
_SPACES = re.compile(r"\s+")

PROBLEM_CUES = (
    "however",
    "remain",
    "challeng",
    "struggl",
    "limited",
    "limitation",
    "suffer",
    "bottleneck",
    "costly",
    "expensive",
    "lack",
    "despite",
    "fail",
    "difficult",
    "problem",
    "issue",
    "unclear",
    "hinder",
    "prohibitive",
    "degrad",
    "existing",
    "current ",
)
METHOD_CUES = (
    "we propose",
    "we introduce",
    "we present",
    "we develop",
    "we design",
    "we build",
    "we formulate",
    "we construct",
    "we release",
    "this paper",
    "this work",
    "in this paper",
    "in this work",
    "our approach",
    "our method",
    "our framework",
    "is a ",
    "we study",
    "we investigate",
    "we explore",
)
RESULT_CUES = (
    "achiev",
    "outperform",
    "improv",
    "reduc",
    "speedup",
    "speed-up",
    "faster",
    "surpass",
    "state-of-the-art",
    "sota",
    "experiments",
    "results",
    "demonstrat",
    "show that",
    "shows that",
    "matches",
    "accuracy",
    "gain",
    "boost",
    "beats",
    "lower",
    "higher",
    "up to",
)
FINDING_CUES = (
    "we find",
    "we show",
    "we observe",
    "we reveal",
    "reveals that",
    "suggest",
    "indicat",
    "highlight",
    "insight",
    "we identify",
    "we demonstrate",
)
BOILERPLATE = (
    "code is available",
    "code and data",
    "code will be",
    "is publicly available",
    "are publicly available",
    "will be released",
    "will be made",
    "github.com",
    "project page",
    "https://",
    "http://",
    "accepted",
    "to appear",
    "pages,",
    "this manuscript",
)


@dataclass(frozen=True)
class Sentence:
    """One cleaned sentence of an abstract with where it stood and what it seems to do."""

    text: str
    index: int
    role: str  # "problem", "method", "result", "finding" or "context"
    numbers: tuple[str, ...]


def clean(text: str) -> str:
    """Unwrap the LaTeX and markup abstracts carry, keeping the symbols a reader needs."""
    text = _LATEX_CMD.sub(r"\1", text)
    text = text.replace("\\%", "%").replace("~", " ").replace("\\times", "×")
    text = re.sub(r"\$([^$]{1,80})\$", r"\1", text)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return _SPACES.sub(" ", text).strip()


def numbers(text: str) -> tuple[str, ...]:
    """Every run of digits in a text, "1,000" read as 1000. Deliberately loose ("Qwen2.5" holds
    2.5) so that a number checked against a paper is found wherever the paper wrote it."""
    return tuple(_NUMBER.findall(_THOUSANDS.sub("", text)))


def split(abstract: str) -> list[str]:
    """Sentences of an abstract; abbreviations and decimals do not end a sentence."""
    text = clean(abstract)
    protected = text
    for abbr in ABBREVIATIONS:
        protected = protected.replace(abbr, abbr.replace(".", "\x00"))
    parts = [p.replace("\x00", ".").strip() for p in _SPLIT.split(protected)]
    return [p for p in parts if len(p) > 1]


def classify(text: str, index: int, total: int) -> str:
    low = text.lower()
    if any(c in low for c in FINDING_CUES) and index > 0:
        return "finding"
    if any(c in low for c in METHOD_CUES):
        return "method"
    if index > 0 and (
        any(c in low for c in RESULT_CUES) or (numbers(text) and index >= total // 2)
    ):
        return "result"
    if any(c in low for c in PROBLEM_CUES) or index == 0:
        return "problem"
    return "context"


def sentences(abstract: str) -> list[Sentence]:
    """The abstract's sentences with roles, boilerplate (code links, venue notes) dropped."""
    raw = split(abstract)
    found = []
    for i, text in enumerate(raw):
        if any(b in text.lower() for b in BOILERPLATE):
            continue
        found.append(Sentence(text, i, classify(text, i, len(raw)), numbers(text)))
    return found


_ENUMERATION = re.compile(r"\(\d\)|\b\d\)")
_GAIN = re.compile(r"\d(?:\.\d+)?\s?(?:%|×|x\b|times\b|-fold|fold\b)")
_DANGLING = re.compile(r"^(?:It|This|These|They|Such|Its|Their)\b")


def claim_strength(text: str, role: str = "result") -> float:
    """How well a sentence or clause backs a claim: measured gains first, then any numbers,
    then comparative wording. Enumerations ("(1)") are not numbers; a sentence that opens
    with "It"/"This" leans on one the briefing may not show, so it counts for less."""
    low = text.lower()
    count = len(numbers(_ENUMERATION.sub("", text)))
    score = 1.5 * min(count, 3) + sum(c in low for c in RESULT_CUES)
    score += 3.0 * min(len(_GAIN.findall(text)), 2)
    if role == "result":
        score += 1.5
    if dangling(text):
        score -= 3.0
    if _ENUMERATION.search(text):
        score -= 3.0
    return score


def dangling(text: str) -> bool:
    """Whether a sentence opens by pointing back ("It …", "These …") at one before it."""
    return bool(_DANGLING.match(text))


def result_strength(s: Sentence) -> float:
    return claim_strength(s.text, s.role)


def shorten(text: str, max_words: int = 38) -> str:
    """Cut a long sentence at the last clause boundary within ``max_words``, ending it cleanly.

    Parenthetical asides go first (unless they hold a number, which is often the result);
    then the sentence is cut at a semicolon, a dash or a ", while/which/and" clause. A
    sentence with no boundary in reach is kept whole rather than broken mid-phrase.
    """
    text = text.strip()
    if len(text.split()) > max_words:
        text = re.sub(r"\s*\((?![^()]*\d)[^()]{0,120}\)", "", text)
    words = text.split()
    if len(words) <= max_words:
        return _end(text)
    head = " ".join(words[:max_words])
    cuts = [
        m.start()
        for m in re.finditer(
            r";|\s[—–]\s|,\s(?:while|which|whereas|thereby|where|and|but|yet|enabling|allowing|"
            r"making|leading|resulting|achieving|without|with)\b",
            head,
        )
    ]
    cuts = [c for c in cuts if len(head[:c].split()) >= max_words // 3]
    if cuts:
        return _end(head[: cuts[-1]])
    return _end(text)


def _end(text: str) -> str:
    text = text.rstrip(" ,;:—–-")
    if text and text[-1] not in ".!?。！？":
        text += "."
    return text


_WE_LEAD = re.compile(
    r"^(?:(?:In this (?:paper|work|study)|Here|To this end|"
    r"To (?:address|tackle|solve) [^,]{1,60}),\s*)?"
    r"we\b",
    re.I,
)
_THIS_PAPER = re.compile(r"^(?:In )?[Tt]his (?:paper|work|study)\b,?")
_OUR_METHOD = re.compile(r"\b[Oo]ur (?:proposed )?(?:method|approach|framework|model|system)\b")
_PRONOUNS = (
    (re.compile(r"\bwe\b"), "the authors"),
    (re.compile(r"\bWe\b"), "The authors"),
    (re.compile(r"\bour\b"), "their"),
    (re.compile(r"\bOur\b"), "Their"),
    (re.compile(r"\bus\b"), "them"),
)


_CONNECTIVE = re.compile(
    r"^(?:Specifically|Moreover|Furthermore|In addition|Additionally|Finally|Notably|Importantly|"
    r"Overall|Concretely|In particular|Further|Besides|Crucially|As a result|Consequently|"
    r"To this end|Based on (?:this|these)[^,]{0,40}|Motivated by [^,]{1,60}|"
    r"Building on [^,]{1,60}|Inspired by [^,]{1,60}|"
    r"To (?:facilitate|support|overcome|address|tackle|bridge|close|fill|mitigate|alleviate|"
    r"remedy|resolve) [^,]{1,60}),\s+"
)


def third_person(text: str, name: str | None) -> str:
    """Retell an author's sentence about the paper: "We propose X" becomes "The authors propose
    X"; "our method" becomes the paper's short name when it has one. A leading connective
    ("Moreover, …") is dropped, since the sentence no longer follows the one it linked to."""
    text = _CONNECTIVE.sub("", text, count=1)
    out = _WE_LEAD.sub("The authors", text, count=1)
    out = _THIS_PAPER.sub("The paper", out, count=1)
    out = _OUR_METHOD.sub(name or "the proposed method", out)
    for pattern, word in _PRONOUNS:
        out = pattern.sub(word, out)
    return out[0].upper() + out[1:] if out else out


_NAME_IN_TITLE = re.compile(r"^([^:]{2,40}?):\s+\S")
_NAMED = re.compile(
    r"\b(?:propose|introduce|present|develop|call|named|dubbed|termed)s?\s+(?:(?:a|an|the|our)\s+)?"
    r"(?:[\w-]+\s+){0,4}?\(?([A-Z][A-Za-z0-9]*(?:[A-Z0-9][A-Za-z0-9]*|-[A-Za-z0-9]+)+)\)?"
)


_EXPANDED = re.compile(
    r"\b(?:propose|introduce|present)s?\s+([A-Za-z][\w-]{2,20})\s+\((?:[A-Z][\w-]*\s?){2,}"
)


# A name introduced as a benchmark or dataset is not the name of the paper's method.
_RESOURCE = re.compile(r"^[^.;]{0,30}\b(?:benchmark|dataset|corpus|suite|testbed|leaderboard)")


def short_name(title: str, abstract: str = "") -> str | None:
    """The name a paper goes by ("DFlash" for "DFlash: Block Diffusion for …"), if it has one."""
    found = _NAME_IN_TITLE.match(clean(title))
    if found and len(found.group(1).split()) <= 3:
        return found.group(1).strip()
    text = clean(abstract)
    for pattern in (_NAMED, _EXPANDED):
        for named in pattern.finditer(text):
            after = text[named.end(1) : named.end(1) + 60].lower()
            if 2 <= len(named.group(1)) <= 24 and not _RESOURCE.search(after):
                return named.group(1)
    return None


def subtitle(title: str) -> str:
    """The descriptive part of a title: what follows the name and colon, else the title."""
    title = clean(title)
    found = _NAME_IN_TITLE.match(title)
    if found and len(found.group(1).split()) <= 3:
        return title[found.end(1) + 1 :].strip()
    return title


def label(title: str, abstract: str = "", words: int = 6) -> str:
    """How the briefing refers to a paper in running text: its name, else its title's opening."""
    name = short_name(title, abstract)
    if name:
        return name
    head = clean(title).split()
    text = " ".join(head[:words])
    return text if len(head) <= words else text.rstrip(",:;") + "…"


def strip_lead(text: str) -> str:
    """Drop the scaffolding before a finding ("Experiments show that …") and keep the claim."""
    out = re.sub(
        r"^(?:[A-Z][\w\s,-]{0,100}?\b(?:show|shows|demonstrate|demonstrates|reveal|reveals|find|"
        r"indicate|indicates|suggest|suggests|confirm|confirms)\s+that\s+)",
        "",
        text,
    )
    if out is text or not out:
        return text
    return out[0].upper() + out[1:]
