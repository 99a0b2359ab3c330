"""The nightly flow: inbox → warehouse → checks → indicators and rules → score → lists and dashboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow

from pipelines.flows.run_context import NightlyRun
from pipelines.tasks import nightly as t


@flow(name="nightly", log_prints=True)
def nightly(
    inbox: Path,
    out: Path,
    warehouse: Path | None = None,
    as_of: date | None = None,
    wait_for_lock_seconds: float = 0.0,
) -> dict:
    """Run one night for `as_of` (default: the newest extract date) and publish its outputs atomically."""
    with NightlyRun(inbox, out, warehouse, as_of, wait_for_lock_seconds) as run:
        con = run.step("open", t.open_warehouse, run.warehouse, run.settings)
        run.step("load", t.load_extracts, con, run.inbox, run.settings, run.as_of)
        run.step("staging", t.build_staging, con, run.settings, run.as_of, ("staging",))
        quality = run.step(
            "quality", t.check_quality, con, run.warehouse, run.settings, run.as_of, run.staged
        )
        if run.blocked_by(quality):
            return run.finish()
        run.step("models", t.build_marts, con, run.settings, run.as_of, ("intermediate", "rules", "marts"))
        scores = run.step("score", t.score_projects, con, run.settings, run.as_of)
        warnings = run.step("warnings", t.assemble_warning_list, con, scores, run.settings, run.as_of)
        run.step("tables", t.write_tables, con, run.staged)
        run.step("reports", t.write_reports, con, run.staged, run.settings, run.as_of, warnings, quality)
        run.publish(t.publish)
    return run.summary_dict()
