"""Recorded runs (an ingest, an import, a daily run): what each counted and the errors it met.

A run is written as ``running`` with the id of its process when it starts and given its outcome
when it ends. A process killed in between (kill -9, a closed laptop lid that never woke) cannot
write its outcome, so a ``running`` run whose process is gone is read as ``interrupted``, and
``mark_interrupted`` (called whenever a store opens) writes that down.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from paperradar.store.sql import Tables, now_iso

INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Run:
    """One recorded command (an ingest, a daily run): its outcome, what it counted per stage or
    source, and the error of each part that failed."""

    id: int
    command: str
    started_at: str
    finished_at: str | None
    status: str
    counts: dict[str, Any]
    errors: dict[str, str]
    pid: int | None = None


def alive(pid: int | None) -> bool:
    """Whether process ``pid`` still exists on this machine (unknown pids count as alive)."""
    if pid is None or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class RunTables(Tables):
    """The ``runs`` table."""

    def start_run(self, command: str) -> int:
        with self._write():
            run_id = self._db.execute(
                "INSERT INTO runs (command, started_at, pid) VALUES (?, ?, ?)",
                (command, now_iso(), os.getpid()),
            ).lastrowid
        assert run_id is not None
        return run_id

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], errors: dict[str, str]
    ) -> None:
        with self._write():
            self._db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ?, errors = ? WHERE id = ?",
                (now_iso(), status, json.dumps(counts), json.dumps(errors), run_id),
            )

    def runs(self, limit: int = 20) -> list[Run]:
        rows = self._db.execute(
            "SELECT id, command, started_at, finished_at, status, counts, errors, pid FROM runs "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            Run(
                r[0],
                r[1],
                r[2],
                r[3],
                INTERRUPTED if r[4] == "running" and not alive(r[7]) else r[4],
                json.loads(r[5]),
                json.loads(r[6]),
                r[7],
            )
            for r in rows
        ]

    def _running(self) -> list[tuple[int, str, str, int | None]]:
        """The runs marked running: id, command, start, pid."""
        return self._db.execute(
            "SELECT id, command, started_at, pid FROM runs WHERE status = 'running' ORDER BY id"
        ).fetchall()

    def mark_interrupted(self) -> int:
        """Record as interrupted every running run whose process is gone; how many there were."""
        dead = [run_id for run_id, _, _, pid in self._running() if not alive(pid)]
        if dead:
            with self._write():
                self._db.executemany(
                    "UPDATE runs SET status = ?, finished_at = ? "
                    "WHERE id = ? AND status = 'running'",
                    [(INTERRUPTED, now_iso(), run_id) for run_id in dead],
                )
        return len(dead)

    def writer(self) -> str:
        """Who is probably holding the write lock, for a message: the latest live run."""
        for run_id, command, started, pid in reversed(self._running()):
            if pid is not None and pid != os.getpid() and alive(pid):
                return f"`{command}` (run {run_id}, pid {pid}, since {started[11:19]} UTC)"
        return "another radar command"
