"""Leaders' KPI dashboard: one self-contained HTML file per run, plus PNG/PDF of the key charts for the 通报.

plotly.js is inlined exactly once (in the first figure), nothing is loaded from a network, so the file opens from
disk on an intranet. `build_dashboard` and `render_html` are pure; `write_dashboard` and `export_static` write.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import math
import os
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.offline import get_plotlyjs

from pipelines.delivery import undelivered_indicators
from pipelines.reports import labels_zh as zh
from pipelines.reports.figures import (
    CITY,
    COMPLIANCE,
    FONT,
    GUOKAO,
    Chart,
    Target,
    cases_chart,
    change_text,
    compliance_heatmap,
    flagged,
    fmt,
    fmt_target,
    for_page,
    guokao_districts,
    guokao_trend,
    quality_chart,
    ranking_heatmap,
    report_month,
    rules_chart,
    targets,
    warnings_by_district,
    white_template,
    with_caption,
)
from pipelines.reports.warning_list import (
    area_label,
    area_names,
    city_name,
    conform,
    current_findings,
)
from pipelines.settings import Settings
from pipelines.warehouse import frame, has_table
from pipelines.warnings.schema import LEVELS, WARNING_SCHEMA

log = logging.getLogger(__name__)

STATIC_KEYS = (*GUOKAO, "ranking", "compliance", "cases", "warnings")
LOCALE = "zh-CN"
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,  # charts follow their box from a 500-px phone to a 1920-px screen
    "locale": LOCALE,  # modebar tooltips and number/date formats in Chinese (vendored locale, inlined)
    # no lasso/box select; no "Share chart…" (uploads to Plotly Cloud: never from a regulator's intranet)
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "sendChartToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
LOCALE_FILE = Path(__file__).parent / "vendor" / "plotly-locale-zh-cn.js"
RECTIFICATION_RULES = ("R01", "R02", "R09", "R11", "R12")  # triage.md 整改清单: put right by notice, no visit
FIRM_ROLES = {"009": "contractor", "008": "build"}  # stg_project_corp.corp_type: 总承包单位, 建设单位
CASE_COLUMNS = (
    "n_cases_received_ytd",
    "case_closure_rate",
    "open_cases",
    "open_cases_over_30d",
    "days_to_close",
)
# a figure, or plotly's dict of one (what kaleido renders either way)
Figurish: TypeAlias = go.Figure | Mapping[str, Any]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class Section:
    """One block of the page: its heading, its charts in order, and an optional HTML table after them.

    `finding` is the sentence a table-only section opens with (charts carry their own in `Chart.finding`).
    """

    key: str
    heading: str
    charts: tuple[Chart, ...] = ()
    table: str = ""
    finding: str = ""


@dataclass(frozen=True)
class Dashboard:
    """Everything the page shows, before it becomes HTML."""

    title: str
    subtitle: str
    cards: str
    sections: tuple[Section, ...]
    footer: str
    caption: str = ""  # city, period, data source and generation date: printed on every exported image

    @property
    def charts(self) -> list[Chart]:
        """Every chart in page order."""
        return [c for s in self.sections for c in s.charts]

    def static_figures(self) -> dict[str, dict[str, Any]]:
        """The 通报's key charts, keyed by the file stem they export to (`01_实名制更新率`), each captioned (plotly's
        dict of the figure: what the browser renders)."""
        by_key = {c.key: c for c in self.charts}
        keys = [k for k in STATIC_KEYS if k in by_key]
        return {
            f"{i:02d}_{by_key[k].name}": with_caption(by_key[k].figure, self.caption)
            for i, k in enumerate(keys, start=1)
        }


@dataclass(frozen=True)
class FirmInputs:
    """What the firm view reads besides the warning lines: cases, credit records, the complaint ladder, names."""

    cases: pl.DataFrame = field(default_factory=pl.DataFrame)  # int_case
    credit: pl.DataFrame = field(default_factory=pl.DataFrame)  # stg_credit_event
    ladder: pl.DataFrame = field(default_factory=pl.DataFrame)  # rpt_firm_complaint_ladder
    corps: pl.DataFrame = field(
        default_factory=pl.DataFrame
    )  # stg_project_corp: corp_code, corp_type, corp_name


@dataclass(frozen=True)
class DashboardInputs:
    """What the dashboard is built from: the run's frames and the night they describe."""

    area_month: pl.DataFrame  # indicator_area_month
    ranking: pl.DataFrame | None  # rpt_area_ranking (None: not built)
    lines: pl.DataFrame  # the inspection list's lines (WARNING_SCHEMA)
    findings: pl.DataFrame  # data-quality findings
    areas: pl.DataFrame  # the district registry: code, name_zh
    as_of: date
    settings: Settings
    missing_sources: Sequence[str] = ()  # entities never delivered by as_of: shown as 数据未报送
    firms: FirmInputs | None = None
    disposition: pl.DataFrame | None = None  # disposition_area_month (None: no 核查清单 yet)
    generated: date | None = None  # the date printed as generated (None: today)


def firm_inputs(con: duckdb.DuckDBPyConnection) -> FirmInputs:
    """The firm view's tables from the warehouse (a table not built yet reads as empty)."""
    queries = {
        "cases": "select case_id, corp_code, project_code, received_date, closed_date from int_case",
        "credit": "select corp_code, corp_name, event_type, event_date, points from stg_credit_event",
        "ladder": "select * from rpt_firm_complaint_ladder",
        "corps": "select distinct corp_code, corp_type, corp_name from stg_project_corp",
    }
    tables = {"cases": "int_case", "credit": "stg_credit_event", "ladder": "rpt_firm_complaint_ladder",
              "corps": "stg_project_corp"}  # fmt: skip
    return FirmInputs(
        **{k: frame(con, q) if has_table(con, tables[k]) else pl.DataFrame() for k, q in queries.items()}
    )


