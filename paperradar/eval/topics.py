"""Topic sets for ``radar eval``'s liked-papers task: which papers form one, and hiding its name.

A topic is the set of papers whose title names a method or field; the eval hides the name from
every title and abstract so a ranker must find the topic by its content. The 18 hand-picked
``LIKED_TOPICS`` are the "named" set. ``generated_topics`` finds a larger set by a fixed rule
instead of by hand (every acronym or CamelCase name used in enough titles over enough months),
and ``split_of`` halves it by a hash of the name: tune on "dev", report "test".
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from paperradar.errors import UsageError
from paperradar.models import Paper

# (name, title/abstract pattern, case-sensitive?) — distinctive method names from the corpus's
# titles, each named in 30 to 300 titles spread over many months.
LIKED_TOPICS: tuple[tuple[str, str, bool], ...] = (
    ("LoRA", r"\bLoRA\w*", True),
    ("CLIP", r"\bCLIP\b", True),
    ("SAM", r"\bSAM\d*\b", True),
    ("GRPO", r"\bGRPO\b", True),
    ("MoE", r"\bMoEs?\b|\bmixture[- ]of[- ]experts\b", False),
    ("YOLO", r"\bYOLO\w*", True),
    ("SLAM", r"\bSLAM\b", True),
    ("NeRF", r"\bNeRFs?\b|\bneural radiance fields?\b", False),
    ("DETR", r"\b\w*DETR\b", True),
    ("RLVR", r"\bRLVR\b", True),
    ("DPO", r"\bDPO\b", True),
    ("JEPA", r"\b\w*JEPA\b", True),
    ("VGGT", r"\bVGGT\b", True),
    ("LLaVA", r"\bLLaVA\S*", True),
    ("Mamba", r"\bMamba\w*", False),
    ("Gaussian Splatting", r"\bGaussian[- ]Splatting\b|\b3DGS\b", False),
    ("Speculative decoding", r"\bspeculative decoding\b", False),
    ("KV cache", r"\bKV[- ]cache\w*", False),
)


SEEDS, LATER = 5, 10  # a topic's liked seeds, and the later papers it needs at least
MIN_TITLES, MAX_TITLES, MIN_MONTHS, OVERLAP = 20, 300, 6, 0.5  # the generated topics' rule


@dataclass(frozen=True)
class TopicSet:
    name: str
    members: tuple[int, ...]  # corpus indices, by listing date
    pattern: re.Pattern[str]


def topic_sets(
    corpus: Sequence[Paper],
    topics: Sequence[tuple[str, str, bool]] = LIKED_TOPICS,
    *,
    seeds: int = SEEDS,
    min_later: int = LATER,
) -> list[TopicSet]:
    out = []
    for name, pattern, case in topics:
        regex = re.compile(pattern, 0 if case else re.IGNORECASE)
        members = [i for i, p in enumerate(corpus) if regex.search(p.title)]
        if found := _topic_set(corpus, name, members, regex, seeds + min_later):
            out.append(found)
    return out


def _topic_set(
    corpus: Sequence[Paper], name: str, members: Iterable[int], regex: re.Pattern[str], least: int
) -> TopicSet | None:
    """The members by listing date, if there are at least ``least`` of them."""
    ordered = sorted(members, key=lambda i: (corpus[i].announced or "", corpus[i].arxiv_id or ""))
    return TopicSet(name, tuple(ordered), regex) if len(ordered) >= least else None


# An acronym or CamelCase name: two or more capitals (GRPO, LoRA, 3DGS, DINOv3), a whole token
# (a hyphen ends a token: "AI-ECG" names ECG, as every tokenizer that splits on it would see).
_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![A-Za-z0-9])")
TOPIC_SPLITS = ("named", "generated", "dev", "test")


def generated_topics(
    corpus: Sequence[Paper],
    *,
    min_titles: int = MIN_TITLES,
    max_titles: int = MAX_TITLES,
    min_months: int = MIN_MONTHS,
    overlap: float = OVERLAP,
) -> list[tuple[str, str, bool]]:
    """Topics found by a fixed rule rather than picked: every name with two or more capitals
    that ``min_titles`` to ``max_titles`` titles use, across ``min_months`` calendar months or
    more (a lasting method or field, not one paper's acronym). A plural folds into its singular
    (VLMs into VLM); a name sharing more than ``overlap`` of its titles with a more frequent one
    is left out. Most used first, in ``LIKED_TOPICS``' (name, pattern, case-sensitive) form."""
    rule = (min_titles, max_titles, min_months, overlap)
    return [(name, _pattern(name), True) for name, _ in _names_in_titles(corpus, *rule)]


def _pattern(name: str) -> str:
    edge = "A-Za-z0-9"
    return rf"(?<![{edge}]){re.escape(name)}s?(?![{edge}])"


def _names_in_titles(
    corpus: Sequence[Paper], min_titles: int, max_titles: int, min_months: int, overlap: float
) -> list[tuple[str, set[int]]]:
    """``generated_topics``' names with the titles that use them (the titles its pattern finds)."""
    titles: dict[str, set[int]] = defaultdict(set)
    months: dict[str, set[str]] = defaultdict(set)
    for i, paper in enumerate(corpus):
        for token in set(_NAME.findall(paper.title)):
            if sum(c.isupper() for c in token) < 2:
                continue
            if token.endswith("s") and sum(c.isupper() for c in token[:-1]) >= 2:
                token = token[:-1]
            titles[token].add(i)
            months[token].add((paper.announced or "")[:7])
    found = sorted(
        (
            (name, members)
            for name, members in titles.items()
            if min_titles <= len(members) <= max_titles and len(months[name]) >= min_months
        ),
        key=lambda item: (-len(item[1]), item[0]),
    )
    kept: list[tuple[str, set[int]]] = []
    for name, members in found:
        if all(len(members & other) <= overlap * len(members) for _, other in kept):
            kept.append((name, members))
    return kept


def split_of(name: str) -> str:
    """A generated topic's half: "dev" (tune on it) or "test" (report it), by a fixed hash."""
    return "dev" if zlib.crc32(name.encode()) % 2 == 0 else "test"


def check_topic_set(which: str) -> None:
    if which not in TOPIC_SPLITS:
        raise UsageError(f"topics {which!r}: use one of {', '.join(TOPIC_SPLITS)}")


def choose_topics(corpus: Sequence[Paper], which: str = "named") -> list[TopicSet]:
    """The liked-paper topic sets: "named" (``LIKED_TOPICS``), "generated", or its "dev" or
    "test" half."""
    check_topic_set(which)
    if which == "named":
        return topic_sets(corpus)
    # Built from the titles the rule already found: scanning the corpus again with each of the
    # 141 patterns (topic_sets) took 15 s of every run; the members are the same.
    rule = (MIN_TITLES, MAX_TITLES, MIN_MONTHS, OVERLAP)
    sets = [
        found
        for name, members in _names_in_titles(corpus, *rule)
        if (found := _topic_set(corpus, name, members, re.compile(_pattern(name)), SEEDS + LATER))
    ]
    return sets if which == "generated" else [t for t in sets if split_of(t.name) == which]


def hide(paper: Paper, pattern: re.Pattern[str]) -> Paper:
    return replace(
        paper,
        title=" ".join(pattern.sub(" ", paper.title).split()),
        abstract=" ".join(pattern.sub(" ", paper.abstract).split()),
    )
