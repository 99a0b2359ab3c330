"""Leaders' KPI dashboard: one self-contained HTML file per run, plus PNGs of the key charts for the 通报.

plotly.js is inlined once (in the first figure) so the file opens from disk on an intranet; no geo or WebGL
traces (they render blank offline). Every chart title states the finding computed from the data.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from pipelines.reports import labels_zh as zh
from pipelines.reports.warning_list import area_names, city_name
from pipelines.settings import Settings

log = logging.getLogger(__name__)

FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif"
CITY_CODE = "ALL"  # indicator_area_month's pooled row for the whole city
GUOKAO = ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate")
COMPLIANCE = (
    "account_open_rate",
    "tripartite_rate",
    "labor_cost_monthly_rate",
    "labor_cost_sufficiency",
    "payroll_on_time_rate",
    "payroll_via_account_rate",
    "paid_vs_attended",
    "guarantee_coverage",
    "deposit_coverage",
    "contract_rate",
)


@dataclass(frozen=True)
class Section:
    """One titled block of the dashboard: a figure (or HTML) and the finding it states."""

    key: str
    title: str
    figure: go.Figure | None = None
    html: str = ""


def _layout(fig: go.Figure, title: str, height: int = 460) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 22}},
        font={"family": FONT, "size": 15},
        height=height,
        margin={"l": 60, "r": 30, "t": 80, "b": 60},
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
    )
    fig.update_yaxes(gridcolor="#E5E5E5")
    return fig


def _targets(settings: Settings) -> dict[str, float]:
    ind = settings.indicators
    return {
        "rn_update_rate": ind.target_rn_update_rate,
        "avg_attendance": ind.target_avg_attendance,
        "key_staff_onsite_rate": ind.target_key_staff_onsite_rate,
        "pm_onsite_rate": ind.target_pm_onsite_rate,
        "chief_supervisor_onsite_rate": ind.target_chief_supervisor_onsite_rate,
    }


def _fmt(col: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if col == "avg_attendance" else f"{value:.0%}"


def guokao_by_district(month: pl.DataFrame, names: Mapping[str, str], settings: Settings) -> Section:
    """The three 国考 indicators per district against their targets."""
    targets = _targets(settings)
    districts = month.filter(pl.col("area_code") != CITY_CODE).sort("area_code")
    labels = [names.get(c, c) for c in districts["area_code"]]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[zh.INDICATOR[c] for c in GUOKAO])
    below: dict[str, int] = {}
    for k, col in enumerate(GUOKAO, start=1):
        values = districts[col].to_list() if col in districts.columns else [None] * districts.height
        target = targets[col]
        below[col] = sum(1 for v in values if v is not None and v < target)
        colors = ["#C00000" if v is not None and v < target else "#2F75B5" for v in values]
        fig.add_bar(x=labels, y=values, marker_color=colors, showlegend=False, row=1, col=k)
        fig.add_hline(y=target, line_dash="dash", line_color="#555", row=1, col=k)
        if col != "avg_attendance":
            fig.update_yaxes(tickformat=".0%", range=[0, 1.05], row=1, col=k)
    parts = [f"{below[c]} 个区县{zh.INDICATOR[c]}低于{_fmt(c, targets[c])}" for c in GUOKAO if below[c]] or [
        "各区县国考指标均达到目标"
    ]
    title = "；".join(parts)
    return Section("guokao", title, _layout(fig, title, 480))


def guokao_trend(area_month: pl.DataFrame, settings: Settings) -> Section:
    """The city's 国考 rates over the last 12 months."""
    city = area_month.filter(pl.col("area_code") == CITY_CODE).sort("month").tail(12)
    targets = _targets(settings)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for col in ("rn_update_rate", "key_staff_onsite_rate"):
        if col in city.columns:
            fig.add_scatter(
                x=city["month"].to_list(), y=city[col].to_list(), name=zh.INDICATOR[col], mode="lines+markers"
            )
    if "avg_attendance" in city.columns:
        fig.add_scatter(
            x=city["month"].to_list(),
            y=city["avg_attendance"].to_list(),
            name=zh.INDICATOR["avg_attendance"] + "（右轴）",
            mode="lines+markers",
            line_dash="dot",
            secondary_y=True,
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], secondary_y=False)
    last = city.tail(1).row(0, named=True) if city.height else {}
    rn = last.get("rn_update_rate")
    title = (
        f"近{city.height}个月全市趋势：{city['month'].max() if city.height else ''} 实名制更新率"
        f"{_fmt('rn_update_rate', rn)}（目标{_fmt('rn_update_rate', targets['rn_update_rate'])}）"
    )
    return Section("trend", title, _layout(fig, title))


