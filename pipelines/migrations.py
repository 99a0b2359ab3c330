"""Versioned warehouse schema: numbered migrations, a backup copy of the file before any of them runs.

The raw layer is derived from the contracts; when a contract gains a column the raw table gains it here,
so a warehouse loaded by an older release keeps every row it holds.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.contracts import all_contracts
from pipelines.warehouse import LINEAGE_COLUMNS, ensure_schema, entity_columns, transaction

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def _m001_initial(con: duckdb.DuckDBPyConnection) -> None:
    """Ledger, quarantine and raw tables as the contracts declare them."""
    ensure_schema(con)


def _m002_raw_columns_follow_contracts(con: duckdb.DuckDBPyConnection) -> None:
    """Add any contract column a raw table lacks (nullable: older deliveries did not carry it)."""
    for contract in all_contracts().values():
        table = f"raw_{contract.entity}"
        have = {r[0] for r in con.execute(f"describe {table}").fetchall()}
        for name, typ in [*entity_columns(contract), ("_extra", "VARCHAR"), *LINEAGE_COLUMNS.items()]:
            if name not in have:
                con.execute(f'alter table {table} add column "{name}" {typ}')


def _m003_ledger_in_file_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """The ledger tells duplicates inside a file (a fault) from rows delivered before (a normal overlap)."""
    have = {r[0] for r in con.execute("describe load_file").fetchall()}
    if "rows_duplicate_in_file" not in have:
        con.execute("alter table load_file add column rows_duplicate_in_file BIGINT DEFAULT 0")


def _m004_ledger_tail_problem(con: duckdb.DuckDBPyConnection) -> None:
    """The ledger says when a text file's last record was cut off in transfer (a half delivery)."""
    have = {r[0] for r in con.execute("describe load_file").fetchall()}
    if "tail_problem" not in have:
        con.execute("alter table load_file add column tail_problem VARCHAR")


def _m005_return_entities(con: duckdb.DuckDBPyConnection) -> None:
    """Raw tables of the users' returns (disposition, triage.md) in a warehouse made before them."""
    ensure_schema(con)


def _m006_row_hash_as_number(con: duckdb.DuckDBPyConnection) -> None:
    """`_row_hash` as the 64-bit number it is (UBIGINT), no longer its decimal text: the text every loader wrote is
    the decimal form of a u64 hash (DuckDB's `hash()`, polars' before it), so each stored row keeps its value."""
    for contract in all_contracts().values():
        table = f"raw_{contract.entity}"
        types = {r[0]: r[1] for r in con.execute(f"describe {table}").fetchall()}
        if types.get("_row_hash") not in (None, "UBIGINT"):
            con.execute(
                f"alter table {table} alter column _row_hash set data type ubigint "
                "using try_cast(_row_hash as ubigint)"
            )


def _m007_ledger_unknown_headers(con: duckdb.DuckDBPyConnection) -> None:
    """The ledger names a loaded file's headers that no contract column has (应发金额（万元）): their values are kept
    in raw `_extra` only, so the bulletin says so instead of the column being silently empty."""
    have = {r[0] for r in con.execute("describe load_file").fetchall()}
    if "unknown_headers" not in have:
        con.execute("alter table load_file add column unknown_headers VARCHAR")


def _m008_ledger_changed_events(con: duckdb.DuckDBPyConnection) -> None:
    """The ledger counts a file's events that were stored before under their key with other content: an event's
    first delivery is kept, and a correction not taken is reported instead of counted as a plain overlap."""
    have = {r[0] for r in con.execute("describe load_file").fetchall()}
    if "rows_changed_not_taken" not in have:
        con.execute("alter table load_file add column rows_changed_not_taken BIGINT DEFAULT 0")


def _m009_ledger_hidden_sheets(con: duckdb.DuckDBPyConnection) -> None:
    """The ledger names a workbook's hidden sheets that hold the data's header: not loaded, and said in the bulletin."""
    have = {r[0] for r in con.execute("describe load_file").fetchall()}
    if "hidden_sheets" not in have:
        con.execute("alter table load_file add column hidden_sheets VARCHAR")


MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "initial schema", _m001_initial),
    (2, "raw columns follow the contracts", _m002_raw_columns_follow_contracts),
    (3, "ledger counts in-file duplicates", _m003_ledger_in_file_duplicates),
    (4, "ledger notes a cut last line", _m004_ledger_tail_problem),
    (5, "raw tables for the inspectors' returns", _m005_return_entities),
    (6, "raw _row_hash as a 64-bit number", _m006_row_hash_as_number),
    (7, "ledger names unknown headers", _m007_ledger_unknown_headers),
    (8, "ledger counts events changed but not taken", _m008_ledger_changed_events),
    (9, "ledger names hidden sheets not loaded", _m009_ledger_hidden_sheets),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The warehouse's schema version (0 for a new file)."""
    con.execute(
        "create table if not exists schema_version (version integer, name varchar, applied_at timestamp)"
    )
    v = con.execute("select max(version) from schema_version").fetchone()[0]  # type: ignore[index]
    return int(v or 0)


def backup(warehouse: Path, version: int) -> Path:
    """Copy the warehouse file aside before a schema change: `<name>.v<version>.<time>.bak`."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = warehouse.with_name(f"{warehouse.name}.v{version}.{stamp}.bak")
    shutil.copy2(warehouse, target)
    return target


def migrate(con: duckdb.DuckDBPyConnection, warehouse: Path | None = None) -> list[int]:
    """Apply pending migrations in order, each in its own transaction; back the file up first if it has data."""
    version = current_version(con)
    pending = [m for m in MIGRATIONS if m[0] > version]
    if not pending:
        return []
    if warehouse is not None and version > 0 and warehouse.exists():
        con.execute("checkpoint")
        backup(warehouse, version)
    applied = []
    for number, name, fn in pending:
        with transaction(con):
            fn(con)
            con.execute("insert into schema_version values (?, ?, now())", [number, name])
        applied.append(number)
    return applied
