"""What analysts call from notebooks: read-only views of one project, one district and the data quality.

Every function takes an open (read-only) warehouse connection and returns a polars DataFrame or a plotly figure;
personal data appears only masked. Every Chinese word shown (figure titles, axes, table headings, code names) comes
from pipelines/reports/labels_zh.py. Money is shown in 万元, months as categories ("2025-01"), axes start at 0.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from pipelines.reports import labels_zh as zh
from pipelines.warehouse import frame, has_table

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
WAN = 1e4  # 元 per 万元


class UnknownCodeError(LookupError):
    """A project or area code the warehouse does not know; the message is the Chinese text to show."""


def require_project(con: duckdb.DuckDBPyConnection, project_code: str) -> str:
    """The project code when the warehouse has the project, else UnknownCodeError with a Chinese message."""
    code = str(project_code).strip()
    if con.execute("select 1 from stg_project where project_code = ?", [code]).fetchone():
        return code
    example = con.execute("select min(project_code) from stg_project").fetchone()
    example_code = example[0] if example and example[0] else "3505212025000001"
    raise UnknownCodeError(
        zh.NB_UNKNOWN_PROJECT.format(code=code, width=len(example_code), example=example_code)
    )


def require_area(con: duckdb.DuckDBPyConnection, area_code: str) -> str:
    """The area code when the warehouse has indicators for it, else UnknownCodeError listing the known districts."""
    code = str(area_code).strip()
    known = [
        r[0]
        for r in con.execute(
            "select distinct area_code from indicator_area_month "
            "where area_code not in ('ALL', 'UNKNOWN') order by 1"
        ).fetchall()
    ]
    if code in known:
        return code
    names = area_names()
    choices = "、".join(zh.NB_AREA.format(name=names.get(k, k), code=k) for k in known)
    raise UnknownCodeError(zh.NB_UNKNOWN_AREA.format(code=code, choices=choices))


def area_names() -> dict[str, str]:
    """District code → Chinese name (data/reference/areas.csv)."""
    from pipelines.settings import Settings

    path = Settings().paths.data_dir / "reference" / "areas.csv"
    if not path.exists():
        return {}
    areas = pl.read_csv(path, schema_overrides={"code": pl.Utf8})
    return dict(zip(areas["code"], areas["name_zh"], strict=True))


def area_label(area_code: str) -> str:
    """惠安县（350521）"""
    return zh.NB_AREA.format(name=area_names().get(area_code, area_code), code=area_code)


def month_zh(month: str | None) -> str:
    """'2025-01' → '2025年1月'."""
    if not month:
        return ""
    return f"{month[:4]}年{int(month[5:7])}月"


def in_chinese(df: pl.DataFrame) -> pl.DataFrame:
    """A table as the notebook shows it: codes as their Chinese names, money in 万元, Chinese headings."""
    out = df
    if "level" in out.columns:
        out = out.with_columns(pl.col("level").replace_strict(zh.LEVEL, default=pl.col("level")))
    if "prj_status" in out.columns:
        out = out.with_columns(
            pl.col("prj_status").map_elements(
                lambda c: zh.code_label("project", "prj_status", c), return_dtype=pl.Utf8
            )
        )
    if "rules" in out.columns and out.schema["rules"] == pl.List(pl.Utf8):
        out = out.with_columns(
            pl.col("rules").map_elements(
                lambda rs: zh.RULE_SEPARATOR.join(f"{r} {zh.RULE.get(r, r)}" for r in rs),
                return_dtype=pl.Utf8,
            )
        )
    if "rule_id" in out.columns:
        out = out.with_columns(pl.col("rule_id").map_elements(lambda r: f"{r} {zh.RULE.get(r, r)}", pl.Utf8))
    if "entity" in out.columns:
        out = out.with_columns(pl.col("entity").replace_strict(zh.ENTITY, default=pl.col("entity")))
    if "severity" in out.columns:
        out = out.with_columns(pl.col("severity").replace_strict(zh.SEVERITY, default=pl.col("severity")))
    if "status" in out.columns:
        out = out.with_columns(pl.col("status").replace_strict(zh.NB_FILE_STATUS, default=pl.col("status")))
    if "score" in out.columns:
        out = out.with_columns(pl.col("score").round(3))
    money = [c for c in out.columns if zh.NB_FIELD.get(c, "").endswith("（万元）")]
    out = out.with_columns([(pl.col(c) / WAN).round(2) for c in money])
    return out.rename({c: zh.NB_FIELD[c] for c in out.columns if c in zh.NB_FIELD})


def card_lines(card: pl.DataFrame) -> list[tuple[str, object]]:
    """One project's card as (Chinese field, value) pairs, codes named, money in 万元."""
    row = card.row(0, named=True)
    ordered = {}
    for key, value in row.items():
        if key == "area_code":
            ordered["area_name"] = area_label(value)
        else:
            ordered[key] = value
    shown = in_chinese(pl.DataFrame([ordered])).row(0, named=True)
    return list(shown.items())


