"""Prefect's record of a night that never ended: set to Crashed by the next night, instead of Running forever.

A night the watchdog stops at its deadline, or one that dies (OOM killer, segfault), cannot tell Prefect it ended:
its flow run stays Running in Prefect's database — on the ephemeral server of a plain `wagewatch run` the server is
killed with the night, and on a started server nothing reports the end of a night run by cron or by hand. The
watchdog keeps such a night's folder under OUT/attempts with its run_summary.json, which records the night's flow
run id (`prefect_flow_run`). The next night on the same OUT, holding the warehouse lock, looks at those folders once:
a flow run Prefect still shows as not finished is set to Crashed (forced: the night is gone, the lock proves no night
of this warehouse runs), with the folder in the message, and so are the flows it ran in (a backfill's, killed in the
same process); the summary then records what was done (`prefect_state`), so each folder is looked at one time. A
night outside a flow run (no Prefect API) leaves them for a later night.
docs/decisions.md "A night's deadline".
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from uuid import UUID

from pipelines.runs import write_summary

log = logging.getLogger("wagewatch")

SETTLED = "prefect_state"  # in an attempt's run_summary.json: what the next night found or set
ABANDONED = ("stopped", "died")  # the watchdog's statuses (pipelines/flows/watchdog.py)


def current_flow_run_id() -> str | None:
    """The id of the Prefect flow run this code runs in, or None outside one."""
    try:
        from prefect.context import FlowRunContext
    except ImportError:  # pragma: no cover - Prefect is a dependency
        return None
    ctx = FlowRunContext.get()
    return str(ctx.flow_run.id) if ctx is not None and ctx.flow_run is not None else None


def unsettled(out: Path) -> list[tuple[Path, dict]]:
    """The run summaries under OUT/attempts of nights the watchdog stopped or found dead, with a flow run id, that
    no night has looked at yet."""
    found = []
    for path in sorted((out / "attempts").glob("*/run_summary.json")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if summary.get("status") in ABANDONED and summary.get("prefect_flow_run") and SETTLED not in summary:
            found.append((path, summary))
    return found


def settle(out: Path) -> dict[str, str]:
    """Set Crashed on the flow runs of the abandoned nights under OUT/attempts that Prefect still shows unfinished.
    Returns {flow run id: what it is now} for the folders looked at (a Prefect state type, or `not_found` when this
    Prefect server never knew it). Errors are logged and the folder is tried again by a later night."""
    todo = unsettled(out)
    if not todo or current_flow_run_id() is None:
        return {}
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Crashed

    done: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        for path, summary in todo:
            run_id = str(summary["prefect_flow_run"])
            how = "超过时限被终止" if summary["status"] == "stopped" else "进程意外退出"
            try:
                run = client.read_flow_run(UUID(run_id))
                if run.state is not None and run.state.is_final():
                    outcome = run.state.type.value
                else:
                    message = (
                        f"夜间任务未正常结束（{how}），由下一次夜间任务标记为 Crashed；详情见 {path.parent}"
                    )
                    client.set_flow_run_state(run.id, Crashed(message=message), force=True)
                    outcome = "CRASHED"
                _crash_parents(
                    client,
                    run,
                    f"其中的夜间任务未正常结束（{how}），一并标记为 Crashed；详情见 {path.parent}",
                )
            except ObjectNotFound:
                outcome = "not_found"
            except Exception as exc:  # the API down, a bad id: a later night tries again
                log.warning("could not settle Prefect flow run %s of %s: %s", run_id, path.parent.name, exc)
                continue
            write_summary(path, {**summary, SETTLED: outcome})
            done[run_id] = outcome
            log.info("Prefect flow run %s of %s: %s", run_id, path.parent.name, outcome)
    return done


def _crash_parents(client: Any, run: Any, message: str) -> None:
    """The flows `run` ran in (a backfill runs its nights as subflows of one process: killed with it), set Crashed
    when Prefect shows them unfinished. Best effort: an error is logged, the night's own outcome stands."""
    from prefect.states import Crashed

    try:
        while run.parent_task_run_id is not None:
            parent = client.read_task_run(run.parent_task_run_id).flow_run_id
            if parent is None:
                return
            run = client.read_flow_run(parent)
            if run.state is None or not run.state.is_final():
                client.set_flow_run_state(run.id, Crashed(message=message), force=True)
    except Exception as exc:
        log.warning("could not settle the flow runs Prefect flow run %s ran in: %s", run.id, exc)
