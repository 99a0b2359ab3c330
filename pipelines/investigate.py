"""What analysts call from notebooks: read-only views of one project, one district and the data quality.

Every function takes an open (read-only) warehouse connection and returns a polars DataFrame or a plotly figure;
personal data appears only masked. Chinese labels for figures come from pipelines/reports/labels_zh.py when present.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from pipelines.warehouse import frame, has_table

FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif"
LEVEL_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色"}


def open_warehouse(path: str | Path) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only (the nightly run must not be writing it at the same time)."""
    return duckdb.connect(str(path), read_only=True)


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The as_of date of the warning list currently in the warehouse."""
    if not has_table(con, "warning"):
        return None
    row = con.execute("select max(as_of) from warning").fetchone()
    return row[0] if row else None


def warning_list(con: duckdb.DuckDBPyConnection, area_code: str | None = None) -> pl.DataFrame:
    """The current warning list (optionally one district), most urgent first."""
    where = "where area_code = ?" if area_code else ""
    return frame(con, f"select * from warning {where} order by rank", [area_code] if area_code else None)


def project_card(con: duckdb.DuckDBPyConnection, project_code: str) -> pl.DataFrame:
    """One project's registry facts with its warning line (level, rules, reasons) when it has one."""
    return frame(
        con,
        """
        select p.project_code, p.name as project_name, p.area_code, p.prj_status, p.contract_amount,
               p.contractor_corp_name, p.build_corp_name, p.start_date, p.complete_date,
               w.level, w.score, w.rules, w.reasons, w.factors, w.suggested_checks
        from stg_project p left join warning w using (project_code)
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


def timeline_figure(timeline: pl.DataFrame, title: str) -> go.Figure:
    """Attendance, money in and wages on one time axis, complaints as markers: "why is this project red"."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    t = timeline.sort("month")
    months = t["month"].to_list()
    fig.add_bar(x=months, y=t["labor_cost_inflow_yuan"].to_list(), name="人工费拨付（元）", opacity=0.6)
    fig.add_bar(x=months, y=t["payroll_due_yuan"].to_list(), name="应发工资（元）", opacity=0.6)
    fig.add_bar(x=months, y=t["payroll_paid_yuan"].to_list(), name="实发工资（元）", opacity=0.6)
    fig.add_scatter(
        x=months,
        y=t["avg_daily_workers"].to_list(),
        name="日均考勤人数",
        mode="lines+markers",
        secondary_y=True,
    )
    complaints = t.filter(pl.col("n_complaints") > 0)
    if complaints.height:
        fig.add_scatter(
            x=complaints["month"].to_list(),
            y=complaints["n_complaints"].to_list(),
            name="欠薪投诉（件）",
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": "#c00000"},
            secondary_y=True,
        )
    fig.update_layout(title=title, barmode="group", font_family=FONT, height=480, legend_orientation="h")
    fig.update_yaxes(title_text="金额（元）", secondary_y=False)
    fig.update_yaxes(title_text="人数 / 件数", secondary_y=True)
    return fig


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
        group by area_code
        order by count(*) filter (where level = 'red') desc, count(*) filter (where level = 'orange') desc, area_code
        limit 1
        """
    ).fetchone()
    return row[0] if row else None


def indicator_trend_figure(indicators: pl.DataFrame, columns: dict[str, str], title: str) -> go.Figure:
    """Lines of several indicators (column → Chinese label) over months."""
    fig = go.Figure()
    for col, label in columns.items():
        if col in indicators.columns:
            fig.add_scatter(
                x=indicators["month"].to_list(), y=indicators[col].to_list(), name=label, mode="lines+markers"
            )
    fig.update_layout(
        title=title, font_family=FONT, height=420, yaxis_tickformat=".0%", legend_orientation="h"
    )
    return fig


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


def bar_figure(df: pl.DataFrame, x: str, y: str, title: str) -> go.Figure:
    """A horizontal bar chart of one count column, largest on top."""
    d = df.sort(y)
    fig = go.Figure(go.Bar(x=d[y].to_list(), y=d[x].to_list(), orientation="h"))
    fig.update_layout(title=title, font_family=FONT, height=max(300, 28 * d.height + 120))
    return fig