def _with_columns(area_month: pl.DataFrame) -> pl.DataFrame:
    """indicator_area_month with every column the charts read (absent ones null), so any frame renders."""
    needed = {
        "area_code": pl.Utf8,
        "month": pl.Utf8,
        **dict.fromkeys((*GUOKAO, *COMPLIANCE, *CASE_COLUMNS), pl.Float64),
        **{f"{c}_target_met_share": pl.Float64 for c in GUOKAO},
    }
    return area_month.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in needed.items() if c not in area_month.columns
    )


def shift_month(month: str, months: int) -> str:
    """'2025-07' moved by `months` (negative: earlier)."""
    year, m = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + months, 12)
    return f"{year:04d}-{m + 1:02d}"


def months_to_target(
    history: Mapping[str, float | None],
    month: str,
    goal: Target,
    *,
    higher_is_better: bool,
    window: int,
    horizon: int = 36,
) -> str:
    """'已达标', or at the average monthly change of the last `window` months, how many months to the target."""
    now = history.get(month)
    if now is None:
        return ""
    met = goal.met(now) if higher_is_better else now <= goal.value
    if met:
        return zh.MET_ALREADY
    before = history.get(shift_month(month, -window))
    if before is None:
        return zh.TO_TARGET_NO_TREND
    pace = (now - before) / window
    gap = goal.value - now
    if pace == 0 or (gap > 0) != (pace > 0):
        return zh.TO_TARGET_NEVER.format(k=window)
    n = max(1, math.ceil(gap / pace - 1e-9))
    if n > horizon:
        return zh.TO_TARGET_BEYOND.format(k=window, years=horizon // 12)
    return zh.TO_TARGET.format(k=window, n=n)


def _card(label: str, shown: str, lines: Sequence[str], state: str = "", color: str = "") -> str:
    style = f" style='border-color:{color}'" if color else ""
    value_style = f" style='color:{color}'" if color else ""
    notes = "".join(f"<div class='t'>{line}</div>" for line in lines if line)
    return (
        f"<div class='card {state}'{style}><div class='k'>{html.escape(label)}</div>"
        f"<div class='v'{value_style}>{html.escape(shown)}</div>{notes}</div>"
    )


def _change_span(label: str, indicator: str, delta: float | None, higher_is_better: bool) -> str:
    text = change_text(indicator, delta)
    tone = ""
    if delta is not None and text != zh.TREND_FLAT:
        tone = "good" if (delta > 0) == higher_is_better else "worse"
    return f"<span class='chg {tone}'>{html.escape(label)} {html.escape(text)}</span>"


def _city_history(city: pl.DataFrame, column: str) -> dict[str, float | None]:
    """month → the city's value of `column` (empty when there is no city row)."""
    return dict(zip(city["month"], city[column], strict=True)) if city.height else {}


def _measure_card(
    column: str,
    goal: Target,
    higher: bool,
    city: pl.DataFrame,
    month: str | None,
    not_delivered: set[str],
    settings: Settings,
) -> str:
    """One headline number: the value, 环比 and 同比, the target, whether it is met and the months to it; 数据未报送
    when its source was never delivered, 无数据 when there is nothing to compute."""
    series = _city_history(city, column)
    now = series.get(month) if month else None
    label = {"case_closure_rate": zh.CARD_CLOSURE, "open_cases": zh.CARD_OPEN_CASES}.get(
        column, zh.INDICATOR.get(column, column)
    )
    if now is None and column in not_delivered:
        return _card(label, zh.NOT_DELIVERED, [zh.CARD_NOT_DELIVERED], "missing")
    # delivered, but nothing to compute this month (e.g. no project in scope); no month: nothing delivered yet
    if now is None or month is None:
        return _card(label, zh.NO_DATA, [], "missing")
    prev = series.get(shift_month(month, -1))
    last_year = series.get(shift_month(month, -12))
    changes = (
        _change_span(zh.MOM, column, None if prev is None else now - prev, higher)
        + " "
        + _change_span(zh.YOY, column, None if last_year is None else now - last_year, higher)
    )
    met = goal.met(now) if higher else now <= goal.value
    target_text = (
        zh.CARD_TARGET.format(target=fmt_target(column, goal))
        if higher
        else zh.CARD_TARGET_ZERO.format(target=int(goal.value))
    )
    pace = months_to_target(
        series, month, goal, higher_is_better=higher, window=settings.indicators.kpi_trend_months,
        horizon=settings.indicators.kpi_target_horizon_months,
    )  # fmt: skip
    note = " · ".join(t for t in (target_text, zh.MET if met else zh.NOT_MET, pace if not met else "") if t)
    extra = (
        zh.CARD_OVERDUE.format(n=int(series_over))
        if column == "open_cases"
        and (series_over := _city_history(city, "open_cases_over_30d").get(month)) is not None
        else ""
    )
    return _card(
        label,
        fmt(column, now),
        [changes, html.escape(note), html.escape(extra)],
        "ok" if met else "bad",
    )


def _warning_cards(lines: pl.DataFrame) -> list[str]:
    """One card per level: projects on the lists at that level, how many new and escalated tonight."""
    cards = []
    for level in LEVELS:
        at = lines.filter(pl.col("level") == level)
        moved = at["change"].value_counts() if at.height else pl.DataFrame({"change": [], "count": []})
        by = dict(zip(moved["change"], moved["count"], strict=True))
        note = zh.CARD_WARNING_CHANGE.format(new=by.get("new", 0), escalated=by.get("escalated", 0))
        cards.append(
            _card(
                zh.CARD_WARNINGS.format(level=zh.LEVEL[level]),
                f"{at.height} {zh.CARD_PROJECTS}",
                [html.escape(note)],
                color=zh.LEVEL_COLOR[level],
            )
        )
    return cards


def kpi_cards(
    area_month: pl.DataFrame,
    month: str | None,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    settings: Settings,
    missing_sources: Sequence[str] = (),
) -> str:
    """The headline numbers with 环比 (last month), 同比 (same month last year) and the months to the target.

    A null city value whose source was never delivered by as_of (night_steps.missing_sources) is shown as 数据未报送,
    another null as 无数据, never as 0 or a blank; one more card names the sources not delivered.
    """
    goals = targets(settings)
    city = area_month.filter(pl.col("area_code") == CITY)
    not_delivered = set(undelivered_indicators(missing_sources))
    measures = [(c, goals[c], True) for c in (*GUOKAO, "case_closure_rate")]
    measures.append(("open_cases", Target(float(settings.indicators.target_open_cases), "<="), False))
    cards = [
        _measure_card(column, goal, higher, city, month, not_delivered, settings)
        for column, goal, higher in measures
    ]
    if missing_sources:
        names = "、".join(zh.ENTITY.get(e, e) for e in missing_sources)
        cards.append(
            _card(
                zh.CARD_MISSING_SOURCES,
                zh.NOT_DELIVERED,
                [html.escape(zh.CARD_NOT_DELIVERED_NOTE.format(sources=names))],
                "bad",
            )
        )
    cards += _warning_cards(lines)
    blocking = (
        findings.filter(pl.col("severity") == "blocking")["check_id"].n_unique() if findings.height else 0
    )
    cards.append(
        _card(zh.CARD_BLOCKING, f"{blocking} {zh.CARD_ITEMS}", [html.escape(zh.CARD_BLOCKING_NOTE)],
              "bad" if blocking else "ok")
    )  # fmt: skip
    return "<div class='cards'>" + "".join(cards) + "</div>"


# ── the meeting agenda: the 1-2-3 ladders of districts and firms, most severe first ─────────────────────────


@dataclass(frozen=True)
class AgendaItem:
    """One line of the meeting's agenda: the step reached, who, and why."""

    level: int  # ladder step: 3 问责/黑榜, 2 约谈/更换项目经理, 1 通报/约谈
    action: str
    document: str
    kind: str  # 区县 / 企业
    who: str
    why: str
    months: int  # longest run behind this item

    @property
    def sort_key(self) -> tuple:
        return (-self.level, self.kind != zh.AGENDA_KIND_AREA, -self.months, self.who)


def agenda(
    ranking: pl.DataFrame | None,
    firm_ladder: pl.DataFrame,
    month: str | None,
    names: Mapping[str, str],
    corp_names: Mapping[str, str],
    settings: Settings,
) -> list[AgendaItem]:
    """This month's ladder items as an agenda: one item per district and step (its indicators as the reasons),
    one per firm on the complaint list; 问责 before 约谈 before 通报, districts before firms, longest run first."""
    items: list[AgendaItem] = []
    bottom_n = settings.indicators.ranking_bottom_n
    rows = flagged(ranking, month)
    if rows.height:
        for (code, level), group in rows.group_by("area_code", "ladder_level", maintain_order=True):
            reasons = [
                (
                    zh.AGENDA_AREA_REASON
                    if r["consecutive_bottom_months"] > 1
                    else zh.AGENDA_AREA_REASON_FIRST
                ).format(
                    name=zh.INDICATOR.get(r["indicator"], r["indicator"]),
                    value=fmt(r["indicator"], r["value"]),
                    months=r["consecutive_bottom_months"],
                    bottom_n=bottom_n,
                )
                for r in group.iter_rows(named=True)
            ]
            first = group.row(0, named=True)
            items.append(
                AgendaItem(
                    level=int(level),
                    action=first["ladder_label_zh"],
                    document=first["ladder_letter_zh"],
                    kind=zh.AGENDA_KIND_AREA,
                    who=area_label(code, names),
                    why=zh.LIST_SEPARATOR.join(reasons),
                    months=int(group.select(pl.col("consecutive_bottom_months").max()).item()),
                )
            )
    if month and firm_ladder.height:
        for r in firm_ladder.filter(pl.col("month") == month).iter_rows(named=True):
            items.append(
                AgendaItem(
                    level=int(r["ladder_level"]),
                    action=r["ladder_label_zh"],
                    document=zh.AGENDA_FIRM_DOCUMENT,
                    kind=zh.AGENDA_KIND_FIRM,
                    who=corp_names.get(r["corp_code"], r["corp_code"]),
                    why=(
                        zh.AGENDA_FIRM_REASON if r["consecutive_months"] > 1 else zh.AGENDA_FIRM_REASON_FIRST
                    ).format(
                        n=r["n_complaints"],
                        rank=r["complaint_rank"],
                        projects=r["n_projects"],
                        months=r["consecutive_months"],
                        top_n=settings.indicators.firm_complaint_top_n,
                    ),
                    months=int(r["consecutive_months"]),
                )
            )
    return sorted(items, key=lambda i: i.sort_key)


def agenda_section(items: Sequence[AgendaItem]) -> Section:
    """The agenda as a numbered table, with its counts as the finding."""
    if not items:
        return Section("agenda", zh.SECTION["agenda"], finding=zh.AGENDA_NONE)
    area = [i for i in items if i.kind == zh.AGENDA_KIND_AREA]
    by_action = {a: sum(1 for i in area if i.level == lv) for lv, a in ((3, "l3"), (2, "l2"), (1, "l1"))}
    firms = [i for i in items if i.kind == zh.AGENDA_KIND_FIRM]
    finding = zh.AGENDA.format(n=len(items), **by_action, firms=len(firms))
    if items:
        finding += zh.AGENDA_FIRST.format(action=items[0].action, who=items[0].who)
    entries = []
    for i in items:
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in i.why.split(zh.LIST_SEPARATOR))
        entries.append(
            f"<li class='item ladder{i.level}'><div class='head'>"
            f"<span class='act'>{html.escape(zh.LADDER_MARK[i.level] + i.action)}</span>"
            f"<span class='who'>{html.escape(i.who)}</span>"
            f"<span class='kind'>{html.escape(zh.AGENDA_KIND_LINE.format(kind=i.kind, document=i.document))}</span>"
            f"</div><ul class='why'>{reasons}</ul></li>"
        )
    table = f"<ol class='agenda'>{''.join(entries)}</ol>"  # a list, not a table: it reads on a phone too
    return Section("agenda", zh.SECTION["agenda"], table=table, finding=finding)


