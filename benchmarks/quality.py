"""Benchmark the data-quality step on a city-tier warehouse: GX suites, cross-source checks, the whole run_quality.

One run on a copy of a loaded warehouse (the original is never changed), staged as of its newest extract:
  1. GX: every suite (pipelines/quality/gx_suites.py) through the persistent-connection fix, without Data Docs;
  2. the same rules as hand-written DuckDB SQL (one count_if per rule, window for the keys): what GX adds;
  3. a plain DuckDB scan of the same staged tables (every column read once): the floor;
  4. run_quality as the nightly calls it (suites, cross-source and load checks, findings, Data Docs, bulletin).
Prints wall times, rows validated and the ratios of 1 and 4 to the scan.

    .venv/bin/python -m benchmarks.quality                      # generate the city tier (seed 7), load, check
    .venv/bin/python -m benchmarks.quality --warehouse FILE     # reuse a loaded warehouse of that size
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from benchmarks.timing import timed
from pipelines.quality.gx_suites import Rule, all_rules, run_suites
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, discover_models, ensure_schema, run_models


def city_warehouse(work: Path, seed: int, settings: Settings, times: dict) -> Path:
    """Generate the city tier and load it (slow: tens of minutes on 2 cores)."""
    from pipelines.ingest import load_inbox
    from pipelines.synth import generate

    world = work / "city"
    timed("generate city tier", lambda: generate("city", seed, world), times)
    warehouse = work / "city.duckdb"
    con = connect(warehouse, memory_limit=settings.duckdb_memory_limit)
    ensure_schema(con)
    timed("load inbox", lambda: load_inbox(con, world / "inbox", settings), times)
    con.close()
    return warehouse


def scan_sql(con, table: str) -> str:
    """Every column of a table read once: the least any validation of it must do."""
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    counts = ", ".join(f'count("{c}")' for c in cols)
    return f"select count(*), {counts} from {table}"


def rules_sql(rules: list[Rule]) -> list[str]:
    """The entity's rules as plain DuckDB: one count_if per predicate, one window per key."""
    table = rules[0].table
    plain = [r for r in rules if r.predicate and not r.joins_project]
    out = []
    if plain:
        out.append(f"select {', '.join(f'count_if({r.predicate})' for r in plain)} from {table}")
    for r in rules:
        if r.joins_project:
            out.append(f"select count(*) from {r.rows_from()} where {r.predicate}")
        if r.kind == "key_unique":
            key = ", ".join(f'"{k}"' for k in r.columns)
            out.append(
                f"select count(*) from (select count(*) over (partition by {key}) as n from {table}) where n > 1"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse", type=Path, help="a loaded warehouse to copy (default: generate the city tier)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args()

    settings = Settings()
    times: dict[str, float] = {}
    work = args.work or Path(tempfile.mkdtemp(prefix="wagewatch-bench-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.warehouse:
        warehouse = work / "bench.duckdb"
        timed("copy warehouse", lambda: shutil.copy(args.warehouse, warehouse), times)
    else:
        warehouse = city_warehouse(work, args.seed, settings, times)

    con = connect(warehouse, memory_limit=settings.duckdb_memory_limit, threads=settings.duckdb_threads)
    as_of: date = con.execute("select max(extract_date) from load_file").fetchone()[0]
    models = discover_models()
    staging = [n for n, m in models.items() if m.layer == "staging"]
    timed(
        "staging models",
        lambda: run_models(con, sql_params(settings, as_of), models=models, only=staging),
        times,
    )
    tables = [f"stg_{e}" for e in all_rules(settings, as_of)]
    n_rows = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    print(f"as of {as_of}: {sum(n_rows.values()):,} staged rows ({n_rows['stg_attendance']:,} attendance)")

    rules = all_rules(settings, as_of)
    timed("import great_expectations", lambda: __import__("great_expectations"), times)
    results, _ = timed("1. GX suites (no Data Docs)", lambda: run_suites(con, rules, None), times)
    errored = [r.rule.check_id for r in results if r.errored]
    print(
        f"   {len(results)} expectations, {sum(not r.success for r in results)} failed, {len(errored)} errored"
    )

    def plain_rules():
        for entity_rules in rules.values():
            for sql in rules_sql(entity_rules):
                con.execute(sql).fetchall()

    timed("2. the same rules as plain DuckDB SQL", plain_rules, times)
    timed(
        "3. plain DuckDB scan of the staged tables",
        lambda: [con.execute(scan_sql(con, t)).fetchall() for t in tables],
        times,
    )

    from pipelines.quality import run_quality

    out = work / "out"
    result = timed(
        "4. run_quality (everything, as nightly)",
        lambda: run_quality(warehouse, settings, as_of, out, con=con),
        times,
    )
    print(f"   {result.summary}")
    scan = times["3. plain DuckDB scan of the staged tables"]
    print(f"GX suites / scan: {times['1. GX suites (no Data Docs)'] / scan:.1f}×")
    print(f"plain SQL rules / scan: {times['2. the same rules as plain DuckDB SQL'] / scan:.1f}×")
    print(f"run_quality / scan: {times['4. run_quality (everything, as nightly)'] / scan:.1f}×")
    con.close()


if __name__ == "__main__":
    main()
