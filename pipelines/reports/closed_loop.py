"""The dashboard's closed-loop block (triage.md "Closed-loop indicators"): per district, from disposition_area_month.

Kept apart from dashboard.py (one call there) so the dashboard's layout can change without touching it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import polars as pl

from pipelines.reports import labels_zh as zh


def _pct(v: float | None) -> str:
    return zh.NO_DATA if v is None else f"{v:.0%}"


def closed_loop_rows(table: pl.DataFrame) -> pl.DataFrame:
    """Per district over every month of the table, plus the city (area_code null): counts summed, rates recomputed."""
    sums = [
        "n_opened",
        "n_inspected_on_time",
        "n_verified",
        "n_not_verified",
        "n_closed",
        "n_open",
        "n_overdue",
        "arrears_found_yuan",
        "workers_owed",
    ]
    per = table.group_by("area_code").agg(
        *(pl.col(c).sum() for c in sums),
        days_to_close=(pl.col("days_to_close") * pl.col("n_closed")).sum() / pl.col("n_closed").sum(),
    )
    city = table.select(
        pl.lit(None, dtype=pl.Utf8).alias("area_code"),
        *(pl.col(c).sum() for c in sums),
        ((pl.col("days_to_close") * pl.col("n_closed")).sum() / pl.col("n_closed").sum()).alias(
            "days_to_close"
        ),
    )
    both = pl.concat([per.sort("area_code"), city], how="vertical_relaxed")
    judged = pl.col("n_verified") + pl.col("n_not_verified")
    return both.with_columns(
        handling_rate=pl.when(pl.col("n_opened") > 0).then(
            pl.col("n_inspected_on_time") / pl.col("n_opened")
        ),
        verification_rate=pl.when(judged > 0).then(pl.col("n_verified") / judged),
        closure_rate=pl.when(pl.col("n_opened") > 0).then(pl.col("n_closed") / pl.col("n_opened")),
    )


def closed_loop_html(table: pl.DataFrame | None, names: Mapping[str, str]) -> tuple[str, str]:
    """(finding sentence, HTML table) of the closed-loop indicators; a sentence alone without any line yet."""
    if table is None or table.height == 0:
        return zh.CLOSED_LOOP_NONE, ""
    rows = closed_loop_rows(table)
    city = rows.filter(pl.col("area_code").is_null()).row(0, named=True)
    finding = zh.CLOSED_LOOP.format(
        n=city["n_opened"],
        handling=_pct(city["handling_rate"]),
        verification=_pct(city["verification_rate"]),
        closed=city["n_closed"],
        overdue=city["n_overdue"],
        wan=(city["arrears_found_yuan"] or 0) / 1e4,
        workers=city["workers_owed"] or 0,
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in zh.CLOSED_LOOP_COLUMNS)
    body = []
    for r in rows.iter_rows(named=True):
        area = zh.CITY if r["area_code"] is None else names.get(r["area_code"], r["area_code"])
        days = zh.NO_DATA if r["days_to_close"] is None else f"{r['days_to_close']:.0f}"
        cells = [
            area,
            str(r["n_opened"]),
            _pct(r["handling_rate"]),
            _pct(r["verification_rate"]),
            f"{r['n_closed']}（{_pct(r['closure_rate'])}）",
            days,
            str(r["n_open"]),
            str(r["n_overdue"]),
            f"{(r['arrears_found_yuan'] or 0) / 1e4:.1f}",
            str(r["workers_owed"] or 0),
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return finding, f"<table class='grid'><tr>{head}</tr>{''.join(body)}</table>"
