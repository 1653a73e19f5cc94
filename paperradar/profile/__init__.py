"""The reader's interest profile: what they follow, what they mute, what they liked.

``Profile`` is a frozen snapshot read from the store; the ranker takes it as input and never
writes back. Author names match the way people write them on papers: the surname must agree and
each given name must agree with the other's full name or its initial, so "B. Zhuang" and "Bohan
Zhuang" are one person while "Bo Zhuang" is another.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from paperradar.errors import UsageError
from paperradar.ids import fold
from paperradar.models import Paper
from paperradar.store import Store
from paperradar.store.reader import PROFILE_KINDS, ProfileEntry

# What `radar follow` and `radar mute` accept, mapped to the profile kinds in the store.
FOLLOW_KINDS = {
    "author": "author",
    "topic": "topic",
    "category": "category",
    "keyword": "include",
    "person": "person",
    "feed": "feed",
}
MUTE_KINDS = {"author": "mute-author", "keyword": "mute-keyword", "category": "mute-category"}


def stored_kinds(kind: str) -> tuple[str, ...]:
    """The stored kinds a kind the reader names may mean, in the order to try them: a kind as
    `radar profile` shows it ("include", "mute-author"), or the word `radar follow` and `radar
    mute` take ("keyword": a followed keyword, then a muted one). Empty when it is neither."""
    if kind in PROFILE_KINDS:
        return (kind,)
    return tuple(k for k in (FOLLOW_KINDS.get(kind), MUTE_KINDS.get(kind)) if k)


_CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")


@dataclass(frozen=True)
class AuthorName:
    """A person's name split for matching: folded surname and given-name parts."""

    text: str
    surname: str
    given: tuple[str, ...]

    @classmethod
    @functools.lru_cache(maxsize=1 << 16)  # a ranking parses the same few thousand names often
    def parse(cls, name: str) -> AuthorName:
        name = name.strip()
        if "," in name:
            family, _, given = name.partition(",")
        else:
            parts = name.split()
            family, given = (parts[-1], " ".join(parts[:-1])) if parts else ("", "")
        given_parts = tuple(p for p in re.split(r"[\s.\-]+", fold(given.replace("-", " "))) if p)
        # A hyphenated given name ("Jia-Bin") is also written joined ("Jiabin") or as two
        # initials ("J.-B."); keep the split form, and match joined forms below.
        return cls(name, fold(family).replace(" ", ""), given_parts)

    def matches(self, other: AuthorName) -> bool:
        if not self.surname or self.surname != other.surname:
            return False
        mine, theirs = self.given, other.given
        if not mine or not theirs:
            return True
        if "".join(mine) == "".join(theirs):
            return True
        for a, b in zip(mine, theirs, strict=False):
            if len(a) == 1 or len(b) == 1:
                if a[0] != b[0]:
                    return False
            elif a != b:
                return False
        return True


@dataclass(frozen=True)
class Profile:
    """Everything the ranker needs to know about its reader."""

    authors: tuple[AuthorName, ...] = ()
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    mute_keywords: tuple[str, ...] = ()
    mute_authors: tuple[AuthorName, ...] = ()
    mute_categories: tuple[str, ...] = ()
    people: tuple[str, ...] = ()  # social handles and feed URLs whose posts the reader follows
    liked: tuple[Paper, ...] = ()
    disliked: tuple[Paper, ...] = ()
    saved: tuple[Paper, ...] = ()
    waiting: int = 0  # feedback whose paper is not in the store yet

    @property
    def empty(self) -> bool:
        return not (
            self.authors or self.topics or self.categories or self.include or self.liked
        ) and not (self.saved or self.disliked)

    def followed_author(self, names: tuple[str, ...]) -> str | None:
        """The first followed author on a paper's author list, as the reader wrote the name."""
        return _first_match(self.authors, names)

    def muted_author(self, names: tuple[str, ...]) -> str | None:
        return _first_match(self.mute_authors, names)


