"""Run folders, the warehouse lock and atomic publication.

A run writes everything into a temporary folder beside its final place and renames it into
`OUT/runs/<as_of>/` only when the whole run succeeded; the `OUT/LATEST` pointer moves last. A crash at any
point leaves the previous outputs readable and the pointer on them.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import resource
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any


class WarehouseBusyError(RuntimeError):
    """Another run holds the warehouse (DuckDB allows one writer)."""


class AsOfRefusedError(RuntimeError):
    """The as-of date asked for cannot be published: before any extract, or behind LATEST without --republish."""


def check_as_of(as_of: date, first_extract: date | None, latest: date | None, republish: bool) -> None:
    """Refuse a date with no data, and a date earlier than the latest published run unless re-publishing.

    A date before the first extract is refused even with --republish: there is nothing to compute, and an empty
    list would read as "no warning" (docs/decisions.md).
    """
    if first_extract is None or as_of < first_extract:
        first = first_extract.isoformat() if first_extract else "无 / none"
        raise AsOfRefusedError(
            f"拒绝运行：数据日期 {as_of} 早于最早的数据提取日期（{first}），没有可计算的数据；"
            "空清单会被误读为“无预警”，已发布的清单和数据仓库未作任何改动。\n"
            f"refused: as-of {as_of} is before the first extract ({first}): there is no data to compute, and an "
            "empty list would read as all clear; nothing was published or changed."
        )
    if latest is not None and as_of < latest and not republish:
        raise AsOfRefusedError(
            f"拒绝运行：数据日期 {as_of} 早于已发布的最新一期（{latest}，见 OUT/LATEST）。如需重新发布该历史日期，"
            f"请加 --republish：结果写入 runs/{as_of}，latest 仍指向 {latest}。\n"
            f"refused: as-of {as_of} is earlier than the latest published run ({latest}, OUT/LATEST). To re-publish "
            f"that past date add --republish: it goes to runs/{as_of} and latest stays on {latest}."
        )


@contextlib.contextmanager
def warehouse_lock(warehouse: Path, *, wait_seconds: float = 0.0, poll: float = 1.0) -> Iterator[Path]:
    """Hold an exclusive lock on `<warehouse>.lock` for the whole run; wait up to `wait_seconds`, then refuse."""
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = _read_holder(lock_path)
                    raise WarehouseBusyError(
                        f"warehouse {warehouse} is in use by another run ({holder}); "
                        f"waited {wait_seconds:.0f} s — try again when it has finished"
                    ) from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}".encode())
        yield lock_path
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read_holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text(encoding="utf-8").strip() or "unknown process"
    except OSError:
        return "unknown process"


def staging_dir(out: Path, as_of: date) -> Path:
    """A fresh temporary folder for one run's outputs, on the same file system as the final place."""
    d = out / ".staging" / f"{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
    d.mkdir(parents=True)
    return d


def run_dir(out: Path, as_of: date) -> Path:
    """The published folder of the run for `as_of`."""
    return out / "runs" / as_of.isoformat()


def publish(staged: Path, out: Path, as_of: date) -> Path:
    """Move a finished run folder into place, then move the LATEST pointer (never backwards). Returns the folder."""
    final = run_dir(out, as_of)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        # keep the old copy until the new one is in place, then drop it
        old = out / ".staging" / f"replaced-{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
        os.replace(staged, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staged, final)
    if moves_latest(out, as_of):
        _point_latest(out, final)
    return final


def moves_latest(out: Path, as_of: date) -> bool:
    """LATEST never moves backwards: only a run as new as the one it names (or the first run) moves it."""
    current = latest_as_of(out)
    return current is None or as_of >= current


def _point_latest(out: Path, final: Path) -> None:
    """Atomically repoint OUT/LATEST (text) and OUT/latest (symlink) at the published folder."""
    rel = final.relative_to(out)
    tmp = out / f".LATEST.{uuid.uuid4().hex[:8]}"
    tmp.write_text(str(rel) + "\n", encoding="utf-8")
    os.replace(tmp, out / "LATEST")
    link = out / "latest"
    if link.is_dir() and not link.is_symlink():
        # a copy made with `cp -r` turns the link into a folder; LATEST (text) stays the pointer of record
        shutil.rmtree(link)
    link_tmp = out / f".latest.{uuid.uuid4().hex[:8]}"
    os.symlink(rel, link_tmp)
    os.replace(link_tmp, link)


