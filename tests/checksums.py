"""Table checksums for "re-running changes nothing": order-free, doubles compared to 1e-6.

DuckDB sums doubles in parallel, so the last bits of a float aggregate depend on thread timing; money and counts
are compared exactly, ratios to six decimals.
"""

from __future__ import annotations

import duckdb


def table_checksums(con: duckdb.DuckDBPyConnection, skip: tuple[str, ...] = ()) -> dict[str, tuple]:
    """table → (row count, sum of row hashes) for every base table and view (stg_attendance is a view: what a
    night's models read through it counts as much as what is stored)."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type in ('BASE TABLE', 'VIEW')"
        ).fetchall()
        if r[0] not in skip
    ]
    out = {}
    for t in tables:
        cols = con.execute(f'describe "{t}"').fetchall()
        exprs = [
            f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"' for name, kind, *_ in cols
        ]
        row = con.execute(f'select count(*), sum(hash({", ".join(exprs)})) from "{t}"').fetchall()[0]
        out[t] = tuple(row)
    return out


def parquet_checksums(folder) -> dict[str, tuple]:
    """The same checksums for every Parquet file of a folder (a run's published tables)."""
    from pathlib import Path

    con = duckdb.connect()
    try:
        for path in sorted(Path(folder).glob("*.parquet")):
            con.execute(f"create table \"{path.stem}\" as select * from read_parquet('{path}')")
        return table_checksums(con)
    finally:
        con.close()


def held_tables(warehouse) -> list[str]:
    """The published tables a night set aside (night_steps.hold_published) and nobody put back."""
    from pipelines.night_steps import HELD_PREFIX

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name from duckdb_tables() where starts_with(table_name, ?)", [HELD_PREFIX]
        ).fetchall()
    finally:
        con.close()
    return [name for (name,) in rows]