def open_warehouse(path: str | Path) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only (the nightly run must not be writing it at the same time)."""
    return duckdb.connect(str(path), read_only=True)


# the `warning` table holds both lists and the lines that ended tonight (triage.md); the 核查清单 is these rows
_ON_LIST = "list = 'inspection' and status = 'open' and rank is not null"


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The as_of date of the warning list currently in the warehouse."""
    if not has_table(con, "warning"):
        return None
    row = con.execute("select max(as_of) from warning").fetchone()
    return row[0] if row else None


def warning_list(con: duckdb.DuckDBPyConnection, area_code: str | None = None) -> pl.DataFrame:
    """The current 核查清单 (optionally one district), most urgent first (open inspection lines only)."""
    where = f"where {_ON_LIST}" + (" and area_code = ?" if area_code else "")
    return frame(
        con, f"select * from warning {where} order by area_code, rank", [area_code] if area_code else None
    )


def project_card(con: duckdb.DuckDBPyConnection, project_code: str) -> pl.DataFrame:
    """One project's registry facts with its warning line (level, rules, reasons) when it has one."""
    return frame(
        con,
        """
        select p.project_code, p.name as project_name, p.area_code, p.prj_status, p.contract_amount,
               p.contractor_corp_name, p.build_corp_name, p.start_date, p.complete_date,
               w.level, w.score, w.rules, w.reasons, w.factors, w.suggested_checks
        from stg_project p
        left join (select * from warning where list = 'inspection' and status = 'open') w using (project_code)
        where p.project_code = ?
        """,
        [project_code],
    )


def project_timeline(con: duckdb.DuckDBPyConnection, project_code: str) -> pl.DataFrame:
    """Month by month for one project: attendance, labour-cost inflows, payroll due/paid, complaints received."""
    return frame(
        con,
        """
        with months as (
            select "month", n_working_days, avg_daily_workers
            from (
                select strftime(work_date, '%Y-%m') as "month", count(*) filter (where is_working_day) as n_working_days,
                       avg(n_workers) as avg_daily_workers
                from int_project_day where project_code = $1 group by 1
            )
        ),
        inflows as (
            select strftime(t.txn_time, '%Y-%m') as "month",
                   sum(t.amount) filter (where t.direction = '01' and t.txn_type = '01') as labor_cost_inflow_yuan,
                   sum(t.amount) filter (where t.direction = '02') as outflow_yuan,
                   arg_max(t.balance, (t.txn_time, t.txn_id)) as month_end_balance_yuan
            from stg_account_txn t join stg_wage_account a using (account_number)
            where a.project_code = $1 group by 1
        ),
        pay as (
            select pay_month as "month",
                   sum(total_pay_amount) filter (where not coalesce(is_back_pay, false)) as payroll_due_yuan,
                   sum(actual_amount) as payroll_paid_yuan,
                   count(distinct id_card_number_hash) as n_paid_workers
            from stg_payroll where project_code = $1 group by 1
        ),
        cases as (
            select strftime(received_date, '%Y-%m') as "month", count(*) as n_complaints
            from stg_complaint where project_code = $1 group by 1
        )
        select *
        from months
        full join inflows using ("month")
        full join pay using ("month")
        full join cases using ("month")
        order by "month"
        """,
        [project_code],
    )


def _month_axis(fig: go.Figure) -> go.Figure:
    """Months as the categories they are ("2025-01"), not dates plotly would print as "Jan 2025"."""
    fig.update_xaxes(type="category", title_text=zh.NB_MONTH_AXIS, tickangle=0)
    return fig


def timeline_figure(timeline: pl.DataFrame, title: str) -> go.Figure:
    """Money in and wages (万元, bars, left axis) and people on site and complaints (right axis), one month axis:
    "why is this project red". Both axes start at 0, so a zero month reads as zero on either."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    t = timeline.sort("month")
    months = t["month"].to_list()
    series = zh.NB_TIMELINE_SERIES
    for col in ("labor_cost_inflow_yuan", "payroll_due_yuan", "payroll_paid_yuan"):
        values = [None if v is None else round(v / WAN, 2) for v in t[col].to_list()]
        fig.add_bar(x=months, y=values, name=series[col], opacity=0.7)
    fig.add_scatter(
        x=months,
        y=t["avg_daily_workers"].to_list(),
        name=series["avg_daily_workers"],
        mode="lines+markers",
        secondary_y=True,
    )
    complaints = t.filter(pl.col("n_complaints") > 0)
    if complaints.height:
        fig.add_scatter(
            x=complaints["month"].to_list(),
            y=complaints["n_complaints"].to_list(),
            name=series["n_complaints"],
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": "#c00000"},
            secondary_y=True,
        )
    fig.update_layout(
        title=title,
        barmode="group",
        font_family=FONT,
        height=480,
        legend={"orientation": "h", "y": -0.25},
        separators=".,",
    )
    fig.update_yaxes(title_text=zh.NB_MONEY_AXIS, rangemode="tozero", tickformat=",.0f", secondary_y=False)
    fig.update_yaxes(
        title_text=zh.NB_PEOPLE_AXIS, rangemode="tozero", tickformat=",.0f", showgrid=False, secondary_y=True
    )
    return _month_axis(fig)


def district_indicators(con: duckdb.DuckDBPyConnection, area_code: str) -> pl.DataFrame:
    """One district's indicators month by month (indicator_area_month)."""
    return frame(con, 'select * from indicator_area_month where area_code = ? order by "month"', [area_code])


