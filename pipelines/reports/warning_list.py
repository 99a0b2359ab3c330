"""Inspectors' warning lists: one Excel workbook per district and one for the city, plus the same lines as CSV.

Sheets: 预警清单 (lines by level then score), 涉及工人 (masked workers owed wages), 数据质量提示 (the run's findings
for that district), 变化情况 (new, escalated, de-escalated and resolved since the last list). Personal data only
ever arrives masked (pipelines/warnings/schema.py WORKER_SCHEMA); nothing here can unmask it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.reports import labels_zh as zh
from pipelines.warnings.catalogue import rule_label
from pipelines.warnings.schema import LEVELS

CITY = "全市"
_WIDTHS = {  # characters; long Chinese text columns wrap
    "风险等级": 9,
    "风险分": 8,
    "项目编码": 19,
    "项目名称": 26,
    "所在区县": 10,
    "总承包单位": 24,
    "建设单位": 24,
    "触发规则": 28,
    "预警理由": 60,
    "主要风险因素": 36,
    "新增/持续": 10,
    "建议核查事项": 44,
}


def area_names(areas: pl.DataFrame) -> dict[str, str]:
    """area_code → district name (行政区划)."""
    if areas.height == 0:
        return {}
    return dict(zip(areas["code"].cast(pl.Utf8), areas["name_zh"], strict=True))


def city_name(areas: pl.DataFrame, codes: list[str]) -> str:
    """The city the districts belong to, when they share one (e.g. 泉州市); else empty."""
    if "city_zh" not in areas.columns or not codes:
        return ""
    cities = areas.filter(pl.col("code").is_in(codes))["city_zh"].unique().to_list()
    return cities[0] if len(cities) == 1 else ""


def list_rows(lines: pl.DataFrame, names: Mapping[str, str]) -> pl.DataFrame:
    """Sheet 1's rows in order (level, then score, then project code) with Chinese values and headers."""
    ordered = lines.with_columns(
        pl.col("level")
        .replace_strict({lv: i for i, lv in enumerate(LEVELS)}, return_dtype=pl.Int8)
        .alias("_sev")
    ).sort(["_sev", "score", "project_code"], descending=[False, True, False], nulls_last=True)
    return ordered.select(
        pl.col("level").replace_strict(zh.LEVEL, return_dtype=pl.Utf8).alias(zh.LIST_COLUMNS["level"]),
        pl.col("score").round(3).alias(zh.LIST_COLUMNS["score"]),
        pl.col("project_code").alias(zh.LIST_COLUMNS["project_code"]),
        pl.col("project_name").alias(zh.LIST_COLUMNS["project_name"]),
        pl.col("area_code")
        .replace_strict(names, default=pl.col("area_code"))
        .alias(zh.LIST_COLUMNS["area_name"]),
        pl.col("contractor_corp_name").alias(zh.LIST_COLUMNS["contractor_corp_name"]),
        pl.col("build_corp_name").alias(zh.LIST_COLUMNS["build_corp_name"]),
        pl.col("rules")
        .list.eval(pl.element().map_elements(rule_label, return_dtype=pl.Utf8))
        .list.join("、")
        .alias(zh.LIST_COLUMNS["rule_labels"]),
        pl.col("reasons").alias(zh.LIST_COLUMNS["reasons"]),
        pl.col("factors").alias(zh.LIST_COLUMNS["factors"]),
        pl.col("change").replace_strict(zh.CHANGE, default="持续").alias(zh.LIST_COLUMNS["change"]),
        pl.col("suggested_checks").alias(zh.LIST_COLUMNS["suggested_checks"]),
        pl.col("level").alias("_level"),
    )


def change_rows(lines: pl.DataFrame, resolved: pl.DataFrame | None, names: Mapping[str, str]) -> pl.DataFrame:
    """What changed since the last list: new, escalated, de-escalated, then resolved."""
    changed = lines.filter(pl.col("change") != "unchanged").select(
        "change", "project_code", "project_name", "area_code", "previous_level", "level"
    )
    if resolved is not None and resolved.height:
        changed = pl.concat(
            [
                changed,
                resolved.select(
                    pl.lit("resolved").alias("change"),
                    "project_code",
                    "project_name",
                    "area_code",
                    "previous_level",
                    pl.lit(None, dtype=pl.Utf8).alias("level"),
                ),
            ]
        )
    order = {c: i for i, c in enumerate(("escalated", "new", "de-escalated", "resolved"))}
    return changed.sort(pl.col("change").replace_strict(order, default=9), "project_code").select(
        pl.col("change").replace_strict(zh.CHANGE, default="").alias(zh.CHANGE_COLUMNS["change"]),
        pl.col("project_code").alias(zh.CHANGE_COLUMNS["project_code"]),
        pl.col("project_name").alias(zh.CHANGE_COLUMNS["project_name"]),
        pl.col("area_code")
        .replace_strict(names, default=pl.col("area_code"))
        .alias(zh.CHANGE_COLUMNS["area_name"]),
        pl.col("previous_level")
        .replace_strict(zh.LEVEL, default="—")
        .alias(zh.CHANGE_COLUMNS["previous_level"]),
        pl.col("level").replace_strict(zh.LEVEL, default="—").alias(zh.CHANGE_COLUMNS["level"]),
    )


