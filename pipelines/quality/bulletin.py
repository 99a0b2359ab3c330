"""The 数据质量通报: counts by problem, by district and by firm (worst first), and the trend against last month;
once the lists exist, 附：预警核查闭环 (处置率, 核实率 by level and rank band, 销号, overdue, 欠薪金额 found).

Plain self-contained HTML and CSS (no script, no external resource): the list a 住建局 sends firms to fix before
the assessment. "Last month" is the last run in the calendar month before as_of's month (dq_finding_history).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.delivery import undelivered_indicators
from pipelines.quality.titles_zh import BULLETIN as T
from pipelines.quality.titles_zh import SEVERITY, SOURCE
from pipelines.reports.labels_zh import INDICATOR

CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",SimHei,sans-serif;margin:24px 40px;color:#222}
h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;margin-top:28px}.sub{color:#555}
table{border-collapse:collapse;font-size:15px;margin-top:8px}td,th{border:1px solid #bbb;padding:5px 10px}
th{background:#D9E1F2;white-space:nowrap}td.n{text-align:right;white-space:nowrap}.up{color:#C00000}.down{color:#2E7D32}
.block{color:#C00000;font-weight:bold}.status{padding:8px 14px;border-left:5px solid #2E7D32;background:#F1F8E9}
.status.blocked{border-color:#C00000;background:#FDECEA}.status.corrected{border-color:#ED7D31;background:#FFF4E5}.notes{color:#555;font-size:14px}
"""


@dataclass(frozen=True)
class Correction:
    """A month already reported whose numbers a late file changed (pipelines/quality/corrections.py)."""

    month: str  # 'yyyy-MM'
    entity: str
    path: str
    extract_date: date
    rows_loaded: int
    loaded_on: date


@dataclass(frozen=True)
class BulletinContext:
    """What the bulletin says besides the findings: names, the checks run, where the Data Docs are."""

    as_of: date
    area_names: dict[str, str]
    firm_names: dict[str, str]
    entity_names: dict[str, str]
    check_sources: dict[str, str]  # check_id → load | gx | cross_source
    n_checks: dict[str, int]  # per source
    docs_href: str | None = None
    corrections: tuple[Correction, ...] = ()  # months already reported that a late file changed (更正)
    missing_sources: tuple[
        str, ...
    ] = ()  # entities never delivered by as_of: their indicators read 数据未报送
    # 预警核查闭环 (triage.md): disposition_area_month (per district and month) and the city per month (area_code
    # null, 核实率 by level and rank band counted from the lines); None before the lists are assembled
    closed_loop: pl.DataFrame | None = None
    closed_loop_city: pl.DataFrame | None = None
    scope_zh: str | None = None  # 校验范围: 全量 or 当日新增 (pipelines/quality/scope.py)


def previous_month_run(history: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The findings of the last run in the calendar month before as_of's month (empty when there was none)."""
    first_of_month = as_of.replace(day=1)
    earlier = history.filter(pl.col("as_of") < first_of_month)
    if earlier.height == 0:
        return earlier
    return earlier.filter(pl.col("as_of") == earlier["as_of"].max())


Rows = list[list[tuple[object, bool]]]  # table rows: (cell html, right-aligned number)


def _cell(v: object, numeric: bool = False) -> str:
    return f"<td class='n'>{v}</td>" if numeric else f"<td>{v}</td>"


def _table(headers: list[str], rows: Rows) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v, n) for v, n in r) + "</tr>" for r in rows)
    if not rows:
        body = f"<tr><td colspan='{len(headers)}'>{T['none']}</td></tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _change(now: int, before: int | None, has_previous: bool) -> str:
    if not has_previous:
        return "—"
    if before is None:
        return f"<span class='up'>{T['new']}</span>"
    diff = now - before
    cls = "up" if diff > 0 else "down" if diff < 0 else ""
    return f"<span class='{cls}'>{diff:+d}</span>"


def _counts(df: pl.DataFrame, by: str) -> dict:
    if df.height == 0:
        return {}
    return dict(df.group_by(by).agg(pl.col("n_rows").sum()).iter_rows())


