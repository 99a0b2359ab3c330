"""Data quality after load, before publish: GX suites on staged tables, cross-source SQL checks, load facts.

`run_quality` writes this run's findings to `dq_finding` (FINDING_SCHEMA), keeps every run's in
`dq_finding_history` (first_seen carries over), builds offline GX Data Docs and the Chinese 数据质量通报, and says
whether a blocking finding stops publication.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.quality.checks import CROSS_SOURCE, title_of
from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, frame, has_table, set_params

log = logging.getLogger(__name__)

# GX failures that have a named check id (so a setting can make them blocking)
GX_CHECK_IDS = {
    ("project", "expect_column_values_to_not_be_null", "project_code"): "project_key_not_null",
    ("attendance", "expect_compound_columns_to_be_unique"): "attendance_key_unique",
}


@dataclass
class QualityResult:
    """What the checks found, where the reports are, and whether publication is blocked."""

    blocking: bool
    findings: pl.DataFrame
    docs_index: Path | None = None
    bulletin_path: Path | None = None
    summary: dict = field(default_factory=dict)


def severity_of(check_id: str, settings: Settings) -> str:
    return "blocking" if check_id in settings.quality.blocking_checks else "warning"


def _night_files(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """The ledger rows of the night being checked (the newest extract date ≤ as_of)."""
    return frame(
        con,
        """
        select * from load_file
        where extract_date = (select max(extract_date) from load_file where extract_date <= ?)
        """,
        [as_of],
    )


def load_findings(con: duckdb.DuckDBPyConnection, as_of: date, settings: Settings) -> list[dict]:
    """Unreadable files, quarantined rows by entity and reason, and the night's shares against their limits."""
    rows: list[dict] = []
    for f in frame(
        con, "select * from load_file where status = 'failed' and extract_date <= ?", [as_of]
    ).iter_rows(named=True):
        rows.append(
            _row(
                "file_unreadable",
                f["entity"] or "unknown",
                None,
                None,
                None,
                1,
                f"{f['path']}：{f['reason']}",
                settings,
            )
        )
    quarantined = frame(
        con,
        """
        select q.entity, q.reason_code, any_value(q.reason) as reason, count(*) as n_rows,
               count(distinct q.file_id) as n_files
        from quarantine q join load_file f using (file_id)
        where f.extract_date <= ?
        group by q.entity, q.reason_code
        """,
        [as_of],
    )
    for q in quarantined.iter_rows(named=True):
        check_id = f"quarantine_{q['reason_code']}"
        rows.append(
            _row(
                check_id,
                q["entity"],
                None,
                None,
                None,
                q["n_rows"],
                f"{q['n_rows']}条记录被隔离（{q['n_files']}个文件）：{q['reason']}",
                settings,
                title=f"隔离：{q['reason']}",
            )
        )
    night = _night_files(con, as_of)
    if night.height:
        share = night.filter(pl.col("status") == "failed").height / night.height
        if share > settings.quality.max_unreadable_share:
            rows.append(
                _row(
                    "file_unreadable_share",
                    "all",
                    None,
                    None,
                    None,
                    night.filter(pl.col("status") == "failed").height,
                    f"当晚{night.height}个文件中{share:.0%}无法读取（上限{settings.quality.max_unreadable_share:.0%}）",
                    settings,
                )
            )
        by_entity = (
            night.filter(pl.col("status") == "loaded")
            .group_by("entity")
            .agg(pl.col("rows_read").sum(), pl.col("rows_quarantined").sum())
        )
        for e in by_entity.iter_rows(named=True):
            if (
                e["rows_read"]
                and e["rows_quarantined"] / e["rows_read"] > settings.quality.max_quarantine_share
            ):
                rows.append(
                    _row(
                        "quarantine_share",
                        e["entity"],
                        None,
                        None,
                        None,
                        e["rows_quarantined"],
                        f"当晚隔离{e['rows_quarantined']}/{e['rows_read']}条"
                        f"（上限{settings.quality.max_quarantine_share:.0%}）",
                        settings,
                    )
                )
    return rows