# ── the firm view ───────────────────────────────────────────────────────────────────────────────────────────


def corp_names(lines: pl.DataFrame, firms: FirmInputs) -> dict[str, str]:
    """corp_code → the firm's name, from the warning lines, the 参建单位 roster and the credit records."""
    names: dict[str, str] = {}
    for f, code, name in (
        (firms.credit, "corp_code", "corp_name"),
        (firms.corps, "corp_code", "corp_name"),
        (lines, "build_corp_code", "build_corp_name"),
        (lines, "contractor_corp_code", "contractor_corp_name"),
    ):
        if f.height and {code, name} <= set(f.columns):
            names |= {c: n for c, n in f.select(code, name).drop_nulls().unique(code).iter_rows() if n}
    return names


_FIRM_LINES_SCHEMA = pl.Schema({"corp_code": pl.Utf8, "role": pl.Utf8, "red": pl.Int64, "orange": pl.Int64,
                                "rectification": pl.Int64})  # fmt: skip


def _firm_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Per firm and role (总包, 建设单位): its red and orange lines and its 整改 items."""
    if lines.height == 0:
        return pl.DataFrame(schema=_FIRM_LINES_SCHEMA)
    rect = (
        pl.col("list").eq("rectification").cast(pl.Int64)
        # triage.md's 整改清单 lines when the frame carries them (else the rules on the lines it has)
        if "list" in lines.columns and bool(lines["list"].eq("rectification").any())
        else pl.col("rules").list.eval(pl.element().is_in(RECTIFICATION_RULES)).list.sum()
    )
    parts = [
        lines.filter(pl.col(code).is_not_null())
        .group_by(pl.col(code).alias("corp_code"))
        .agg(
            pl.lit(role).alias("role"),
            (pl.col("level") == "red").sum().alias("red"),
            (pl.col("level") == "orange").sum().alias("orange"),
            rect.fill_null(0).sum().alias("rectification"),
        )
        for role, code in (("contractor", "contractor_corp_code"), ("build", "build_corp_code"))
    ]
    return pl.concat([p.cast(_FIRM_LINES_SCHEMA) for p in parts])


def _firm_roles(firms: FirmInputs) -> pl.DataFrame:
    """corp_code → role from the 参建单位 roster (one role per firm: contractor before build)."""
    if not firms.corps.height:
        return pl.DataFrame(schema={"corp_code": pl.Utf8, "role": pl.Utf8})
    return (
        firms.corps.filter(pl.col("corp_type").is_in(list(FIRM_ROLES)))
        .with_columns(role=pl.col("corp_type").replace_strict(FIRM_ROLES))
        .select("corp_code", "role")
        .unique()
        .sort("corp_code", "role")
        .unique("corp_code", keep="first")
    )


def _firm_open_cases(firms: FirmInputs, as_of: date) -> pl.DataFrame:
    """Per firm: complaint cases received by as_of and not closed by then."""
    if not firms.cases.height:
        return pl.DataFrame(schema={"corp_code": pl.Utf8, "open_cases": pl.Int64})
    return (
        firms.cases.filter(
            pl.col("corp_code").is_not_null()
            & (pl.col("received_date") <= as_of)
            & (pl.col("closed_date").is_null() | (pl.col("closed_date") > as_of))
        )
        .group_by("corp_code")
        .agg(pl.len().cast(pl.Int64).alias("open_cases"))
    )


def _firm_credit(firms: FirmInputs, as_of: date, settings: Settings) -> pl.DataFrame:
    """Per firm: credit records in R13's lookback years up to as_of."""
    if not firms.credit.height:
        return pl.DataFrame(schema={"corp_code": pl.Utf8, "credit_events": pl.Int64})
    since = date(as_of.year - settings.rules.r13_lookback_years, as_of.month, min(as_of.day, 28))
    return (
        firms.credit.filter(pl.col("event_date").is_between(since, as_of))
        .group_by("corp_code")
        .agg(pl.len().cast(pl.Int64).alias("credit_events"))
    )


