"""Leaders' KPI dashboard: one self-contained HTML file per run, plus PNG/PDF of the key charts for the 通报.

plotly.js is inlined exactly once (in the first figure), nothing is loaded from a network, so the file opens from
disk on an intranet. `build_dashboard` and `render_html` are pure; `write_dashboard` and `export_static` write.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from pipelines.delivery import undelivered_indicators
from pipelines.reports import labels_zh as zh
from pipelines.reports.figures import (
    CITY,
    COMPLIANCE,
    FONT,
    GUOKAO,
    Chart,
    cases_chart,
    compliance_heatmap,
    flagged,
    fmt,
    fmt_target,
    guokao_districts,
    guokao_trend,
    quality_chart,
    ranking_heatmap,
    report_month,
    rules_chart,
    targets,
    warnings_by_district,
)
from pipelines.reports.warning_list import (
    area_label,
    area_names,
    city_name,
    conform,
    current_findings,
)
from pipelines.settings import Settings
from pipelines.warnings.schema import LEVELS, WARNING_SCHEMA

log = logging.getLogger(__name__)

STATIC_KEYS = (*GUOKAO, "ranking", "compliance", "cases", "warnings")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
CASE_COLUMNS = (
    "n_cases_received_ytd",
    "case_closure_rate",
    "open_cases",
    "open_cases_over_30d",
    "days_to_close",
)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class Section:
    """One block of the page: its heading, its charts in order, and an optional HTML table after them."""

    key: str
    heading: str
    charts: tuple[Chart, ...]
    table: str = ""


@dataclass(frozen=True)
class Dashboard:
    """Everything the page shows, before it becomes HTML."""

    title: str
    subtitle: str
    cards: str
    sections: tuple[Section, ...]
    footer: str

    @property
    def charts(self) -> list[Chart]:
        """Every chart in page order."""
        return [c for s in self.sections for c in s.charts]

    def static_figures(self) -> dict[str, go.Figure]:
        """The 通报's key charts, keyed by the file stem they export to (`01_实名制更新率`)."""
        by_key = {c.key: c for c in self.charts}
        keys = [k for k in STATIC_KEYS if k in by_key]
        return {f"{i:02d}_{by_key[k].name}": by_key[k].figure for i, k in enumerate(keys, start=1)}


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


def kpi_cards(
    month_rows: pl.DataFrame,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    settings: Settings,
    missing_sources: Sequence[str] = (),
) -> str:
    """The headline numbers: the city's 国考 values and cases against target, warnings and blocking problems.

    An indicator whose source was never delivered reads 数据未报送 (not 无数据, not 0 %), and one card names the
    sources that were not delivered.
    """
    goals = targets(settings)
    city = month_rows.filter(pl.col("area_code") == CITY)
    not_delivered = set(undelivered_indicators(missing_sources))

    def value(column: str) -> float | None:
        return city[column][0] if city.height else None

    def card(label: str, shown: str, note: str, state: str = "", color: str = "") -> str:
        style = f" style='border-color:{color};color:{color}'" if color else ""
        return (
            f"<div class='card {state}'{style}><div class='k'>{html.escape(label)}</div>"
            f"<div class='v'>{html.escape(shown)}</div><div class='t'>{html.escape(note)}</div></div>"
        )

    cards = []
    for column in (*GUOKAO, "case_closure_rate"):
        v, goal = value(column), goals[column]
        met = goal.met(v)
        note = f"{zh.CARD_TARGET.format(target=fmt_target(column, goal))} · {zh.MET if met else zh.NOT_MET}"
        label = zh.CARD_CLOSURE if column == "case_closure_rate" else zh.INDICATOR[column]
        if v is None and column in not_delivered:
            cards.append(
                card(label, zh.NOT_DELIVERED, zh.CARD_TARGET.format(target=fmt_target(column, goal)))
            )
        else:
            cards.append(card(label, fmt(column, v), note, "ok" if met else "bad"))
    open_cases, over = value("open_cases"), value("open_cases_over_30d")
    if open_cases is None and "open_cases" in not_delivered:
        cards.append(card(zh.CARD_OPEN_CASES, zh.NOT_DELIVERED, ""))
    else:
        cards.append(
            card(
                zh.CARD_OPEN_CASES,
                fmt("open_cases", open_cases or 0),
                zh.CARD_OVERDUE.format(n=int(over or 0)),
                "ok" if not open_cases else "bad",
            )
        )
    if missing_sources:
        names = "、".join(zh.ENTITY.get(e, e) for e in missing_sources)
        cards.append(
            card(
                zh.CARD_NOT_DELIVERED,
                zh.NOT_DELIVERED,
                zh.CARD_NOT_DELIVERED_NOTE.format(sources=names),
                "bad",
            )
        )
    for level in LEVELS:
        n = lines.filter(pl.col("level") == level).height
        cards.append(
            card(
                zh.CARD_WARNINGS.format(level=zh.LEVEL[level]),
                str(n),
                zh.CARD_PROJECTS,
                color=zh.LEVEL_COLOR[level],
            )
        )
    blocking = findings.filter(pl.col("severity") == "blocking")["check_id"].n_unique()
    cards.append(card(zh.CARD_BLOCKING, str(blocking), zh.CARD_ITEMS, "bad" if blocking else "ok"))
    return "<div class='cards'>" + "".join(cards) + "</div>"


