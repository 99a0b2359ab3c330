"""Prefect's record of nights that never ended (pipelines/flows/abandoned.py): the next night sets them Crashed, with
the flows they ran in, and looks at each kept folder once. The real command end to end is in test_watchdog.py."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.states import Running

from pipelines.flows import abandoned


@flow
def night() -> str:
    return str(abandoned.current_flow_run_id())


@flow
def backfill() -> tuple[str, str]:
    return str(abandoned.current_flow_run_id()), night()


@flow
def next_night(out: Path) -> dict[str, str]:
    return abandoned.settle(out)


def kept(out: Path, name: str, status: str, run_id: str | None) -> Path:
    """An attempt folder as the watchdog keeps it."""
    summary = out / "attempts" / name / "run_summary.json"
    summary.parent.mkdir(parents=True)
    summary.write_text(json.dumps({"status": status, "prefect_flow_run": run_id}), encoding="utf-8")
    return summary


def state(run_id: str) -> str:
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))
    assert run.state is not None
    return run.state.type.value


def left_running(*run_ids: str) -> None:
    """As a killed process leaves them: nobody told Prefect that they ended."""
    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            client.set_flow_run_state(UUID(run_id), Running(), force=True)


def test_a_killed_backfill_night_and_its_backfill_are_set_crashed_once(prefect_harness, tmp_path):
    parent, child = backfill()
    done = night()  # ended: Completed, and stays so
    left_running(parent, child)
    stopped = kept(tmp_path, "2025-12-30_stopped_1", "stopped", child)
    ended = kept(tmp_path, "2025-12-31_stopped_2", "stopped", done)
    elsewhere = kept(tmp_path, "2025-12-29_died_3", "died", "00000000-0000-4000-8000-000000000000")
    failed = kept(tmp_path, "2025-12-28_failed_4", "failed", child)  # a night that ended by itself: not ours

    assert next_night(tmp_path) == {
        child: "CRASHED",
        done: "COMPLETED",
        "00000000-0000-4000-8000-000000000000": "not_found",
    }
    assert (state(child), state(parent), state(done)) == ("CRASHED", "CRASHED", "COMPLETED")
    for summary, outcome in ((stopped, "CRASHED"), (ended, "COMPLETED"), (elsewhere, "not_found")):
        assert json.loads(summary.read_text(encoding="utf-8"))["prefect_state"] == outcome
    assert "prefect_state" not in json.loads(failed.read_text(encoding="utf-8"))

    left_running(child)
    assert next_night(tmp_path) == {}  # each folder is looked at once
    assert state(child) == "RUNNING"


def test_outside_a_flow_run_nothing_is_settled_and_nothing_is_marked(tmp_path):
    summary = kept(tmp_path, "2025-12-30_stopped_1", "stopped", "00000000-0000-4000-8000-000000000000")
    assert abandoned.settle(tmp_path) == {}
    assert "prefect_state" not in json.loads(summary.read_text(encoding="utf-8"))