def _firm_ladder(firms: FirmInputs, month: str | None) -> pl.DataFrame:
    """Per firm: its complaint-ladder step in `month` and for how many months running."""
    if not (firms.ladder.height and month):
        return pl.DataFrame(
            schema={"corp_code": pl.Utf8, "ladder_level": pl.Int64, "ladder_label_zh": pl.Utf8,
                    "consecutive_months": pl.Int64}
        )  # fmt: skip
    return firms.ladder.filter(pl.col("month") == month).select(
        "corp_code", pl.col("ladder_level").cast(pl.Int64), "ladder_label_zh", "consecutive_months"
    )


def firm_table(
    lines: pl.DataFrame, firms: FirmInputs, month: str | None, as_of: date, settings: Settings
) -> pl.DataFrame:
    """One row per firm (总包 or 建设单位) with red/orange lines, open cases, 整改 items, credit records and its
    complaint-ladder step, the most severe first."""
    names = corp_names(lines, firms)
    on_lines = _firm_lines(lines)
    open_cases = _firm_open_cases(firms, as_of)
    credit = _firm_credit(firms, as_of, settings)
    ladder = _firm_ladder(firms, month)
    # firms with no line but a case, a credit record or a ladder step, in their roster role
    others = pl.concat(
        [f.select("corp_code") for f in (open_cases, credit, ladder)], how="vertical_relaxed"
    ).unique()
    extra = others.join(on_lines.select("corp_code").unique(), on="corp_code", how="anti").join(
        _firm_roles(firms), on="corp_code", how="left"
    )
    table = (
        pl.concat([on_lines, extra.with_columns(red=pl.lit(0), orange=pl.lit(0), rectification=pl.lit(0))],
                  how="diagonal_relaxed")
        .filter(pl.col("role").is_in(list(FIRM_ROLES.values())))
        .join(open_cases, on="corp_code", how="left")
        .join(credit, on="corp_code", how="left")
        .join(ladder, on="corp_code", how="left")
        .with_columns(
            pl.col("open_cases", "credit_events", "ladder_level").fill_null(0),
            name=pl.col("corp_code").replace_strict(names, default=pl.col("corp_code")),
        )
    )  # fmt: skip
    table = table.filter(
        (pl.col("red") + pl.col("orange") + pl.col("open_cases") + pl.col("rectification")
         + pl.col("credit_events") + pl.col("ladder_level")) > 0
    )  # fmt: skip
    return table.sort(
        ["red", "orange", "ladder_level", "open_cases", "rectification", "credit_events", "name", "role"],
        descending=[True, True, True, True, True, True, False, False],
    )