def ranking_table(ranking: pl.DataFrame | None, month: str | None, names: Mapping[str, str]) -> str:
    """One row per flagged district: its indicators at each ladder step (问责, 约谈, 通报), worst district first."""
    rows = flagged(ranking, month)
    if rows.height == 0:
        return ""
    steps = (
        rows.group_by("ladder_level")
        .agg(pl.col("ladder_label_zh").first(), pl.col("ladder_letter_zh").first())
        .sort("ladder_level", descending=True)
    )
    head = f"<th>{html.escape(zh.RANKING_TABLE_AREA)}</th>" + "".join(
        f"<th class='ladder{level}'>"
        + html.escape(zh.RANKING_TABLE_LEVEL.format(mark=zh.LADDER_MARK[level], action=action, letter=letter))
        + "</th>"
        for level, action, letter in steps.iter_rows()
    )
    severity = rows.group_by("area_code").agg(
        *(((pl.col("ladder_level") == level).sum()).alias(f"n{level}") for level in (3, 2, 1))
    )
    order = severity.sort(["n3", "n2", "n1", "area_code"], descending=[True, True, True, False])["area_code"]
    body = []
    for code in order:
        cells = []
        for level in steps["ladder_level"]:
            items = rows.filter((pl.col("area_code") == code) & (pl.col("ladder_level") == level))
            cells.append(
                "<td>"
                + "<br>".join(
                    html.escape(
                        zh.RANKING_TABLE_ITEM.format(
                            name=zh.INDICATOR.get(r["indicator"], r["indicator"]),
                            value=fmt(r["indicator"], r["value"]),
                            months=r["consecutive_bottom_months"],
                        )
                    )
                    for r in items.iter_rows(named=True)
                )
                + "</td>"
            )
        body.append(f"<tr><td>{html.escape(area_label(code, names))}</td>{''.join(cells)}</tr>")
    return f"<table class='grid'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def build_dashboard(
    area_month: pl.DataFrame,
    ranking: pl.DataFrame | None,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    areas: pl.DataFrame,
    as_of: date,
    settings: Settings,
    missing_sources: Sequence[str] = (),
) -> Dashboard:
    """Every chart, card and table of the dashboard from the run's frames (nothing is written)."""
    names = area_names(areas)
    goals = targets(settings)
    bottom_n = settings.indicators.ranking_bottom_n
    area_month = _with_columns(area_month)
    lines = conform(lines, WARNING_SCHEMA)
    findings = current_findings(findings, as_of)
    month = report_month(area_month, as_of)
    month_rows = area_month.filter(pl.col("month") == month) if month else area_month.clear()
    districts = [c for c in area_month["area_code"].unique().to_list() if c in names]
    sections = (
        Section(
            "guokao",
            zh.SECTION["guokao"],
            tuple(guokao_districts(month_rows, i, goals[i], names) for i in GUOKAO),
        ),
        Section(
            "trends",
            zh.SECTION["trends"],
            tuple(guokao_trend(area_month, i, goals[i], names, month) for i in GUOKAO) if month else (),
        ),
        Section(
            "ranking",
            zh.SECTION["ranking"],
            (ranking_heatmap(ranking, month, names, bottom_n),),
            ranking_table(ranking, month, names),
        ),
        Section("compliance", zh.SECTION["compliance"], (compliance_heatmap(month_rows, names),)),
        Section("cases", zh.SECTION["cases"], (cases_chart(month_rows, names, goals["case_closure_rate"]),)),
        Section("warnings", zh.SECTION["warnings"], (warnings_by_district(lines, names), rules_chart(lines))),
        Section("quality", zh.SECTION["quality"], (quality_chart(findings),)),
    )
    shown_targets = "、".join(
        f"{zh.INDICATOR[c]}{fmt_target(c, goals[c])}" for c in (*GUOKAO, "case_closure_rate")
    )
    return Dashboard(
        title=zh.DASHBOARD_TITLE.format(city=city_name(areas, districts) or zh.CITY),
        subtitle=zh.DASHBOARD_SUBTITLE.format(
            as_of=as_of.isoformat(),
            month=month or zh.NO_DATA,
            month_note=zh.MONTH_NOTE_COMPLETE if month and month != f"{as_of:%Y-%m}" else "",
        ),
        cards=kpi_cards(month_rows, lines, findings, settings, missing_sources),
        sections=sections,
        footer=zh.DASHBOARD_FOOTER.format(targets=shown_targets, bottom_n=bottom_n),
    )