def ranking_table(ranking: pl.DataFrame | None, names: Mapping[str, str], month: str) -> Section:
    """Districts in the bottom three this month with their 1-2-3 ladder step (通报 → 约谈 → 问责)."""
    if ranking is None or ranking.height == 0:
        return Section("ranking", "本月无区县排名数据", html="<p>无排名数据。</p>")
    bottom = ranking.filter((pl.col("month") == month) & pl.col("is_bottom")).sort(
        pl.col("ladder_level"), "indicator", descending=[True, False]
    )
    escalated = bottom.filter(pl.col("ladder_level") >= 2)["area_code"].n_unique()
    title = f"{bottom['area_code'].n_unique()} 个区县进入后三名通报，其中 {escalated} 个连续两个月以上（升级督办）"
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(names.get(r['area_code'], r['area_code']))}</td>"
        f"<td>{html.escape(zh.INDICATOR.get(r['indicator'], r['indicator']))}</td>"
        f"<td>{r['value']:.3g}</td><td>{r['rank_worst_first']}/{r['n_ranked']}</td>"
        f"<td>{r['consecutive_bottom_months']}</td>"
        f"<td class='ladder{min(int(r['ladder_level'] or 1), 3)}'>{'▲' * int(r['ladder_level'] or 1)} "
        f"{html.escape(r['ladder_label_zh'] or '')}（{html.escape(r['ladder_letter_zh'] or '')}）</td>"
        "</tr>"
        for r in bottom.iter_rows(named=True)
        if r["value"] is not None
    )
    table = (
        "<table class='grid'><thead><tr><th>区县</th><th>指标</th><th>数值</th><th>倒数名次</th>"
        f"<th>连续月数</th><th>处置</th></tr></thead><tbody>{rows or '<tr><td colspan=6>无</td></tr>'}</tbody></table>"
    )
    return Section("ranking", title, html=table)


def compliance_bars(month: pl.DataFrame) -> Section:
    """The city's 条例 compliance rates this month, worst first."""
    city = month.filter(pl.col("area_code") == CITY_CODE)
    values = {
        c: city[c][0] for c in COMPLIANCE if c in city.columns and city.height and city[c][0] is not None
    }
    items = sorted(values.items(), key=lambda kv: kv[1])
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in items],
            y=[zh.INDICATOR[c] for c, _ in items],
            orientation="h",
            marker_color=["#C00000" if v < 0.8 else "#2F75B5" for _, v in items],
            text=[f"{v:.0%}" for _, v in items],
            textposition="outside",
        )
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1.1])
    weak = [zh.INDICATOR[c] for c, v in items if v < 0.8]
    title = f"{len(weak)} 项条例合规指标低于80%" + (f"，最低为{weak[0]}（{items[0][1]:.0%}）" if weak else "")
    return Section("compliance", title, _layout(fig, title, 120 + 40 * max(len(items), 1)))


def case_bars(month: pl.DataFrame, names: Mapping[str, str]) -> Section:
    """Open wage-arrears cases at month end by district (动态清零 target: zero)."""
    districts = month.filter(pl.col("area_code") != CITY_CODE)
    col = "open_cases"
    if col not in districts.columns:
        return Section("cases", "无案件数据", html="<p>无案件数据。</p>")
    d = districts.select(
        "area_code", pl.col(col).fill_null(0), pl.col("open_cases_over_30d").fill_null(0)
    ).sort(col)
    fig = go.Figure()
    fig.add_bar(
        y=[names.get(c, c) for c in d["area_code"]], x=d[col].to_list(), orientation="h", name="未办结"
    )
    fig.add_bar(
        y=[names.get(c, c) for c in d["area_code"]],
        x=d["open_cases_over_30d"].to_list(),
        orientation="h",
        name="其中超30天",
        marker_color="#C00000",
    )
    total, over = int(d[col].sum()), int(d["open_cases_over_30d"].sum())
    title = f"全市 {total} 件欠薪案件未办结（其中超30天 {over} 件）" if total else "欠薪案件已动态清零"
    return Section(
        "cases", title, _layout(fig.update_layout(barmode="overlay"), title, 140 + 32 * max(d.height, 1))
    )


