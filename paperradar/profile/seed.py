"""``radar seed FILE``: liked papers from a BibTeX file, CSL-JSON (a Zotero export) or a list of
arXiv ids / DOIs, one per line.

Parsing is pure (``parse_seeds``); ``seed`` records each reference as a "seed" feedback entry,
fetching papers that are not in the store from the arXiv API by id when allowed, and leaving the
rest waiting: they attach to their paper when it arrives (by arXiv id, DOI, or exact title).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperradar.errors import ParseError, RadarError
from paperradar.ids import fold, normalize_doi, parse_arxiv_id
from paperradar.store import Store
from paperradar.store.reader import paper_ref, title_ref

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:\s/]*(?:abs/|pdf/)?)(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)
_MARKS = re.compile(r'(?<!\\)[{}"#]')
# What LaTeX decoding would change beyond braces (which _make drops): a title without any is
# text already, and the decoder costs about 0.7 ms a title, most of the time of a large file.
_LATEX = re.compile(r"[\\$~]|--|``|''")


@dataclass(frozen=True)
class SeedRef:
    """One liked paper as a file names it."""

    arxiv_id: str | None
    doi: str | None
    title: str

    @property
    def ref(self) -> str:
        if self.arxiv_id:
            return f"arxiv:{self.arxiv_id}"
        if self.doi:
            return f"doi:{self.doi}"
        return title_ref(self.title)

    @property
    def label(self) -> str:
        return self.title or self.arxiv_id or self.doi or ""


@dataclass(frozen=True)
class SeedFile:
    """What a seed file holds: its references, and the entries that could not be read (each as
    "line N: its first line"), which the reader is told about rather than losing them."""

    refs: list[SeedRef]
    unreadable: tuple[str, ...] = ()


def parse_seeds(data: str, origin: str = "<seed file>") -> list[SeedRef]:
    """References in a BibTeX, CSL-JSON or plain id-list text (the format is detected)."""
    return read_seeds(data, origin).refs


def read_seeds(data: str, origin: str = "<seed file>") -> SeedFile:
    """``parse_seeds`` with the BibTeX entries it had to skip."""
    stripped = data.lstrip()
    unreadable: list[str] = []
    if stripped.startswith(("[", "{")):
        try:
            parsed = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ParseError(f"not valid JSON: {exc}", origin=origin) from exc
        items = parsed if isinstance(parsed, list) else parsed.get("items", [parsed])
        refs = [r for r in (_from_csl(i) for i in items if isinstance(i, dict)) if r]
    elif "@" in data and re.search(r"@\w+\s*[{(]", data):
        refs = [r for r in (_from_bibtex(f) for f in _bibtex_entries(data, unreadable)) if r]
    else:
        refs = list(_from_lines(data, origin))
    if not refs:
        skipped = f"; {_skipped(unreadable)}" if unreadable else ""
        raise ParseError(
            "no papers found (expected BibTeX, CSL-JSON or one arXiv id / DOI per line)" + skipped,
            origin=origin,
        )
    unique: dict[str, SeedRef] = {}
    for ref in refs:
        unique.setdefault(ref.ref, ref)
    return SeedFile(list(unique.values()), tuple(unreadable))


def _skipped(unreadable: list[str] | tuple[str, ...], shown: int = 3) -> str:
    """ "2 unreadable BibTeX entries: line 4: @article{b, title={Unclosed …; line 9: …" """
    n = len(unreadable)
    listed = "; ".join(unreadable[:shown]) + ("; …" if n > shown else "")
    return f"{n} unreadable BibTeX {'entry' if n == 1 else 'entries'}: {listed}"


def _arxiv(value: str | None) -> str | None:
    if not value:
        return None
    if m := _ARXIV_DOI.match(value.strip()):
        value = m.group(1)
    parsed = parse_arxiv_id(value.strip())
    if parsed:
        return parsed[0]
    if m := _ARXIV_IN_TEXT.search(value):
        found = parse_arxiv_id(m.group(1))
        return found[0] if found else None
    return None


def _make(arxiv: str | None, doi: str | None, title: str) -> SeedRef | None:
    title = " ".join(title.replace("{", "").replace("}", "").split())
    if doi and _ARXIV_DOI.match(doi):
        arxiv, doi = arxiv or _arxiv(doi), None
    if not (arxiv or doi or fold(title)):
        return None
    return SeedRef(arxiv, normalize_doi(doi) if doi else None, title)


def _from_csl(item: dict[str, Any]) -> SeedRef | None:
    doi = item.get("DOI") or item.get("doi")
    arxiv = None
    for key in ("arxiv", "URL", "url", "number", "note", "archive_location", "id"):
        value = item.get(key)
        if isinstance(value, str) and (arxiv := _arxiv(value)):
            break
    return _make(arxiv, doi if isinstance(doi, str) else None, str(item.get("title") or ""))


def _bibtex_entries(text: str, unreadable: list[str] | None = None) -> Iterator[dict[str, str]]:
    """The fields of each entry, in file order, names lowercased (the first of a repeated name
    wins), values as text: ``@string`` names and ``#`` joined, the title's LaTeX decoded.

    bibtexparser splits the file into blocks (nested braces, quotes, comments, ``@string``);
    it does not evaluate ``#``, so values are evaluated here, in one pass that also resolves
    ``@string`` names, defined before their use as BibTeX requires. An entry whose key repeats
    an earlier one is still read: the same paper liked twice is harmless, a different one is
    not to be lost. A block bibtexparser cannot read (a truncated entry, an unclosed brace) is
    skipped and added to ``unreadable`` as "line N: its first line", for the reader to see;
    bibtexparser's own log lines about it are silenced.

    Only the title is decoded: it is the one field read as prose; in a url, doi or eprint a
    ``%`` or ``~`` is part of the address, not a LaTeX comment or space.
    """
    # Imported here, not at the top: only `radar seed` with a BibTeX file pays for it.
    from bibtexparser import model
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.middlewares import LatexDecodingMiddleware

    with _quiet("bibtexparser.splitter"):
        split = parse_string(text, parse_stack=[])
    latex = LatexDecodingMiddleware()
    strings: dict[str, str] = {}
    for read in split.blocks:
        block = read.ignore_error_block if isinstance(read, model.DuplicateBlockKeyBlock) else read
        if isinstance(block, model.ParsingFailedBlock):
            if unreadable is not None:
                first = " ".join(((block.raw or "").strip().splitlines() or [""])[0].split())
                cut = first if len(first) <= 60 else first[:59] + "…"
                unreadable.append(f"line {(block.start_line or 0) + 1}: {cut}")
        elif isinstance(block, model.String):
            strings[block.key.lower()] = _bibtex_value(block.value, strings)
        elif isinstance(block, model.Entry):
            fields: dict[str, str] = {}
            for field in block.fields:
                fields.setdefault(field.key.lower(), _bibtex_value(field.value, strings))
            if _LATEX.search(title := fields.get("title", "")):
                # A bare % would start a LaTeX comment and cut the title short.
                field = model.Field("title", re.sub(r"(?<!\\)%", r"\\%", title))
                # On a title LaTeX cannot read, the middleware leaves the value as it was.
                latex.transform_block(model.Entry(block.entry_type, block.key, [field]), split)
                fields["title"] = field.value
            yield fields


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    was, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = was


def _bibtex_value(raw: str, strings: dict[str, str]) -> str:
    """The text of a BibTeX value: ``#``-joined pieces, each {braced}, "quoted", a number or
    an ``@string`` name (an unknown name stays as written, as BibTeX warns and moves on)."""
    text = []
    for piece in _pieces(raw):
        if len(piece) >= 2 and piece[0] + piece[-1] in ("{}", '""'):
            text.append(piece[1:-1])
        else:
            text.append(strings.get(piece.lower(), piece))
    return "".join(text)


def _pieces(raw: str) -> list[str]:
    """``raw`` split at each ``#`` outside braces and quotes (escaped marks do not count)."""
    pieces, depth, quoted, start = [], 0, False, 0
    for mark in _MARKS.finditer(raw):
        char = mark.group()
        if char in "{}":
            depth += 1 if char == "{" else -1
        elif depth == 0 and char == '"':
            quoted = not quoted
        elif depth == 0 and not quoted:
            pieces.append(raw[start : mark.start()].strip())
            start = mark.end()
    pieces.append(raw[start:].strip())
    return pieces