def firm_section(table: pl.DataFrame, settings: Settings) -> Section:
    """The firms to talk to: a table of the most severe firms with the finding above it."""
    if table.height == 0:
        return Section("firms", zh.SECTION["firms"], finding=zh.FIRMS_NONE)
    shown = table.head(settings.indicators.dashboard_firms_shown)
    top = shown.row(0, named=True)
    listed = table.filter((pl.col("red") + pl.col("orange")) > 0).height
    finding = zh.FIRMS.format(
        n=listed, name=top["name"], role=zh.FIRM_ROLE[top["role"]], red=top["red"], orange=top["orange"],
        cases=top["open_cases"], shown=shown.height, total=table.height,
    )  # fmt: skip
    head = "".join(f"<th>{html.escape(h)}</th>" for h in zh.FIRM_COLUMNS)
    body = []
    for n, r in enumerate(shown.iter_rows(named=True), start=1):
        cell = zh.FIRM_LADDER_CELL if (r["consecutive_months"] or 0) > 1 else zh.FIRM_LADDER_CELL_FIRST
        step = (
            cell.format(
                mark=zh.LADDER_MARK[r["ladder_level"]],
                action=r["ladder_label_zh"],
                months=r["consecutive_months"],
            )
            if r["ladder_level"]
            else ""
        )
        cells = [
            str(n), r["name"], zh.FIRM_ROLE[r["role"]], str(r["red"] or ""), str(r["orange"] or ""),
            str(r["open_cases"] or ""), str(r["rectification"] or ""), str(r["credit_events"] or ""), step,
        ]  # fmt: skip
        body.append(
            "<tr>"
            + "".join(
                f"<td class='{cls}'>{html.escape(c)}</td>"
                for cls, c in zip(zh.FIRM_COLUMN_CLASSES, cells, strict=True)
            )
            + "</tr>"
        )
    note = zh.FIRMS_NOTE.format(
        rules="、".join(RECTIFICATION_RULES), years=settings.rules.r13_lookback_years,
        top_n=settings.indicators.firm_complaint_top_n,
    )  # fmt: skip
    table_html = (
        f"<div class='scroll'><table class='grid firms'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div><p class='note'>{html.escape(note)}</p>"
    )
    return Section("firms", zh.SECTION["firms"], table=table_html, finding=finding)


def disposition_section(
    disposition: pl.DataFrame | None, names: Mapping[str, str], month: str | None
) -> Section | None:
    """The closed loop (triage.md): lines checked, found true, put right, overdue — per district and month.

    `disposition_area_month` summed per district over every month of the lines' opening (reports/closed_loop.py);
    None (no section) before the first 核查清单. `month` is unused: a line opened last month is still being checked.
    """
    from pipelines.reports.closed_loop import closed_loop_html

    del month
    if disposition is None or disposition.height == 0:
        return None
    finding, grid = closed_loop_html(disposition, names)
    return Section("disposition", zh.SECTION["disposition"], table=grid, finding=finding)


def build_dashboard(inputs: DashboardInputs) -> Dashboard:
    """Every chart, card and table of the dashboard from the run's frames (nothing is written)."""
    with white_template():
        return _build_dashboard(inputs)


