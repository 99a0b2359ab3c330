"""Files the ledger already holds, known without reading them: a regular night skips them by their file status.

The ledger (`load_file`) knows a delivery by its bytes: a file is loaded once per extract date, by sha256. Checking
that meant reading and hashing every file of the inbox every night (the city inbox: 160 files, 750 MB, ≈ 1.5 CPU-s
and more wall on a busy disk, for one new folder). `load_file_seen` remembers, for each file a night has read, its
size, modification and change times and inode as they were when it was read, and the sha256 of those bytes. A file
whose status is the same tonight has the same bytes (what make, rsync and git assume; the change time cannot be set
back by a program, only by the clock), and when the ledger holds those bytes for its extract date, it is skipped
unread: `load_file` would have found it `already_loaded`. Anything else (a new file, one rewritten or touched, a
copied inbox, bytes the ledger does not hold) is read and hashed as before. The table is a cache: the ledger stays
the record, and deleting the table only costs one night of hashing (docs/decisions.md "Regular nights: score,
load and start-up").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest.load import ReadAs, delivered, file_status
from pipelines.warehouse import has_table, transaction

SEEN_TABLE = "load_file_seen"
SEEN_DDL = f"""
CREATE TABLE IF NOT EXISTS {SEEN_TABLE} (
  path VARCHAR NOT NULL,        -- relative to the inbox, as load_file.path
  extract_date DATE NOT NULL,
  size BIGINT NOT NULL,
  mtime_ns BIGINT NOT NULL,
  ctime_ns BIGINT NOT NULL,
  inode BIGINT NOT NULL,
  sha256 VARCHAR NOT NULL       -- of the bytes read while the file had this status
)"""
_COLUMNS = ("path", "extract_date", "size", "mtime_ns", "ctime_ns", "inode")
_SCHEMA = (pl.Utf8, pl.Date, pl.Int64, pl.Int64, pl.Int64, pl.Int64)


def unchanged_loaded(con: duckdb.DuckDBPyConnection, inbox: Path, up_to: date | None) -> set[Path]:
    """The delivered files whose status is the one they had when a night read them, and whose bytes then the
    ledger holds for their extract date: loading them again would find them already loaded."""
    if not has_table(con, SEEN_TABLE) or not has_table(con, "load_file"):
        return set()
    files = delivered(inbox, up_to)
    if not files:
        return set()
    rows = [
        (path.relative_to(inbox).as_posix(), extract_date, *file_status(path)) for path, extract_date in files
    ]
    now = pl.DataFrame(rows, schema=dict(zip(_COLUMNS, _SCHEMA, strict=True)), orient="row")  # noqa: F841
    same = con.execute(
        f"""select distinct now.path from now
        inner join {SEEN_TABLE} as seen using ({", ".join(_COLUMNS)})
        where exists (select 1 from load_file where load_file.sha256 = seen.sha256
                      and load_file.extract_date = seen.extract_date)"""
    ).fetchall()
    held = {r[0] for r in same}
    return {path for path, _ in files if path.relative_to(inbox).as_posix() in held}


def remember(con: duckdb.DuckDBPyConnection, inbox: Path, read: Iterable[ReadAs]) -> int:
    """Record the status and sha256 of the files load_file read tonight (LoadReport.read: a file that changed
    while it was read is not in it, and is read again next night). Returns how many were recorded."""
    rows = [(r.path.relative_to(inbox).as_posix(), r.extract_date, *r.status, r.sha256) for r in read]
    if not rows:
        return 0
    seen = pl.DataFrame(  # noqa: F841 - DuckDB reads the frame by its name
        rows, schema=dict(zip((*_COLUMNS, "sha256"), (*_SCHEMA, pl.Utf8), strict=True)), orient="row"
    )
    with transaction(con):
        con.execute(SEEN_DDL)
        con.execute(
            f"delete from {SEEN_TABLE} using seen "
            f"where {SEEN_TABLE}.path = seen.path and {SEEN_TABLE}.extract_date = seen.extract_date"
        )
        con.execute(f"insert into {SEEN_TABLE} select * from seen")
    return len(rows)
