"""Load-level facts from the ledger and the quarantine: unreadable files, refused rows, duplicates, the night's shares.

Rows refused at load never reach the staged tables, so these facts are where load-time checks (date formats, code
sets, negative amounts, ID and USCC check digits, broken lines) are reported. Files and rows of the last
`load_lookback_days` up to as_of count; the shares that can block publication are the night's (the newest extract).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl

from pipelines.contracts import all_contracts
from pipelines.quality.findings import finding
from pipelines.quality.titles_zh import DETAIL, QUARANTINE_CHECK
from pipelines.settings import Settings
from pipelines.warehouse import frame

DATE_TYPES = ("date", "datetime", "month")


def quarantine_check_id(reason_code: str, entity: str, column: str | None) -> str:
    """The check a quarantine reason reports under; out-of-range is split into dates and numbers."""
    if reason_code == "out_of_range":
        contracts = all_contracts()
        col_type = None
        if entity in contracts and column in contracts[entity].column_names:
            col_type = contracts[entity].column(column).type
        return "quarantine_out_of_range_date" if col_type in DATE_TYPES else "quarantine_out_of_range_number"
    return QUARANTINE_CHECK.get(reason_code, "quarantine_other")


def _column_zh(entity: str, column: str | None) -> str:
    contracts = all_contracts()
    if entity in contracts and column in contracts[entity].column_names:
        return contracts[entity].column(column).zh
    return column or "整行"


def file_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """One finding per unreadable file and per file whose name names no entity."""
    files = frame(
        con,
        "select path, entity, status, reason from load_file "
        "where status in ('failed', 'unknown_entity') and extract_date between ? and ? order by path",
        [since, as_of],
    )
    rows = []
    for f in files.iter_rows(named=True):
        check_id = "file_unreadable" if f["status"] == "failed" else "file_unknown_entity"
        detail = DETAIL[check_id].format(path=f["path"], reason=f["reason"] or "")
        rows.append(finding(check_id, f["entity"] or "unknown", 1, detail))
    return rows


def quarantine_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """Quarantined rows per entity and check (reason), with the columns they failed on."""
    q = frame(
        con,
        """
        select q.entity, q.reason_code, q.column_name, count(*) as n_rows, list(distinct q.file_id) as files
        from quarantine q join load_file f using (file_id)
        where f.extract_date between ? and ?
        group by all
        """,
        [since, as_of],
    )
    if q.height == 0:
        return []
    q = q.with_columns(
        pl.struct("reason_code", "entity", "column_name")
        .map_elements(
            lambda s: quarantine_check_id(s["reason_code"], s["entity"], s["column_name"]),
            return_dtype=pl.Utf8,
        )
        .alias("check_id"),
        pl.struct("entity", "column_name")
        .map_elements(lambda s: _column_zh(s["entity"], s["column_name"]), return_dtype=pl.Utf8)
        .alias("column_zh"),
    )
    rows = []
    for (entity, check_id), group in sorted(q.group_by("entity", "check_id"), key=lambda g: g[0]):
        by_column = group.sort("n_rows", "column_zh", descending=[True, False])
        n = int(by_column["n_rows"].sum())
        files = len({f for fs in by_column["files"] for f in fs})
        columns = "、".join(f"{r['column_zh']}{r['n_rows']}条" for r in by_column.iter_rows(named=True))
        rows.append(
            finding(check_id, entity, n, DETAIL["quarantine"].format(n=n, files=files, columns=columns))
        )
    return rows


def duplicate_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """Rows of event entities repeated inside one file, per entity (dropped at load, reported here).

    A row delivered again by a later file is not a fault: overlapping re-exports repeat earlier rows by design
    (sources.md). Mutable entities are left out: their snapshots repeat unchanged rows by design.
    """
    events = [e for e, c in all_contracts().items() if not c.mutable]
    dup = frame(
        con,
        """
        select entity, sum(rows_duplicate_in_file) as n_rows, count_if(rows_duplicate_in_file > 0) as n_files
        from load_file
        where status = 'loaded' and extract_date between ? and ? and list_contains(?, entity)
        group by entity having sum(rows_duplicate_in_file) > 0 order by entity
        """,
        [since, as_of, events],
    )
    return [
        finding(
            "duplicate_rows",
            d["entity"],
            d["n_rows"],
            DETAIL["duplicate_rows"].format(n=d["n_rows"], files=d["n_files"]),
        )
        for d in dup.iter_rows(named=True)
    ]


def night_share_findings(con: duckdb.DuckDBPyConnection, as_of: date, settings: Settings) -> list[dict]:
    """The night's unreadable-file share and each source's quarantined-row share, against their limits."""
    night = frame(
        con,
        """
        select entity, status, rows_read, rows_quarantined from load_file
        where extract_date = (select max(extract_date) from load_file where extract_date <= ?)
        """,
        [as_of],
    )
    rows: list[dict] = []
    if night.height == 0:
        return rows
    q = settings.quality
    failed = night.filter(pl.col("status") == "failed").height
    if failed / night.height > q.max_unreadable_share:
        detail = DETAIL["unreadable_share"].format(
            total=night.height, failed=failed, share=failed / night.height, limit=q.max_unreadable_share
        )
        rows.append(finding("file_unreadable_share", "all", failed, detail))
    loaded = (
        night.filter(pl.col("status") == "loaded")
        .group_by("entity")
        .agg(pl.col("rows_read").sum(), pl.col("rows_quarantined").sum())
        .sort("entity")
    )
    for e in loaded.iter_rows(named=True):
        share = e["rows_quarantined"] / e["rows_read"] if e["rows_read"] else 0.0
        if share > q.max_quarantine_share:
            detail = DETAIL["quarantine_share"].format(
                read=e["rows_read"],
                quarantined=e["rows_quarantined"],
                share=share,
                limit=q.max_quarantine_share,
            )
            rows.append(finding("quarantine_share", e["entity"], e["rows_quarantined"], detail))
    return rows


def load_findings(con: duckdb.DuckDBPyConnection, as_of: date, settings: Settings) -> list[dict]:
    """Every load-level finding of the lookback window, plus the night's shares."""
    since = as_of - timedelta(days=settings.quality.load_lookback_days)
    return (
        file_findings(con, since, as_of)
        + quarantine_findings(con, since, as_of)
        + duplicate_findings(con, since, as_of)
        + night_share_findings(con, as_of, settings)
    )


LOAD_CHECKS = (
    "file_unreadable",
    "file_unknown_entity",
    *sorted(
        set(QUARANTINE_CHECK.values()) | {"quarantine_out_of_range_date", "quarantine_out_of_range_number"}
    ),
    "duplicate_rows",
    "file_unreadable_share",
    "quarantine_share",
)