def _status_line(findings: pl.DataFrame) -> str:
    """Published, or held back by the blocking checks (named)."""
    blocking = findings.filter(pl.col("severity") == "blocking")
    if not blocking.height:
        return f"<p class='status'>{T['published']}</p>"
    checks = "、".join(sorted(set(blocking["title_zh"])))
    return f"<p class='status blocked'>{html.escape(T['blocked'].format(checks=checks))}</p>"


def _overview(findings: pl.DataFrame, ctx: BulletinContext) -> str:
    """One sentence: how many checks ran (by kind) and what they found."""
    return T["overview"].format(
        n_checks=sum(ctx.n_checks.values()),
        n_gx=ctx.n_checks.get("gx", 0),
        n_cross=ctx.n_checks.get("cross_source", 0),
        n_load=ctx.n_checks.get("load", 0),
        n_problems=findings["check_id"].n_unique(),
        n_findings=findings.height,
        n_projects=findings["project_code"].drop_nulls().n_unique(),
        n_firms=findings["corp_code"].drop_nulls().n_unique(),
    )


def _problem_rows(findings: pl.DataFrame, prev: pl.DataFrame, ctx: BulletinContext) -> Rows:
    """一、按问题类型: blocking first, then most findings; records against last month."""
    esc = html.escape
    has_prev = prev.height > 0
    prev_by_check = _counts(prev, "check_id")
    by_problem = (
        findings.group_by("check_id")
        .agg(
            pl.col("title_zh").first(),
            pl.col("severity").first(),
            pl.col("entity").unique().sort(),
            pl.col("n_rows").sum(),
            pl.len().alias("n_findings"),
            pl.col("project_code").drop_nulls().n_unique().alias("n_projects"),
        )
        # check_id last: ties in one order every run (a group-by meets the checks in any order)
        .sort(["severity", "n_findings", "n_rows", "check_id"], descending=[False, True, True, False])
    )
    problem_rows = []
    for r in by_problem.iter_rows(named=True):
        sev = SEVERITY.get(r["severity"], r["severity"])
        before = prev_by_check.get(r["check_id"])
        problem_rows.append(
            [
                (esc(r["title_zh"]), False),
                (f"<span class='{'block' if r['severity'] == 'blocking' else ''}'>{sev}</span>", False),
                (esc(SOURCE.get(ctx.check_sources.get(r["check_id"], ""), "")), False),
                (esc("、".join(ctx.entity_names.get(e, e) for e in r["entity"])), False),
                (r["n_projects"], True),
                (r["n_findings"], True),
                (r["n_rows"], True),
                ("—" if before is None else before, True),
                (_change(r["n_rows"], before, has_prev), True),
            ]
        )
    return problem_rows


def _area_rows(findings: pl.DataFrame, prev: pl.DataFrame, ctx: BulletinContext) -> Rows:
    """二、按区县: most findings first; findings on projects with no known district last (区县不明)."""
    esc = html.escape
    has_prev = prev.height > 0
    prev_by_area = _counts(prev.filter(pl.col("area_code").is_not_null()), "area_code")
    by_area = (
        findings.filter(pl.col("area_code").is_not_null())
        .group_by("area_code")
        .agg(
            pl.len().alias("n_findings"),
            pl.col("project_code").drop_nulls().n_unique().alias("n_projects"),
            pl.col("n_rows").sum(),
        )
        .sort(["n_findings", "n_rows", "area_code"], descending=[True, True, False])
    )
    area_rows = [
        [
            (esc(ctx.area_names.get(r["area_code"], r["area_code"])), False),
            (r["n_projects"], True),
            (r["n_findings"], True),
            (r["n_rows"], True),
            ("—" if prev_by_area.get(r["area_code"]) is None else prev_by_area[r["area_code"]], True),
            (_change(r["n_rows"], prev_by_area.get(r["area_code"]), has_prev), True),
        ]
        for r in by_area.iter_rows(named=True)
    ]
    unlocated = findings.filter(pl.col("area_code").is_null() & pl.col("project_code").is_not_null())
    if unlocated.height:
        area_rows.append(
            [
                (T["unknown_area"], False),
                (unlocated["project_code"].n_unique(), True),
                (unlocated.height, True),
                (int(unlocated["n_rows"].sum()), True),
                ("—", True),
                ("—", True),
            ]
        )
    return area_rows


