"""Column schema of the data-quality findings table `dq_finding` (one row per check × entity × project/firm)."""

from __future__ import annotations

import polars as pl

SEVERITIES = ("blocking", "warning")

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "check_id": pl.Utf8(),  # stable id, e.g. "attendance_not_on_roster"; severities are set per check_id
    "title_zh": pl.Utf8(),  # Chinese name of the problem, e.g. "考勤人员不在花名册"
    "severity": pl.Utf8(),  # blocking / warning
    "entity": pl.Utf8(),  # source entity, e.g. "attendance"
    "area_code": pl.Utf8(),  # null when not attributable to a district
    "project_code": pl.Utf8(),  # null for entity-level findings
    "corp_code": pl.Utf8(),  # the responsible firm (usually the 总承包单位); null when unknown
    "n_rows": pl.Int64(),  # rows (or people / files) affected
    "first_seen": pl.Date(),  # first as_of at which this check × entity × project × firm was found
    "last_seen": pl.Date(),  # last as_of at which it was found (= as_of when still open)
    "detail_zh": pl.Utf8(),  # Chinese detail with the numbers, e.g. "3人考勤但不在花名册"
}