def warning_bars(lines: pl.DataFrame, names: Mapping[str, str]) -> Section:
    """Warning lines by district and level."""
    fig = go.Figure()
    counts = lines.group_by("area_code", "level").len() if lines.height else pl.DataFrame()
    areas = sorted(lines["area_code"].unique().to_list()) if lines.height else []
    for level in ("red", "orange", "yellow"):
        per = (
            dict(counts.filter(pl.col("level") == level).select("area_code", "len").iter_rows())
            if lines.height
            else {}
        )
        fig.add_bar(
            x=[names.get(a, a) for a in areas],
            y=[per.get(a, 0) for a in areas],
            name=zh.LEVEL[level],
            marker_color=zh.LEVEL_COLOR[level],
        )
    reds = lines.filter(pl.col("level") == "red") if lines.height else lines
    if reds.height:
        top_area = (
            reds.group_by("area_code")
            .len()
            .sort("len", "area_code", descending=[True, False])["area_code"][0]
        )
        title = (
            f"红色预警 {reds.height} 个，最多在{names.get(top_area, top_area)}；全部预警 {lines.height} 个"
        )
    else:
        title = f"本期预警项目 {lines.height} 个，无红色预警"
    return Section("warnings", title, _layout(fig.update_layout(barmode="stack"), title))


def quality_bars(findings: pl.DataFrame) -> Section:
    """Data-quality findings by problem (rows affected), blocking ones marked."""
    if findings.height == 0 or "check_id" not in findings.columns:
        return Section("quality", "本期未发现数据质量问题", html="<p>本期未发现数据质量问题。</p>")
    by = findings.group_by("title_zh", "severity").agg(pl.col("n_rows").sum()).sort("n_rows")
    fig = go.Figure(
        go.Bar(
            x=by["n_rows"].to_list(),
            y=by["title_zh"].to_list(),
            orientation="h",
            marker_color=["#C00000" if s == "blocking" else "#7F7F7F" for s in by["severity"]],
        )
    )
    n_block = by.filter(pl.col("severity") == "blocking").height
    title = f"{by.height} 类数据质量问题" + (f"，其中 {n_block} 类为阻断级" if n_block else "，均为提示级")
    return Section("quality", title, _layout(fig, title, 140 + 32 * by.height))


def kpi_cards(month: pl.DataFrame, lines: pl.DataFrame, settings: Settings) -> str:
    """The headline numbers: the city's 国考 values against target and the warning counts."""
    city = month.filter(pl.col("area_code") == CITY_CODE)
    targets = _targets(settings)
    cards = []
    for col in GUOKAO:
        v = city[col][0] if city.height and col in city.columns else None
        ok = v is not None and v >= targets[col]
        cards.append(
            f"<div class='card {'ok' if ok else 'bad'}'><div class='k'>{zh.INDICATOR[col]}</div>"
            f"<div class='v'>{_fmt(col, v)}</div><div class='t'>目标 {_fmt(col, targets[col])}</div></div>"
        )
    for level in ("red", "orange", "yellow"):
        n = lines.filter(pl.col("level") == level).height if lines.height else 0
        cards.append(
            f"<div class='card' style='border-color:{zh.LEVEL_COLOR[level]}'><div class='k'>{zh.LEVEL[level]}预警</div>"
            f"<div class='v' style='color:{zh.LEVEL_COLOR[level]}'>{n}</div><div class='t'>个项目</div></div>"
        )
    return "<div class='cards'>" + "".join(cards) + "</div>"


