"""Benchmark loading an inbox: rows/s per file format and peak memory, against a bare parse of the same files.

One run on a generated tier (or an inbox you name), into a fresh warehouse in a scratch folder:
  1. bare parse: every file read once by `pipelines.ingest.readers.read_any` (decode, split, no checks): the floor;
  2. the real load, file by file as the nightly does (`load_file`: contract mapping, validation, PII hashing,
     quarantine, dedupe against the warehouse, ledger), timed per file and summed per format;
  3. the same inbox loaded a second time (every file already in the ledger): the cost of a re-run.
Prints per format: files, rows, seconds, rows/s for both, the load ÷ parse ratio; then peak memory (max RSS).

    .venv/bin/python -m benchmarks.ingest --tier city            # generate the city tier (seed 7) and load it
    .venv/bin/python -m benchmarks.ingest --inbox DIR            # an existing inbox
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from pipelines.ingest.load import SUFFIXES, load_file
from pipelines.ingest.readers import UnreadableFileError, read_any
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schema

WORK = Path(__file__).resolve().parent / ".work"


def inbox_files(inbox: Path) -> list[tuple[date, Path]]:
    """Every delivered file with its extract date, in the order the nightly loads them."""
    out = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        try:
            extract_date = date.fromisoformat(folder.name)
        except ValueError:
            continue
        out.extend((extract_date, p) for p in sorted(folder.iterdir()) if p.is_file())
    return out


def fmt_of(path: Path, encoding: str | None = None) -> str:
    fmt = SUFFIXES.get(path.suffix.lower(), path.suffix.lower() or "?")
    return f"{fmt}-{encoding.lower()}" if fmt == "csv" and encoding else fmt


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="city", help="generator tier to load when --inbox is not given")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--inbox", type=Path, help="an existing inbox (default: generate the tier)")
    args = parser.parse_args()

    inbox = args.inbox
    if inbox is None:
        world = WORK / args.tier
        inbox = world / "inbox"
        if not inbox.exists():
            from pipelines.synth import generate

            start = time.perf_counter()
            generate(args.tier, args.seed, world)
            print(f"generated the {args.tier} tier in {time.perf_counter() - start:.1f} s")
    files = inbox_files(inbox)
    size_mb = sum(p.stat().st_size for _, p in files) / 2**20
    print(f"inbox {inbox}: {len(files)} files, {size_mb:.0f} MB")

    parse = defaultdict(lambda: [0, 0, 0.0])  # format → files, rows, seconds
    for _, path in files:
        start = time.perf_counter()
        try:
            raw = read_any(path)
            n, encoding = raw.frame.height, raw.encoding
        except UnreadableFileError:
            n, encoding = 0, None
        cell = parse[fmt_of(path, encoding)]
        cell[0] += 1
        cell[1] += n
        cell[2] += time.perf_counter() - start
    rss_after_parse = peak_rss_mb()

    settings = Settings()
    scratch = Path(tempfile.mkdtemp(prefix="wagewatch-bench-ingest-"))
    try:
        con = connect(scratch / "bench.duckdb")
        ensure_schema(con)
        load = defaultdict(lambda: [0, 0, 0.0])
        quarantined = 0
        for extract_date, path in files:
            start = time.perf_counter()
            r = load_file(con, path, extract_date, settings, inbox=inbox)
            cell = load[fmt_of(path, r.encoding)]
            cell[0] += 1
            cell[1] += r.rows_read
            cell[2] += time.perf_counter() - start
            quarantined += r.rows_quarantined
        start = time.perf_counter()
        for extract_date, path in files:
            load_file(con, path, extract_date, settings, inbox=inbox)
        rerun = time.perf_counter() - start
        con.close()
        warehouse_mb = sum(p.stat().st_size for p in scratch.iterdir()) / 2**20
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(
        f"\n{'format':<9}{'files':>6}{'rows':>12}{'parse s':>9}{'parse r/s':>11}{'load s':>9}{'load r/s':>10}{'ratio':>7}"
    )
    tot_p, tot_l, rows = 0.0, 0.0, 0
    for fmt in sorted(load):
        nf, n, ls = load[fmt]
        _, _, ps = parse[fmt]
        tot_p, tot_l, rows = tot_p + ps, tot_l + ls, rows + n
        print(
            f"{fmt:<9}{nf:>6}{n:>12,}{ps:>9.1f}{n / max(ps, 1e-9):>11,.0f}{ls:>9.1f}{n / max(ls, 1e-9):>10,.0f}"
            + (f"{ls / ps:>6.1f}×" if n and ps > 0 else "     —")  # empty deliveries have no ratio
        )
    print(
        f"{'all':<9}{len(files):>6}{rows:>12,}{tot_p:>9.1f}{rows / max(tot_p, 1e-9):>11,.0f}{tot_l:>9.1f}"
        f"{rows / max(tot_l, 1e-9):>10,.0f}{tot_l / max(tot_p, 1e-9):>6.1f}×"
    )
    print(f"\nrows quarantined: {quarantined:,}; warehouse after load: {warehouse_mb:.0f} MB")
    print(
        f"re-run of the same inbox (all files in the ledger): {rerun:.1f} s ({rerun / max(tot_l, 1e-9):.3f}× the load)"
    )
    print(
        f"peak memory (max RSS): {rss_after_parse:.0f} MB after the parse pass, {peak_rss_mb():.0f} MB at the end"
    )


if __name__ == "__main__":
    main()
