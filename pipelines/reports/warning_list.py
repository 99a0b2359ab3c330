"""Inspectors' warning lists: one Excel workbook per district and one for the city, plus the city's lines as CSV.

Sheets (triage.md): 核查清单 (the inspection lines awaiting a 核查 result, by level then score, with blank return
columns), 整改跟踪 (lines found true, until 销号), 欠薪线索 (wages owed now beyond the list's room), 整改清单 (rectification items grouped by 总包, with evidence and
legal basis), 涉及工人 (masked workers owed wages on the 核查清单's and the 欠薪线索's projects), 数据质量提示 (the run's findings for that
district and the city-wide ones), 变化情况 (新增/升级/降级/移出范围/销号 since the last list).
The CSV beside the workbooks is for machines: UTF-8 without BOM, every text value quoted (project codes stay text);
people open the Excel workbooks. Builders take frames and return frames or ListBooks; only
`write_workbook`, `write_csv` and `write_warning_lists` touch the disk.
"""

from __future__ import annotations

import multiprocessing
import pickle
import re
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.reports import labels_zh as zh
from pipelines.reports.privacy import mask_columns, scrub_columns
from pipelines.reports.xlsx_rows import ListSheet, fast_rows
from pipelines.warnings.schema import LEVELS, RESOLVED_SCHEMA, WARNING_SCHEMA, WORKER_SCHEMA

SEVERITY_ORDER = {level: i for i, level in enumerate(LEVELS)}  # red 0 … yellow 2
CHANGE_ORDER = {
    "new": 0,
    "escalated": 1,
    "de-escalated": 2,
    "out_of_scope": 3,
    "closed": 4,
    "resolved": 4,
}  # the 变化情况 sheet's order
FREE_TEXT = [
    "project_name",
    "contractor_corp_name",
    "build_corp_name",
    "reasons",
    "factors",
    "suggested_checks",
    "level_basis",
]
PERSONAL = {"id_card_number_masked": "id", "worker_name_masked": "name"}
# column widths in characters (a CJK character counts about double); long text wraps
WIDTHS = {
    "rank": 6,
    "warning_id": 30,
    "owed_wan": 12,
    "workers_owed": 9,
    "late_paid": 22,
    "level_basis": 22,
    "model_factors": 40,
    "warning_date": 11,
    "overdue": 10,
    "evidence": 50,
    "legal_basis": 40,
    "inspect_date": 11,
    "outcome": 10,
    "action": 10,
    "closed_date": 11,
    "inspector_org": 14,
    "note": 20,
    "level": 9,
    "score": 8,
    "project_code": 19,
    "project_name": 28,
    "area_name": 10,
    "contractor_corp_name": 24,
    "build_corp_name": 24,
    "rule_labels": 26,
    "risk_factors": 60,
    "change": 9,
    "suggested_checks": 44,
    "rule_label": 22,
    "id_card_number_masked": 21,
    "worker_name_masked": 12,
    "amount_owed_yuan": 14,
    "title_zh": 24,
    "detail_zh": 48,
}
NUMBER_FORMATS = {
    "score": "0.0%",
    "owed_wan": "#,##0.0",
    "amount_owed_yuan": "#,##0.00",
    "n_rows": "#,##0",
}
_HEADINGS = (
    zh.LIST_COLUMNS,
    zh.WORKER_COLUMNS,
    zh.FINDING_COLUMNS,
    zh.CHANGE_COLUMNS,
    zh.RETURN_COLUMNS,
    zh.RECTIFICATION_COLUMNS,
)
HEADER_WIDTHS = {h: WIDTHS[k] for columns in _HEADINGS for k, h in columns.items() if k in WIDTHS}
HEADER_FORMATS = {
    h: NUMBER_FORMATS[k] for columns in _HEADINGS for k, h in columns.items() if k in NUMBER_FORMATS
}
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')
_CSV_FORMULA_START = r"^[=+\-@\t\r]"  # what a spreadsheet reads as the start of a formula


@dataclass(frozen=True)
class ListBook:
    """One workbook's content: display frames with Chinese headers (a `_level` column drives the row fill)."""

    scope: str
    lines: pl.DataFrame
    workers: pl.DataFrame
    findings: pl.DataFrame
    changes: pl.DataFrame
    tracking: pl.DataFrame | None = None
    rectification: pl.DataFrame | None = None
    leads: pl.DataFrame | None = None  # 欠薪线索: hard evidence beyond the list's room


