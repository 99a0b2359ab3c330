"""The nightly flow: inbox → warehouse → checks → indicators and rules → score → lists and dashboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow

from pipelines import night_steps
from pipelines.flows.run_context import NightlyRun
from pipelines.runs import AsOfRefusedError
from pipelines.tasks import nightly as t


@flow(name="nightly", log_prints=True)
def nightly(
    inbox: Path,
    out: Path,
    warehouse: Path | None = None,
    as_of: date | None = None,
    wait_for_lock_seconds: float = 0.0,
    republish: bool = False,
    full_rebuild: bool = False,
) -> dict:
    """Run one night for `as_of` (default: the newest extract date) and publish its outputs atomically.

    A date before the first extract, or earlier than OUT/LATEST without `republish`, is refused (status
    `refused`, nothing written); a re-published past date goes to runs/<as_of> and LATEST stays on the newest.
    `full_rebuild`: rebuild every SQL model whole tonight (incremental nights otherwise, docs/decisions.md).
    """
    run = NightlyRun(inbox, out, warehouse, as_of, wait_for_lock_seconds, republish=republish)
    if full_rebuild:
        run.settings = run.settings.model_copy(update={"full_rebuild": True})
    try:
        with run:
            stopped = _night(run)
            if stopped is not None:
                return stopped
    except AsOfRefusedError as exc:  # raised on entering, before anything is opened or written
        return run.refused(exc)
    return run.summary_dict()


def _night(run: NightlyRun) -> dict | None:
    """The steps; the summary when a blocking finding stops the night early, else None once published."""
    con = run.step("open", t.open_warehouse, run.warehouse, run.settings)
    run.step("load", t.load_extracts, con, run.inbox, run.settings, run.as_of)
    run.step("staging", t.build_staging, con, run.settings, run.as_of, ("staging",))
    quality = run.step("quality", t.check_quality, con, run.warehouse, run.settings, run.as_of, run.staged)
    if run.blocked_by(quality):
        return run.finish()
    # the risk model is read in a thread while the models step's SQL runs (night_steps.preload_model)
    model = night_steps.preload_model(run.warehouse, run.settings)
    run.step("models", t.build_marts, con, run.settings, run.as_of, ("intermediate", "rules", "marts"))
    scores = run.step("score", t.score_projects, con, run.settings, run.as_of, run.warehouse, model)
    warnings = run.step("warnings", t.assemble_warning_list, con, scores, run.settings, run.as_of)
    run.step("tables", t.write_tables, con, run.staged)
    run.step(
        "reports",
        t.write_reports,
        con,
        run.staged,
        run.settings,
        run.as_of,
        warnings,
        quality,
        run.summary.ranking,
    )
    run.publish(t.publish)
    return None
