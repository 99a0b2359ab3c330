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
