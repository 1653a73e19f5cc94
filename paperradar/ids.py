"""Identifiers that join one paper across sources: arXiv ids, DOIs and title keys.

A paper reaches us as ``2506.01234v2``, ``arXiv:2506.01234``, an abs or pdf URL, an OAI identifier
or an old-style ``hep-th/9901001``; its DOI as ``https://doi.org/10.X/Y`` or ``doi:10.x/y``. These
functions reduce every form to one canonical string so the store can join on it, and build the
last-resort key (normalised title plus first author's surname) for papers that carry neither.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NEW_ID = r"(?P<new>\d{4}\.\d{4,5})"
# Old-style ids name an archive, optionally a subject class that is not part of the identity.
_OLD_ID = r"(?P<old>(?P<archive>[a-z][a-z\-]*)(?:\.[A-Za-z\-]{2,})?/(?P<num>\d{7}))"
# No paper has reached v100; four digits bound a version well inside SQLite's integer, so a
# ``v99999999999999999999`` is not an id rather than a row the store cannot write.
MAX_VERSION = 9999
_VERSION = r"(?:v(?P<version>\d{1,4}))?"
_ARXIV_WHOLE = re.compile(
    r"^(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|arxiv:|oai:arxiv\.org:)?"
    rf"(?:{_NEW_ID}|{_OLD_ID}){_VERSION}(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Return (id without version, version or None) for any accepted form, else None."""
    match = _ARXIV_WHOLE.match(text.strip())
    if match is None:
        return None
    if match.group("new"):
        base = match.group("new")
    else:
        base = f"{match.group('archive').lower()}/{match.group('num')}"
    version = match.group("version")
    return base, int(version) if version else None


def normalize_arxiv_id(text: str) -> str | None:
    """The canonical arXiv id (no version) of any accepted form, or None if it is not one."""
    parsed = parse_arxiv_id(text)
    return parsed[0] if parsed else None


def normalize_doi(text: str | None) -> str | None:
    """Lower-case DOI without resolver prefix, or None when the text is not a DOI."""
    if not text or not isinstance(text, str):
        return None
    doi = _DOI_PREFIX.sub("", text.strip()).strip().rstrip(".").lower()
    return doi if _DOI_SHAPE.match(doi) else None


def first_doi(text: str | None) -> str | None:
    """The first DOI of a field that may list several (separated by spaces, commas or ;)."""
    if not text or not isinstance(text, str):
        return None
    for part in re.split(r"[\s,;]+", text):
        doi = normalize_doi(part)
        if doi:
            return doi
    return None


_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits turned into single spaces."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(text.casefold()))


def surname(name: str) -> str:
    """The family name of 'Forenames Surname' or 'Surname, Forenames', folded."""
    name = name.strip()
    if "," in name:
        family = name.split(",", 1)[0]
    else:
        parts = name.split()
        family = parts[-1] if parts else ""
    return fold(family)


def title_key(title: str, authors: list[str] | tuple[str, ...]) -> int | None:
    """A signed 63-bit key of the folded title plus the first author's surname.

    Stored as an integer so the index stays small on million-paper stores.
    """
    folded = fold(title)
    if not folded:
        return None
    first = surname(authors[0]) if authors else ""
    digest = hashlib.blake2b(f"{folded}|{first}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