def _first_match(wanted: tuple[AuthorName, ...], names: tuple[str, ...]) -> str | None:
    if not wanted:
        return None
    surnames = {w.surname for w in wanted}
    for name in names:
        parsed = AuthorName.parse(name)
        if parsed.surname not in surnames:
            continue
        for person in wanted:
            if person.matches(parsed):
                return person.text
    return None


def load(store: Store) -> Profile:
    """The profile as the store holds it now, with feedback resolved to papers where possible."""
    store.resolve_feedback()
    entries = store.profile_entries()
    by_kind: dict[str, list[ProfileEntry]] = {kind: [] for kind in PROFILE_KINDS}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    feedback = store.feedback()
    pks = sorted({f.pk for f in feedback if f.pk is not None})
    papers = {p.pk: p for p in store.papers_by_pk(pks)}

    def of(*kinds: str) -> tuple[Paper, ...]:
        seen: dict[int, Paper] = {}
        for f in feedback:
            if f.kind in kinds and f.pk in papers:
                seen.setdefault(f.pk, papers[f.pk])
        return tuple(seen.values())

    values = {kind: tuple(e.value for e in items) for kind, items in by_kind.items()}
    disliked = of("dislike")
    return Profile(
        authors=tuple(AuthorName.parse(v) for v in values["author"]),
        topics=values["topic"],
        categories=values["category"],
        include=values["include"],
        mute_keywords=values["mute-keyword"],
        mute_authors=tuple(AuthorName.parse(v) for v in values["mute-author"]),
        mute_categories=values["mute-category"],
        people=values["person"] + values["feed"],
        liked=tuple(p for p in of("like", "seed") if p not in disliked),
        disliked=disliked,
        saved=of("save"),
        waiting=sum(1 for f in feedback if f.pk is None),
    )


def check_value(kind: str, value: str) -> str:
    """Validate what the reader typed for a profile entry; returns it tidied."""
    value = " ".join(value.split())
    if not value:
        raise UsageError(f"an empty {kind} cannot be followed or muted")
    if kind in ("category", "mute-category") and not _CATEGORY.match(value):
        raise UsageError(
            f"{value!r} is not an arXiv category (write it like cs.CL, cs.LG or hep-th)"
        )
    if kind in ("author", "mute-author") and not AuthorName.parse(value).surname:
        raise UsageError(f"{value!r} is not an author name")
    if kind == "feed" and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        raise UsageError(f"{value!r} is not a feed URL (write it like https://example.org/feed)")
    if kind == "person":
        return check_person(value)
    return value


def check_person(value: str) -> str:
    """A social account as posts name their author: ``handle.bsky.social``, ``@user@instance``
    or ``x:@handle``; a bsky.app or Mastodon profile URL is turned into that form."""
    value = value.strip()
    if m := re.match(r"^https?://bsky\.app/profile/([^/\s]+)/?$", value):
        value = m.group(1)
    elif m := re.match(r"^https?://([^/\s]+)/@([\w.]+)/?$", value):
        value = f"@{m.group(2)}@{m.group(1)}"
    elif m := re.match(r"^https?://(?:www\.)?(?:x|twitter)\.com/(\w+)/?$", value):
        value = f"x:@{m.group(1)}"
    if re.match(r"^@?[\w.]+@[\w.-]+\.\w+$", value):
        return "@" + value.lstrip("@").lower()
    if re.match(r"^x:@?\w{1,15}$", value, re.IGNORECASE):
        return "x:@" + value[2:].lstrip("@").lower()
    if re.match(r"^@?[a-z0-9-]+(\.[a-z0-9-]+)+$", value, re.IGNORECASE):
        return value.lstrip("@").lower()
    raise UsageError(
        f"{value!r} is not a social account; write a Bluesky handle (name.bsky.social), "
        "@user@instance for Mastodon, or x:@handle"
    )