def cross_source_findings(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[dict]:
    """Every cross-source check as one finding per project (or firm)."""
    rows = []
    for check_id, (entity, sql) in CROSS_SOURCE.items():
        for r in frame(con, sql).iter_rows(named=True):
            rows.append(
                _row(
                    check_id,
                    entity,
                    r["area_code"],
                    r["project_code"],
                    r["corp_code"],
                    r["n_rows"],
                    r["detail_zh"],
                    settings,
                )
            )
    return rows


def gx_findings(failures: list, settings: Settings) -> list[dict]:
    """Failed or errored expectations as findings (an errored check is never a pass)."""
    rows = []
    for f in failures:
        check_id = (
            GX_CHECK_IDS.get((f.entity, f.expectation, f.column))
            or GX_CHECK_IDS.get((f.entity, f.expectation))
            or f"gx_{f.entity}_{f.expectation.removeprefix('expect_')}_{f.column}"
        )
        title = "检查执行出错" if f.errored else title_of(check_id)
        if title == check_id:
            title = f"{f.entity}：{f.detail_zh.split('条记录', 1)[-1]}"
        rows.append(_row(check_id, f.entity, None, None, None, f.n_rows, f.detail_zh, settings, title=title))
    return rows


def _row(
    check_id, entity, area_code, project_code, corp_code, n_rows, detail_zh, settings, *, title=None
) -> dict:
    return {
        "check_id": check_id,
        "title_zh": title or title_of(check_id),
        "severity": severity_of(check_id, settings),
        "entity": entity,
        "area_code": area_code,
        "project_code": project_code,
        "corp_code": corp_code,
        "n_rows": int(n_rows or 0),
        "detail_zh": detail_zh,
    }


def store_findings(con: duckdb.DuckDBPyConnection, rows: list[dict], as_of: date) -> pl.DataFrame:
    """Write dq_finding (this run) and dq_finding_history (every run); first_seen comes from the history."""
    current = pl.DataFrame(
        rows,
        schema={k: v for k, v in FINDING_SCHEMA.items() if k not in ("as_of", "first_seen", "last_seen")},
    )
    current = current.with_columns(as_of=pl.lit(as_of), last_seen=pl.lit(as_of))
    key = ["check_id", "entity", "project_code", "corp_code"]
    if has_table(con, "dq_finding_history"):
        seen = frame(
            con,
            "select check_id, entity, project_code, corp_code, min(as_of) as first_seen "
            "from dq_finding_history where as_of < ? group by all",
            [as_of],
        )
        current = current.join(seen, on=key, how="left", nulls_equal=True)
    else:
        current = current.with_columns(first_seen=pl.lit(None, dtype=pl.Date))
    current = current.with_columns(pl.col("first_seen").fill_null(pl.lit(as_of))).select(
        [pl.col(c).cast(t) for c, t in FINDING_SCHEMA.items()]
    )
    con.execute("begin")
    try:
        con.execute("create or replace table dq_finding as select * from current")
        if has_table(con, "dq_finding_history"):
            con.execute("delete from dq_finding_history where as_of = ?", [as_of])
            con.execute("insert into dq_finding_history by name select * from current")
        else:
            con.execute("create table dq_finding_history as select * from current")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return current


def run_quality(
    warehouse: Path,
    settings: Settings,
    as_of: date,
    out_dir: Path,
    con: duckdb.DuckDBPyConnection | None = None,
) -> QualityResult:
    """Run every check on the staged tables; write findings, Data Docs and the bulletin under out_dir."""
    from pipelines.quality.bulletin import write_bulletin
    from pipelines.quality.gx_suites import run_suites

    own = con is None
    con = con or connect(warehouse)
    started = time.monotonic()
    try:
        set_params(con, sql_params(settings, as_of))
        quality_dir = out_dir / "数据质量"
        failures, docs, n_gx = run_suites(con, as_of, quality_dir / "data_docs")
        gx_seconds = time.monotonic() - started
        rows = (
            load_findings(con, as_of, settings)
            + cross_source_findings(con, settings)
            + gx_findings(failures, settings)
        )
        findings = store_findings(con, rows, as_of)
        history = frame(con, "select * from dq_finding_history")
        areas_path = settings.paths.data_dir / "reference" / "areas.csv"
        areas = pl.read_csv(areas_path, schema_overrides={"code": pl.Utf8}) if areas_path.exists() else None
        firms = frame(
            con,
            "select contractor_corp_code as corp_code, any_value(contractor_corp_name) as corp_name "
            "from stg_project group by 1",
        )
        bulletin = write_bulletin(
            findings, history, areas, firms, as_of, quality_dir / f"数据质量通报_{as_of.isoformat()}.html"
        )
        blocking = findings.filter(pl.col("severity") == "blocking")
        summary = {
            "checks": n_gx + len(CROSS_SOURCE),
            "gx_expectations": n_gx,
            "gx_errored": sum(1 for f in failures if f.errored),
            "findings": findings.height,
            "blocking": blocking.height,
            "blocking_checks": sorted(set(blocking["check_id"].to_list())),
            "seconds": round(time.monotonic() - started, 1),
            "gx_seconds": round(gx_seconds, 1),
        }
        log.info("data quality: %s", summary)
        return QualityResult(blocking.height > 0, findings, docs, bulletin, summary)
    finally:
        if own:
            con.close()