def conform(frame: pl.DataFrame | None, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The frame with exactly the schema's columns and types (missing columns null; None → empty frame)."""
    if frame is None or frame.width == 0:  # a table that was never made has no rows (and no columns)
        return pl.DataFrame(schema=dict(schema))
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()
    )


def area_names(areas: pl.DataFrame) -> dict[str, str]:
    """area_code → district name (行政区划)."""
    if areas.height == 0 or not {"code", "name_zh"} <= set(areas.columns):
        return {}
    return dict(zip(areas["code"].cast(pl.Utf8), areas["name_zh"], strict=True))


def city_name(areas: pl.DataFrame, codes: list[str]) -> str:
    """The city the districts belong to when they share one (e.g. 泉州市); else empty."""
    if "city_zh" not in areas.columns or not codes:
        return ""
    cities = areas.filter(pl.col("code").cast(pl.Utf8).is_in(codes))["city_zh"].drop_nulls().unique()
    return cities[0] if cities.len() == 1 else ""


def area_label(code: str | None, names: Mapping[str, str]) -> str:
    """A district's display name: its name, else its code, else 未知区县."""
    return names.get(code, code) if code else zh.UNKNOWN_AREA


def district_codes(
    lines: pl.DataFrame, resolved: pl.DataFrame, findings: pl.DataFrame, areas: pl.DataFrame
) -> list[str]:
    """Districts that get a workbook: those with lines, resolved lines or findings, and their cities' others."""
    seen = {
        c for frame in (lines, resolved, findings) for c in frame["area_code"].drop_nulls().unique().to_list()
    }
    if {"code", "city_zh"} <= set(areas.columns) and seen:
        codes = areas["code"].cast(pl.Utf8)
        cities = areas.filter(codes.is_in(sorted(seen)))["city_zh"].drop_nulls().unique().to_list()
        seen |= set(areas.filter(pl.col("city_zh").is_in(cities))["code"].cast(pl.Utf8).to_list())
    return sorted(seen)


