"""One night's bookkeeping: as-of date, lock, staging folder, step timings, summary, publish or discard."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import polars as pl

from pipelines import night_steps, runs
from pipelines.flows import abandoned, watchdog
from pipelines.ingest.load import LoadReport
from pipelines.settings import Settings, get_settings

log = logging.getLogger("wagewatch")
P = ParamSpec("P")
R = TypeVar("R")


class NightlyRun(contextlib.AbstractContextManager):
    """Context of one nightly run. Outputs go to a staging folder and are published only on success."""

    def __init__(
        self,
        inbox: Path,
        out: Path,
        warehouse: Path | None,
        as_of: date | None,
        wait_for_lock_seconds: float = 0.0,
        settings: Settings | None = None,
        republish: bool = False,
    ) -> None:
        self.settings = settings or get_settings()
        # absolute from here on: GX's Data Docs store and the published links need them, and a run must not
        # depend on the directory it was started from
        self.inbox = Path(inbox).absolute()
        self.out = Path(out).absolute()
        self.warehouse = Path(warehouse or self.settings.paths.warehouse).absolute()
        self.as_of = night_steps.resolve_as_of(self.inbox, as_of)
        self.wait_for_lock_seconds = wait_for_lock_seconds
        self.republish = republish
        self.summary = runs.RunSummary(
            as_of=self.as_of.isoformat(),
            started_at=datetime.now().isoformat(timespec="seconds"),
            warehouse=str(self.warehouse),
            demo_secret=self.settings.is_demo_secret,
            prefect_flow_run=abandoned.current_flow_run_id(),
        )
        self.con: Any = None
        self.staged: Path = Path()
        self._lock: contextlib.AbstractContextManager | None = None
        self._watchdog = watchdog.Watchdog()
        self._published: Path | None = None

    def __enter__(self) -> NightlyRun:
        self._lock = runs.warehouse_lock(self.warehouse, wait_seconds=self.wait_for_lock_seconds)
        self._lock.__enter__()
        try:
            # under the lock: no other run publishes between this check and ours
            first = night_steps.first_extract(self.inbox, self.warehouse)
            runs.check_as_of(self.as_of, first, runs.latest_as_of(self.out), self.republish)
        except Exception:
            self._lock.__exit__(None, None, None)
            raise
        try:  # under the lock: a night kept as stopped or died is not running, whatever Prefect still shows
            abandoned.settle(self.out)
        except Exception as exc:  # Prefect's record only: never a reason to stop a night
            log.warning("could not settle the flow runs of abandoned nights: %s", exc)
        self.staged = runs.staging_dir(self.out, self.as_of)
        # from here on the night has a deadline, kept by a second process (docs/decisions.md "A night's deadline")
        self._watchdog = watchdog.start(
            self.settings.night_deadline_minutes, self.staged, self.out, self.as_of.isoformat()
        )
        return self

    def step(self, name: str, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run one step, timing it and recording what it produced in the summary (`name` only labels it)."""
        started, cpu_started = time.monotonic(), runs.cpu_seconds()
        log.info("step %s …", name)
        self._watchdog.progress(self.summary, name)  # what a stopped night leaves
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            self.summary.record(
                name, started, cpu_started, status="failed", detail={"error": f"{type(exc).__name__}: {exc}"}
            )
            self.summary.message = f"步骤 {name} 失败：{type(exc).__name__}: {exc}"
            raise
        self._keep(result)
        self.summary.record(name, started, cpu_started, rows=_rows_of(result), detail=_detail_of(result))
        return result

    def _keep(self, result: object) -> None:
        """What the run keeps from a step's output, chosen by the output's type, never by the step's name."""
        if isinstance(result, duckdb.DuckDBPyConnection):  # the warehouse, opened
            self.con = result
            night_steps.hold_published(self.con)
        elif isinstance(result, LoadReport):  # sources never delivered by as_of, now that the inbox is loaded
            self.summary.missing_sources = night_steps.missing_sources(self.con, self.as_of)
        elif isinstance(result, night_steps.ReportFiles):  # relative to the run folder until it is published
            self.summary.outputs = {
                k: str(runs.run_dir(self.out, self.as_of) / v) for k, v in result.paths.items()
            }
        elif (
            isinstance(result, pl.DataFrame) and "score_source" in result.columns
        ):  # the scores: which ranking
            self.summary.ranking = night_steps.ranking_label(self.warehouse, self.settings)

    def blocked_by(self, quality: Any) -> bool:
        """True when a blocking data-quality finding stops publication (the previous outputs stay)."""
        if not getattr(quality, "blocking", False):
            return False
        self.summary.status = "blocked"
        self.summary.message = "存在阻断级数据质量问题，本期清单未发布，上一期清单保持不变。"
        return True

    def publish(self, publish_fn: Callable[..., Path]) -> Path:
        """Write the summary into the run folder, then move it into place (the LATEST pointer moves last)."""
        self.summary.status = "published"
        self.summary.output_dir = str(runs.run_dir(self.out, self.as_of))
        newest = runs.moves_latest(self.out, self.as_of)
        if not newest:
            latest = runs.latest_as_of(self.out)
            self.summary.message = (
                f"已重新发布历史日期 {self.as_of}（--republish）；latest 和数据仓库中的发布表仍为最新一期 {latest}。"
                f" / re-published {self.as_of}; latest and the warehouse's published tables stay on {latest}."
            )
        self.summary.write(self.staged / "run_summary.json")
        started, cpu_started = time.monotonic(), runs.cpu_seconds()
        # the warehouse's published tables change here, with the folder: kept when this run is the newest,
        # put back when it re-publishes a past date (other tools read the current list from them)
        night_steps.commit_ledger(self.con)  # the warning lines' ledger takes this night's lines (triage.md)
        night_steps.release_published(self.con, keep_new=newest)
        self._published = publish_fn(self.staged, self.out, self.as_of)
        self.summary.record("publish", started, cpu_started)
        return self._published

    def refused(self, exc: Exception) -> dict:
        """The summary of a run refused before it started: nothing was opened, written or published."""
        self.summary.status = "refused"
        self.summary.message = str(exc)
        log.error("%s", exc)
        return self.summary_dict()

    def finish(self) -> dict:
        """End a run that stops early (blocked): keep its reports for the analyst, publish nothing."""
        return self.summary_dict()

    def summary_dict(self) -> dict:
        return asdict(self.summary)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.con is not None:
                if self._published is None:
                    try:  # not published: the published tables go back as they were
                        night_steps.release_published(self.con, keep_new=False)
                    except Exception as err:  # the next run restores them when it opens the warehouse
                        log.error("could not restore the published tables: %s", err)
                self.con.close()
            if exc is not None:
                self.summary.status = "failed"
            if self._published is None:
                # nothing published: keep the evidence beside the outputs, never in place of them
                attempts = self.out / "attempts"
                attempts.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
                kept = attempts / f"{self.as_of.isoformat()}_{self.summary.status}_{stamp}"
                if self.staged.exists():
                    self.staged.rename(kept)
                    self.summary.output_dir = str(kept)
                self.summary.write(kept / "run_summary.json")
            else:
                self.summary.write(self._published / "run_summary.json")
            _prefect_artifact(self.summary)
        finally:
            if self._lock is not None:
                self._lock.__exit__(exc_type, exc, tb)
            self._watchdog.stop()