def latest_run(out: Path) -> Path | None:
    """The folder the LATEST pointer names, if any."""
    p = out / "LATEST"
    if not p.exists():
        return None
    return out / p.read_text(encoding="utf-8").strip()


def latest_as_of(out: Path) -> date | None:
    """The as-of date of the run LATEST names (its folder is runs/<as_of>), if any."""
    run = latest_run(out)
    if run is None:
        return None
    try:
        return date.fromisoformat(run.name)
    except ValueError:
        return None


def discard(staged: Path) -> None:
    """Remove an unpublished run folder (after a failure or a blocked night)."""
    shutil.rmtree(staged, ignore_errors=True)


def peak_rss_mb() -> int:
    """This process's own peak resident memory so far, in MB.

    Linux's VmHWM (/proc/self/status): ru_maxrss is not this process's alone there — the kernel carries the
    parent's peak across fork and exec, so a night started by a benchmark that had read the inbox showed the
    benchmark's 3.5 GB at its first step. Elsewhere ru_maxrss (KB on Linux, bytes on macOS: only Linux runs nights).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def cpu_seconds() -> float:
    """CPU seconds (user + system) this process has used so far, its threads included, plus those of its child
    processes that have ended and been waited for (the reports step's second process and Chromium, a spawned
    server). Beside a step's wall seconds, what the step cost however busy the machine was: on a shared machine
    the wall time stretches with the load, the CPU time much less (docs/decisions.md)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class StepRecord:
    """What one step did: for the run summary."""

    step: str
    seconds: float
    status: str = "ok"  # ok | failed | skipped | blocked
    # CPU seconds (user + system) of this process and of the child processes that ended during the step
    # (cpu_seconds); above `seconds` when the step ran on both cores, below when it waited (or the machine was busy)
    cpu_seconds: float | None = None
    rows: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    # the process's peak resident memory so far (MB) when the step ended: the step where it jumps is the one that
    # needed it (benchmarks read it to find what sets a night's peak)
    peak_rss_mb: int | None = None


@dataclass
class RunSummary:
    """The run summary written as run_summary.json and shown in Prefect."""

    as_of: str
    started_at: str
    status: str = "running"  # published | blocked | failed | refused
    warehouse: str = ""
    output_dir: str | None = None
    demo_secret: bool = False
    steps: list[StepRecord] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    ranking: str = ""  # 排序依据：… which ranking ordered the list (pipelines/features/ranking.py)
    outputs: dict[str, str] = field(default_factory=dict)
    message: str = ""
    # the Prefect flow run of the night (None outside one): the next night sets it Crashed when the watchdog stopped
    # this night or found it dead (pipelines/flows/abandoned.py)
    prefect_flow_run: str | None = None

    def record(self, step: str, started: float, cpu_started: float | None = None, **kw: Any) -> StepRecord:
        """A step that began at `started` (time.monotonic()) and `cpu_started` (cpu_seconds()) ends now."""
        rec = StepRecord(
            step=step,
            seconds=round(time.monotonic() - started, 3),
            cpu_seconds=None if cpu_started is None else round(cpu_seconds() - cpu_started, 3),
            peak_rss_mb=peak_rss_mb(),
            **kw,
        )
        self.steps.append(rec)
        return rec

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)

    def write(self, path: Path, *, running_step: str | None = None) -> Path:
        """Write the summary (atomically); `running_step`: the summary so far of a night still running, as the
        watchdog finds it if the night passes its deadline (pipelines/flows/watchdog.py)."""
        record = asdict(self) if running_step is None else {**asdict(self), "running_step": running_step}
        return write_summary(path, record)


def write_summary(path: Path, record: dict[str, Any]) -> Path:
    """A run_summary.json record written atomically (a reader never sees half of it). The watchdog keeps its own
    copy of these lines: it runs on the standard library alone (pipelines/flows/watchdog.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path
