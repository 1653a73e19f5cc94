"""Seeded mutation fuzzing of every source's parser, and of the store's preparation of what it
yields, on the recorded responses in tests/data.

A malformed response must end in a ``RadarError`` (a ``ParseError`` naming the input and the
field, or the ``SourceError`` a source's own error document gives); anything else (a TypeError
deep in a parser, a row SQLite cannot store, a title that would make the Atom feeds ill-formed)
is a finding. JSON fixtures are mutated in their structure (type swaps, deleted keys, hostile
strings and numbers), XML and every fixture also as bytes (truncation, cut-out and duplicated
slices). The test runs a fixed seed and budget; ``python tests/test_fuzz.py --budget N --seed S``
runs a longer campaign and prints each distinct place that failed.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import gzip
import json
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from paperradar.errors import RadarError
from paperradar.models import Item, Post
from paperradar.sources import get, snapshot
from paperradar.store.merge import prepare

DATA = Path(__file__).parent / "data"
FIXTURES = {
    "arxiv": "arxiv_rss/*.xml",
    "arxiv-api": "arxiv_api/*.xml",
    "arxiv-oai": "arxiv_oai/*.xml",
    "hf-daily": "hf_daily/*.json",
    "openalex": "openalex/*.json",
    "crossref": "crossref/*",
    "semantic-scholar": "semantic_scholar/*.json",
    "rss": "blogs/*.xml",
    "bluesky": "bluesky/*.json",
    "mastodon": "mastodon/*.json",
    "x-import": "x/*.json",
}
# The bulk importer (``radar import``), one line of each shape it reads: the sample's listing
# and HF lines, an arXiv metadata-snapshot line and a paper as ``radar export`` writes it.
SAMPLES = Path(__file__).parent.parent / "paperradar" / "data"
IMPORT_LINES = (
    b'{"id": "0704.0001", "submitter": "P. Bal", "authors": "C. Bal, P. Bal", "title": "T",'
    b' "comments": "37 pages", "journal-ref": "Phys. Rev. D 76", "doi": "10.1103/x",'
    b' "categories": "hep-ph", "abstract": "A", "versions": [{"version": "v1",'
    b' "created": "Mon, 2 Apr 2007 19:18:42 GMT"}], "update_date": "2008-11-13",'
    b' "authors_parsed": [["Bal", "C.", ""], ["Bal", "P.", ""]]}',
    b'{"id": "2506.01234", "arxiv_id": "2506.01234", "version": 2, "doi": null, "title": "T",'
    b' "abstract": "A", "authors": ["A B"], "categories": ["cs.AI"], "primary_category":'
    b' "cs.AI", "announced": "2026-06-02", "published": "2026-06-01", "updated": null,'
    b' "links": {"abs": "https://arxiv.org/abs/2506.01234", "pdf": null, "code": null,'
    b' "project": null}, "sources": [{"source": "arxiv", "seen": "2026-06-02",'
    b' "data": {"announce_type": "new"}}]}',
)
# Values a field may be swapped for: every JSON type, numbers SQLite cannot hold, strings XML
# cannot carry (a control character, a lone surrogate) and ones that look like ids.
POOL: tuple[Any, ...] = (
    None, True, 0, -1, 1.5, 10**20, -(10**20), "", "x", "\x01", "\ud800", "10.1/x",
    "2506.01234v99999999999999999999", "https://arxiv.org/abs/2506.01234", [], ["x"], [None],
    [1], {}, {"a": 1}, {"name": 2}, [{}],
)  # fmt: skip
_INT64 = 2**63
_ILLEGAL = {chr(c) for c in range(32) if c not in (9, 10, 13)} | {"\ufffe", "\uffff"}


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _mutate_json(doc: Any, rng: random.Random) -> Any:
    for _ in range(rng.randint(1, 3)):
        paths = list(_paths(doc))
        path = rng.choice(paths)
        if not path:
            doc = copy.deepcopy(rng.choice(POOL))
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.3:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(POOL))
    return doc


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    cut = rng.randrange(len(data))
    choice = rng.randrange(4)
    if choice == 0:
        return data[:cut]
    end = min(len(data), cut + rng.randint(1, 200))
    if choice == 1:
        return data[:cut] + data[end:]
    if choice == 2:
        return data[:end] + data[cut:]
    return data[:cut] + bytes([rng.randrange(256)]) + data[cut + 1 :]


def mutations(data: bytes, rng: random.Random) -> bytes:
    """One mutant of a recorded response."""
    if rng.random() < 0.75:
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        if doc is not None:
            return json.dumps(_mutate_json(doc, rng)).encode()
    return _mutate_bytes(data, rng)


def _check_value(name: str, value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate cannot be stored
        if _ILLEGAL & set(value):
            raise AssertionError(f"{name} holds a character XML cannot carry: {value!r:.80}")
    elif isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        raise OverflowError(f"{name} = {value} does not fit SQLite's integer")
    elif isinstance(value, list | tuple):
        for element in value:
            _check_value(name, element)


def check_record(record: Item | Post) -> None:
    """Raise unless the store can take the record as it is and its text can go into Atom."""
    for spec in dataclasses.fields(record):
        value = getattr(record, spec.name)
        if spec.name == "extra":
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            continue
        expected = {"int": int, "int | None": int, "str": str, "str | None": str}.get(
            str(spec.type), tuple
        )
        if value is not None and not isinstance(value, expected):
            raise TypeError(f"{type(record).__name__}.{spec.name} is {type(value).__name__}")
        _check_value(spec.name, value)
    if isinstance(record, Item):
        for name, value in prepare(record).row.items():
            _check_value(name, value)


def _place(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "paperradar" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    where = frame.filename.split("paperradar/")[-1]
    return f"{type(exc).__name__} at {where}:{frame.lineno}"


@dataclasses.dataclass
class Campaign:
    inputs: int = 0
    unexpected: int = 0
    places: Counter[str] = dataclasses.field(default_factory=Counter)
    slowest: float = 0.0
    examples: dict[str, str] = dataclasses.field(default_factory=dict)


def run_one(parse: Callable[[bytes, str], Iterator[Item | Post]], data: bytes) -> None:
    for record in parse(data, "fuzz.in"):
        check_record(record)


def _first_line(path: Path) -> bytes:
    with gzip.open(path) as lines:
        return lines.readline().strip()


def campaign(budget: int, seed: int) -> Campaign:
    """``budget`` mutants spread evenly over the sources, ``seed`` making them repeatable."""
    rng = random.Random(seed)
    result = Campaign()
    recorded = {
        name: [p.read_bytes() for p in sorted(DATA.glob(pattern))]
        for name, pattern in FIXTURES.items()
    }
    recorded["import"] = [*IMPORT_LINES, *(_first_line(p) for p in SAMPLES.glob("*.jsonl.gz"))]
    parsers = {name: get(name).parse for name in FIXTURES} | {"import": snapshot.parse}
    for index in range(budget):
        name = list(recorded)[index % len(recorded)]
        data = mutations(rng.choice(recorded[name]), rng)
        result.inputs += 1
        started = time.perf_counter()
        try:
            run_one(parsers[name], data)
        except RadarError:
            pass  # the product's own error: what a malformed input must give
        except Exception as exc:
            result.unexpected += 1
            place = f"{name}: {_place(exc)}"
            result.places[place] += 1
            result.examples.setdefault(place, f"{exc}"[:200])
        result.slowest = max(result.slowest, time.perf_counter() - started)
    return result


def test_mutated_responses_give_parse_errors_not_crashes() -> None:
    started = time.perf_counter()
    result = campaign(budget=3000, seed=21)
    assert result.inputs == 3000
    assert result.unexpected == 0, "\n".join(
        f"{count:5} {place}: {result.examples[place]}"
        for place, count in result.places.most_common()
    )
    assert time.perf_counter() - started < 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    result = campaign(args.budget, args.seed)
    for place, count in result.places.most_common():
        print(f"{count:6} {place}: {result.examples[place]}")
    print(
        f"inputs {result.inputs}, unexpected exceptions {result.unexpected}, "
        f"distinct places {len(result.places)}, slowest input {result.slowest:.2f} s, "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    sys.exit(1 if result.unexpected else 0)


if __name__ == "__main__":
    main()
