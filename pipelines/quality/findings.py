"""Findings: one row per check × entity × project/firm (FINDING_SCHEMA), their severity, and their history.

`dq_finding` holds this run's findings; `dq_finding_history` every run's, so first_seen carries over from the first
run that found the same check × entity × project × firm, and the bulletin can compare with last month. Re-running
the same as_of replaces that run's rows.
"""

from __future__ import annotations

from datetime import date
from fnmatch import fnmatchcase

import duckdb
import polars as pl

from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.quality.titles_zh import CHECK_TITLES
from pipelines.settings import Settings
from pipelines.warehouse import frame, has_table, transaction

FINDING_KEY = ["check_id", "entity", "project_code", "corp_code"]
_RUN_COLUMNS = ("as_of", "first_seen", "last_seen", "severity")


def severity_of(check_id: str, settings: Settings) -> str:
    """`blocking` when the check id matches a pattern in Settings.quality.blocking_checks, else `warning`."""
    blocking = any(fnmatchcase(check_id, pattern) for pattern in settings.quality.blocking_checks)
    return "blocking" if blocking else "warning"


def finding(
    check_id: str,
    entity: str,
    n_rows: int,
    detail_zh: str,
    *,
    area_code: str | None = None,
    project_code: str | None = None,
    corp_code: str | None = None,
    title_zh: str | None = None,
) -> dict:
    """One finding row (severity and dates are added when the run's findings are assembled)."""
    return {
        "check_id": check_id,
        "title_zh": title_zh or CHECK_TITLES[check_id],
        "entity": entity,
        "area_code": area_code,
        "project_code": project_code,
        "corp_code": corp_code,
        "n_rows": int(n_rows or 0),
        "detail_zh": detail_zh,
    }


def findings_frame(rows: list[dict], settings: Settings, as_of: date) -> pl.DataFrame:
    """The run's findings in FINDING_SCHEMA order, with severity; first_seen is filled by `store_findings`."""
    schema = {k: v for k, v in FINDING_SCHEMA.items() if k not in _RUN_COLUMNS}
    df = pl.DataFrame(rows, schema=schema)
    return df.with_columns(
        as_of=pl.lit(as_of),
        severity=pl.col("check_id").map_elements(lambda c: severity_of(c, settings), return_dtype=pl.Utf8),
        first_seen=pl.lit(as_of),
        last_seen=pl.lit(as_of),
    ).select([pl.col(c).cast(t) for c, t in FINDING_SCHEMA.items()])


def store_findings(con: duckdb.DuckDBPyConnection, findings: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Write dq_finding (this run) and dq_finding_history (every run), first_seen taken from earlier runs."""
    if has_table(con, "dq_finding_history"):
        seen = frame(
            con,
            "select check_id, entity, project_code, corp_code, min(as_of) as seen_before "
            "from dq_finding_history where as_of < ? group by all",
            [as_of],
        )
        if seen.height:
            findings = (
                findings.join(seen, on=FINDING_KEY, how="left", nulls_equal=True)
                .with_columns(pl.min_horizontal("seen_before", "first_seen").alias("first_seen"))
                .drop("seen_before")
            )
    findings = findings.select([pl.col(c).cast(t) for c, t in FINDING_SCHEMA.items()]).sort(
        "severity", "check_id", "entity", "project_code", "corp_code", nulls_last=True
    )
    run_findings = findings  # noqa: F841 - read by DuckDB below
    with transaction(con):
        con.execute("create or replace table dq_finding as select * from run_findings")
        if has_table(con, "dq_finding_history"):
            con.execute("delete from dq_finding_history where as_of = ?", [as_of])
            con.execute("insert into dq_finding_history by name select * from run_findings")
        else:
            con.execute("create table dq_finding_history as select * from run_findings")
    return findings
