"""Benchmark a whole night on a generated tier: generation, then `wagewatch run` step by step, and peak memory.

One run, in this order, all measured here:
  1. `wagewatch generate --tier T` (skipped when the world is already under benchmarks/.work/T);
  2. the floor: every inbox file parsed once by `read_any` (decode and split only; no checks, no warehouse);
  3. `wagewatch run` on the inbox into a fresh warehouse, exactly as an analyst runs it (a Prefect flow on an
     ephemeral server); per-step seconds come from the run's own run_summary.json;
  4. with --incremental, step 3 stops two extract folders before the end, and this step is the next night: the
     next folder (a regular day: that day's attendance; the last folder, which also carries the month-end extracts
     of every source, is left out) arrives and `wagewatch run` loads it into the same warehouse and rebuilds
     everything after loading.
With --rerun, steps 3–4 are replaced by one more night on the warehouse an earlier benchmark left (no new file:
what a night costs beyond loading its files).
With --prefect-server, a Prefect server is started once before the nights (as README "Running on a server" does:
`prefect server start` in the background, `PREFECT_API_URL` pointed at it, healthy before the first night; its
PREFECT_HOME under benchmarks/.work/<tier>-night) and stopped at the end: every night runs against it, as a
deployment does, instead of starting and stopping an ephemeral server per `wagewatch run`.
Prints each step's seconds and its ratio to the floor, the night's total, the warehouse size and the peak memory
of the run (max RSS of the child process).

    .venv/bin/python -m benchmarks.nightly --tier city
    .venv/bin/python -m benchmarks.nightly --tier province
    .venv/bin/python -m benchmarks.nightly --tier demo --incremental --prefect-server
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from benchmarks.targets import record
from pipelines.ingest.readers import UnreadableFileError, read_any

WORK = Path(__file__).resolve().parent / ".work"
BIN = Path(sys.executable).parent
QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
# what the flow costs outside its steps, by how Prefect's API is reached (the printout's last line per night)
OVERHEAD = {None: "Prefect ephemeral server", "started": "started server"}
# each night's step peaks (MB), from its run summary: the runs' peak memory is their maximum
NIGHT_PEAKS_MB: list[int] = []


def parse_floor(inbox: Path) -> tuple[int, int, float]:
    """Files, rows and seconds to parse every file of the inbox once."""
    files = rows = 0
    start = time.perf_counter()
    for path in sorted(inbox.glob("*/*")):
        if not path.is_file():
            continue
        files += 1
        with contextlib.suppress(UnreadableFileError):
            rows += read_any(path).frame.height
    return files, rows, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="city", choices=["demo", "city", "province"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="a first night up to two folders before the end, then the next day's night",
    )
    parser.add_argument(
        "--next",
        metavar="FOLDER",
        help="with --incremental: the extract folder the next night brings (default: the second-to-last, a regular "
        "day); e.g. a month-end folder with re-exports of earlier months (late corrections)",
    )
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="one more night on the warehouse an earlier run left (no new file)",
    )
    parser.add_argument(
        "--prefect-server",
        action="store_true",
        help="start a Prefect server once and run every night against it (how a deployment runs), instead of an "
        "ephemeral server per run",
    )
    args = parser.parse_args()

    world = WORK / args.tier
    inbox = world / "inbox"
    if not inbox.exists():
        start = time.perf_counter()
        subprocess.run(
            [BIN / "wagewatch", "generate", "--tier", args.tier, "--seed", str(args.seed), "--out", world],
            check=True,
        )
        print(f"1. generate {args.tier:<10}{time.perf_counter() - start:>10.1f} s")
    else:
        print(f"1. generate: reusing {world}")
    size_mb = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file()) / 2**20

    files, rows, floor = parse_floor(inbox)
    print(f"2. parse floor: {files} files, {rows:,} rows, {size_mb:.0f} MB in {floor:.1f} s")

    run = WORK / f"{args.tier}-night"
    if args.rerun and not (run / "wh.duckdb").exists():
        raise SystemExit(f"--rerun needs the warehouse of an earlier run: {run / 'wh.duckdb'}")
    if not args.rerun:
        shutil.rmtree(run, ignore_errors=True)
    with contextlib.ExitStack() as stack:
        api = (
            stack.enter_context(prefect_server(WORK / f"{args.tier}-prefect"))
            if args.prefect_server
            else None
        )
        print(f"   Prefect: {'a started server at ' + api if api else 'an ephemeral server per run'}")
        if args.rerun:
            staged = run / "inbox"
            night(staged if staged.exists() else inbox, run, floor, "3. the next night, no new file", api)
        else:
            first_nights(inbox, run, floor, args.incremental, tier=args.tier, next_folder=args.next, api=api)
    wh_mb = sum(p.stat().st_size for p in run.glob("wh.duckdb*")) / 2**20
    # the runs' own peaks, from their summaries: RUSAGE_CHILDREN's ru_maxrss would count this process's memory
    # (the parse floor reads the inbox), which Linux carries into every child across fork and exec
    peak = max(NIGHT_PEAKS_MB, default=0)
    record(args.tier, peak_rss_mb=round(peak))
    print(f"warehouse {wh_mb:.0f} MB; peak memory of the runs (max RSS) {peak:.0f} MB")


def first_nights(
    inbox: Path,
    run: Path,
    floor: float,
    incremental: bool,
    tier: str | None = None,
    next_folder: str | None = None,
    api: str | None = None,
) -> None:
    """A first night into a fresh warehouse; with `incremental`, up to the folder before `next_folder` (default: two
    folders before the end), then the night that folder arrives (by default a regular day's). `api`: the started
    Prefect server's API URL (None: each run starts an ephemeral one)."""
    run.mkdir(parents=True, exist_ok=True)
    folders = sorted(p for p in inbox.iterdir() if p.is_dir())
    held_back = (inbox / next_folder if next_folder else folders[-2]) if incremental else None
    if held_back is not None:  # the first night sees the folders before it (linked, not copied)
        if held_back not in folders:
            raise SystemExit(f"no extract folder {held_back}")
        staged = run / "inbox"
        staged.mkdir(parents=True)
        for folder in folders[: folders.index(held_back)]:
            (staged / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
        inbox = staged
    first = night(inbox, run, floor, "3. wagewatch run", api)
    record(
        tier,
        **{
            "first_night_s" if next_folder is None else f"first_night_before_{next_folder}_s": round(first, 1)
        },
    )
    if held_back is not None:
        (inbox / held_back.name).symlink_to(held_back.resolve(), target_is_directory=True)
        wall = night(inbox, run, floor, f"4. the next night ({held_back.name}'s extracts)", api)
        key = "regular_night_s" if next_folder is None else f"night_{held_back.name}_s"
        record(tier, **{key: round(wall, 1)})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def prefect_server(home: Path, timeout: float = 300.0) -> Iterator[str]:
    """`prefect server start` in the background (its database in `home`), healthy before this yields its API URL;
    stopped (its whole process group) when the block ends."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    start = time.perf_counter()
    with (home / "server.log").open("w") as log:
        proc = subprocess.Popen(
            [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
        try:
            while not _healthy(api):
                if proc.poll() is not None:
                    raise SystemExit(f"prefect server exited ({proc.returncode}); see {home / 'server.log'}")
                if time.perf_counter() - start > timeout:
                    raise SystemExit(
                        f"prefect server not healthy after {timeout:.0f} s; see {home / 'server.log'}"
                    )
                time.sleep(0.5)
            print(f"   prefect server start (once, before the nights): {time.perf_counter() - start:.1f} s")
            yield api
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def children_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process's ended and waited-for children (and theirs): a night's whole
    CPU is the difference around its `wagewatch run` (an ephemeral Prefect server it starts included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def night(inbox: Path, run: Path, floor: float, label: str, api: str | None = None) -> float:
    """`wagewatch run` as an analyst runs it (against the started server at `api`, else with an ephemeral one);
    prints its steps from the run's own run_summary.json and returns its wall seconds."""
    env = {**os.environ, **QUIET}
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    if api:
        env["PREFECT_API_URL"] = api
    else:
        env.pop("PREFECT_API_URL", None)
    start, cpu_start = time.perf_counter(), children_cpu_seconds()
    proc = subprocess.run(
        [BIN / "wagewatch", "run", "--inbox", inbox, "--out", run / "out", "--warehouse", run / "wh.duckdb"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - start, children_cpu_seconds() - cpu_start
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit(f"wagewatch run failed ({proc.returncode})")
    newest = max((run / "out" / "runs").glob("*/run_summary.json"), key=lambda p: p.parent.name)
    summary = json.loads(newest.read_text(encoding="utf-8"))
    print(
        f"{label} (as_of {summary['as_of']}, {summary['status']}): {wall:.1f} s wall, {cpu:.1f} CPU-s; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"   {'step':<12}{'seconds':>9}{'CPU-s':>8}{'÷ floor':>9}{'rows':>12}{'peak RSS':>10}")
    for step in summary["steps"]:
        rows_out = f"{step['rows']:,}" if step.get("rows") is not None else ""
        rss = f"{step['peak_rss_mb'] / 1024:.1f} GB" if step.get("peak_rss_mb") else ""
        step_cpu = f"{step['cpu_seconds']:.1f}" if step.get("cpu_seconds") is not None else ""
        print(
            f"   {step['step']:<12}{step['seconds']:>9.1f}{step_cpu:>8}{step['seconds'] / floor:>8.2f}×"
            f"{rows_out:>12}{rss:>10}"
        )
    NIGHT_PEAKS_MB.extend(s["peak_rss_mb"] for s in summary["steps"] if s.get("peak_rss_mb"))
    in_steps = sum(s["seconds"] for s in summary["steps"])
    cpu_in_steps = sum(s.get("cpu_seconds") or 0.0 for s in summary["steps"])
    print(f"   {'steps':<12}{in_steps:>9.1f}{cpu_in_steps:>8.1f}{in_steps / floor:>8.2f}×")
    print(
        f"   flow start-up and teardown ({OVERHEAD['started' if api else None]}): {wall - in_steps:.1f} s, "
        f"{cpu - cpu_in_steps:.1f} CPU-s"
    )
    return wall


if __name__ == "__main__":
    main()
