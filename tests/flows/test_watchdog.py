"""A night's deadline (pipelines/flows/watchdog.py): a night that hangs, even holding the GIL, is stopped with its
stacks kept and its processes killed, and nothing it did is published; a night that ends stops its watchdog."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from pipelines.flows.watchdog import gone
from pipelines.runs import latest_run
from tests.checksums import held_tables

ROOT = Path(__file__).resolve().parents[2]
NIGHT = """
import os, re, signal, subprocess, sys, time
from datetime import date
from pathlib import Path
from pipelines.flows import watchdog
from pipelines.runs import RunSummary, staging_dir

out, minutes, how = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
staged = staging_dir(out, date(2025, 12, 31))
RunSummary(as_of="2025-12-31", started_at="t").write(staged / "run_summary.json", running_step="reports")
(staged / "清单.xlsx").write_text("half written")
dog = watchdog.start(minutes, staged, out, "2025-12-31")
child = subprocess.Popen(["sleep", "600"])
print(child.pid, flush=True)

def stuck_writing_the_lists():
    re.match(r"(a+)+$", "a" * 40 + "b")  # catastrophic backtracking: the re module holds the GIL throughout

if how == "hang":
    stuck_writing_the_lists()
elif how == "die":
    time.sleep(3)  # the watchdog looks at the night's processes every 2 s
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would: no `finally` runs
else:
    time.sleep(0.5)
    dog.stop()
    child.kill()
    time.sleep(minutes * 60 + 2)  # past the deadline: nothing may stop this process now
    print("alive", flush=True)
"""


def run_child(argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, check=False, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


def run_night(tmp_path: Path, minutes: float, how: str) -> subprocess.CompletedProcess:
    script = tmp_path / "night.py"
    script.write_text(NIGHT, encoding="utf-8")
    argv = [sys.executable, str(script), str(tmp_path / "out"), str(minutes), how]
    return run_child(argv, {**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


def test_a_night_that_hangs_holding_the_gil_is_stopped_with_its_stacks(tmp_path):
    night = run_night(tmp_path, 0.03, "hang")
    assert night.returncode == -9, night.stderr
    assert "夜间任务超过时限" in night.stderr
    (kept,) = (tmp_path / "out" / "attempts").iterdir()
    assert kept.name.startswith("2025-12-31_stopped_")
    # the unpublished folder moved there whole, with the summary so far turned into a stopped night's
    assert (kept / "清单.xlsx").read_text() == "half written"
    assert not list((tmp_path / "out" / ".staging").iterdir())
    summary = json.loads((kept / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "stopped"
    assert summary["stopped_in_step"] == "reports"
    assert "running_step" not in summary
    assert "超过时限" in summary["message"]
    assert "上一期清单保持不变" in summary["message"]
    # where it hung, from faulthandler's handler (no GIL needed)
    assert "stuck_writing_the_lists" in (kept / "stacks.txt").read_text()
    # the process it started was killed with it
    child = int(night.stdout.split()[0])
    assert {p["pid"] for p in summary["killed_processes"]} >= {child}
    assert gone(child)


def test_a_night_that_dies_is_kept_and_the_processes_it_left_are_killed(tmp_path):
    night = run_night(tmp_path, 5, "die")
    assert night.returncode == -9, night.stderr
    child = int(night.stdout.split()[0])
    deadline = time.monotonic() + 30
    while not (tmp_path / "out" / "attempts").exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # the watchdog outlives the night it watched
    (kept,) = (tmp_path / "out" / "attempts").iterdir()
    assert kept.name.startswith("2025-12-31_died_")
    assert (kept / "清单.xlsx").exists()
    summary = json.loads((kept / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "died"
    assert "意外退出" in summary["message"]
    assert [p["pid"] for p in summary["killed_processes"]] == [child]
    assert gone(child)
    assert not (kept / "stacks.txt").exists()


def test_a_night_that_ends_stops_its_watchdog(tmp_path):
    night = run_night(tmp_path, 0.03, "end")
    assert night.returncode == 0, night.stderr
    assert night.stdout.split()[-1] == "alive"
    assert not (tmp_path / "out" / "attempts").exists()
    assert not list((tmp_path / "out" / ".staging").glob("*.stacks.txt"))


def test_wagewatch_run_past_its_deadline_publishes_nothing_and_the_next_night_runs(nightly_run, tmp_path):
    """The real command on a published warehouse: stopped a second into the night (its ephemeral Prefect server
    killed with it), LATEST and the published run stay byte for byte; the warehouse opens, the next night publishes
    and sets the stopped night's flow run, still Running in Prefect's database, to Crashed. (The stacks are
    test_a_night_that_hangs…'s: here the night's threads still run while they are written, and the dump may be
    cut short.)"""
    out, warehouse = tmp_path / "out", tmp_path / "wh.duckdb"
    shutil.copytree(nightly_run["out"], out, symlinks=True)
    shutil.copy2(nightly_run["warehouse"], warehouse)
    latest = latest_run(out)
    published = (latest / "run_summary.json").read_bytes()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "WAGEWATCH_NIGHT_DEADLINE_MINUTES": "0.02",
    }
    command = [sys.executable, "-c", "from pipelines.cli import main; main()", "run"]
    paths = ["--inbox", str(nightly_run["inbox"]), "--out", str(out), "--warehouse", str(warehouse)]
    night = run_child([*command, *paths, "--as-of", "2025-12-31"], env, timeout=300)
    # killed; or crashed a moment before, by the stack dump walking threads that still ran (then killed all the same)
    assert night.returncode in (-9, -11), night.stdout + night.stderr
    assert "夜间任务超过时限" in night.stderr
    assert latest_run(out) == latest
    assert (latest / "run_summary.json").read_bytes() == published
    (kept,) = (out / "attempts").iterdir()
    summary = json.loads((kept / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "stopped"
    assert summary["stopped_in_step"] in {"open", *(s["step"] for s in nightly_run["summary"]["steps"])}
    # its ephemeral Prefect server (a child) was killed with it
    assert summary["killed_processes"], summary
    assert all(gone(p["pid"]) for p in summary["killed_processes"])

    run_id = summary["prefect_flow_run"]
    assert prefect_state(tmp_path / "prefect", run_id) == "RUNNING"  # what nobody could tell Prefect

    env["WAGEWATCH_NIGHT_DEADLINE_MINUTES"] = "0"
    again = run_child([*command, *paths], env, timeout=600)  # the same command, the same Prefect home
    assert again.returncode == 0, again.stdout + again.stderr
    assert latest_run(out) == latest
    assert (latest / "run_summary.json").read_bytes() != published
    assert held_tables(warehouse) == []
    assert prefect_state(tmp_path / "prefect", run_id) == "CRASHED"
    settled = json.loads((kept / "run_summary.json").read_text(encoding="utf-8"))
    assert settled == {**summary, "prefect_state": "CRASHED"}  # looked at once; nothing else changed


def prefect_state(home: Path, run_id: str) -> str:
    """A flow run's state as Prefect's own database holds it (the ephemeral server's SQLite under PREFECT_HOME)."""
    with contextlib.closing(sqlite3.connect(home / "prefect.db")) as db:
        rows = db.execute("select state_type from flow_run where id = ?", [run_id]).fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])