CSS = f"""
body {{ font-family: {FONT}; margin: 0; padding: 24px 40px; color: #222; background: #F4F5F7; font-size: 18px; }}
h1 {{ font-size: 36px; margin: 0 0 6px; }}
h2 {{ font-size: 26px; margin: 6px 0 10px; border-left: 8px solid #2F75B5; padding-left: 12px; }}
.sub {{ color: #555; margin-bottom: 20px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 14px; }}
.card {{ background: #fff; border: 3px solid #2F75B5; border-radius: 10px; padding: 12px 16px; }}
.card.ok {{ border-color: #2E7D32; }} .card.bad {{ border-color: #C00000; }}
.card .k {{ font-size: 18px; color: #444; }} .card .v {{ font-size: 38px; font-weight: bold; }}
.card .t {{ font-size: 15px; color: #666; }}
section {{ background: #fff; border-radius: 10px; padding: 14px 20px 20px; margin-top: 22px; }}
.chart {{ margin-bottom: 18px; }}
table.grid {{ border-collapse: collapse; font-size: 18px; margin-top: 8px; }}
table.grid th, table.grid td {{ border: 1px solid #CCC; padding: 6px 14px; }}
table.grid th {{ background: #D9E1F2; }}
table.grid td {{ vertical-align: top; }}
th.ladder1 {{ background: #FFE699; }} th.ladder2 {{ background: #F4B183; }} th.ladder3 {{ background: #E06666; color: #fff; }}
footer {{ color: #666; font-size: 15px; margin: 24px 0; }}
"""


def render_html(dashboard: Dashboard) -> str:
    """The page as one string: plotly.js inlined in the first figure only, no external resource."""
    parts, inlined = [], False
    for section in dashboard.sections:
        charts = []
        for chart in section.charts:
            charts.append(
                "<div class='chart'>"
                + chart.figure.to_html(
                    full_html=False,
                    include_plotlyjs=not inlined,
                    config=PLOTLY_CONFIG,
                    div_id=f"fig-{chart.key}",  # stable ids: the same data gives the same file
                    default_height=f"{chart.figure.layout.height or 520}px",
                )
                + "</div>"
            )
            inlined = True
        parts.append(
            f"<section id='{section.key}'><h2>{html.escape(section.heading)}</h2>"
            + "".join(charts)
            + section.table
            + "</section>"
        )
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(dashboard.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(dashboard.title)}</h1><div class='sub'>{html.escape(dashboard.subtitle)}</div>"
        + dashboard.cards
        + "".join(parts)
        + f"<footer>{html.escape(dashboard.footer)}</footer></body></html>"
    )


def find_browser(browser: Path | str | None = None) -> str | None:
    """The Chrome/Chromium kaleido drives: the one given, else BROWSER_PATH, else one on the PATH."""
    for candidate in (browser, os.environ.get("BROWSER_PATH"), *(shutil.which(b) for b in BROWSERS)):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def export_static(
    figures: Mapping[str, go.Figure],
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
    chromium = find_browser(browser)
    if chromium is None:
        log.warning(
            "%s skipped: no Chrome/Chromium found (Debian: apt-get install chromium fonts-noto-cjk)",
            zh.STATIC_FOLDER,
        )
        return []
    try:
        import kaleido
    except ImportError:
        log.warning("%s skipped: kaleido is not installed", zh.STATIC_FOLDER)
        return []
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        {
            "fig": fig,
            "path": str(folder / f"{stem}.{kind}"),
            "opts": {"format": kind, "width": width, "height": int(fig.layout.height or 520), "scale": 1},
        }
        for stem, fig in figures.items()
        for kind in formats
    ]
    try:
        kaleido.write_fig_from_object_sync(
            jobs, kopts={"mathjax": False, "path": chromium, "timeout": timeout}
        )
    except Exception as exc:  # a convenience export must not fail the run
        log.warning("%s skipped: kaleido could not render with %s: %s", zh.STATIC_FOLDER, chromium, exc)
        return []
    written = [Path(j["path"]) for j in jobs if Path(j["path"]).is_file()]
    if len(written) < len(jobs):
        log.warning("%s: %d of %d images written", zh.STATIC_FOLDER, len(written), len(jobs))
    return written


def write_dashboard(
    area_month: pl.DataFrame,
    ranking: pl.DataFrame | None,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    areas: pl.DataFrame,
    as_of: date,
    settings: Settings,
    path: Path,
    *,
    static_formats: Sequence[str] = ("png",),
    missing_sources: Sequence[str] = (),
) -> Path:
    """Write the dashboard HTML, and the key charts as images in 通报图/ beside it (skipped with a warning).

    `missing_sources`: entities never delivered by as_of (nightly.missing_sources): shown as 数据未报送.
    """
    dashboard = build_dashboard(area_month, ranking, lines, findings, areas, as_of, settings, missing_sources)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_html(dashboard), encoding="utf-8")
    tmp.replace(path)
    if static_formats:
        export_static(dashboard.static_figures(), path.parent / zh.STATIC_FOLDER, static_formats)
    return path