def _firm_rows(findings: pl.DataFrame, prev: pl.DataFrame, ctx: BulletinContext) -> Rows:
    """三、按企业: most problem places first, then most records."""
    esc = html.escape
    has_prev = prev.height > 0
    prev_by_firm = _counts(prev.filter(pl.col("corp_code").is_not_null()), "corp_code")
    by_firm = (
        findings.filter(pl.col("corp_code").is_not_null())
        .group_by("corp_code")
        .agg(
            pl.len().alias("n_findings"),
            pl.col("project_code").drop_nulls().n_unique().alias("n_projects"),
            pl.col("n_rows").sum(),
            pl.col("title_zh").unique().sort().alias("problems"),
        )
        .sort(["n_findings", "n_rows", "corp_code"], descending=[True, True, False])
    )
    return [
        [
            (i, True),
            (esc(ctx.firm_names.get(r["corp_code"]) or r["corp_code"]), False),
            (esc(r["corp_code"]), False),
            (r["n_projects"], True),
            (r["n_findings"], True),
            (r["n_rows"], True),
            (_change(r["n_rows"], prev_by_firm.get(r["corp_code"]), has_prev), True),
            (esc("、".join(r["problems"])), False),
        ]
        for i, r in enumerate(by_firm.iter_rows(named=True), start=1)
    ]


def _load_rows(findings: pl.DataFrame, ctx: BulletinContext) -> Rows:
    """四、数据接收情况: the findings of the load checks, by check and source."""
    esc = html.escape
    load = findings.filter(
        pl.col("check_id").map_elements(lambda c: ctx.check_sources.get(c) == "load", return_dtype=pl.Boolean)
    ).sort("check_id", "entity")
    return [
        [
            (esc(r["title_zh"]), False),
            (esc(ctx.entity_names.get(r["entity"], r["entity"])), False),
            (r["n_rows"], True),
            (esc(r["detail_zh"]), False),
            (r["first_seen"].isoformat() if r["first_seen"] else "", False),
        ]
        for r in load.iter_rows(named=True)
    ]


def _not_delivered_notice(ctx: BulletinContext) -> str:
    """The sources never delivered by as_of and the indicators that read 数据未报送; empty when all arrived."""
    if not ctx.missing_sources:
        return ""
    esc = html.escape
    sources = "、".join(ctx.entity_names.get(e, e) for e in ctx.missing_sources)
    indicators = "、".join(INDICATOR[i] for i in undelivered_indicators(ctx.missing_sources))
    effect = (
        T["not_delivered_effect"].format(indicators=indicators) if indicators else T["not_delivered_rules"]
    )
    return (
        f"<p class='status blocked'>{esc(T['not_delivered'].format(sources=sources, as_of=ctx.as_of.isoformat()))}"
        f"{esc(effect)}</p>"
    )


def bulletin_html(findings: pl.DataFrame, history: pl.DataFrame, ctx: BulletinContext) -> str:
    """The bulletin page as one HTML string: status, overview, then one section per way of counting."""
    prev = previous_month_run(history, ctx.as_of)
    esc = html.escape
    compared = (
        T["previous"].format(as_of=prev["as_of"].max().isoformat()) if prev.height else T["no_previous"]
    )
    docs = (
        f"<li>{T['note_docs']}<a href='{esc(ctx.docs_href)}'>{esc(ctx.docs_href)}</a></li>"
        if ctx.docs_href
        else ""
    )
    title = f"{T['title']}（{ctx.as_of.year}年{ctx.as_of.month}月{ctx.as_of.day}日）"
    problem_head = ["col_problem", "col_severity", "col_kind", "col_source", "col_projects", "col_findings"]
    area_head = ["col_area", "col_projects", "col_findings", "col_rows", "col_last_month", "col_change"]
    firm_head = ["col_rank", "col_firm", "col_uscc", "col_projects", "col_findings", "col_rows", "col_change"]
    load_head = ["col_problem", "col_source", "col_rows", "col_detail", "col_first_seen"]
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1><p class='sub'>{T['as_of'].format(as_of=ctx.as_of.isoformat())}；{esc(compared)}</p>",
        f"{_status_line(findings)}{_corrected_notice(ctx)}<p>{esc(_overview(findings, ctx))}</p>",
        f"<p class='scope'>{esc(ctx.scope_zh)}</p>" if ctx.scope_zh else "",
        f"<h2>{T['by_problem']}</h2>",
        _table(
            [T[h] for h in [*problem_head, "col_rows", "col_last_month", "col_change"]],
            _problem_rows(findings, prev, ctx),
        ),
        f"<h2>{T['by_area']}</h2>",
        _table([T[h] for h in area_head], _area_rows(findings, prev, ctx)),
        f"<h2>{T['by_firm']}</h2>",
        _table([T[h] for h in [*firm_head, "col_problems"]], _firm_rows(findings, prev, ctx)),
        f"<h2>{T['load']}</h2>",
        _not_delivered_notice(ctx),
        _table([T[h] for h in load_head], _load_rows(findings, ctx)),
        _corrections_section(ctx),
        closed_loop_section(ctx),
        f"<h2>{T['notes']}</h2><ul class='notes'><li>{T['note_severity']}</li><li>{T['note_firm']}</li>",
        f"{docs}<li>{T['note_privacy']}</li></ul></body></html>",
    ]
    return "".join(parts)