def _from_bibtex(fields: dict[str, str]) -> SeedRef | None:
    arxiv = None
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "")).lower()
    if fields.get("eprint") and (prefix in ("", "arxiv")):
        arxiv = _arxiv(fields["eprint"])
    for key in ("url", "journal", "note", "howpublished"):
        if arxiv:
            break
        arxiv = _arxiv(fields.get(key))
    return _make(arxiv, fields.get("doi"), fields.get("title", ""))


def _from_lines(text: str, origin: str) -> Iterator[SeedRef]:
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        arxiv = _arxiv(line)
        doi = None if arxiv else normalize_doi(line)
        if not arxiv and not doi:
            raise ParseError(f"line {number}: {line!r} is not an arXiv id or DOI", origin=origin)
        yield SeedRef(arxiv, doi, "")


@dataclass
class SeedResult:
    found: int = 0
    fetched: int = 0
    waiting: int = 0
    already: int = 0
    fetch_error: str | None = None
    unreadable: list[str] = field(default_factory=list)  # entries of the file that were skipped

    @property
    def skipped(self) -> str:
        """The skipped entries in one line, "" when there are none."""
        return _skipped(self.unreadable) if self.unreadable else ""


def seed(
    store: Store, path: Path, *, fetch: bool = True, base_url: str | None = None
) -> SeedResult:
    """Record every paper in ``path`` as liked; fetch the missing arXiv ones when ``fetch``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", origin=str(path)) from exc
    read = read_seeds(text, str(path))
    refs = read.refs
    result = SeedResult(unreadable=list(read.unreadable))
    missing = [r for r in refs if _locate(store, r) is None]
    to_fetch = [r.arxiv_id for r in missing if r.arxiv_id]
    if fetch and to_fetch:
        result.fetch_error = _fetch(store, to_fetch, base_url)
    located = {ref.ref: _locate(store, ref) for ref in refs}
    # A seed named only by its id is labelled with its paper's title once the paper is there.
    titles = {p.pk: p.title for p in store.papers_by_pk([pk for pk in located.values() if pk])}
    for ref in refs:
        pk = located[ref.ref]
        if pk is None:
            result.waiting += 1
        elif ref in missing:
            result.fetched += 1
        else:
            result.found += 1
        label = ref.title or (titles.get(pk, "") if pk is not None else "") or ref.label
        changed = store.set_feedback(ref.ref, "seed", pk=pk, label=label, origin=path.name)
        if not changed:
            result.already += 1
    return result


def _locate(store: Store, ref: SeedRef) -> int | None:
    for key in (ref.ref, paper_ref(ref.doi) if ref.doi else None, title_ref(ref.title)):
        if key and (pk := store.pk_of_ref(key)) is not None:
            return pk
    return None


def _fetch(store: Store, ids: list[str], base_url: str | None) -> str | None:
    """Fetch papers by id from the arXiv API (100 per request); the error text if it failed."""
    from paperradar.http import Fetcher
    from paperradar.ingest import ingest_fetch
    from paperradar.sources import FetchRequest

    try:
        with Fetcher() as fetcher:
            for start in range(0, len(ids), 100):
                request = FetchRequest(ids=tuple(ids[start : start + 100]), base_url=base_url)
                ingest_fetch(store, "arxiv-api", fetcher, request)
    except RadarError as exc:
        return str(exc)
    return None
