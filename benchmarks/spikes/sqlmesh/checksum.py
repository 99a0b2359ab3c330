"""Row-for-row check of the spike: count and order-independent sum of row hashes of the chain's tables in two
warehouses (e.g. SQLMesh's `spike` views and our runner's `main` tables).

    python benchmarks/spikes/sqlmesh/checksum.py A.duckdb B.duckdb SCHEMA_IN_A SCHEMA_IN_B

SCHEMA_IN_B is qualified with the attached name `other` (e.g. `other.main`). `_file_id` of stg_attendance is left
out: the own-runner copies deliver tonight's rows as a new ledger file.
"""

from __future__ import annotations

import sys

import duckdb

TABLES = ["stg_attendance", "int_person_day", "int_project_day", "int_project_month"]


def main() -> None:
    first, second, schema_a, schema_b = sys.argv[1:5]
    con = duckdb.connect(first, read_only=True)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"ATTACH '{second}' AS other (READ_ONLY)")
    for t in TABLES:
        exclude = " exclude (_file_id)" if t == "stg_attendance" else ""
        q = "select count(*), sum(hash(s)::hugeint) from (select *" + exclude + " from {}.{}) as s"
        a = con.execute(q.format(schema_a, t)).fetchone()
        b = con.execute(q.format(schema_b, t)).fetchone()
        print(f"{t}: {a} vs {b} -> {'EQUAL' if a == b else 'DIFFERENT'}", flush=True)


if __name__ == "__main__":
    main()