def closed_loop_section(ctx: BulletinContext) -> str:
    """预警核查闭环: 处置率, 核实率 (by level and rank band, per month of opening), 销号, open and overdue lines,
    欠薪金额 found and workers owed, per district; nothing before the lists are assembled."""
    from pipelines.reports import labels_zh as zh
    from pipelines.reports.closed_loop import closed_loop_html

    if ctx.closed_loop is None:
        return ""
    esc = html.escape
    finding, grid = closed_loop_html(ctx.closed_loop, ctx.area_names)
    parts = [f"<h2>{esc(zh.BULLETIN_LOOP_TITLE)}</h2><p>{esc(finding)}</p>", grid]
    city = ctx.closed_loop_city
    if city is not None and city.height:

        def pct(v: float | None) -> str:
            return zh.NO_DATA if v is None else f"{v:.0%}"

        rows = []
        for r in city.sort("month").iter_rows(named=True):
            rows.append(
                [
                    (esc(r["month"]), False),
                    (r["n_opened"], True),
                    (pct(r["handling_rate"]), True),
                    (pct(r["verification_rate"]), True),
                    *((pct(r[c]), True) for c in zh.BULLETIN_LOOP_RATES),
                ]
            )
        head = [*zh.BULLETIN_LOOP_MONTH_COLUMNS, *zh.BULLETIN_LOOP_RATES.values()]
        parts += [f"<h3>{esc(zh.BULLETIN_LOOP_BY_LEVEL)}</h3>", _table(head, rows)]
    parts.append(f"<p class='notes'>{esc(zh.BULLETIN_LOOP_NOTE)}</p>")
    return "".join(parts)


def _corrected_notice(ctx: BulletinContext) -> str:
    """One line under the status: which months already reported were corrected (更正), empty when none."""
    months = sorted({c.month for c in ctx.corrections})
    if not months:
        return ""
    return f"<p class='status corrected'>{html.escape(T['corrected'].format(months='、'.join(months)))}</p>"


def _corrections_section(ctx: BulletinContext) -> str:
    """五、更正: each corrected month with the late file that changed it; nothing when no month was corrected."""
    if not ctx.corrections:
        return ""
    esc = html.escape
    rows = [
        [
            (f"{esc(c.month)}（{T['corrected_mark']}）", False),
            (esc(ctx.entity_names.get(c.entity, c.entity)), False),
            (esc(c.path), False),
            (c.extract_date.isoformat(), False),
            (c.rows_loaded, True),
            (c.loaded_on.isoformat(), False),
        ]
        for c in sorted(ctx.corrections, key=lambda c: (c.month, c.path))
    ]
    head = ["col_month", "col_source", "col_file", "col_extract_date", "col_rows_changed", "col_loaded_on"]
    return (
        f"<h2>{T['corrections']}</h2>"
        + _table([T[h] for h in head], rows)
        + f"<p class='notes'>{T['note_corrected']}</p>"
    )


def write_bulletin(findings: pl.DataFrame, history: pl.DataFrame, ctx: BulletinContext, path: Path) -> Path:
    """Write the bulletin HTML and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bulletin_html(findings, history, ctx), encoding="utf-8")
    return path