def district_projects(con: duckdb.DuckDBPyConnection, area_code: str, month: str) -> pl.DataFrame:
    """The district's in-scope projects in a month with their indicators, worst real-name update first."""
    return frame(
        con,
        """
        select i.*, w.level, w.rules
        from indicator_project_month i left join warning w using (project_code)
        where i.area_code = ? and i."month" = ?
        order by i.rn_update_rate nulls first, i.project_code
        """,
        [area_code, month],
    )


def worst_district(con: duckdb.DuckDBPyConnection) -> str | None:
    """The district with the most red and orange warning lines (the one to drill into first)."""
    row = con.execute(
        """
        select area_code from warning
        where list = 'inspection' and status = 'open' and rank is not null
        group by area_code
        order by count(*) filter (where level = 'red') desc, count(*) filter (where level = 'orange') desc, area_code
        limit 1
        """
    ).fetchone()
    return row[0] if row else None


def indicator_trend_figure(
    indicators: pl.DataFrame, columns: dict[str, str], title: str, target: float | None = None
) -> go.Figure:
    """Lines of several rates (column → Chinese label) over months, on a 0–100 % axis."""
    fig = go.Figure()
    for col, label in columns.items():
        if col in indicators.columns:
            fig.add_scatter(
                x=indicators["month"].to_list(), y=indicators[col].to_list(), name=label, mode="lines+markers"
            )
    if target is not None:
        fig.add_hline(y=target, line_dash="dot", line_color="#888")
    fig.update_layout(title=title, font_family=FONT, height=420, legend={"orientation": "h", "y": -0.25})
    fig.update_yaxes(title_text=zh.NB_RATE_AXIS, tickformat=".0%", range=[0, 1.05])
    return _month_axis(fig)


def quality_overview(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Data-quality findings of the current run by check and severity, largest first."""
    if not has_table(con, "dq_finding"):
        return pl.DataFrame()
    return frame(
        con,
        """
        select check_id, any_value(title_zh) as title_zh, severity, entity,
               count(distinct project_code) as n_projects, sum(n_rows) as n_rows, min(first_seen) as first_seen
        from dq_finding group by check_id, severity, entity order by n_rows desc
        """,
    )


def quarantine_reasons(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Quarantined rows by entity and reason (what the loader refused, with where it came from)."""
    return frame(
        con,
        """
        select q.entity, q.reason_code, any_value(q.reason) as reason, count(*) as n_rows,
               count(distinct q.file_id) as n_files
        from quarantine q group by q.entity, q.reason_code order by n_rows desc
        """,
    )


def bar_figure(df: pl.DataFrame, x: str, y: str, title: str, value_axis: str = zh.NB_ROWS_AXIS) -> go.Figure:
    """A horizontal bar chart of one count column (Chinese categories in `x`), largest on top."""
    d = df.sort(y)
    fig = go.Figure(
        go.Bar(x=d[y].to_list(), y=d[x].to_list(), orientation="h", text=d[y].to_list(), textposition="auto")
    )
    fig.update_layout(title=title, font_family=FONT, height=max(300, 28 * d.height + 140))
    fig.update_xaxes(title_text=value_axis, rangemode="tozero", tickformat=",d")  # 5,000 not "5k"
    fig.update_yaxes(type="category", automargin=True)
    return fig


def level_figure(lines: pl.DataFrame, title: str) -> go.Figure:
    """Warning lines by level (红色 / 橙色 / 黄色), in their colours."""
    counts = dict(lines.group_by("level").len().iter_rows()) if lines.height else {}
    levels = [lv for lv in zh.LEVEL if lv in counts]
    fig = go.Figure(
        go.Bar(
            x=[zh.LEVEL[lv] for lv in levels],
            y=[counts[lv] for lv in levels],
            marker_color=[zh.LEVEL_COLOR[lv] for lv in levels],
            text=[counts[lv] for lv in levels],
            textposition="auto",
        )
    )
    fig.update_layout(title=title, font_family=FONT, height=360)
    fig.update_xaxes(type="category", title_text=zh.NB_FIELD["level"])
    fig.update_yaxes(title_text=zh.NB_PROJECTS_AXIS, rangemode="tozero", tickformat=",d")
    return fig
