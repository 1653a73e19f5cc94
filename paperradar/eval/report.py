"""``radar eval``'s report: every ranker paired with the best baseline, metric by metric.

The reference for a metric is the baseline with the highest mean on it (so the reference may
differ between nDCG@20 and ROC-AUC): a ranker has to beat the strongest of them, not the one
that suits it. The difference is taken unit by unit (a day, a topic) because the units differ
far more from each other than good rankers do: the mean difference comes with a 95% bootstrap
interval over units (``metrics.paired_difference``: fixed seed, 10,000 resamples), the units
won and lost, and the median and standard deviation of the per-unit differences. Each ranker's
own mean, median and standard deviation over units are given beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paperradar.eval.evaluate import Result
from paperradar.eval.metrics import Difference, paired_difference


@dataclass(frozen=True)
class Line:
    """One ranker on one metric of one task."""

    task: str
    metric: str
    ranker: str
    baseline: bool
    mean: float
    median: float
    sd: float
    best: str | None  # the best baseline on this metric; None when the run has no baseline
    difference: Difference | None  # ranker minus best; None for the best itself

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task": self.task,
            "metric": self.metric,
            "ranker": self.ranker,
            "baseline": self.baseline,
            "mean": round(self.mean, 4),
            "median": round(self.median, 4),
            "sd": round(self.sd, 4),
            "best_baseline": self.best,
        }
        if self.difference is not None:
            d = self.difference
            out["minus_best"] = {
                "mean": round(d.mean, 4),
                "low": round(d.low, 4),
                "high": round(d.high, 4),
                "wins": d.wins,
                "losses": d.losses,
                "median": round(d.median, 4),
                "sd": round(d.sd, 4),
            }
        return out


def compare(results: Sequence[Result]) -> list[Line]:
    """A line per task, metric and ranker, in the order the results came."""
    lines = []
    for task in dict.fromkeys(r.task for r in results):
        rows = [r for r in results if r.task == task]
        for metric in dict.fromkeys(k for r in rows for k in r.metrics):
            scored = [r for r in rows if r.per_unit.get(metric)]
            baselines = [r for r in scored if r.baseline]
            best = max(baselines, key=lambda r: r.metrics[metric]) if baselines else None
            for r in scored:
                values = np.asarray(r.per_unit[metric], dtype=float)
                difference = None
                if best is not None and r is not best:
                    difference = paired_difference(r.per_unit[metric], best.per_unit[metric])
                lines.append(
                    Line(
                        task,
                        metric,
                        r.ranker,
                        r.baseline,
                        float(values.mean()),
                        float(np.median(values)),
                        float(values.std(ddof=1)) if values.size > 1 else 0.0,
                        best.ranker if best else None,
                        difference,
                    )
                )
    return lines


def to_json(results: Sequence[Result]) -> dict[str, Any]:
    return {
        "results": [r.to_json() for r in results],
        "paired": [line.to_json() for line in compare(results)],
    }


def table(results: Sequence[Result]) -> str:
    """The comparison as plain text, one block per task."""
    lines = compare(results)
    width = max((len(line.ranker) for line in lines), default=6) + 2
    text = []
    for task in dict.fromkeys(line.task for line in lines):
        block = [line for line in lines if line.task == task]
        rows = [r for r in results if r.task == task]
        unit = "days" if task.startswith("stated") else "topics"
        paired = any(line.best for line in block)
        title = f"{task} ({rows[0].units} {unit})"
        if paired:
            title += f"; each ranker minus the best baseline, {unit[:-1]} by {unit[:-1]}"
        text.append(title)
        text.append(
            "metric   "
            + "ranker".ljust(width)
            + "  mean  median     sd"
            + ("   minus best [95% interval]   won:lost  median     sd" if paired else "")
        )
        metric = ""
        for line in block:
            head = (line.metric if line.metric != metric else "").ljust(9)
            metric = line.metric
            cells = f"{line.mean:6.3f}  {line.median:6.3f}  {line.sd:5.3f}"
            text.append(head + line.ranker.ljust(width) + cells + _paired(line))
        if paired:
            text.append("* the interval excludes 0")
        seconds = ", ".join(f"{r.ranker} {r.seconds:.1f}" for r in rows)
        text.append(f"seconds (the task alone): {seconds}")
        text.append("")
    return "\n".join(text)


def _paired(line: Line) -> str:
    if line.best is None:
        return ""
    d = line.difference
    if d is None:
        return "   best baseline"
    interval = f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}]"
    mark = "*" if d.significant else " "
    won = f"{d.wins}:{d.losses}"
    return f"   {interval:24s}{mark} {won:>9s}  {d.median:+.3f}  {d.sd:5.3f}"
