"""Benchmark a whole night on a generated tier: generation, then `wagewatch run` step by step, and peak memory.

One run, in this order, all measured here:
  1. `wagewatch generate --tier T` (skipped when the world is already under benchmarks/.work/T);
  2. the floor: every inbox file parsed once by `read_any` (decode and split only; no checks, no warehouse);
  3. `wagewatch run` on the inbox into a fresh warehouse, exactly as an analyst runs it (a Prefect flow on an
     ephemeral server); per-step seconds come from the run's own run_summary.json.
Prints each step's seconds and its ratio to the floor, the night's total, the warehouse size and the peak memory
of the run (max RSS of the child process).

    .venv/bin/python -m benchmarks.nightly --tier city
    .venv/bin/python -m benchmarks.nightly --tier province
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipelines.ingest.readers import UnreadableFileError, read_any

WORK = Path(__file__).resolve().parent / ".work"
BIN = Path(sys.executable).parent


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
    shutil.rmtree(run, ignore_errors=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    start = time.perf_counter()
    proc = subprocess.run(
        [BIN / "wagewatch", "run", "--inbox", inbox, "--out", run / "out", "--warehouse", run / "wh.duckdb"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit(f"wagewatch run failed ({proc.returncode})")
    summary = json.loads(next((run / "out" / "runs").glob("*/run_summary.json")).read_text(encoding="utf-8"))
    print(f"3. wagewatch run (as_of {summary['as_of']}, {summary['status']}): {wall:.1f} s wall")
    print(f"   {'step':<12}{'seconds':>9}{'÷ floor':>9}{'rows':>12}")
    for step in summary["steps"]:
        rows_out = f"{step['rows']:,}" if step.get("rows") is not None else ""
        print(f"   {step['step']:<12}{step['seconds']:>9.1f}{step['seconds'] / floor:>8.2f}×{rows_out:>12}")
    in_steps = sum(s["seconds"] for s in summary["steps"])
    print(f"   {'steps':<12}{in_steps:>9.1f}{in_steps / floor:>8.2f}×")
    print(f"   flow start-up and teardown (Prefect ephemeral server): {wall - in_steps:.1f} s")
    wh_mb = sum(p.stat().st_size for p in run.glob("wh.duckdb*")) / 2**20
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"warehouse {wh_mb:.0f} MB; peak memory of the run (max RSS) {peak:.0f} MB")


if __name__ == "__main__":
    main()