def _level_zh(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(zh.LEVEL, default=zh.NO_LEVEL, return_dtype=pl.Utf8)


def _area_zh(names: Mapping[str, str]) -> pl.Expr:
    return pl.col("area_code").map_elements(
        lambda c: area_label(c, names), return_dtype=pl.Utf8, skip_nulls=False
    )


def _rule_labels(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .list.eval(pl.element().map_elements(zh.rule_label, return_dtype=pl.Utf8))
        .list.join(zh.RULE_SEPARATOR)
    )


def ordered_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Lines ordered red → orange → yellow, then score (highest first), then project code: within a district this
    is the inspection list's rank (assemble ranks the same way)."""
    return lines.sort(
        pl.col("level").replace_strict(SEVERITY_ORDER, default=len(LEVELS), return_dtype=pl.Int8),
        pl.col("score"),
        pl.col("project_code"),
        descending=[False, True, False],
        nulls_last=True,
    )


def _open(lines: pl.DataFrame) -> pl.Expr:
    return pl.col("status").fill_null("open") == "open"


def inspection_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """The open 核查清单 lines awaiting a result (a frame without the triage columns counts as such)."""
    lines = conform(lines, WARNING_SCHEMA)
    return lines.filter(
        (pl.col("list").fill_null("inspection") == "inspection")
        & _open(lines)
        & (pl.col("stage").fill_null("awaiting") == "awaiting")
    )


def tracking_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Open inspection lines found true (outcome 01/02) and not yet 销号: the 整改跟踪 sheet."""
    lines = conform(lines, WARNING_SCHEMA)
    return lines.filter((pl.col("list") == "inspection") & _open(lines) & (pl.col("stage") == "tracking"))


def tracking_rows(
    lines: pl.DataFrame, names: Mapping[str, str], returns: pl.DataFrame | None
) -> pl.DataFrame:
    """整改跟踪 rows: as list_rows, with the return that put each line there filled in (核查日期, 核查结论, 欠薪金额,
    涉及人数, 处置措施, 核查单位, 备注 of the return matching the line's project, warning date and 核查日期). The
    inspector adds only the 销号日期, and the row goes back as that return completed: before, the return columns
    were blank, and a row with only a 销号日期 was no return at all (no 核查日期) — the 销号 was lost."""
    rows = list_rows(lines, names)
    if returns is None or returns.height == 0 or lines.height == 0:
        return rows
    fields = [
        k for k in zh.RETURN_COLUMNS if k not in ("inspect_date", "closed_date") and k in returns.columns
    ]
    key = ["project_code", "warning_date", "inspect_date"]
    done = (
        ordered_lines(conform(lines, WARNING_SCHEMA))
        .select(key)
        .join(
            returns.select(*key, *fields).unique(key, keep="last"), on=key, how="left", maintain_order="left"
        )
    )

    def text(name: str) -> pl.Expr:
        col = pl.col(name)
        if done.schema[name] == pl.Date:
            return col.dt.to_string("%Y-%m-%d")
        if done.schema[name].is_float():  # an amount as the inspector wrote it: no trailing .0
            return (
                pl.when(col == col.round(0))
                .then(col.cast(pl.Int64).cast(pl.Utf8))
                .otherwise(col.cast(pl.Utf8))
            )
        return col.cast(pl.Utf8)

    filled = done.select(text(k).alias(zh.RETURN_COLUMNS[k]) for k in ("inspect_date", *fields))
    return rows.with_columns(filled)


def list_rows(lines: pl.DataFrame, names: Mapping[str, str]) -> pl.DataFrame:
    """核查清单 rows in list order: Chinese headers and values, personal data scrubbed, blank return columns."""
    lines = scrub_columns(ordered_lines(conform(lines, WARNING_SCHEMA)), FREE_TEXT)
    change = pl.when(pl.col("change").is_null() & pl.col("is_new")).then(pl.lit("new")).otherwise("change")
    late = pl.when(pl.col("late_paid_yuan").fill_null(0) > 1).then(
        pl.format(
            zh.LATE_PAID, (pl.col("late_paid_yuan") / 1e4).round(1), pl.col("late_months").fill_null("")
        )
    )
    columns = {
        "rank": pl.col("rank"),
        "warning_id": pl.col("warning_id"),
        "level": _level_zh("level"),
        # floored to 0.1 %, as 等级依据 states it: 39.97 % must not print as 40 % beside "低于红色线（40%）"
        "score": ((pl.col("score") * 1000 + 1e-9).floor() / 1000).round(3),
        "project_code": pl.col("project_code"),
        "project_name": pl.col("project_name"),
        "area_name": _area_zh(names),
        "contractor_corp_name": pl.col("contractor_corp_name"),
        "build_corp_name": pl.col("build_corp_name"),
        # a number when an amount is on record; a month without any pay line says so (_note_ column), never 0
        "owed_wan": pl.when(pl.col("owed_yuan") > 0).then((pl.col("owed_yuan") / 1e4).round(1)),
        "workers_owed": pl.col("workers_owed"),
        "late_paid": late,
        "level_basis": pl.col("level_basis"),
        "risk_factors": pl.col("reasons"),
        "model_factors": pl.col("factors"),
        "change": change.replace_strict(zh.CHANGE, default=zh.CHANGE["unchanged"], return_dtype=pl.Utf8),
        "warning_date": pl.col("warning_date").dt.to_string("%Y-%m-%d"),
        "overdue": pl.when(pl.col("overdue")).then(pl.lit(zh.OVERDUE)),
        "suggested_checks": pl.col("suggested_checks"),
    }
    blanks = [pl.lit(None, dtype=pl.Utf8).alias(h) for h in zh.RETURN_COLUMNS.values()]
    return lines.select(
        *(expr.alias(zh.LIST_COLUMNS[key]) for key, expr in columns.items()),
        *blanks,
        pl.col("level").alias("_level"),
        _owed_note().alias(NOTE_PREFIX + zh.LIST_COLUMNS["owed_wan"]),
    )


NOTE_PREFIX = (
    "_note_"  # a hidden `_note_<header>` column: the text a cell of <header> shows instead of its value
)


def _owed_note() -> pl.Expr:
    """What the owed cell says instead of a bare number when a worked month has no pay line at all: "无工资单（2025-09），
    金额待核" when no amount is on record, "24.0万 + 无工资单（2025-09），金额待核" when the amount on record covers other
    months only (the head count then includes workers whose amount is unknown)."""
    owed = pl.col("owed_yuan").fill_null(0)
    no_payroll = pl.col("unpaid_months").is_not_null()
    return (
        pl.when(no_payroll & (owed <= 1))
        .then(pl.format(zh.OWED_NO_PAYROLL, pl.col("unpaid_months")))
        .when(no_payroll)
        .then(pl.format(zh.OWED_PLUS_NO_PAYROLL, (owed / 1e4).round(1), pl.col("unpaid_months")))
    )


def lead_rows(leads: pl.DataFrame | None, names: Mapping[str, str]) -> pl.DataFrame:
    """欠薪线索: hard evidence of wages owed that is not on the 核查清单 tonight, most workers owed first."""
    leads = scrub_columns(conform(leads, WARNING_SCHEMA), FREE_TEXT)
    columns = {
        "project_code": pl.col("project_code"),
        "project_name": pl.col("project_name"),
        "area_name": _area_zh(names),
        "contractor_corp_name": pl.col("contractor_corp_name"),
        "owed_wan": pl.when(pl.col("owed_yuan") > 0).then((pl.col("owed_yuan") / 1e4).round(1)),
        "workers_owed": pl.col("workers_owed"),
        "level": _level_zh("level"),
        "score": ((pl.col("score") * 1000 + 1e-9).floor() / 1000).round(3),
        "risk_factors": pl.col("reasons"),
        "note": pl.lit(zh.LEAD_NOTE),
    }
    return leads.select(
        *(expr.alias(zh.LEAD_COLUMNS[key]) for key, expr in columns.items()),
        pl.col("level").alias("_level"),
        _owed_note().alias(NOTE_PREFIX + zh.LEAD_COLUMNS["owed_wan"]),
    )


def rectification_rows(lines: pl.DataFrame, names: Mapping[str, str]) -> pl.DataFrame:
    """整改清单: one row per open rectification line and rule, grouped by 总包 (most items first)."""
    lines = conform(lines, WARNING_SCHEMA)
    rect = scrub_columns(
        lines.filter((pl.col("list") == "rectification") & _open(lines)), ["project_name", "reasons"]
    )
    items = (
        rect.with_columns(item=pl.col("reasons").str.split(zh.LIST_SEPARATOR))
        .explode("item")
        .with_columns(rule_id=pl.col("item").str.extract(r"^(R\d{2})"))
        .filter(pl.col("rule_id").is_in(list(zh.LEGAL_BASIS)))
        .with_columns(
            evidence=pl.col("item").str.replace(r"^R\d{2}[^：]*：", ""),
            n_projects=pl.col("project_code").n_unique().over("contractor_corp_name"),
        )
        .sort(
            ["n_projects", "contractor_corp_name", "project_code", "rule_id"],
            descending=[True, False, False, False],
        )
    )
    columns = {
        "contractor_corp_name": pl.col("contractor_corp_name"),
        "n_projects": pl.col("n_projects"),
        "warning_id": pl.col("warning_id"),
        "project_code": pl.col("project_code"),
        "project_name": pl.col("project_name"),
        "area_name": _area_zh(names),
        "rule_label": pl.col("rule_id").map_elements(zh.rule_label, return_dtype=pl.Utf8),
        "evidence": pl.col("evidence"),
        "legal_basis": pl.col("rule_id").replace_strict(zh.LEGAL_BASIS, return_dtype=pl.Utf8),
        "change": pl.col("change").replace_strict(
            zh.CHANGE, default=zh.CHANGE["unchanged"], return_dtype=pl.Utf8
        ),
    }
    return items.select(
        *(expr.alias(zh.RECTIFICATION_COLUMNS[key]) for key, expr in columns.items()),
        pl.lit(None, dtype=pl.Utf8).alias("_level"),
    )


def worker_rows(
    workers: pl.DataFrame, lines: pl.DataFrame, leads: pl.DataFrame | None = None
) -> pl.DataFrame:
    """涉及工人: workers owed wages on this book's 核查清单 lines, in list order, then on its 欠薪线索 (an amount owed
    the inspector follows up by phone needs its workers as much as a visit does), in that sheet's order; within a
    project by rule, pay month and amount owed (masked identity only). 所在清单 names the sheet the project is on."""
    listed = ordered_lines(conform(lines, WARNING_SCHEMA)).select(
        "project_code", "project_name", "level", pl.lit(zh.SHEET_LINES).alias("_sheet")
    )
    followed = (
        conform(leads, WARNING_SCHEMA)
        .filter(~pl.col("project_code").is_in(listed["project_code"].implode()))
        .select("project_code", "project_name", "level", pl.lit(zh.SHEET_LEADS).alias("_sheet"))
    )
    order = pl.concat([listed, followed]).with_columns(pl.int_range(pl.len()).alias("_order"))
    rows = mask_columns(conform(workers, WORKER_SCHEMA), PERSONAL).join(order, on="project_code", how="inner")
    rows = scrub_columns(rows, ["project_name"]).sort(
        "_order",
        "rule_id",
        "pay_month",
        "amount_owed_yuan",
        descending=[False, False, False, True],
        nulls_last=True,
    )
    # R05 and R16 on one row when both name the worker-month (rule_worker: one row per worker-month); a worker-month
    # owed now that no rule has judged yet (inside R05's make-good days) is named as such, so the rows counted into
    # 当前欠发 are all on the sheet
    rows = rows.with_columns(_rules=pl.concat_list("rule_id", "also_rule_id").list.drop_nulls())
    columns = {
        "project_code": pl.col("project_code"),
        "project_name": pl.col("project_name"),
        "rule_label": pl.when(pl.col("_rules").list.len() > 0)
        .then(_rule_labels("_rules"))
        .otherwise(pl.lit(zh.WORKER_NO_RULE)),
        "id_card_number_masked": pl.col("id_card_number_masked"),
        "worker_name_masked": pl.col("worker_name_masked"),
        "pay_month": pl.col("pay_month"),
        "amount_owed_yuan": pl.col("amount_owed_yuan").round(2),
        "is_owed_now": pl.col("is_owed_now")
        .fill_null(False)
        .replace_strict(zh.WORKER_COUNTED, return_dtype=pl.Utf8),
        "sheet": pl.col("_sheet"),
    }
    return rows.select(
        *(expr.alias(zh.WORKER_COLUMNS[key]) for key, expr in columns.items()),
        pl.col("level").alias("_level"),
    )


def current_findings(findings: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The findings still open at as_of (FINDING_SCHEMA; an empty frame without columns is no findings)."""
    f = conform(findings, FINDING_SCHEMA)
    return f.filter(pl.col("last_seen").is_null() | (pl.col("last_seen") >= as_of))


def finding_rows(findings: pl.DataFrame, area_code: str | None, names: Mapping[str, str]) -> pl.DataFrame:
    """Sheet 3: one district's findings plus the city-wide ones (all for the city), blocking first."""
    f = conform(findings, FINDING_SCHEMA)
    if area_code is not None:
        f = f.filter((pl.col("area_code") == area_code) | pl.col("area_code").is_null())
    f = scrub_columns(f, ["title_zh", "detail_zh"]).sort(
        pl.col("severity").replace_strict({"blocking": 0, "warning": 1}, default=2, return_dtype=pl.Int8),
        pl.col("n_rows"),
        pl.col("check_id"),
        pl.col("project_code"),
        descending=[False, True, False, False],
        nulls_last=True,
    )
    columns = {
        "severity": pl.col("severity").replace_strict(zh.SEVERITY, default=zh.SEVERITY["warning"]),
        "title_zh": pl.col("title_zh"),
        "area_name": pl.when(pl.col("area_code").is_null()).then(pl.lit(zh.CITY)).otherwise(_area_zh(names)),
        "entity": pl.col("entity").replace_strict(zh.ENTITY, default=pl.col("entity"), return_dtype=pl.Utf8),
        "project_code": pl.col("project_code"),
        "corp_code": pl.col("corp_code"),
        "n_rows": pl.col("n_rows"),
        "first_seen": pl.col("first_seen").dt.to_string("%Y-%m-%d"),
        "detail_zh": pl.col("detail_zh"),
    }
    return f.select(
        *(expr.alias(zh.FINDING_COLUMNS[key]) for key, expr in columns.items()),
        pl.when(pl.col("severity") == "blocking").then(pl.lit("red")).otherwise(None).alias("_level"),
    )


def change_rows(lines: pl.DataFrame, resolved: pl.DataFrame, names: Mapping[str, str]) -> pl.DataFrame:
    """The 变化情况 sheet: 新增, 升级, 降级, then 移出范围 and 销号 since the last list (inspection lines)."""
    lines = conform(lines, WARNING_SCHEMA)
    on_list = pl.col("list").fill_null("inspection") == "inspection"
    changed = lines.filter(
        on_list & pl.col("change").is_in(["new", "escalated", "de-escalated"]) & _open(lines)
    ).select("change", "project_code", "project_name", "area_code", "previous_level", "level", "rules")
    ended = lines.filter(on_list & ~_open(lines)).select(
        "change",
        "project_code",
        "project_name",
        "area_code",
        "previous_level",
        pl.lit(None, dtype=pl.Utf8).alias("level"),
        "rules",
    )
    gone = conform(resolved, RESOLVED_SCHEMA).select(
        pl.lit("resolved").alias("change"),
        "project_code",
        "project_name",
        "area_code",
        "previous_level",
        pl.lit(None, dtype=pl.Utf8).alias("level"),
        pl.col("previous_rules").alias("rules"),
    )
    rows = scrub_columns(pl.concat([changed, ended, gone]), ["project_name"]).sort(
        pl.col("change").replace_strict(CHANGE_ORDER, default=9, return_dtype=pl.Int8),
        pl.coalesce("level", "previous_level").replace_strict(
            SEVERITY_ORDER, default=9, return_dtype=pl.Int8
        ),
        "project_code",
    )
    columns = {
        "change": pl.col("change").replace_strict(zh.CHANGE, return_dtype=pl.Utf8),
        "project_code": pl.col("project_code"),
        "project_name": pl.col("project_name"),
        "area_name": _area_zh(names),
        "previous_level": _level_zh("previous_level"),
        "level": _level_zh("level"),
        "rule_labels": _rule_labels("rules"),
    }
    return rows.select(
        *(expr.alias(zh.CHANGE_COLUMNS[key]) for key, expr in columns.items()),
        pl.col("level").alias("_level"),
    )


def build_books(
    lines: pl.DataFrame,
    workers: pl.DataFrame,
    findings: pl.DataFrame,
    areas: pl.DataFrame,
    as_of: date,
    resolved: pl.DataFrame | None = None,
    leads: pl.DataFrame | None = None,
    scopes: Collection[str | None] | None = None,
    returns: pl.DataFrame | None = None,
) -> dict[str | None, ListBook]:
    """The city's book (key None) and one per district (key area_code), each with its sheets; only those in
    `scopes` when given (the districts' codes and the city's name come from all the inputs either way)."""
    lines = conform(lines, WARNING_SCHEMA)
    resolved = conform(resolved, RESOLVED_SCHEMA)
    leads = conform(leads, WARNING_SCHEMA)
    findings = current_findings(findings, as_of)
    # masked once, not once per book; each district's sheet then reads only its projects' rows (same rows)
    workers = mask_columns(conform(workers, WORKER_SCHEMA), PERSONAL)
    names = area_names(areas)
    codes = district_codes(lines, resolved, findings, areas)
    city = city_name(areas, codes)
    books: dict[str | None, ListBook] = {}
    for code in [None, *codes]:
        if scopes is not None and code not in scopes:
            continue
        in_scope = pl.lit(True) if code is None else pl.col("area_code") == code
        part = lines.filter(in_scope)
        listed = inspection_lines(part)
        part_leads = leads.filter(in_scope)
        books[code] = ListBook(
            scope=f"{city}{zh.CITY}" if code is None else area_label(code, names),
            lines=list_rows(listed, names),
            workers=worker_rows(
                workers
                if code is None
                else workers.filter(
                    pl.col("project_code").is_in(listed["project_code"])
                    | pl.col("project_code").is_in(part_leads["project_code"])
                ),
                listed,
                part_leads,
            ),
            findings=finding_rows(findings, code, names),
            changes=change_rows(part, resolved.filter(in_scope), names),
            tracking=tracking_rows(tracking_lines(part), names, returns),
            rectification=rectification_rows(part, names),
            leads=lead_rows(part_leads, names),
        )
    return books


def book_file_name(code: str | None, book: ListBook, as_of: date, suffix: str = ".xlsx") -> str:
    """`欠薪预警清单_全市_泉州市_2025-07-31.xlsx`, `欠薪预警清单_350503_丰泽区_2025-07-31.xlsx`."""
    if code is None:
        city = book.scope.removesuffix(zh.CITY)
        scope = f"{zh.CITY}_{city}" if city else zh.CITY
    else:
        scope = code if book.scope == code else f"{code}_{book.scope}"
    return f"{zh.FILE_STEM}_{_UNSAFE_FILE_CHARS.sub('_', scope)}_{as_of.isoformat()}{suffix}"


def write_workbook(book: ListBook, path: Path, as_of: date, ranking_zh: str | None = None) -> Path:
    """One inspectors' workbook: frozen header, filters, widths, rows filled by level; written atomically.
    `ranking_zh` (排序依据：…) is printed in the 核查清单 sheet's page header and noted on its first header cell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb = xlsxwriter.Workbook(
        str(tmp),
        {
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    try:
        wb.set_properties(
            {
                "title": zh.WORKBOOK_TITLE.format(scope=book.scope, as_of=as_of.isoformat()),
                "subject": zh.WORKBOOK_SUBJECT,
                "comments": zh.WORKBOOK_COMMENT,
                "created": datetime(as_of.year, as_of.month, as_of.day),  # same input, same bytes
            }
        )
        sheets = (
            (zh.SHEET_LINES, book.lines, zh.NO_LINES),
            (zh.SHEET_TRACKING, book.tracking, zh.NO_TRACKING),
            (zh.SHEET_LEADS, book.leads, zh.NO_LEADS),
            (zh.SHEET_RECTIFICATION, book.rectification, zh.NO_RECTIFICATION),
            (zh.SHEET_WORKERS, book.workers, zh.NO_WORKERS),
            (zh.SHEET_FINDINGS, book.findings, zh.NO_FINDINGS),
            (zh.SHEET_CHANGES, book.changes, zh.NO_CHANGES),
        )
        for name, rows, empty_note in sheets:
            if rows is None:
                continue
            title = zh.WORKBOOK_TITLE.format(scope=book.scope, as_of=as_of)
            note = ranking_zh if name == zh.SHEET_LINES else None
            _write_sheet(wb, name, rows, empty_note, f"{title}　{note}" if note else title, note)
    finally:
        wb.close()
    tmp.replace(path)
    return path


def _write_sheet(
    wb: xlsxwriter.Workbook,
    name: str,
    rows: pl.DataFrame,
    empty_note: str,
    title: str,
    note: str | None = None,
) -> None:
    ws = wb.add_worksheet(name, worksheet_class=ListSheet)
    shown = [c for c in rows.columns if not c.startswith("_")]
    base = {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF", "font_size": 11}
    header = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "valign": "vcenter"})
    fills: dict[tuple[str | None, str], Any] = {}

    def cell_format(level: str | None, column: str) -> Any:
        key = (level, column)
        if key not in fills:
            spec = dict(base)
            if level in zh.LEVEL_FILL:
                spec["bg_color"] = f"#{zh.LEVEL_FILL[level]}"
            if column in HEADER_FORMATS:
                spec["num_format"] = HEADER_FORMATS[column]
            fills[key] = wb.add_format(spec)
        return fills[key]

    # a level's formats, made when first met: in the order write() made them (same file, same bytes)
    formats: dict[str | None, list[Any]] = {}

    def formats_for(level: str | None) -> list[Any]:
        if level not in formats:
            formats[level] = [cell_format(level, c) for c in shown]
        return formats[level]

    for j, column in enumerate(shown):
        ws.write_string(0, j, column, header)
        ws.set_column(j, j, HEADER_WIDTHS.get(column, 14))
    if shown:  # styles are numbered as the sheets are written, in the order their XML uses them (xlsx_rows)
        header._get_xf_index()
    levels = rows["_level"].to_list() if "_level" in rows.columns else [None] * rows.height
    notes = {c: NOTE_PREFIX + c for c in shown if NOTE_PREFIX + c in rows.columns}
    if rows.height and not fast_rows(ws, rows, shown, notes, formats_for, levels):
        _write_cells(ws, rows, shown, notes, formats_for, levels)
    if rows.height == 0:
        ws.write_string(1, 0, empty_note, cell_format(None, ""))
        cell_format(None, "")._get_xf_index()
    if note and shown:
        ws.write_comment(0, 0, note, {"visible": True, "x_scale": 2})
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows.height, 1), max(len(shown) - 1, 0))
    ws.set_row(0, 30)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_header(f"&C{title}")


def _write_cells(
    ws: Any,
    rows: pl.DataFrame,
    shown: list[str],
    notes: dict[str, str],
    formats_for: Callable[[str | None], list[Any]],
    levels: list[str | None],
) -> None:
    """The data rows cell by cell through xlsxwriter (what xlsx_rows.fast_rows does not write), each level's
    styles numbered when first met, as the sheet's XML would number them."""
    # a column's cells as written: its note where it has one (a note says more than the value), else its value
    cells = [
        [
            v if note is None else note
            for v, note in zip(rows[c].to_list(), rows[notes[c]].to_list(), strict=True)
        ]
        if c in notes
        else rows[c].to_list()
        for c in shown
    ]
    write = _typed_writer(ws)
    for i, (values, level) in enumerate(zip(zip(*cells, strict=True), levels, strict=False), start=1):
        for j, (value, fmt) in enumerate(zip(values, formats_for(level), strict=True)):
            write.get(value.__class__, ws.write)(i, j, value, fmt)
    for level in dict.fromkeys(levels):
        for fmt in formats_for(level):
            fmt._get_xf_index()


def _typed_writer(ws: Any) -> dict[type, Callable[..., object]]:
    """xlsxwriter's write method for each cell type the lists hold: what `ws.write` would pick, without its
    per-cell type dispatch (~300,000 cells a city night); other types fall back to `ws.write`."""

    def text(row: int, col: int, value: str, fmt: object) -> object:
        # `write` stores an empty string as a (formatted) blank cell, not as a shared empty string
        return ws.write_blank(row, col, None, fmt) if value == "" else ws.write_string(row, col, value, fmt)

    return {
        str: text,
        int: ws.write_number,
        float: ws.write_number,
        bool: ws.write_boolean,
        type(None): ws.write_blank,
        date: ws.write_datetime,
        datetime: ws.write_datetime,
    }


def csv_safe(rows: pl.DataFrame) -> pl.DataFrame:
    """Text cells that Excel would run as a formula get a leading apostrophe (CSV injection)."""
    text = [c for c, t in rows.schema.items() if t == pl.Utf8]
    return rows.with_columns(
        pl.when(pl.col(c).str.contains(_CSV_FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def write_csv(rows: pl.DataFrame, path: Path) -> Path:
    """Sheet 1's rows as CSV for machines: UTF-8 without BOM, every text value quoted so that codes stay text
    (16-digit 项目编码 would become 3.50521E+15 in a spreadsheet); people use the Excel workbook. Atomic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    csv_safe(rows.select(c for c in rows.columns if not c.startswith("_"))).write_csv(
        tmp, include_bom=False, quote_style="non_numeric"
    )
    tmp.replace(path)
    return path


def second_process() -> ProcessPoolExecutor:
    """A process for the city's workbook (`write_warning_lists(pool=…)`), started by the first submit; spawned, not
    forked: polars' and DuckDB's thread pools do not survive a fork."""
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


@dataclass(frozen=True)
class ListInputs:
    """What the lists are built from: the night's lines (WARNING_SCHEMA: both lists, with the lines that ended),
    the workers owed (WORKER_SCHEMA), the data-quality findings, the district registry and the night; optional:
    lines gone since the last list (RESOLVED_SCHEMA), the 排序依据 for the 核查清单's title row, 欠薪线索."""

    lines: pl.DataFrame
    workers: pl.DataFrame
    findings: pl.DataFrame
    areas: pl.DataFrame
    as_of: date
    resolved: pl.DataFrame | None = None
    ranking_zh: str | None = None
    leads: pl.DataFrame | None = None
    # the inspectors' returns (stg_disposition): what fills 整改跟踪's return columns (tracking_rows)
    returns: pl.DataFrame | None = None

    def books(self, scopes: Collection[str | None] | None = None) -> dict[str | None, ListBook]:
        """`build_books` of these inputs."""
        return build_books(
            self.lines,
            self.workers,
            self.findings,
            self.areas,
            self.as_of,
            self.resolved,
            self.leads,
            scopes,
            self.returns,
        )


def write_city_book(pickled: bytes, out_dir: Path) -> Path:
    """The city's workbook alone, built and written (what the second process does) from the pickled ListInputs."""
    inputs = pickle.loads(pickled)  # the parent process's own pickle (write_warning_lists)
    if not isinstance(inputs, ListInputs):
        raise TypeError(f"write_city_book needs ListInputs, got {type(inputs).__name__}")
    book = inputs.books(scopes=[None])[None]
    return write_workbook(
        book, out_dir / book_file_name(None, book, inputs.as_of), inputs.as_of, inputs.ranking_zh
    )


def write_warning_lists(inputs: ListInputs, out_dir: Path, pool: Executor | None = None) -> list[Path]:
    """The city workbook, one workbook per district, and the city's lines as CSV; returns every path written.

    With a `pool` (a `second_process()`), the city's workbook — as many rows as the districts' together — is built
    and written there while this process writes the districts' (xlsxwriter is pure Python: a thread would share
    this core). Same files either way.

    The inputs go to the pool already pickled: handed over as frames, they are pickled by the pool's feeder thread
    while this thread builds the districts' books, and polars serialises a frame on its thread pool while holding
    the GIL, which that pool's threads need for the masks' Python functions (map_elements) this thread has given
    them — a deadlock that hung a city night for good (docs/decisions.md "A night that hung in the reports step")."""
    city_written: Future[Path] | None = None
    if pool is not None:
        city_written = pool.submit(write_city_book, pickle.dumps(inputs, pickle.HIGHEST_PROTOCOL), out_dir)
    as_of = inputs.as_of
    books = inputs.books()
    written = [
        write_workbook(book, out_dir / book_file_name(code, book, as_of), as_of, inputs.ranking_zh)
        for code, book in books.items()
        if code is not None or city_written is None
    ]
    if city_written is not None:  # the city's first, as when one process writes them all
        written.insert(0, city_written.result())
    city = books[None]
    written.append(write_csv(city.lines, out_dir / book_file_name(None, city, as_of, ".csv")))
    return written