def _build_dashboard(inputs: DashboardInputs) -> Dashboard:
    settings, as_of, ranking = inputs.settings, inputs.as_of, inputs.ranking
    names = area_names(inputs.areas)
    goals = targets(settings)
    firms = inputs.firms or FirmInputs()
    bottom_n = settings.indicators.ranking_bottom_n
    area_month = _with_columns(inputs.area_month)
    lines = conform(inputs.lines, WARNING_SCHEMA)
    findings = current_findings(inputs.findings, as_of)
    month = report_month(area_month, as_of)
    month_rows = area_month.filter(pl.col("month") == month) if month else area_month.clear()
    previous = area_month.filter(pl.col("month") == shift_month(month, -1)) if month else area_month.clear()
    districts = [c for c in area_month["area_code"].unique().to_list() if c in names]
    city = city_name(inputs.areas, districts) or zh.CITY
    loop = disposition_section(inputs.disposition, names, month)
    sections = (
        agenda_section(agenda(ranking, firms.ladder, month, names, corp_names(lines, firms), settings)),
        firm_section(firm_table(lines, firms, month, as_of, settings), settings),
        *((loop,) if loop else ()),
        Section(
            "guokao",
            zh.SECTION["guokao"],
            tuple(guokao_districts(month_rows, i, goals[i], names, previous) for i in GUOKAO),
        ),
        Section(
            "trends",
            zh.SECTION["trends"],
            tuple(guokao_trend(area_month, i, goals[i], names, month) for i in GUOKAO) if month else (),
        ),
        Section("ranking", zh.SECTION["ranking"], (ranking_heatmap(ranking, month, names, bottom_n),)),
        Section("compliance", zh.SECTION["compliance"], (compliance_heatmap(month_rows, names),)),
        Section(
            "cases",
            zh.SECTION["cases"],
            (cases_chart(month_rows, names, goals["case_closure_rate"], previous),),
        ),
        Section("warnings", zh.SECTION["warnings"], (warnings_by_district(lines, names), rules_chart(lines))),
        Section("quality", zh.SECTION["quality"], (quality_chart(findings),)),
    )
    sections = tuple(
        Section(s.key, f"{zh.NUMERALS[i]}、{s.heading}", s.charts, s.table, s.finding)
        for i, s in enumerate(sections)
    )
    shown_targets = "、".join(
        f"{zh.INDICATOR[c]}{fmt_target(c, goals[c])}" for c in (*GUOKAO, "case_closure_rate")
    )
    generated = inputs.generated or date.today()
    return Dashboard(
        title=zh.DASHBOARD_TITLE.format(city=city),
        subtitle=zh.DASHBOARD_SUBTITLE.format(
            as_of=as_of.isoformat(),
            month=month or zh.NO_DATA,
            month_note=zh.MONTH_NOTE_COMPLETE if month and month != f"{as_of:%Y-%m}" else "",
        ),
        cards=kpi_cards(area_month, month, lines, findings, settings, inputs.missing_sources),
        sections=sections,
        footer=zh.DASHBOARD_FOOTER.format(targets=shown_targets, bottom_n=bottom_n),
        caption=zh.IMAGE_CAPTION.format(
            city=city, month=month or zh.NO_DATA, as_of=as_of.isoformat(), generated=generated.isoformat()
        ),
    )


CSS = f"""
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT}; margin: 0 auto; max-width: 1680px; padding: 24px 40px; color: #222; background: #F4F5F7; font-size: 18px;
  overflow-wrap: anywhere; }}
header {{ display: flex; flex-wrap: wrap; align-items: flex-start; justify-content: space-between; gap: 12px; }}
h1 {{ font-size: 34px; margin: 0 0 6px; }}
h2 {{ font-size: 26px; margin: 6px 0 10px; border-left: 8px solid #2F75B5; padding-left: 12px; }}
h3.finding {{ font-size: 21px; margin: 14px 0 4px; color: #111; line-height: 1.4; }}
.sub {{ color: #555; margin-bottom: 20px; }}
.print {{ font: inherit; font-size: 17px; padding: 6px 16px; border: 2px solid #2F75B5; border-radius: 8px;
  background: #fff; color: #2F75B5; cursor: pointer; white-space: nowrap; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 14px; }}
.card {{ background: #fff; border: 3px solid #2F75B5; border-radius: 10px; padding: 12px 16px; min-width: 0; }}
.card.ok {{ border-color: #2E7D32; }} .card.bad {{ border-color: #C00000; }} .card.missing {{ border-color: #999; }}
.card.missing .v {{ font-size: 26px; color: #777; }}
.card .k {{ font-size: 18px; color: #444; }} .card .v {{ font-size: 36px; font-weight: bold; }}
.card .t {{ font-size: 15px; color: #555; margin-top: 2px; }}
.chg {{ white-space: nowrap; margin-right: 8px; }} .chg.good {{ color: #2E7D32; }} .chg.worse {{ color: #C00000; }}
section {{ background: #fff; border-radius: 10px; padding: 14px 20px 20px; margin-top: 22px; }}
.chart {{ margin-bottom: 18px; }}
.scroll {{ overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }}
table.grid {{ border-collapse: collapse; font-size: 17px; margin-top: 8px; }}
table.grid th, table.grid td {{ border: 1px solid #CCC; padding: 6px 12px; }}
table.grid th {{ background: #D9E1F2; white-space: nowrap; }}
table.grid td {{ vertical-align: top; }}
ol.agenda {{ margin: 8px 0 0; padding-left: 2.2em; }}
ol.agenda > li {{ margin: 0 0 10px; padding: 6px 10px; border-left: 6px solid #CCC; background: #FAFAFA; }}
ol.agenda > li::marker {{ font-weight: bold; }}
ol.agenda .head {{ display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; }}
ol.agenda .act {{ font-weight: bold; padding: 1px 8px; border-radius: 4px; white-space: nowrap; }}
ol.agenda .who {{ font-weight: bold; font-size: 19px; }} ol.agenda .kind {{ color: #666; font-size: 15px; }}
ol.agenda ul.why {{ margin: 4px 0 0; padding-left: 1.2em; }}
li.ladder3 {{ border-left-color: #C00000 !important; }} li.ladder3 .act {{ background: #E06666; color: #fff; }}
li.ladder2 {{ border-left-color: #ED7D31 !important; }} li.ladder2 .act {{ background: #F4B183; }}
li.ladder1 {{ border-left-color: #D4A300 !important; }} li.ladder1 .act {{ background: #FFE699; }}
table.firms td.name {{ white-space: nowrap; font-weight: bold; }} table.firms td.n {{ text-align: right; }}
table.firms td.step, table.firms td.role {{ white-space: nowrap; }}
.note {{ color: #666; font-size: 15px; }}
footer {{ color: #666; font-size: 15px; margin: 24px 0; }}
@media (max-width: 700px) {{
  body {{ padding: 10px 10px; font-size: 16px; }}
  h1 {{ font-size: 24px; }} h2 {{ font-size: 20px; }} h3.finding {{ font-size: 17px; }}
  .cards {{ grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }}
  .card {{ padding: 8px 10px; }} .card .v {{ font-size: 26px; }} .card .k {{ font-size: 15px; }}
  .card .t {{ font-size: 13px; }}
  section {{ padding: 10px 10px 14px; }}
  table.grid {{ font-size: 15px; }}
}}
@media print {{
  body {{ background: #fff; padding: 0; font-size: 14px; }}
  .print, .modebar-container {{ display: none !important; }}
  section {{ break-inside: auto; padding: 0; margin-top: 12px; }}
  .chart, .card, tr {{ break-inside: avoid; }}
  .scroll {{ overflow: visible; }}
  table.grid {{ font-size: 12px; width: 100%; }}
  table.grid th, table.grid td {{ padding: 3px 5px; white-space: normal !important; }}
  .chart .inner {{ min-width: 0 !important; }}
}}
"""

