"""A night's deadline, kept by a second process.

A night can hang where nothing inside its own process can stop it: the deadlock of docs/decisions.md "A night that
hung in the reports step" held the GIL, so no Prefect timeout, Python signal handler or thread could run, and
SIGTERM was ignored; the next night then met a held lock. So the deadline is kept outside: when a night has taken
the warehouse lock it starts this file as a script (standard library only, `python -I -S`: a few milliseconds),
which waits on a pipe from the night. The night closing the pipe (it ended, however it ended) or dying ends the
watchdog. When `night_deadline_minutes` pass first, the watchdog

  1. asks the night for its Python stacks (SIGUSR1: faulthandler writes them from its C handler, without the
     GIL) — where it hung, for whoever fixes it;
  2. kills the night and every process it started (SIGKILL, descendants listed first: the city workbook's
     process, Chromium, an ephemeral Prefect server);
  3. moves the unpublished run folder to OUT/attempts/<as_of>_stopped_<time>, with a run_summary.json
     (status `stopped`, the step it was in, 中文 message) and the stacks, and says so on stderr.
The night says it ended with a byte before it closes the pipe; EOF alone means it died without ending (killed by
the OOM killer, a crash, a cancel that did not let it finish): the watchdog then kills the processes it left
(looked at every 2 seconds while it waits) and keeps its folder as OUT/attempts/<as_of>_died_<time>.

Nothing published is touched: the last good night's outputs and LATEST stay; the warehouse lock (flock) goes with
the killed processes; DuckDB replays its log to the last commit when the warehouse is next opened, and the next
night puts the published tables back (night_steps.release_published). The CLI's exit status is then -9 (137 in a
shell). docs/decisions.md "A night's deadline".
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

STACKS_SIGNAL = signal.SIGUSR1
PROGRESS = "run_summary.json"  # the night's summary so far, rewritten in the run folder as each step starts


class Watchdog:
    """The running watchdog of one night (or nothing, when the deadline is off); `stop()` when the night ends."""

    def __init__(
        self, process: Any = None, stacks: IO[str] | None = None, staged: Path | None = None
    ) -> None:
        self.process = process
        self._stacks = stacks
        self._staged = staged

    def progress(self, summary: Any, step: str) -> None:
        """The night's summary so far (a runs.RunSummary), about to run `step`: what the watchdog keeps of a night
        it stops. Written only while a watchdog watches (no deadline, nobody reads it)."""
        if self.process is not None and self._staged is not None:
            summary.write(self._staged / PROGRESS, running_step=step)

    def stop(self) -> None:
        """The night ended: the watchdog exits, the stack handler goes, the unused stacks file is removed."""
        if self.process is not None:
            with contextlib.suppress(OSError):  # a byte, then EOF: ended (EOF alone: the night died)
                self.process.stdin.write(b".")
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except Exception:  # it exits on EOF at once; never let the end of a night wait on it
                self.process.kill()
            self.process = None
        if self._stacks is not None:
            import faulthandler

            faulthandler.unregister(STACKS_SIGNAL)
            self._stacks.close()
            Path(self._stacks.name).unlink(missing_ok=True)
            self._stacks = None


def start(deadline_minutes: float, staged: Path, out: Path, as_of: str) -> Watchdog:
    """Start the watchdog of the night whose unpublished run folder is `staged` (0 or less: no deadline). A
    watchdog that cannot start (no /proc: not Linux) is logged and the night runs without a deadline."""
    if deadline_minutes <= 0:
        return Watchdog()
    import faulthandler
    import logging
    import subprocess

    if not Path(f"/proc/{os.getpid()}/stat").exists():
        logging.getLogger("wagewatch").error("no /proc here: the night runs without its deadline (watchdog)")
        return Watchdog()
    stacks_path = staged.with_name(staged.name + ".stacks.txt")
    stacks = open(stacks_path, "w", encoding="utf-8")  # noqa: SIM115 - open until stop(): the handler writes to it
    dog = Watchdog(None, stacks, staged)
    try:
        faulthandler.register(STACKS_SIGNAL, file=stacks, all_threads=True)
        args = [str(os.getpid()), str(deadline_minutes), str(staged), str(stacks_path), str(out), as_of]
        dog.process = subprocess.Popen(
            [sys.executable, "-I", "-S", __file__, *args],
            stdin=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C meant for the night does not reach it; the night's end does (EOF)
        )
    except Exception as exc:  # the night matters more than its deadline: run it, and say so
        logging.getLogger("wagewatch").error(
            "the night runs without its deadline: watchdog not started: %s", exc
        )
        dog.stop()
        return Watchdog()
    return dog


# ---------------------------------------------------------------------------------------------------------------
# The watchdog process


def _main(argv: list[str]) -> int:
    night, minutes, staged, stacks, out, as_of = int(argv[0]), float(argv[1]), *map(Path, argv[2:5]), argv[5]
    deadline = time.monotonic() + minutes * 60
    processes = _descendants(night)
    state = "running"
    while state == "running" and time.monotonic() < deadline:
        # the processes it started, looked at again every 2 s: if the night dies they are orphans to kill
        state = _night_state(min(2.0, max(deadline - time.monotonic(), 0.0)))
        processes = _descendants(night) if state == "running" else processes
    if state == "ended":
        return 0
    kept = out / "attempts" / f"{as_of}_{'stopped' if state == 'running' else 'died'}_{_stamp()}"
    if state == "running":
        with contextlib.suppress(ProcessLookupError):  # gone this instant: the pipe says how, below
            os.kill(night, STACKS_SIGNAL)
        # the handler writes the stacks in milliseconds (walking threads that still run can crash or stall it:
        # the night is killed next either way)
        if _night_state(1.0) == "ended":
            return 0
    print(  # before the kill: a shell that started the night shows it before its prompt
        f"wagewatch: 夜间任务超过时限（{minutes:g} 分钟），正在终止。 / the night for {as_of} passed its deadline"
        f" ({minutes:g} min) and is being stopped. Its stacks and summary: {kept}"
        if state == "running"
        else f"wagewatch: 夜间任务意外退出。 / the night for {as_of} died without ending; what it left: {kept}",
        file=sys.stderr,
        flush=True,
    )
    killed: list[dict[str, Any]] = []
    night_itself = [(night, _started(night))] if state == "running" else []  # a died one may be a zombie yet
    for pid, started in [*night_itself, *processes]:  # the night first: it starts nothing more
        name = _name(pid)
        if started is not None and _started(pid) == started:  # the same process, not a reused number
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append({"pid": pid, "name": name})
    for entry in killed:
        _wait_gone(int(entry["pid"]), 10.0)
    _keep_attempt(kept, staged, stacks, as_of, minutes, killed, died=state == "died")
    return 0


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%dT%H%M%S")


def _night_state(timeout: float) -> str:
    """`ended` when the night said so (a byte, then EOF), `died` on EOF alone, `running` after `timeout` seconds."""
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    if not ready:
        return "running"
    return "ended" if os.read(sys.stdin.fileno(), 1) else "died"


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process from /proc, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name, in parentheses, may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def _started(pid: int) -> int | None:
    stat = _stat(pid)
    return None if stat is None else stat[2]


def _descendants(root: int) -> list[tuple[int, int]]:
    """(pid, start time) of every living process below `root` (this watchdog excepted), parents first."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[1], []).append((int(entry.name), stat[2]))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid, started = todo.pop(0)
        if pid != os.getpid():
            found.append((pid, started))
            todo.extend(children.get(pid, []))
    return found


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def gone(pid: int) -> bool:
    """The process is gone or a zombie (killed; its parent has not reaped it yet)."""
    stat = _stat(pid)
    return stat is None or stat[0] in ("Z", "X")


