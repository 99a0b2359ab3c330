"""Our runner's side of the SQLMesh spike (issue 18 item 4): time a build of the attendance chain on a warehouse copy.

    .venv/bin/python benchmarks/spikes/sqlmesh/ours.py WAREHOUSE_COPY AS_OF [--deliver PARQUET]

`--deliver` first appends the Parquet rows to raw_attendance (tonight's delivery), timed apart from the build.
Never point this at a real warehouse: it rebuilds tables in place.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from pipelines.settings import get_settings, sql_params
from pipelines.warehouse import connect, run_models

CHAIN = ["stg_attendance", "int_person_day", "int_project_day", "int_project_month"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse")
    parser.add_argument("as_of", type=date.fromisoformat)
    parser.add_argument("--deliver")
    args = parser.parse_args()
    con = connect(args.warehouse, memory_limit="6GB", threads=2)  # as the spike's SQLMesh gateway
    if args.deliver:
        t = time.perf_counter()
        con.execute("INSERT INTO raw_attendance BY NAME SELECT * FROM read_parquet(?)", [args.deliver])
        print(f"deliver: {time.perf_counter() - t:.1f} s")
    params = sql_params(get_settings(), args.as_of)
    for name in CHAIN:  # one at a time, so each model's cost is visible
        t = time.perf_counter()
        run_models(con, params, only=[name])
        print(f"{name}: {time.perf_counter() - t:.1f} s")
    con.execute("CHECKPOINT")
    con.close()


if __name__ == "__main__":
    main()
