"""Given/expect helpers: build a tiny in-memory warehouse from hand-written staged rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.contracts import all_contracts
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import LINEAGE_COLUMNS, connect, ensure_schema, run_models


def given_warehouse(
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    as_of: date = date(2025, 6, 30),
    settings: Settings | None = None,
    build: bool = True,
    only: Iterable[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose raw_<entity> tables hold `rows` (warehouse column names), models built.

    Columns not given are null; lineage defaults to file 1, line = position, extract date = as_of.
    """
    con = connect()
    ensure_schema(con)
    contracts = all_contracts()
    for entity, entity_rows in rows.items():
        if entity not in contracts:
            raise KeyError(f"unknown entity {entity!r}")
        table = f"raw_{entity}"
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        types = {r[0]: r[1] for r in con.execute(f"describe {table}").fetchall()}
        records = []
        for i, r in enumerate(entity_rows, start=1):
            unknown = set(r) - set(cols)
            if unknown:
                raise KeyError(f"{table} has no columns {sorted(unknown)}")
            rec = {c: r.get(c) for c in cols}
            rec["_file_id"] = r.get("_file_id", 1)
            rec["_line"] = r.get("_line", i)
            rec["_extract_date"] = r.get("_extract_date", as_of)
            rec["_row_hash"] = r.get("_row_hash", i)
            records.append(rec)
        if not records:
            continue
        df = pl.DataFrame(records, infer_schema_length=None)  # noqa: F841 - read by DuckDB below
        select = ", ".join(f'cast(df."{c}" as {types[c]}) as "{c}"' for c in cols)
        con.execute(f"insert into {table} select {select} from df")
    if build:
        run_models(con, sql_params(settings or Settings(), as_of), only=only)
    return con


def rows_of(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Query result as a list of dicts, for truth-table assertions."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


__all__ = ["LINEAGE_COLUMNS", "given_warehouse", "rows_of"]
