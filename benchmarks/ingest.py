"""Benchmark loading an inbox: rows/s per file format and peak memory, against a bare parse of the same files.

One run on a generated tier (or an inbox you name), into a fresh warehouse in a scratch folder:
  1. bare read: every file read once by polars' own reader for its format (`bare_read`: no line numbers, no
     payload unpacking, no checks; a GB18030 file decoded first): the parse floor the ratio is measured against;
     then the project's reader `pipelines.ingest.readers.read_any` (decode, split, line numbers, payloads);
  2. the real load, file by file as the nightly does (`load_file`: contract mapping, validation, PII hashing,
     quarantine, dedupe against the warehouse, ledger), timed per file and summed per format;
  3. the same inbox loaded a second time (every file already in the ledger): the cost of a re-run.
Prints per format: files, rows, seconds and rows/s of each pass, the load ÷ bare-read ratio, and the load against
the loading targets of issue 18 (Parquet ≥ 1 M rows/s, CSV ≥ 200 k rows/s); then peak memory (max RSS).

    .venv/bin/python -m benchmarks.ingest --tier city            # generate the city tier (seed 7) and load it
    .venv/bin/python -m benchmarks.ingest --inbox DIR            # an existing inbox
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import tempfile
import time
import warnings
from collections import defaultdict
from datetime import date
from pathlib import Path

import polars as pl

from benchmarks.targets import record
from pipelines.ingest.load import SUFFIXES, load_file
from pipelines.ingest.readers import UnreadableFileError, decode, read_any
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schema

WORK = Path(__file__).resolve().parent / ".work"
TARGET_ROWS_PER_S = {"parquet": 1_000_000, "csv": 200_000}  # issue 18, loading


def bare_read(path: Path) -> int:
    """Read a file with polars' reader for its format and nothing else; the number of rows (0 if it fails)."""
    fmt = SUFFIXES.get(path.suffix.lower())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fmt == "parquet":
                return pl.read_parquet(path).height
            if fmt == "csv":
                text, _ = decode(path.read_bytes())
                return pl.read_csv(
                    io.BytesIO(text.encode()), infer_schema=False, truncate_ragged_lines=True
                ).height
            if fmt == "jsonl":
                return pl.read_ndjson(path, infer_schema_length=None, ignore_errors=True).height
            if fmt == "json":
                return pl.read_json(path, infer_schema_length=None).height
            if fmt == "xlsx":
                return pl.read_excel(path, infer_schema_length=0).height
    except Exception:  # a faulty file the bare reader refuses still costs its attempt
        return 0
    return 0


def inbox_files(inbox: Path) -> list[tuple[date, Path]]:
    """Every delivered file with its extract date, in the order the nightly loads them."""
    out: list[tuple[date, Path]] = []
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


def _inbox(args: argparse.Namespace) -> Path:
    """The inbox named, or the tier's, generated under WORK the first time."""
    if args.inbox is not None:
        return args.inbox
    world = WORK / args.tier
    inbox = world / "inbox"
    if not inbox.exists():
        from pipelines.synth import generate

        start = time.perf_counter()
        generate(args.tier, args.seed, world)
        print(f"generated the {args.tier} tier in {time.perf_counter() - start:.1f} s")
    return inbox


def time_bare_reads(files: list[tuple[date, Path]]) -> dict[str, float]:
    """Pass 1a: format → seconds of polars' bare reads."""
    bare: dict[str, float] = defaultdict(float)
    for _, path in files:
        start = time.perf_counter()
        bare_read(path)
        bare[fmt_of(path)] += time.perf_counter() - start
    return bare


def time_reader(files: list[tuple[date, Path]]) -> dict[str, list]:
    """Pass 1b: format → [files, rows, seconds] of the project's reader."""
    parse: dict[str, list] = defaultdict(lambda: [0, 0, 0.0])
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
    return parse


def time_loads(files: list[tuple[date, Path]], inbox: Path) -> tuple[dict[str, list], int, float, float]:
    """Passes 2 and 3 into a scratch warehouse: format → [files, rows, seconds, CPU seconds] of the load, rows quarantined,
    seconds of the re-run, and the warehouse's size in MB."""
    settings = Settings()
    scratch = Path(tempfile.mkdtemp(prefix="wagewatch-bench-ingest-"))
    try:
        con = connect(scratch / "bench.duckdb")
        ensure_schema(con)
        load: dict[str, list] = defaultdict(lambda: [0, 0, 0.0, 0.0])  # files, rows, seconds, CPU seconds
        quarantined = 0
        for extract_date, path in files:
            start, cpu = time.perf_counter(), time.process_time()
            r = load_file(con, path, extract_date, settings, inbox=inbox)
            cell = load[fmt_of(path, r.encoding)]
            cell[0] += 1
            cell[1] += r.rows_read
            cell[2] += time.perf_counter() - start
            cell[3] += time.process_time() - cpu
            quarantined += r.rows_quarantined
        start = time.perf_counter()
        for extract_date, path in files:
            load_file(con, path, extract_date, settings, inbox=inbox)
        rerun = time.perf_counter() - start
        con.close()
        warehouse_mb = sum(p.stat().st_size for p in scratch.iterdir()) / 2**20
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return load, quarantined, rerun, warehouse_mb