def _rows_of(result: object) -> int | None:
    if isinstance(result, night_steps.ReportFiles):
        return len(result.paths)
    for attr in ("rows_loaded", "height"):
        v = getattr(result, attr, None)
        if isinstance(v, int):
            return v
    if isinstance(result, list | dict):
        return len(result)
    return None


def _detail_of(result: object) -> dict:
    if isinstance(result, night_steps.ReportFiles):
        return dict(result.paths)
    if hasattr(result, "summary_dict"):
        return result.summary_dict()
    if hasattr(result, "summary") and isinstance(result.summary, dict):
        return result.summary
    if isinstance(result, list) and all(isinstance(x, str) for x in result):
        return {"built": result}
    if isinstance(result, dict):
        return {k: str(v) for k, v in result.items()}
    return {}


def _cpu(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.1f}"


def _prefect_artifact(summary: runs.RunSummary) -> None:
    """Show the run summary in Prefect's UI (no-op outside a flow run)."""
    try:
        from prefect.artifacts import create_markdown_artifact
        from prefect.context import FlowRunContext

        if FlowRunContext.get() is None:
            return
        rows = "\n".join(
            f"| {s.step} | {s.status} | {s.seconds:.1f} | {_cpu(s.cpu_seconds)} | {s.rows if s.rows is not None else ''} |"
            for s in summary.steps
        )
        md = (
            f"# wagewatch nightly {summary.as_of}: {summary.status}\n\n{summary.message}\n\n"
            f"| step | status | seconds | CPU seconds | rows |\n|---|---|---|---|---|\n{rows}\n\n"
            f"{summary.ranking}\n\nmissing sources: {', '.join(summary.missing_sources) or 'none'}\n\noutputs: {summary.output_dir}\n"
        )
        create_markdown_artifact(markdown=md, key="nightly-summary", description="wagewatch run summary")
    except Exception as exc:  # the summary JSON is the record; the UI copy is best effort
        log.warning("could not create the Prefect summary artifact: %s", exc)
