"""Inspectors' returns (the `disposition` source) checked against the lines' ledger, and the closed-loop indicators.

triage.md "Disposition returns": a return names its line by warning_id, or by project_code + warning_date when the id
is missing. A return for an unknown warning, with a 核查日期 before the warning, or with outcome 01 (属实：存在欠薪)
and no positive amount is quarantined with its reason (a bad outcome code is already quarantined at load by the
contract's code table); of the valid returns for one line, the one with the latest 核查日期 counts.

`disposition_area_month` (triage.md "Closed-loop indicators"): per district and month of the line's warning_date,
over the inspection lines of the ledger (`warning_history`).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

REASONS = {
    "unknown_warning": "反馈的预警编号（或项目编码+预警日期）在预警台账中不存在",
    "inspect_before_warning": "核查日期早于预警日期",
    "amount_not_positive": "核查结论为01（属实：存在欠薪）但欠薪金额缺失或不大于0",
}
RANK_BANDS = ((1, 5, "top5"), (6, 20, "rank6_20"), (21, None, "rest"))

AREA_MONTH_SCHEMA: dict[str, pl.DataType] = {
    "area_code": pl.Utf8(),
    "month": pl.Utf8(),  # yyyy-MM of the lines' warning_date
    "n_opened": pl.Int64(),
    "n_inspected_on_time": pl.Int64(),
    "handling_rate": pl.Float64(),  # 处置率
    "n_verified": pl.Int64(),  # outcome 01
    "n_not_verified": pl.Int64(),  # outcome 02 or 03
    "verification_rate": pl.Float64(),  # 核实率 = 01 ÷ (01 + 02 + 03)
    "n_closed": pl.Int64(),
    "days_to_close": pl.Float64(),  # mean days from warning_date to closure
    "n_open": pl.Int64(),
    "n_overdue": pl.Int64(),  # open, no 核查 result, older than the deadline: 超期未核查
    "arrears_found_yuan": pl.Float64(),
    "workers_owed": pl.Int64(),
    "verification_rate_red": pl.Float64(),
    "verification_rate_orange": pl.Float64(),
    "verification_rate_yellow": pl.Float64(),
    "verification_rate_top5": pl.Float64(),
    "verification_rate_rank6_20": pl.Float64(),
    "verification_rate_rest": pl.Float64(),
}


def ledger_lines(history: pl.DataFrame) -> pl.DataFrame:
    """One row per line ever opened: its opening (area, warning_date, level and rank that night) and latest state."""
    if history.height == 0:
        return pl.DataFrame(
            schema={
                "warning_id": pl.Utf8,
                "list": pl.Utf8,
                "project_code": pl.Utf8,
                "area_code": pl.Utf8,
                "warning_date": pl.Date,
                "level": pl.Utf8,
                "rank": pl.Int32,
                "status": pl.Utf8,
                "closed_date": pl.Date,
            }
        )
    h = history.sort("warning_id", "as_of")
    first = h.group_by("warning_id", maintain_order=True).first()
    last = h.group_by("warning_id", maintain_order=True).last()
    return first.select(
        "warning_id", "list", "project_code", "area_code", "warning_date", "level", "rank"
    ).join(last.select("warning_id", "status", "closed_date"), on="warning_id")


def check_returns(returns: pl.DataFrame, lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid returns with their warning_id, the latest per line; rejected rows with reason_code and reason)."""
    r = returns.with_row_index("_i")
    by_key = lines.filter(pl.col("list") == "inspection").select(
        "project_code", "warning_date", pl.col("warning_id").alias("_by_key")
    )
    known = set(lines["warning_id"].to_list())
    r = r.join(by_key, on=["project_code", "warning_date"], how="left").with_columns(
        warning_id=pl.when(pl.col("warning_id").is_in(list(known)))
        .then(pl.col("warning_id"))
        .otherwise(pl.col("_by_key"))
    )
    opened = lines.select("warning_id", pl.col("warning_date").alias("_opened"))
    r = r.join(opened, on="warning_id", how="left").with_columns(
        reason_code=pl.when(pl.col("warning_id").is_null())
        .then(pl.lit("unknown_warning"))
        .when(pl.col("inspect_date") < pl.col("_opened"))
        .then(pl.lit("inspect_before_warning"))
        .when((pl.col("outcome") == "01") & (pl.col("arrears_amount").fill_null(0) <= 0))
        .then(pl.lit("amount_not_positive"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
    rejected = r.filter(pl.col("reason_code").is_not_null()).with_columns(
        reason=pl.col("reason_code").replace_strict(REASONS, return_dtype=pl.Utf8)
    )
    valid = (
        r.filter(pl.col("reason_code").is_null())
        .sort("warning_id", "inspect_date", "_i")
        .group_by("warning_id", maintain_order=True)
        .last()
        .drop("_i", "_by_key", "_opened", "reason_code")
    )
    return valid, rejected.drop("_i", "_by_key", "_opened")


def quarantine_returns(con: duckdb.DuckDBPyConnection, rejected: pl.DataFrame) -> int:
    """Write rejected returns into `quarantine` with file, line and reason (replacing this check's earlier rows)."""
    codes = list(REASONS)
    con.execute(
        f"delete from quarantine where entity = 'disposition' and reason_code in ({', '.join('?' * len(codes))})",
        codes,
    )
    if rejected.height == 0 or "_file_id" not in rejected.columns:
        return 0
    rows = rejected.select(
        pl.col("_file_id").cast(pl.Int32).alias("file_id"),
        pl.col("_line").cast(pl.Int32).alias("line"),
        pl.when(pl.col("reason_code") == "amount_not_positive")
        .then(pl.lit("arrears_amount"))
        .when(pl.col("reason_code") == "inspect_before_warning")
        .then(pl.lit("inspect_date"))
        .otherwise(pl.lit("warning_id"))
        .alias("column_name"),
        pl.coalesce(pl.col("warning_id"), pl.col("project_code")).alias("value_masked"),
        "reason_code",
        "reason",
    )
    con.register("_rejected_returns", rows.to_arrow())
    con.execute(
        """insert into quarantine (file_id, path, entity, line, column_name, value_masked, reason_code, reason, loaded_at)
        select r.file_id, coalesce(f.path, ''), 'disposition', r.line, r.column_name, r.value_masked, r.reason_code,
               r.reason, current_timestamp
        from _rejected_returns r left join load_file f on f.file_id = r.file_id"""
    )
    con.unregister("_rejected_returns")
    return rows.height


def _rate(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(pl.lit(None, dtype=pl.Float64))


def disposition_area_month(
    history: pl.DataFrame, returns: pl.DataFrame, as_of: date, deadline_days: int
) -> pl.DataFrame:
    """The closed-loop indicators per district and month of warning_date (AREA_MONTH_SCHEMA)."""
    lines = ledger_lines(history).filter(pl.col("list") == "inspection")
    ret = returns.select("warning_id", "outcome", "inspect_date", "arrears_amount", "workers_owed")
    d = lines.join(ret, on="warning_id", how="left").with_columns(
        month=pl.col("warning_date").dt.strftime("%Y-%m"),
        on_time=pl.col("inspect_date").is_not_null()
        & ((pl.col("inspect_date") - pl.col("warning_date")).dt.total_days() <= deadline_days),
        verified=pl.col("outcome") == "01",
        judged=pl.col("outcome").is_in(["01", "02", "03"]),
        closed=(pl.col("status") == "closed") & (pl.col("closed_date") <= as_of),
        is_open=pl.col("status") == "open",
        band=pl.when(pl.col("rank") <= 5)
        .then(pl.lit("top5"))
        .when(pl.col("rank") <= 20)
        .then(pl.lit("rank6_20"))
        .otherwise(pl.lit("rest")),
    )
    overdue = (
        pl.col("is_open")
        & pl.col("inspect_date").is_null()
        & ((pl.lit(as_of) - pl.col("warning_date")).dt.total_days() > deadline_days)
    )

    def vrate(mask: pl.Expr) -> pl.Expr:
        return _rate(
            (pl.col("verified") & mask).sum().cast(pl.Float64),
            (pl.col("judged") & mask).sum().cast(pl.Float64),
        )

    out = d.group_by("area_code", "month").agg(
        n_opened=pl.len().cast(pl.Int64),
        n_inspected_on_time=pl.col("on_time").sum().cast(pl.Int64),
        n_verified=pl.col("verified").sum().cast(pl.Int64),
        n_not_verified=(pl.col("judged") & ~pl.col("verified")).sum().cast(pl.Int64),
        n_closed=pl.col("closed").sum().cast(pl.Int64),
        days_to_close=(pl.col("closed_date") - pl.col("warning_date"))
        .dt.total_days()
        .filter(pl.col("closed"))
        .mean(),
        n_open=pl.col("is_open").sum().cast(pl.Int64),
        n_overdue=overdue.sum().cast(pl.Int64),
        arrears_found_yuan=pl.col("arrears_amount").filter(pl.col("verified")).sum().cast(pl.Float64),
        workers_owed=pl.col("workers_owed").filter(pl.col("verified")).sum().cast(pl.Int64),
        verification_rate_red=vrate(pl.col("level") == "red"),
        verification_rate_orange=vrate(pl.col("level") == "orange"),
        verification_rate_yellow=vrate(pl.col("level") == "yellow"),
        verification_rate_top5=vrate(pl.col("band") == "top5"),
        verification_rate_rank6_20=vrate(pl.col("band") == "rank6_20"),
        verification_rate_rest=vrate(pl.col("band") == "rest"),
    )
    out = out.with_columns(
        handling_rate=_rate(
            pl.col("n_inspected_on_time").cast(pl.Float64), pl.col("n_opened").cast(pl.Float64)
        ),
        verification_rate=_rate(
            pl.col("n_verified").cast(pl.Float64),
            (pl.col("n_verified") + pl.col("n_not_verified")).cast(pl.Float64),
        ),
    )
    return out.sort("area_code", "month").select([pl.col(c).cast(t) for c, t in AREA_MONTH_SCHEMA.items()])