def print_formats(
    n_files: int,
    bare: dict[str, float],
    parse: dict[str, list],
    load: dict[str, list],
    tier: str | None = None,
) -> float:
    """The per-format table (and per base format against bare reads and targets); returns the total load seconds."""
    # bare reads are timed per format (a CSV's encoding is known only after reading it): CSV rows share one floor
    print(
        f"\n{'format':<14}{'files':>6}{'rows':>12}{'bare s':>8}{'reader s':>9}{'load s':>8}{'load r/s':>11}"
        f"{'÷ bare':>8}{'target':>11}"
    )
    tot_b, tot_p, tot_l, rows = sum(bare.values()), 0.0, 0.0, 0
    by_base: dict[str, list[float]] = defaultdict(
        lambda: [0, 0.0, 0.0]
    )  # csv, parquet …: rows, load s, bare s
    for fmt in sorted(load):
        nf, n, ls, _ = load[fmt]
        ps = parse[fmt][2]
        base = fmt.split("-")[0]
        tot_p, tot_l, rows = tot_p + ps, tot_l + ls, rows + n
        by_base[base][0] += n
        by_base[base][1] += ls
        print(f"{fmt:<14}{nf:>6}{n:>12,}{'':>8}{ps:>9.1f}{ls:>8.1f}{n / max(ls, 1e-9):>11,.0f}")
    for base, (n, ls, _) in sorted(by_base.items()):
        bs = bare.get(base, 0.0)
        target = TARGET_ROWS_PER_S.get(base)
        rate = n / max(ls, 1e-9)
        record(tier, **{f"load_rows_per_s_{base}": round(rate)})
        verdict = "" if target is None else f"{target:>9,} {'met' if rate >= target else 'not met'}"
        ratio = f"{ls / bs:>7.1f}×" if n and bs > 0 else "       —"
        print(
            f"{base + ' (all)':<14}{'':>6}{n:>12,}{bs:>8.1f}{'':>9}{ls:>8.1f}{rate:>11,.0f}{ratio}  {verdict}"
        )
    print(
        f"{'all':<14}{n_files:>6}{rows:>12,}{tot_b:>8.1f}{tot_p:>9.1f}{tot_l:>8.1f}"
        f"{rows / max(tot_l, 1e-9):>11,.0f}{tot_l / max(tot_b, 1e-9):>7.1f}×"
    )
    return tot_l


def print_cpu(load: dict[str, list]) -> None:
    """The load's CPU seconds (all of the process's threads) per base format: on a shared machine the wall time
    follows the other users' load, the CPU time much less."""
    by_base: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for fmt, (_, n, _, cpu) in load.items():
        by_base[fmt.split("-")[0]][0] += n
        by_base[fmt.split("-")[0]][1] += cpu
    parts = [
        f"{base} {cpu:.1f} s ({n / max(cpu, 1e-9):,.0f} rows per CPU-second)"
        for base, (n, cpu) in sorted(by_base.items())
    ]
    print("load CPU time: " + "; ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="city", help="generator tier to load when --inbox is not given")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--inbox", type=Path, help="an existing inbox (default: generate the tier)")
    args = parser.parse_args()

    inbox = _inbox(args)
    files = inbox_files(inbox)
    size_mb = sum(p.stat().st_size for _, p in files) / 2**20
    print(f"inbox {inbox}: {len(files)} files, {size_mb:.0f} MB")
    bare = time_bare_reads(files)
    parse = time_reader(files)
    rss_after_parse = peak_rss_mb()
    load, quarantined, rerun, warehouse_mb = time_loads(files, inbox)
    tot_l = print_formats(len(files), bare, parse, load, tier=None if args.inbox else args.tier)
    print_cpu(load)
    print(f"\nrows quarantined: {quarantined:,}; warehouse after load: {warehouse_mb:.0f} MB")
    print(
        f"re-run of the same inbox (all files in the ledger): {rerun:.1f} s ({rerun / max(tot_l, 1e-9):.3f}× the load)"
    )
    print(
        f"peak memory (max RSS): {rss_after_parse:.0f} MB after the parse pass, {peak_rss_mb():.0f} MB at the end"
    )


if __name__ == "__main__":
    main()