def _wait_gone(pid: int, seconds: float) -> None:
    until = time.monotonic() + seconds
    while not gone(pid) and time.monotonic() < until:
        time.sleep(0.05)


def _keep_attempt(
    kept: Path, staged: Path, stacks: Path, as_of: str, minutes: float, killed: list, *, died: bool
) -> None:
    """The stopped night's folder `kept` under OUT/attempts, as a failed night's (NightlyRun.__exit__)."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    moved_on = not staged.is_dir()  # the night had published its folder (or kept it as a failed one) already
    if not moved_on:
        staged.rename(kept)
    kept.mkdir(exist_ok=True)
    if stacks.exists() and stacks.stat().st_size:
        stacks.rename(kept / "stacks.txt")
    stacks.unlink(missing_ok=True)
    try:
        summary = json.loads((kept / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {"as_of": as_of, "steps": []}
    step = summary.pop("running_step", None) or "（未知）"
    summary.update(
        status="died" if died else "stopped",
        output_dir=str(kept),
        stopped_in_step=step,
        deadline_minutes=minutes,
        killed_processes=killed,  # a died night's: the processes it left running
        message=(
            f"夜间任务在步骤 {step} 中意外退出（进程被终止或崩溃，未正常结束）"
            if died
            else f"夜间任务在步骤 {step} 中超过时限（night_deadline_minutes = {minutes:g} 分钟），已被终止"
        )
        + ("；其输出此前已发布或已归档，不受影响。" if moved_on else "；本期清单未发布，上一期清单保持不变。")
        + ("" if died else "各线程的调用栈见 stacks.txt。"),
    )
    tmp = kept / (PROGRESS + ".tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, kept / PROGRESS)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