def worker_rows(workers: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Workers owed wages on this list's projects (masked identity only)."""
    if workers.height == 0:
        return pl.DataFrame({v: [] for v in zh.WORKER_COLUMNS.values()})
    names = lines.select("project_code", "project_name")
    return (
        workers.join(names, on="project_code", how="inner")
        .sort(
            "project_code", "rule_id", "pay_month", "amount_owed_yuan", descending=[False, False, False, True]
        )
        .select([pl.col(c).alias(h) for c, h in zh.WORKER_COLUMNS.items()])
    )


def finding_rows(findings: pl.DataFrame, area_code: str | None) -> pl.DataFrame:
    """The run's data-quality findings for one district (all when area_code is None), blocking first."""
    if findings.height == 0 or "check_id" not in findings.columns:
        return pl.DataFrame({v: [] for v in zh.FINDING_COLUMNS.values()})
    f = findings if area_code is None else findings.filter(pl.col("area_code") == area_code)
    return f.sort(
        pl.col("severity").replace_strict({"blocking": 0, "warning": 1}, default=2),
        pl.col("n_rows"),
        descending=[False, True],
    ).select(
        pl.col("severity").replace_strict(zh.SEVERITY, default="提示").alias(zh.FINDING_COLUMNS["severity"]),
        pl.col("title_zh").alias(zh.FINDING_COLUMNS["title_zh"]),
        pl.col("entity")
        .replace_strict(zh.ENTITY, default=pl.col("entity"))
        .alias(zh.FINDING_COLUMNS["entity"]),
        pl.col("project_code").alias(zh.FINDING_COLUMNS["project_code"]),
        pl.col("corp_code").alias(zh.FINDING_COLUMNS["corp_code"]),
        pl.col("n_rows").alias(zh.FINDING_COLUMNS["n_rows"]),
        pl.col("first_seen").cast(pl.Utf8).alias(zh.FINDING_COLUMNS["first_seen"]),
        pl.col("detail_zh").alias(zh.FINDING_COLUMNS["detail_zh"]),
    )


def write_workbook(
    path: Path,
    title: str,
    rows: pl.DataFrame,
    workers: pl.DataFrame,
    findings: pl.DataFrame,
    changes: pl.DataFrame,
) -> Path:
    """One inspectors' workbook (xlsxwriter): frozen headers, filters, widths, fills by level."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        wrap = {"text_wrap": True, "valign": "top", "border": 1}
        fills = {lv: wb.add_format({**wrap, "bg_color": f"#{c}"}) for lv, c in zh.LEVEL_FILL.items()}
        plain = wb.add_format(wrap)
        wb.set_properties(
            {"title": title, "subject": "欠薪预警清单", "comments": "wagewatch 生成；不含明文个人信息"}
        )

        ws = wb.add_worksheet("预警清单")
        shown = [c for c in rows.columns if not c.startswith("_")]
        for j, col in enumerate(shown):
            ws.write(0, j, col, header)
            ws.set_column(j, j, _WIDTHS.get(col, 14))
        if rows.height == 0:
            ws.write(1, 0, zh.NO_LINES, plain)
        for i, row in enumerate(rows.iter_rows(named=True), start=1):
            fmt = fills.get(row["_level"], plain)
            for j, col in enumerate(shown):
                ws.write(i, j, row[col], fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(rows.height, 1), len(shown) - 1)

        for name, frame in (("涉及工人", workers), ("数据质量提示", findings), ("变化情况", changes)):
            sheet = wb.add_worksheet(name)
            for j, col in enumerate(frame.columns):
                sheet.write(0, j, col, header)
                sheet.set_column(j, j, 40 if col in ("说明", "项目名称") else 16)
            for i, row in enumerate(frame.iter_rows(), start=1):
                for j, value in enumerate(row):
                    sheet.write(i, j, value, plain)
            if frame.height == 0:
                sheet.write(1, 0, "无", plain)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))
    finally:
        wb.close()
    tmp.replace(path)
    return path


def write_warning_lists(
    lines: pl.DataFrame,
    workers: pl.DataFrame,
    findings: pl.DataFrame,
    areas: pl.DataFrame,
    out_dir: Path,
    as_of: date,
    resolved: pl.DataFrame | None = None,
) -> list[Path]:
    """The city workbook, one workbook per district, and the city's lines as CSV (UTF-8 with BOM)."""
    names = area_names(areas)
    day = as_of.isoformat()
    district_codes = sorted(
        set(lines["area_code"].drop_nulls().to_list())
        | set(resolved["area_code"].drop_nulls().to_list() if resolved is not None else [])
        | set(findings["area_code"].drop_nulls().to_list() if "area_code" in findings.columns else [])
    )
    city = city_name(areas, district_codes)
    written: list[Path] = []
    scopes: list[tuple[str | None, str]] = [(None, f"{CITY}{city and '_' + city}")]
    scopes += [(code, f"{code}_{names.get(code, code)}") for code in district_codes]
    for code, label in scopes:
        part = lines if code is None else lines.filter(pl.col("area_code") == code)
        gone = (
            None
            if resolved is None
            else resolved
            if code is None
            else resolved.filter(pl.col("area_code") == code)
        )
        written.append(
            write_workbook(
                out_dir / f"欠薪预警清单_{label}_{day}.xlsx",
                f"{label} 欠薪预警清单（{day}）",
                list_rows(part, names),
                worker_rows(workers, part),
                finding_rows(findings, code),
                change_rows(part, gone, names),
            )
        )
    csv_path = out_dir / f"欠薪预警清单_{CITY}_{day}.csv"
    list_rows(lines, names).drop("_level").write_csv(csv_path, include_bom=True)
    written.append(csv_path)
    return written