CSS = f"""
body {{ font-family: {FONT}; margin: 24px 40px; color: #222; background: #fafafa; }}
h1 {{ font-size: 30px; margin-bottom: 4px; }} h2 {{ font-size: 22px; margin: 28px 0 8px; }}
.sub {{ color: #666; margin-bottom: 18px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 14px; }}
.card {{ background: white; border: 3px solid #2F75B5; border-radius: 8px; padding: 12px 18px; min-width: 150px; }}
.card.ok {{ border-color: #2E7D32; }} .card.bad {{ border-color: #C00000; }}
.card .k {{ font-size: 16px; color: #555; }} .card .v {{ font-size: 34px; font-weight: bold; }}
.card .t {{ font-size: 14px; color: #777; }}
section {{ background: white; border-radius: 8px; padding: 8px 16px 16px; margin-top: 18px; }}
table.grid {{ border-collapse: collapse; font-size: 16px; }}
table.grid th, table.grid td {{ border: 1px solid #ccc; padding: 6px 12px; }}
table.grid th {{ background: #D9E1F2; }}
.ladder1 {{ color: #B8860B; }} .ladder2 {{ color: #ED7D31; font-weight: bold; }} .ladder3 {{ color: #C00000; font-weight: bold; }}
"""


def build_sections(
    area_month: pl.DataFrame,
    ranking: pl.DataFrame | None,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    names: Mapping[str, str],
    settings: Settings,
) -> tuple[str, list[Section], pl.DataFrame]:
    """The latest month and the dashboard's sections, in reading order."""
    month = area_month["month"].max() if area_month.height else ""
    this_month = area_month.filter(pl.col("month") == month)
    sections = [
        guokao_by_district(this_month, names, settings),
        guokao_trend(area_month, settings),
        ranking_table(ranking, names, month),
        compliance_bars(this_month),
        case_bars(this_month, names),
        warning_bars(lines, names),
        quality_bars(findings),
    ]
    return month, sections, this_month


def render_html(title: str, subtitle: str, cards: str, sections: list[Section]) -> str:
    """The page: cards, then each section's finding as its heading; plotly.js inlined in the first figure only."""
    parts, inlined = [], False
    for s in sections:
        body = s.html
        if s.figure is not None:
            # the section heading states the finding; the figure's own title is for the PNG export
            body = (
                go.Figure(s.figure)
                .update_layout(title_text="", margin_t=30)
                .to_html(
                    full_html=False,
                    include_plotlyjs=not inlined,
                    config={"displaylogo": False, "responsive": True},
                    div_id=f"fig-{s.key}",
                )
            )
            inlined = True
        parts.append(f"<section id='{s.key}'><h2>{html.escape(s.title)}</h2>{body}</section>")
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><div class='sub'>{html.escape(subtitle)}</div>{cards}"
        + "".join(parts)
        + "</body></html>"
    )


def export_static(sections: list[Section], folder: Path) -> list[Path]:
    """PNG of each chart for the monthly 通报 (kaleido with the system Chromium, one batch call, offline)."""
    figures = [(s.key, s.figure) for s in sections if s.figure is not None]
    if not figures:
        return []
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        log.warning("no Chromium found: the 通报 PNGs are skipped (make system-deps installs it)")
        return []
    os.environ.setdefault("BROWSER_PATH", chromium)
    import plotly.io as pio

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i + 1:02d}_{key}.png" for i, (key, _) in enumerate(figures)]
    try:
        pio.write_images([f for _, f in figures], [str(p) for p in paths], width=1400, height=None, scale=1)
    except Exception as exc:  # the HTML is the product; the PNGs are a convenience
        log.warning("could not export the 通报 PNGs: %s", exc)
        return []
    return paths


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
    export_png: bool = True,
) -> Path:
    """Write the dashboard HTML (and the 通报 PNGs beside it, in 通报图/)."""
    names = area_names(areas)
    codes = (
        [c for c in area_month["area_code"].unique().to_list() if c != CITY_CODE] if area_month.height else []
    )
    city = city_name(areas, codes) or "全市"
    month, sections, this_month = build_sections(area_month, ranking, lines, findings, names, settings)
    page = render_html(
        f"{city}农民工工资支付监测看板",
        f"数据截至 {as_of.isoformat()}；指标月份 {month}；由 wagewatch 生成，离线可打开。",
        kpi_cards(this_month, lines, settings),
        sections,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    if export_png:
        export_static(sections, path.parent / "通报图")
    return path