PRINT_SCRIPT = (
    "window.addEventListener('beforeprint',function(){document.querySelectorAll('.js-plotly-plot')"
    ".forEach(function(g){Plotly.Plots.resize(g);});});"
)


@cache
def locale_script() -> str:
    """The vendored zh-CN locale (a CommonJS module) registered with Plotly, for inlining after plotly.js."""
    source = LOCALE_FILE.read_text(encoding="utf-8")
    return f"(function(){{var module={{exports:{{}}}};{source}\nPlotly.register(module.exports);}})();"


def _chart_html(chart: Chart) -> str:
    figure = for_page(chart.figure)
    inner = pio.to_html(
        figure,
        validate=False,  # a validated figure's dict (for_page)
        full_html=False,
        include_plotlyjs=False,
        config=PLOTLY_CONFIG,
        div_id=f"fig-{chart.key}",  # stable ids: the same data gives the same file
        default_height=f"{figure['layout'].get('height') or 520}px",
        default_width="100%",
    )
    heading = f"<h3 class='finding'>{html.escape(chart.finding)}</h3>"
    if chart.min_width:
        return (
            f"<div class='chart'>{heading}<div class='scroll'>"
            f"<div class='inner' style='min-width:{chart.min_width}px'>{inner}</div></div></div>"
        )
    return f"<div class='chart'>{heading}{inner}</div>"


def render_html(dashboard: Dashboard) -> str:
    """The page as one string: plotly.js and its zh-CN locale inlined once in the head, no external resource."""
    parts = []
    for section in dashboard.sections:
        finding = f"<h3 class='finding'>{html.escape(section.finding)}</h3>" if section.finding else ""
        parts.append(
            f"<section id='{section.key}'><h2>{html.escape(section.heading)}</h2>"
            + finding
            + "".join(_chart_html(c) for c in section.charts)
            + section.table
            + "</section>"
        )
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(dashboard.title)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        f"<script>{locale_script()}</script><script>{PRINT_SCRIPT}</script></head><body>"
        f"<header><div><h1>{html.escape(dashboard.title)}</h1>"
        f"<div class='sub'>{html.escape(dashboard.subtitle)}</div></div>"
        f"<button class='print' type='button' onclick='window.print()' title='{zh.PRINT_HINT}'>"
        f"{zh.PRINT_BUTTON}</button></header>"
        + dashboard.cards
        + "".join(parts)
        + f"<footer>{html.escape(dashboard.footer)}<br>{html.escape(dashboard.caption)}</footer>"
        + "</body></html>"
    )


def find_browser(browser: Path | str | None = None) -> str | None:
    """The Chrome/Chromium kaleido drives: the one given, else BROWSER_PATH, else one on the PATH."""
    for candidate in (browser, os.environ.get("BROWSER_PATH"), *(shutil.which(b) for b in BROWSERS)):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def export_static(
    figures: Mapping[str, Figurish],
    folder: Path,
    formats: Sequence[str] = ("png",),
    *,
    width: int = 1600,
    browser: Path | str | None = None,
    timeout: float = 90.0,
) -> list[Path]:
    """Each figure as `<stem>.<format>` (png/pdf/svg) in one kaleido batch on the system Chromium, offline.

    MathJax is switched off (kaleido would fetch it from a CDN) and plotly.js comes from the installed package.
    Without a browser, or when kaleido fails, logs a warning and returns no paths: the HTML is the product.
    """
    if not figures or not formats:
        return []
    images = ImageExport(formats, width=width, browser=browser, timeout=timeout)
    images.render(figures, folder)
    return images.result()


def _kaleido() -> Any:
    """The kaleido module, or None when it is not installed."""
    try:
        import kaleido
    except ImportError:
        return None
    return kaleido


def _one_page(kaleido: Any) -> Any:
    """kaleido's browser keeping its page between figures. kaleido reloads the page after every figure (plotly.js
    parsed again each time, ≈ 40 % of the browser's work for the 通报图); the figures render to the same bytes
    without the reloads (docs/decisions.md "Reports, third round"; tests/reports/test_dashboard.py)."""

    class OnePage(kaleido.Kaleido):  # type: ignore[misc,name-defined]
        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    return OnePage


