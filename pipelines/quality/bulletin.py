"""The 数据质量通报: counts by problem, by district and by firm (worst first), and the trend against last month.

Plain self-contained HTML (no script), the list a 住建局 sends firms to fix before the assessment.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.reports import labels_zh as zh

CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",SimHei,sans-serif;margin:24px 40px;color:#222}
h1{font-size:26px}h2{font-size:20px;margin-top:28px}table{border-collapse:collapse;font-size:15px}
td,th{border:1px solid #bbb;padding:5px 10px}th{background:#D9E1F2}.up{color:#C00000}.down{color:#2E7D32}
.block{color:#C00000;font-weight:bold}
"""


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td colspan=9>无</td></tr>'}</tbody></table>"


def _previous_month(history: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The findings of the last run in the month before as_of's month."""
    first_of_month = as_of.replace(day=1)
    earlier = history.filter(pl.col("as_of") < first_of_month)
    if earlier.height == 0:
        return earlier
    return earlier.filter(pl.col("as_of") == earlier["as_of"].max())


def write_bulletin(
    findings: pl.DataFrame,
    history: pl.DataFrame,
    areas: pl.DataFrame | None,
    firms: pl.DataFrame,
    as_of: date,
    path: Path,
) -> Path:
    """Write the bulletin HTML and return its path."""
    names = dict(zip(areas["code"], areas["name_zh"], strict=True)) if areas is not None else {}
    firm_names = dict(zip(firms["corp_code"], firms["corp_name"], strict=True)) if firms.height else {}
    prev = _previous_month(history, as_of)
    prev_counts = (
        dict(prev.group_by("title_zh").agg(pl.col("n_rows").sum()).iter_rows()) if prev.height else {}
    )

    by_problem = (
        findings.group_by("title_zh", "severity")
        .agg(pl.col("n_rows").sum(), pl.col("project_code").n_unique().alias("n_projects"))
        .sort("n_rows", descending=True)
    )
    problem_rows = []
    for r in by_problem.iter_rows(named=True):
        before = prev_counts.get(r["title_zh"])
        trend = "—" if before is None else f"{r['n_rows'] - before:+d}"
        cls = "up" if before is not None and r["n_rows"] > before else "down" if before is not None else ""
        sev = zh.SEVERITY.get(r["severity"], r["severity"])
        problem_rows.append(
            [
                html.escape(r["title_zh"]),
                f"<span class='{'block' if r['severity'] == 'blocking' else ''}'>{sev}</span>",
                r["n_rows"],
                r["n_projects"],
                f"<span class='{cls}'>{trend}</span>",
            ]
        )

    located = findings.filter(pl.col("area_code").is_not_null())
    by_area = (
        located.group_by("area_code")
        .agg(
            pl.col("n_rows").sum(),
            pl.col("project_code").n_unique().alias("n_projects"),
            pl.len().alias("n_findings"),
        )
        .sort("n_rows", descending=True)
    )
    area_rows = [
        [
            html.escape(names.get(r["area_code"], r["area_code"])),
            r["n_findings"],
            r["n_projects"],
            r["n_rows"],
        ]
        for r in by_area.iter_rows(named=True)
    ]

    by_firm = (
        findings.filter(pl.col("corp_code").is_not_null())
        .group_by("corp_code")
        .agg(
            pl.col("n_rows").sum(),
            pl.col("project_code").n_unique().alias("n_projects"),
            pl.col("title_zh").unique().sort().str.join("、").alias("problems"),
        )
        .sort("n_rows", "corp_code", descending=[True, False])
    )
    firm_rows = [
        [
            i,
            html.escape(firm_names.get(r["corp_code"]) or r["corp_code"]),
            html.escape(r["corp_code"]),
            r["n_projects"],
            r["n_rows"],
            html.escape(r["problems"]),
        ]
        for i, r in enumerate(by_firm.head(50).iter_rows(named=True), start=1)
    ]
    n_block = findings.filter(pl.col("severity") == "blocking").height
    page = (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>数据质量通报 {as_of.isoformat()}</title><style>{CSS}</style></head><body>"
        f"<h1>农民工工资支付监管数据质量通报（截至 {as_of.isoformat()}）</h1>"
        f"<p>本期发现数据质量问题 {by_problem.height} 类、{findings.height} 条，其中阻断级 {n_block} 条。"
        "请相关企业在下一次数据报送前整改；趋势列为与上月末相比的记录数变化。</p>"
        "<h2>一、按问题类型</h2>"
        + _table(["问题", "级别", "涉及记录数", "涉及项目数", "较上月"], problem_rows)
        + "<h2>二、按区县</h2>"
        + _table(["区县", "问题条数", "涉及项目数", "涉及记录数"], area_rows)
        + "<h2>三、问题最多的企业（前50名）</h2>"
        + _table(["序号", "企业名称", "统一社会信用代码", "涉及项目数", "涉及记录数", "问题类型"], firm_rows)
        + "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
