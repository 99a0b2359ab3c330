"""Load-level facts from the ledger and the quarantine: unreadable or cut files, refused rows, duplicates, volumes,
and the night's shares.

Rows refused at load never reach the staged tables, so these facts are where load-time checks (date formats, code
sets, negative amounts, ID and USCC check digits, broken lines) are reported. Files and rows of the last
`load_lookback_days` up to as_of count; the shares that can block publication are the night's (the newest extract).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import PurePosixPath

import duckdb
import polars as pl

from pipelines.contracts import RETURN_ENTITIES, all_contracts
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


def _file_notes(
    con: duckdb.DuckDBPyConnection,
    since: date,
    as_of: date,
    check_id: str,
    note: str,
    where: str,
    *,
    counted: bool = False,
) -> list[dict]:
    """One finding per file whose ledger row has `note` (`where` says when), its detail the file and the note;
    n_rows the note when it is a count of rows (`counted`), else 1 (one file)."""
    files = frame(
        con,
        f"select path, entity, {note} as note from load_file "
        f"where {where} and extract_date between ? and ? order by path",
        [since, as_of],
    )
    return [
        finding(
            check_id,
            f["entity"] or "unknown",
            int(f["note"]) if counted else 1,
            DETAIL[check_id].format(path=f["path"], note=f["note"]),
        )
        for f in files.iter_rows(named=True)
    ]


def cut_file_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """One finding per CSV/JSONL file whose last record was cut off in transfer (ledger `tail_problem`); one file,
    as for unreadable files (its cut line is also a quarantined broken line)."""
    return _file_notes(con, since, as_of, "file_cut_last_line", "tail_problem", "tail_problem is not null")


def unknown_column_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """One finding per loaded file with headers no contract column has (ledger `unknown_headers`): their values
    are kept in raw `_extra` and read by nothing, so a renamed column (应发金额（百万元）) is named, not silently empty."""
    where = "unknown_headers is not null and status = 'loaded'"
    return _file_notes(con, since, as_of, "file_unknown_columns", "unknown_headers", where)


def recognised_entity_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """One finding per loaded file whose name did not say its entity and whose header did (ingest/recognise.py):
    the analyst sees which file was read as which entity (the ledger's `reason` of a loaded file)."""
    where = "status = 'loaded' and reason is not null"
    return _file_notes(con, since, as_of, "file_entity_from_header", "reason", where)


def hidden_sheet_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """One finding per loaded workbook with hidden sheets that have the data's header (ledger `hidden_sheets`): their
    rows are not loaded (what Excel shows is what is loaded), and the analyst is told which sheets, with their rows."""
    where = "status = 'loaded' and hidden_sheets is not null"
    return _file_notes(con, since, as_of, "hidden_sheet_not_loaded", "hidden_sheets", where)


# a file's name dating it: _1130 (month and day) or _20251130, followed by the end of the name, _ or a letter
_NAME_DATE = re.compile(r"_((?:20[0-9]{2})?[0-9]{4})(?=[_.a-zA-Z]|$)")


def name_date(filename: str, folder_date: date) -> date | None:
    """The date a delivered file's name gives (attendance_1130.csv, payroll_20251130.csv), its year the one that
    puts it nearest the folder's date; None when the name gives no valid date."""
    m = _NAME_DATE.search(PurePosixPath(filename).name)
    if m is None:
        return None
    digits = m.group(1)
    years = (
        [int(digits[:4])]
        if len(digits) == 8
        else [folder_date.year - 1, folder_date.year, folder_date.year + 1]
    )
    found = []
    for year in years:
        try:
            found.append(date(year, int(digits[-4:-2]), int(digits[-2:])))
        except ValueError:
            continue
    return min(found, key=lambda d: abs((d - folder_date).days)) if found else None


def misfiled_findings(
    con: duckdb.DuckDBPyConnection, since: date, as_of: date, settings: Settings
) -> list[dict]:
    """One finding per loaded file whose name dates it more than `quality.misfiled_days` from its extract-date folder
    (payroll_1130.csv in 2025-12-31/): the folder's date is the one stored — a roster or registry snapshot is a
    version of that date — so a file put in the wrong folder moves its versions by a month, and the analyst is told."""
    files = frame(
        con,
        "select path, entity, extract_date from load_file where status = 'loaded' and extract_date between ? and ? "
        "order by path",
        [since, as_of],
    )
    out = []
    for f in files.iter_rows(named=True):
        named = name_date(f["path"], f["extract_date"])
        if named is not None and abs((named - f["extract_date"]).days) > settings.quality.misfiled_days:
            detail = DETAIL["file_date_differs_from_folder"].format(
                path=f["path"], named=named.isoformat(), folder=f["extract_date"].isoformat()
            )
            out.append(finding("file_date_differs_from_folder", f["entity"] or "unknown", 1, detail))
    return out


def changed_event_findings(con: duckdb.DuckDBPyConnection, since: date, as_of: date) -> list[dict]:
    """One finding per file with events stored before under their key with other content (ledger
    `rows_changed_not_taken`, its n_rows): a punch, pay line or transaction re-exported with another amount or
    time. The first delivery stays (a month once reported keeps its numbers); the analyst is told which file
    disagreed."""
    note = "rows_changed_not_taken"
    return _file_notes(con, since, as_of, "event_correction_not_taken", note, f"{note} > 0", counted=True)


def volume_findings(
    con: duckdb.DuckDBPyConnection, since: date, as_of: date, settings: Settings
) -> list[dict]:
    """Extract days on which a source delivered far fewer or far more rows than the median of its previous deliveries.

    A delivery is all of a source's files of one extract date (attendance may come in part files). Event sources
    are measured in rows not delivered before (an overlapping re-export adds none) per day since the source's
    previous delivery, so a month's extract and a night's compare; snapshots (mutable entities) in rows per
    delivery. A day whose files all failed is reported as unreadable instead, but still counts as a delivery
    for the days-since measure. The first delivery has no measure; Settings.quality holds the limits.
    """
    q = settings.quality
    mutable = [e for e, c in all_contracts().items() if c.mutable]
    days = frame(
        con,
        """
        select entity, extract_date,
               count_if(status = 'loaded') as n_loaded,
               sum(case when status <> 'loaded' then 0
                        when list_contains(?, entity) then rows_read
                        else rows_read - rows_duplicate + rows_duplicate_in_file end) as n_rows,
               list(path order by path) as files
        from load_file
        where entity is not null and status in ('loaded', 'failed') and extract_date <= ?
        group by entity, extract_date
        order by entity, extract_date
        """,
        [mutable, as_of],
    )
    rows: list[dict] = []
    for (entity,), group in days.group_by(["entity"], maintain_order=True):
        is_snapshot = entity in mutable
        history: list[tuple[float, int]] = []  # (measure, rows) of earlier deliveries, oldest first
        previous: date | None = None
        for d in group.iter_rows(named=True):
            day, n = d["extract_date"], int(d["n_rows"] or 0)
            gap = (day - previous).days if previous is not None else None
            previous = day
            if not d["n_loaded"] or (gap is None and not is_snapshot):
                continue
            measure = float(n) if is_snapshot else n / gap  # type: ignore[operator]
            n_history = q.volume_snapshot_history_deliveries if is_snapshot else q.volume_history_deliveries
            recent = history[-n_history:]
            history.append((measure, n))
            if day < since or len(recent) < q.volume_min_history:
                continue
            median = _median([m for m, _ in recent])
            if _median([r for _, r in recent]) < q.volume_min_rows or median <= 0:
                continue
            ratio = measure / median
            if q.volume_low_ratio <= ratio <= q.volume_high_ratio:
                continue
            check_id = "volume_low" if ratio < q.volume_low_ratio else "volume_high"
            values = {
                "day": day.isoformat(),
                "n": n,
                "k": len(recent),
                "median": median,
                "ratio": ratio,
                "files": "、".join(d["files"]),
            }
            detail = (
                DETAIL["volume_snapshot"].format(**values)
                if is_snapshot
                else DETAIL["volume_events"].format(**values, rate=measure, days=gap)
            )
            rows.append(finding(check_id, entity, n, detail))
    return rows


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def night_share_findings(con: duckdb.DuckDBPyConnection, as_of: date, settings: Settings) -> list[dict]:
    """The night's unreadable-file share and each source's quarantined-row share, against their limits. The users'
    own returns (the inspectors' dispositions) have no share limit: a handful of lines where one mistyped date is
    20 %, and a return never stops the city's list; their quarantined rows are reported as any other."""
    night = frame(
        con,
        """
        select entity, status, rows_read, rows_quarantined from load_file
        where extract_date = (select max(extract_date) from load_file where extract_date <= ?)
            and status <> 'unpacked'  -- a zip is its members' envelope, not a file of the night's count
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
        night.filter((pl.col("status") == "loaded") & ~pl.col("entity").is_in(list(RETURN_ENTITIES)))
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
        + cut_file_findings(con, since, as_of)
        + unknown_column_findings(con, since, as_of)
        + recognised_entity_findings(con, since, as_of)
        + hidden_sheet_findings(con, since, as_of)
        + misfiled_findings(con, since, as_of, settings)
        + changed_event_findings(con, since, as_of)
        + volume_findings(con, since, as_of, settings)
        + night_share_findings(con, as_of, settings)
    )


LOAD_CHECKS = (
    "file_unreadable",
    "file_unknown_entity",
    *sorted(
        set(QUARANTINE_CHECK.values()) | {"quarantine_out_of_range_date", "quarantine_out_of_range_number"}
    ),
    "duplicate_rows",
    "file_cut_last_line",
    "file_unknown_columns",
    "file_entity_from_header",
    "hidden_sheet_not_loaded",
    "file_date_differs_from_folder",
    "event_correction_not_taken",
    "volume_low",
    "volume_high",
    "file_unreadable_share",
    "quarantine_share",
)