class ImageExport:
    """`export_static` with the browser started ahead: Chromium (kaleido) starts in a thread when this is made and
    waits, while the caller reads its inputs and builds the figures; `render` hands them over, `result` waits for
    the files (and ends the thread, rendering nothing if `render` was never called). Starting the browser is about
    half of the export's time (docs/decisions.md "Reports and overhead, second round").

    A watchdog: `result` waits `timeout` seconds at most (kaleido's own timeout covers one figure, not the browser's
    start or end: an export once hung for minutes); then it logs an error, cancels the export (the browser closes)
    and returns no paths, so the night keeps and publishes every other output. The thread is a daemon: a browser
    stuck beyond cancelling cannot hold the process at exit."""

    def __init__(
        self,
        formats: Sequence[str] = ("png",),
        *,
        width: int = 1600,
        browser: Path | str | None = None,
        timeout: float = 90.0,
    ) -> None:
        self.formats = tuple(formats)
        self._width = width
        self._timeout = timeout
        self._figures: Future[tuple[Mapping[str, Figurish], Path]] = Future()
        self._written: Future[list[Path]] = Future()
        self._outcome: list[Path] | None = None
        self._task: tuple[asyncio.AbstractEventLoop, asyncio.Task[list[Path]]] | None = None
        chromium = find_browser(browser) if self.formats else None
        self._thread = threading.Thread(
            target=self._work, args=(chromium,), name="static-export", daemon=True
        )
        self._thread.start()

    def render(self, figures: Mapping[str, Figurish], folder: Path) -> None:
        """The figures to write into `folder` (the first call counts)."""
        if not self._figures.done():
            self._figures.set_result((figures, folder))

    def result(self) -> list[Path]:
        """The files written; logs its own failures (and a hang past `timeout`) and returns no paths then."""
        self.render({}, Path())
        if self._outcome is None:
            try:
                self._outcome = self._written.result(timeout=self._timeout)
            except FutureTimeout:
                log.error(
                    "%s not written: the browser did not finish within %g s; the export was cancelled "
                    "(the dashboard and the lists are unaffected)",
                    zh.STATIC_FOLDER,
                    self._timeout,
                )
                if self._task is not None:
                    loop, task = self._task
                    with contextlib.suppress(
                        RuntimeError
                    ):  # the loop closed meanwhile: nothing left to cancel
                        loop.call_soon_threadsafe(task.cancel)
                self._outcome = []
            self._thread.join(timeout=5.0)
        return self._outcome

    def _work(self, chromium: str | None) -> None:
        try:
            self._written.set_result(self._run(chromium))
        except BaseException as exc:
            self._written.set_exception(exc)

    def _run(self, chromium: str | None) -> list[Path]:
        kaleido = _kaleido() if chromium is not None else None
        if chromium is None or kaleido is None:
            figures, _ = self._figures.result()
            if figures and self.formats:
                log.warning(
                    "%s skipped: no Chrome/Chromium found (Debian: apt-get install chromium fonts-noto-cjk)"
                    if chromium is None
                    else "%s skipped: kaleido is not installed",
                    zh.STATIC_FOLDER,
                )
            return []
        return asyncio.run(self._main(kaleido, chromium))

    async def _main(self, kaleido: Any, chromium: str) -> list[Path]:
        task = asyncio.ensure_future(self._render(kaleido, chromium))
        self._task = (asyncio.get_running_loop(), task)
        try:
            return await task
        except asyncio.CancelledError:
            return []

    async def _render(self, kaleido: Any, chromium: str) -> list[Path]:
        jobs: list[dict[str, Any]] = []
        try:
            async with _one_page(kaleido)(mathjax=False, path=chromium, timeout=self._timeout) as browser:
                figures, folder = await asyncio.wrap_future(self._figures)
                if not figures:
                    return []
                folder.mkdir(parents=True, exist_ok=True)
                jobs = [
                    {
                        "fig": fig,
                        "path": str(folder / f"{stem}.{kind}"),
                        "opts": {
                            "format": kind,
                            "width": self._width,
                            "height": int(_layout(fig).get("height") or 520),
                            "scale": 1,
                        },
                    }
                    for stem, fig in figures.items()
                    for kind in self.formats
                ]
                await browser.write_fig_from_object(jobs)
        except Exception as exc:  # a convenience export must not fail the run
            log.warning("%s skipped: kaleido could not render with %s: %s", zh.STATIC_FOLDER, chromium, exc)
            return []
        written = [Path(j["path"]) for j in jobs if Path(j["path"]).is_file()]
        if len(written) < len(jobs):
            log.warning("%s: %d of %d images written", zh.STATIC_FOLDER, len(written), len(jobs))
        return written


def _layout(fig: Figurish) -> Mapping[str, Any]:
    """A figure's layout as plotly's dict (a Figure's or its dict's)."""
    return fig["layout"] if isinstance(fig, Mapping) else fig.layout.to_plotly_json()


def write_dashboard(inputs: DashboardInputs, path: Path, *, static_formats: Sequence[str] = ("png",)) -> Path:
    """Write the dashboard HTML, and the key charts as images in 通报图/ beside it (skipped with a warning)."""
    with dashboard_written(inputs, path, static_formats=static_formats) as written:
        return written


@contextlib.contextmanager
def dashboard_written(
    inputs: DashboardInputs,
    path: Path,
    *,
    static_formats: Sequence[str] = ("png",),
    images: ImageExport | None = None,
) -> Iterator[Path]:
    """`write_dashboard` whose image export runs while the `with` block runs: the HTML is written on entering, the
    images (通报图/) are rendered by Chromium in a thread meanwhile and are all written when the block ends, even when
    the block raises. The caller's own work (the Excel lists) overlaps the browser's (docs/decisions.md
    "The tail of a night"). `images`: an export whose browser the caller started earlier (it is ended here);
    without it, one starts now, while the dashboard is built."""
    images = images or ImageExport(static_formats)
    try:
        with _written(inputs, path, images) as written:
            yield written
    finally:
        images.result()  # ImageExport logs its own failures and returns no paths


@contextlib.contextmanager
def _written(inputs: DashboardInputs, path: Path, images: ImageExport) -> Iterator[Path]:
    dashboard = build_dashboard(inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    images.render(dashboard.static_figures() if images.formats else {}, path.parent / zh.STATIC_FOLDER)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_html(dashboard), encoding="utf-8")
    tmp.replace(path)
    yield path
