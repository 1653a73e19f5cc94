"""The forked embedding workers of ``enrich.workers``: a spare worker taken, stopped when unused or
when the ranking fails, a worker that encodes like the parent, one that crashes and is replaced by
the parent, and a fork that is refused.

The checks run in a fresh interpreter (this file run as a script): the static encoder starts a
thread pool on first use and pytest may have started threads, and a worker is only forked from a
process that has neither. ``main`` prints one line per check; the test compares them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import paperradar
from paperradar.enrich import backends, embed, workers
from paperradar.models import Paper
from paperradar.store import Store

DAY = "2026-03-27"
Embedded = tuple[embed.Vectors, embed.Vectors, embed.EmbedStats]
EXPECTED = [
    "spare taken",
    "spare stopped",
    "spare stopped on error",
    "static forked",
    "crashing forked",
    "unforked inline",
]


def test_a_forked_worker_encodes_like_the_parent_and_a_failed_one_falls_back(
    sample: Store,
) -> None:
    # The child imports the paperradar this process imported, not another install's.
    tree = str(Path(paperradar.__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (tree, os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, __file__, str(sample.path.parent), DAY],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:6] == EXPECTED


# -- the checks, run in the fresh interpreter ---------------------------------------------------

PARENT = os.getpid()


class Crashing(backends.StaticBackend):
    """Encodes in the parent, fails in any forked worker."""

    name = "crashing"

    def encode(self, texts: Sequence[str]) -> embed.Vectors:
        if os.getpid() != PARENT:
            raise RuntimeError("worker down")
        return super().encode(texts)


class Unforked(backends.StaticBackend):
    name = "unforked"


def inline(papers: Sequence[Paper]) -> embed.Vectors:
    return backends.StaticBackend().encode([embed.paper_text(p.title, p.abstract) for p in papers])


def is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def check_spare(store: Store, later: Sequence[Paper]) -> Embedded:
    """A spare worker, started before the texts are known, encodes them once they are; with
    nothing left to encode one is stopped, and reaped."""
    spare = embed.spare_encoder("static")
    assert spare is not None
    pending = embed.start_embedding(store, later, ["video generation"], "static", spare)
    print("spare", "taken" if pending.job._worker == (spare._pid, spare._rows) else "unused")
    spared = pending.result()

    spare = embed.spare_encoder("static")
    assert spare is not None
    pending = embed.start_embedding(store, later, ["video generation"], "static", spare)
    assert pending.job._worker is None and pending.result()[2].computed == 0
    assert is_gone(spare._pid), "the unused spare worker is still there"
    print("spare stopped")
    return spared


def check_spare_stopped_on_error(store: Store, day: str) -> None:
    """A ranking that fails after starting a spare worker stops it too."""
    from paperradar import rank

    started: list[embed.SpareEncoder | None] = []
    real_spare = embed.spare_encoder

    def recording(model: str) -> embed.SpareEncoder | None:
        started.append(real_spare(model))
        return started[-1]

    with (
        mock.patch.object(embed, "spare_encoder", recording),
        mock.patch.object(rank, "_gather", side_effect=RuntimeError("store gone")),
    ):
        try:
            # The static model: the one whose encoding a forked worker takes on.
            rank.rank_day(store, day, embedding="static")
        except RuntimeError as exc:
            assert str(exc) == "store gone"
        else:
            raise AssertionError("the ranking did not fail")
    (spare,) = started
    assert spare is not None and is_gone(spare._pid), "the failed ranking's worker is still there"
    print("spare stopped on error")


def check_workers(store: Store, papers: Sequence[Paper]) -> dict[str, Embedded]:
    """A forked worker is used; a crashed one's texts are encoded in the parent; a refused fork
    encodes in place."""
    results = {}
    for model in ("static", "crashing"):
        pending = embed.start_embedding(store, papers, ["video generation"], model)
        forked = pending.job._worker is not None
        results[model] = pending.result()
        print(model, "forked" if forked else "inline")
    assert os.getpid() in backends.USED_IN  # the crashed worker's texts were encoded here

    backends.USED_IN.clear()  # safe: no child will run, the fork itself fails
    with mock.patch.object(os, "fork", side_effect=OSError("fork refused")):
        pending = embed.start_embedding(store, papers, ["video generation"], "unforked")
        results["unforked"] = pending.result()
    print("unforked", "forked" if pending.job._worker is not None else "inline")
    return results


def check_rows(
    spared: Embedded, results: dict[str, Embedded], papers: Sequence[Paper], later: Sequence[Paper]
) -> None:
    """Every worker's rows are the parent's own (encoded last: the parent encoding here marks it
    as a process no worker may be forked from)."""
    assert abs(spared[0] - inline(later)).max() < 1e-6 and spared[2].computed == 30
    expected = inline(papers)
    for model, (rows, topics, stats) in results.items():
        assert abs(rows - expected).max() < 1e-6 and stats.computed == 40, model
        assert topics.shape == (1, 64)


@contextmanager
def small_thresholds() -> Iterator[None]:
    """Workers for a few dozen texts: 10 to fork one, 20 to share them with a second."""
    extra = {"crashing": Crashing, "unforked": Unforked}
    with (
        mock.patch.dict(embed.BACKENDS, extra),
        mock.patch.object(workers, "OVERLAP_FROM", 10),
        mock.patch.object(workers, "SPLIT_FROM", 20),  # the 41 texts are shared by two workers
    ):
        yield


def main(argv: Sequence[str]) -> None:
    home, day = Path(argv[0]), argv[1]
    with small_thresholds(), Store.open(home) as store:
        everyone = store.papers(day=day)
        papers, later = everyone[:40], everyone[40:70]
        spared = check_spare(store, later)
        check_spare_stopped_on_error(store, day)
        results = check_workers(store, papers)
        check_rows(spared, results, papers, later)


if __name__ == "__main__":
    main(sys.argv[1:])
