"""The own-runner candidate of the spike (issue 18 item 4): h/inc's month-partitioned runner on a warehouse copy.

    PYTHONPATH=<checkout of h/inc> .venv/bin/python benchmarks/spikes/sqlmesh/inc.py COPY AS_OF [--deliver PARQUET]

Builds the attendance chain with `run_models(..., incremental=True)` (the `-- incremental: by_month(col)` models
keep `_model_build` state and rebuild only the months new rows touch). `--deliver` appends the Parquet rows as a
new file of the ledger (a new `load_file` row, `_file_id` above the watermark), as a real night's load would.
Never point this at a real warehouse.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import duckdb

from pipelines.settings import get_settings, sql_params
from pipelines.warehouse import connect, run_models

CHAIN = ["stg_attendance", "int_key_staff", "int_person_day", "int_project_day", "int_project_month"]


def deliver(con: duckdb.DuckDBPyConnection, parquet: str) -> None:
    file_id = con.execute("select max(file_id) + 1 from load_file").fetchone()[0]  # type: ignore[index]
    con.execute(
        "insert into load_file (file_id, path, sha256, entity, extract_date, format, status, rows_read, rows_loaded,"
        " loaded_at) select ?, 'spike/tonight.parquet', 'spike', 'attendance', max(_extract_date), 'parquet',"
        " 'loaded', count(*), count(*), now() from read_parquet(?)",
        [file_id, parquet],
    )
    con.execute(
        "insert into raw_attendance by name select * replace (? as _file_id) from read_parquet(?)",
        [file_id, parquet],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse")
    parser.add_argument("as_of", type=date.fromisoformat)
    parser.add_argument("--deliver")
    args = parser.parse_args()
    con = connect(args.warehouse, memory_limit="6GB", threads=2)
    if args.deliver:
        t = time.perf_counter()
        deliver(con, args.deliver)
        print(f"deliver: {time.perf_counter() - t:.1f} s")
    params = sql_params(get_settings(), args.as_of)
    for name in CHAIN:
        t = time.perf_counter()
        report = run_models(con, params, only=[name], incremental=True)
        plan = report.plans.get(name)
        how = f"{plan.mode} {plan.months or ''} {plan.reason or ''}".strip() if plan else "whole"
        print(f"{name}: {time.perf_counter() - t:.1f} s ({how})")
    con.execute("CHECKPOINT")
    con.close()


if __name__ == "__main__":
    main()
