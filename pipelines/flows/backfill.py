"""Backfill: run the nightly flow for each as-of date in a range, oldest first; resumable."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from prefect import flow

from pipelines.flows.nightly import nightly
from pipelines.night_steps import extract_dates
from pipelines.runs import run_dir


def backfill_dates(inbox: Path, start: date, end: date, every: str = "extract") -> list[date]:
    """The as-of dates to run: each delivered extract date in [start, end], or only the month ends among them."""
    dates = [d for d in extract_dates(inbox) if start <= d <= end]
    if every == "month-end":
        dates = [d for d in dates if _is_month_end(d)]
    elif every != "extract":
        raise ValueError(f"every must be 'extract' or 'month-end', not {every!r}")
    return dates


def _is_month_end(d: date) -> bool:
    return date.fromordinal(d.toordinal() + 1).month != d.month


def already_published(out: Path, as_of: date) -> bool:
    """A date whose run folder holds a published summary is done (this is what makes backfills resumable)."""
    summary = run_dir(out, as_of) / "run_summary.json"
    if not summary.exists():
        return False
    return json.loads(summary.read_text(encoding="utf-8")).get("status") == "published"


@flow(name="backfill", log_prints=True)
def backfill(
    inbox: Path,
    out: Path,
    start: date,
    end: date,
    warehouse: Path | None = None,
    every: str = "extract",
    rerun: bool = False,
    republish: bool = False,
) -> dict[str, str]:
    """Run each as-of date once, oldest first; a failed date stops the backfill so it resumes there.

    Dates earlier than OUT/LATEST are refused (and stop the backfill) unless `republish`: then each is published
    into runs/<date> while LATEST stays on the newest run.
    """
    result: dict[str, str] = {}
    for as_of in backfill_dates(inbox, start, end, every):
        if not rerun and already_published(out, as_of):
            result[as_of.isoformat()] = "skipped"
            continue
        summary = nightly(inbox=inbox, out=out, warehouse=warehouse, as_of=as_of, republish=republish)
        result[as_of.isoformat()] = summary["status"]
        if summary["status"] != "published":
            break
    return result
