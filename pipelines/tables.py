"""Whether a relation exists, as the project's SQL would see it (pipelines.warehouse and pipelines.incremental both
ask; neither may import the other's module for it: warehouse imports incremental)."""

from __future__ import annotations

import duckdb


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when an unqualified `name` resolves to a table or view of this connection: its own database or its
    temporary tables — not a database it has attached (spark-run --verify and the benchmarks attach a warehouse
    read-only; its tables are not readable by the bare name). A lookup, never a failing probe: a failed statement
    would abort an open transaction."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_name = ? and table_catalog in (current_database(), 'temp')",
        [name],
    ).fetchone()
    return bool(found and found[0])


def is_view(con: duckdb.DuckDBPyConnection, name: str, *, temp: bool = False) -> bool:
    """True when `name` is a view of this connection's database (or of its temporary objects with `temp`)."""
    found = con.execute(
        "select count(*) from duckdb_views() where view_name = ? and not internal "
        "and database_name = case when ? then 'temp' else current_database() end",
        [name, temp],
    ).fetchone()
    return bool(found and found[0])


def drop_relation(con: duckdb.DuckDBPyConnection, name: str, *, temp: bool = False) -> None:
    """Drop a model's table or view if it exists (a model may be a view: `-- materialized: view`); with `temp`,
    only this connection's temporary one, so the warehouse's own is visible again."""
    qualified = f"temp.main.{name}" if temp else name
    con.execute(f"drop {'view' if is_view(con, name, temp=temp) else 'table'} if exists {qualified}")
