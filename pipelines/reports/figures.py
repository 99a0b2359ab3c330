"""The dashboard's charts: frames in, plotly figures out, each titled with the finding computed from the data.

Only bar, line and heatmap traces (SVG): geo and WebGL traces render blank offline or in headless Chromium
(shared/spec/ecosystem-notes.md). Inputs are the `indicator_area_month` and `rpt_area_ranking` tables, the warning
lines (WARNING_SCHEMA) and the data-quality findings (FINDING_SCHEMA).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.subplots import make_subplots

from pipelines.reports import labels_zh as zh
from pipelines.reports.labels_zh import rule_label
from pipelines.reports.warning_list import area_label
from pipelines.settings import Settings
from pipelines.warnings.schema import LEVELS

TEMPLATE = "plotly_white"
FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif"
CITY = "ALL"  # indicator_area_month's row for the whole city
UNKNOWN = "UNKNOWN"  # cases with no known area
GUOKAO = ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate")  # the three 国考 real-name indicators
COMPLIANCE = (  # 条例 "六制一金一表" (indicators.md)
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
COUNTS = {"avg_attendance": zh.PERSON_UNIT, "open_cases": zh.CASE_UNIT, "open_cases_over_30d": zh.CASE_UNIT}
TREND_MONTHS = 12
MISS, MEET, CITY_BAR, GRID = "#C00000", "#2F75B5", "#404040", "#E5E5E5"
DISTRICT_LINES = ("#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99", "#999933")
LADDER_COLORS = ("#F2F2F2", "#FFE699", "#F4B183", "#E06666")  # not flagged, 通报, 约谈, 问责
MIN_LABEL_SHARE = (
    0.08  # a stacked segment narrower than 8% of the longest bar gets no label (the legend names it)
)
FINDING = "finding"  # name of the annotation that states the chart's finding on exported images
VALUE_COLUMN = (
    100  # px right of the plot area where district bars print their values (clear of the target line)
)


@dataclass(frozen=True)
class Chart:
    """One figure with its short name (file name of the static export) and the finding its title states."""

    key: str
    name: str
    finding: str
    figure: go.Figure
    min_width: int = 0  # px below which the chart scrolls sideways in its own box (wide matrices)


@dataclass(frozen=True)
class Target:
    """An indicator's target and how it is met: '>=' (at least) or '>' (more than)."""

    value: float
    op: str

    def met(self, value: float | None) -> bool | None:
        """True when value meets the target; None when there is no value."""
        if value is None:
            return None
        return value >= self.value if self.op == ">=" else value > self.value


def targets(settings: Settings) -> dict[str, Target]:
    """The indicator targets of the settings (≥ for rates of projects and cases, > for the others)."""
    ind = settings.indicators
    return {
        "rn_update_rate": Target(ind.target_rn_update_rate, ">="),
        "avg_attendance": Target(ind.target_avg_attendance, ">"),
        "pm_onsite_rate": Target(ind.target_pm_onsite_rate, ">"),
        "chief_supervisor_onsite_rate": Target(ind.target_chief_supervisor_onsite_rate, ">"),
        "key_staff_onsite_rate": Target(ind.target_key_staff_onsite_rate, ">"),
        "case_closure_rate": Target(ind.target_case_closure_rate, ">="),
    }


def fmt(indicator: str, value: float | None, digits: int = 1) -> str:
    """A value as people read it: '87.5%', '78.3 人', '12 件'."""
    if value is None:
        return zh.NO_DATA
    unit = COUNTS.get(indicator)
    if indicator == "days_to_close":
        return f"{value:.1f} {zh.DAY_UNIT}"
    if unit == zh.CASE_UNIT:
        return f"{value:.0f} {unit}"
    if unit:
        return f"{value:.{digits}f} {unit}"
    return f"{value * 100:.{digits}f}%"


def fmt_target(indicator: str, target: Target, *, sign: bool = True) -> str:
    """A target as the notices write it: '≥90%', '>81 人' (or '90%' without the sign)."""
    shown = target.value if indicator in COUNTS else target.value * 100
    text = fmt(indicator, target.value, 0 if float(shown).is_integer() else 1)
    return f"{zh.TARGET_SIGN[target.op]}{text}" if sign else text


def report_month(area_month: pl.DataFrame, as_of: date) -> str | None:
    """The month the dashboard reports: as_of's month when as_of is its last day, else the month before."""
    months = sorted(area_month["month"].unique().to_list()) if area_month.height else []
    if not months:
        return None
    current = f"{as_of:%Y-%m}"
    month_complete = (as_of + timedelta(days=1)).day == 1
    if month_complete and current in months:
        return current
    earlier = [m for m in months if m < current]
    return earlier[-1] if earlier else months[-1]


def _wrap(finding: str, width: int = 38) -> str:
    """A long finding broken into lines at its clauses (plotly titles do not wrap)."""
    if len(finding) <= width:
        return finding
    lines, line = [], ""
    for clause in finding.replace("；", "；\n").replace("，", "，\n").split("\n"):
        if line and len(line) + len(clause) > width:
            lines.append(line)
            line = ""
        line += clause
    return "<br>".join([*lines, line])


@contextlib.contextmanager
def white_template() -> Iterator[None]:
    """Figures made inside start on the white template (plotly's default template, set for the while): plotly
    gives a new figure its default template as it is, where setting one on a figure validates and copies it
    three times (≈ 35 ms a chart; `styled` then leaves it)."""
    before = pio.templates.default
    pio.templates.default = TEMPLATE
    try:
        yield
    finally:
        pio.templates.default = before


def styled(fig: go.Figure, finding: str, height: int = 520, *, top_extra: int = 0) -> go.Figure:
    """Projector-readable styling: large CJK font chain, the finding as the title, white background."""
    title = _wrap(finding)
    above = 40 + top_extra  # a legend row, or a heatmap's tick labels, between the plot and the finding
    if pio.templates.default != TEMPLATE:  # made outside white_template()
        fig.update_layout(template=TEMPLATE)
    fig.update_layout(
        font={"family": FONT, "size": 17, "color": "#222"},
        height=height,
        margin={"l": 90, "r": 40, "t": above + 34 * (title.count("<br>") + 1) + 14, "b": 60},
        legend={  # above the plot: below it, rotated tick labels and the legend can collide
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "font": {"size": 16},
            "traceorder": "normal",
        },
        hoverlabel={"font": {"family": FONT, "size": 16}},
        uniformtext={
            "minsize": 12,
            "mode": "hide",
        },  # a label that does not fit its bar is hidden, not shrunk
    )
    # The finding is an annotation, not layout.title: plotly misplaces a multi-line title anchored at the top
    # (its first line leaves the image), while an annotation's block is anchored as a whole.
    fig.add_annotation(
        name=FINDING, text=title, showarrow=False, xref="paper", yref="paper", x=0, y=1, xanchor="left",
        yanchor="bottom", xshift=-80, yshift=above, align="left", font={"size": 24, "color": "#111"},
    )  # fmt: skip
    fig.update_xaxes(gridcolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, automargin=True)
    return fig


def for_page(fig: go.Figure) -> dict[str, Any]:
    """The figure as the page shows it: without the finding (the page prints it as a heading that wraps on a
    phone) and with a small top margin; the legend still pushes the margin it needs (automargin).

    Plotly's dict of a copy, not a go.Figure: a Figure made from another validates its whole template again
    (≈ 30 ms each, a dozen a night), and the page and the images only need the figure's JSON."""
    page = fig.to_dict()
    layout = page["layout"]
    kept = [a for a in layout.pop("annotations", []) if a.get("name") != FINDING]
    if kept:  # an empty list is no annotations, as in a Figure
        layout["annotations"] = kept
    ticks_on_top = layout.get("xaxis", {}).get("side") == "top"  # the matrices: the modebar must clear them
    layout.setdefault("margin", {})["t"] = 70 if ticks_on_top else 36  # room for the modebar above the plot
    return page


def finding_text(fig: go.Figure | dict[str, Any]) -> str:
    """The text of a figure's finding annotation ('' without one); a Figure or its dict."""
    if isinstance(fig, dict):
        notes = fig.get("layout", {}).get("annotations", [])
        return next((a.get("text", "") for a in notes if a.get("name") == FINDING), "")
    return next((a.text for a in fig.layout.annotations if a.name == FINDING), "")


def with_caption(fig: go.Figure, caption: str) -> dict[str, Any]:
    """A copy whose finding carries a last, smaller line with the caption (city, period, data source and
    generation date), for images that travel without the page (通报图): pasted into a 通报, they still say
    where, when and from what. Plotly's dict, as `for_page` gives."""
    out = fig.to_dict()
    layout = out["layout"]
    line = f"<span style='font-size:15px;color:#555'>{caption}</span>"
    for note in layout.get("annotations", []):
        if note.get("name") == FINDING:
            note["text"] = f"{note.get('text', '')}<br>{line}"
    margin = layout.setdefault("margin", {})
    margin["t"] = int(margin.get("t") or 80) + 26
    layout["height"] = int(layout.get("height") or 520) + 26
    return out


def legend_entry(fig: go.Figure, name: str, color: str, *, line: bool = False) -> None:
    """A legend-only item: a colour square (bars) or a dashed line (a target)."""
    if line:
        fig.add_scatter(
            x=[None], y=[None], mode="lines", name=name, line={"dash": "dash", "color": color, "width": 2}
        )
    else:
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=name,
            marker={"symbol": "square", "size": 14, "color": color},
        )


def count_axis(largest: Any) -> dict:
    """Axis settings for whole counts (the largest count shown, or None): integer ticks from zero.

    Up to 10, a tick every 1 or 2; above, plotly's automatic ticks, which thin out on a narrow phone axis
    instead of rotating a fixed number of labels into each other.
    """
    top = float(largest or 0)
    if top <= 10:
        return {"rangemode": "tozero", "dtick": 1 if top <= 5 else 2, "tickformat": "d"}
    return {"rangemode": "tozero", "tickmode": "auto", "tickformat": "d"}


def empty_figure(finding: str, height: int = 320) -> go.Figure:
    """A figure that says there is nothing to show (it still draws, so the page keeps its shape)."""
    fig = go.Figure()
    fig.add_annotation(
        text=finding, showarrow=False, font={"size": 22}, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, finding, height)


def change_text(indicator: str, delta: float | None) -> str:
    """A change as people read it: '+1.2 个百分点', '−3.4 人', '+2 件', '持平'; '—' without a comparison."""
    if delta is None:
        return zh.NO_COMPARISON
    if indicator in COUNTS or indicator == "days_to_close":
        shown = round(delta, 0 if COUNTS.get(indicator) == zh.CASE_UNIT else 1)
        unit = COUNTS.get(indicator, zh.DAY_UNIT)
        text = f"{abs(shown):.0f} {unit}" if unit == zh.CASE_UNIT else f"{abs(shown):.1f} {unit}"
    else:
        shown = round(delta * 100, 1)
        text = zh.PERCENT_POINTS.format(value=abs(shown))
    if shown == 0:
        return zh.TREND_FLAT
    return f"{'+' if shown > 0 else '−'}{text}"


def _districts(month_rows: pl.DataFrame) -> pl.DataFrame:
    return month_rows.filter(~pl.col("area_code").is_in([CITY, UNKNOWN]))


def _city_value(month_rows: pl.DataFrame, column: str) -> float | None:
    city = month_rows.filter(pl.col("area_code") == CITY)
    return city[column][0] if city.height and column in city.columns else None


def guokao_districts(
    month_rows: pl.DataFrame,
    indicator: str,
    target: Target,
    names: Mapping[str, str],
    previous: pl.DataFrame | None = None,
) -> Chart:
    """One 国考 indicator per district (worst on top) and for the city, against its target.

    Horizontal bars read on a phone (names never rotate); the values stand in a column right of the plot area,
    so neither the target line nor its label can cross them; the target is a legend item, not an annotation.
    """
    name = zh.INDICATOR[indicator]
    rows = _districts(month_rows).filter(pl.col(indicator).is_not_null()).sort(indicator, "area_code")
    city = _city_value(month_rows, indicator)
    if rows.height == 0 and city is None:
        finding = zh.GUOKAO_NO_DATA.format(name=name)
        return Chart(indicator, name, finding, empty_figure(finding))
    values = [*rows[indicator].to_list(), city]
    labels = [*(area_label(c, names) for c in rows["area_code"]), zh.CITY_LINE]
    met = [target.met(v) for v in values]
    colors = [MEET if ok else MISS for ok in met[:-1]] + [CITY_BAR]
    share_col = f"{indicator}_target_met_share"
    shares = (
        [*rows[share_col].to_list(), _city_value(month_rows, share_col)]
        if share_col in month_rows.columns
        else [None] * len(values)
    )
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker={"color": colors},
            text=[fmt(indicator, v) for v in values],
            textposition="none",
            customdata=[fmt("share", s) for s in shares],
            hovertemplate=zh.HOVER_GUOKAO_H,
            showlegend=False,
        )
    )
    for label, value, ok in zip(labels, values, met, strict=True):
        fig.add_annotation(
            text=fmt(indicator, value), x=1, xref="paper", xshift=8, xanchor="left", y=label, yref="y",
            showarrow=False, font={"size": 17, "color": "#111" if ok is not False else MISS},
        )  # fmt: skip
    fig.add_vline(x=target.value, line={"dash": "dash", "color": "#555", "width": 2})
    legend_entry(fig, zh.MET, MEET)
    legend_entry(fig, zh.NOT_MET, MISS)
    legend_entry(fig, zh.CITY_LINE, CITY_BAR)
    legend_entry(fig, zh.TARGET_LINE.format(target=fmt_target(indicator, target)), "#555", line=True)
    top = max([v for v in values if v is not None] + [target.value])
    if indicator in COUNTS:
        fig.update_xaxes(range=[0, top * 1.05])
    else:
        fig.update_xaxes(tickformat=".0%", range=[0, max(1.0, top) * 1.02])
    fig.update_yaxes(autorange="reversed", type="category")
    missed = sum(1 for ok in met[:-1] if ok is False)
    fields = {"name": name, "city": fmt(indicator, city), "change": _city_change(indicator, city, previous)}
    if missed:
        finding = zh.GUOKAO_MISSED.format(
            n=missed,
            verb=zh.MISS_VERB[target.op],
            target=fmt_target(indicator, target, sign=False),
            status=zh.MET if met[-1] else zh.NOT_MET,
            **fields,
        )
    else:
        finding = zh.GUOKAO_ALL_MET.format(target=fmt_target(indicator, target), **fields)
    fig = styled(fig, finding, 150 + 40 * len(values))
    fig.update_layout(margin={"r": VALUE_COLUMN})
    return Chart(indicator, name, finding, fig)


def guokao_trend(
    area_month: pl.DataFrame, indicator: str, target: Target, names: Mapping[str, str], month: str
) -> Chart:
    """One 国考 indicator over the last 12 months: the city in bold, each district thin, the target dashed."""
    name = zh.INDICATOR[indicator]
    key = f"{indicator}_trend"
    window = sorted(m for m in area_month["month"].unique().to_list() if m <= month)[-TREND_MONTHS:]
    rows = area_month.filter(pl.col("month").is_in(window) & (pl.col("area_code") != UNKNOWN)).sort("month")
    city = rows.filter(pl.col("area_code") == CITY)
    if city[indicator].drop_nulls().len() == 0:
        finding = zh.GUOKAO_NO_DATA.format(name=name)
        return Chart(key, zh.TREND_NAME.format(name=name), finding, empty_figure(finding))
    fig = go.Figure()
    for i, code in enumerate(sorted(_districts(rows)["area_code"].unique().to_list())):
        d = rows.filter(pl.col("area_code") == code)
        fig.add_scatter(
            x=_month_dates(d["month"]),
            y=d[indicator].to_list(),
            name=area_label(code, names),
            mode="lines",
            line={"width": 2, "color": DISTRICT_LINES[i % len(DISTRICT_LINES)]},
            opacity=0.85,
        )
    city_values = city[indicator].to_list()
    fig.add_scatter(
        x=_month_dates(city["month"]),
        y=city_values,
        name=zh.CITY_LINE,
        mode="lines+markers+text",
        line={"width": 5, "color": "#111"},
        marker={"size": 9},
        text=[""] * (len(city_values) - 1) + [fmt(indicator, city_values[-1])],  # the latest value only
        textposition="top left",
        textfont={"size": 16},
        cliponaxis=False,
    )
    fig.add_hline(y=target.value, line={"dash": "dash", "color": MISS, "width": 2})
    legend_entry(fig, zh.TARGET_LINE.format(target=fmt_target(indicator, target)), MISS, line=True)
    first, last = date.fromisoformat(f"{window[0]}-01"), date.fromisoformat(f"{window[-1]}-01")
    fig.update_xaxes(  # half a month of room each side: the first month's label clears the y axis's labels
        type="date", tickformat=zh.MONTH_TICK, hoverformat=zh.MONTH_TICK, ticklabelstandoff=10,
        range=[(first - timedelta(days=15)).isoformat(), (last + timedelta(days=15)).isoformat()],
    )  # fmt: skip
    shown = [v for v in rows[indicator].to_list() if v is not None] + [target.value]
    pad = max(max(shown) - min(shown), 0.05 if indicator not in COUNTS else 5.0) * 0.08
    fig.update_yaxes(range=[min(shown) - pad, max(shown) + pad])  # the lowest tick label clears the x axis's
    if indicator not in COUNTS:
        fig.update_yaxes(tickformat=".0%")
    values = city[indicator].to_list()
    finding = zh.TREND.format(
        name=name, n=len(window), met=sum(1 for v in values if target.met(v))
    ) + _month_change(indicator, values, city["month"][-1])
    return Chart(key, zh.TREND_NAME.format(name=name), finding, styled(fig, finding))


def _month_dates(months: pl.Series) -> list[str]:
    """'2025-07' → '2025-07-01' for a date axis (plotly thins date ticks to the width; categories it rotates)."""
    return [f"{m}-01" for m in months]


def _month_change(indicator: str, values: Sequence[float | None], month: str) -> str:
    if len(values) < 2 or values[-1] is None or values[-2] is None:
        return ""
    delta = values[-1] - values[-2]
    shown = delta if indicator in COUNTS else delta * 100  # people or percentage points, one decimal
    if round(abs(shown), 1) == 0:
        return zh.TREND_CHANGE.format(month=month, direction=zh.TREND_FLAT, delta="").rstrip()
    amount = fmt(indicator, abs(delta)) if indicator in COUNTS else zh.PERCENT_POINTS.format(value=abs(shown))
    return zh.TREND_CHANGE.format(
        month=month, direction=zh.TREND_UP if delta > 0 else zh.TREND_DOWN, delta=amount
    )


def flagged(ranking: pl.DataFrame | None, month: str | None) -> pl.DataFrame:
    """This month's bottom-ranked district × indicator pairs, most escalated first."""
    if ranking is None or ranking.height == 0 or month is None:
        return pl.DataFrame(schema={"area_code": pl.Utf8, "indicator": pl.Utf8, "ladder_level": pl.Int32})
    order = {ind: i for i, ind in enumerate(zh.INDICATOR)}
    return ranking.filter((pl.col("month") == month) & pl.col("is_bottom")).sort(
        pl.col("ladder_level"),
        pl.col("indicator").replace_strict(order, default=len(order), return_dtype=pl.Int32),
        pl.col("area_code"),
        descending=[True, False, False],
    )


def ranking_heatmap(
    ranking: pl.DataFrame | None, month: str | None, names: Mapping[str, str], bottom_n: int
) -> Chart:
    """Every district's rank on every indicator this month, coloured by its step on the 通报 → 约谈 → 问责 ladder."""
    name = zh.CHART_NAME["ranking"]
    rows = ranking.filter(pl.col("month") == month) if ranking is not None and month is not None else None
    if rows is None or rows.height == 0:
        return Chart("ranking", name, zh.RANKING_NO_DATA, empty_figure(zh.RANKING_NO_DATA))
    bottom = flagged(ranking, month)
    indicators = [i for i in zh.INDICATOR if i in set(rows["indicator"].to_list())]
    per_area = bottom.group_by("area_code").len()
    counts = dict(zip(per_area["area_code"], per_area["len"], strict=True))
    areas = sorted(rows["area_code"].unique().to_list(), key=lambda c: (-counts.get(c, 0), c))
    cell = {(r["indicator"], r["area_code"]): r for r in rows.iter_rows(named=True)}
    z, text = [], []
    for ind in indicators:
        z_row, text_row = [], []
        for code in areas:
            r = cell.get((ind, code))
            level = int(r["ladder_level"] or 0) if r else 0
            z_row.append(level if r else None)
            label = zh.RANK_CELL.format(rank=r["rank_best_first"], n=r["n_ranked"]) if r else ""
            text_row.append(f"{zh.LADDER_MARK[level]}{label}" if level else label)
        z.append(z_row)
        text.append(text_row)
    stops = []
    for i, color in enumerate(LADDER_COLORS):
        stops += [[i / len(LADDER_COLORS), color], [(i + 1) / len(LADDER_COLORS), color]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[area_label(c, names) for c in areas],
            y=[zh.INDICATOR[i] for i in indicators],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14},
            colorscale=stops,
            zmin=-0.5,
            zmax=len(LADDER_COLORS) - 0.5,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{x} · %{y}<br>%{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    fig.add_annotation(
        text=zh.LADDER_LEGEND, showarrow=False, x=0, y=-0.02, xref="paper", yref="paper", yanchor="top",
        xanchor="left", font={"size": 15, "color": "#555"},
    )  # fmt: skip
    if bottom.height == 0:
        finding = zh.RANKING_NONE.format(bottom_n=bottom_n)
    else:
        level_counts = bottom["ladder_level"].value_counts()
        by_level = dict(zip(level_counts["ladder_level"], level_counts["count"], strict=True))
        worst = areas[0]
        finding = zh.RANKING.format(
            n=bottom["area_code"].n_unique(),
            bottom_n=bottom_n,
            l3=by_level.get(3, 0),
            l2=by_level.get(2, 0),
            l1=by_level.get(1, 0),
            area=area_label(worst, names),
            k=counts.get(worst, 0),
        )
    fig = styled(fig, finding, 180 + 36 * len(indicators), top_extra=30)
    return Chart("ranking", name, finding, fig, min_width=240 + 88 * len(areas))


def compliance_heatmap(month_rows: pl.DataFrame, names: Mapping[str, str]) -> Chart:
    """The 条例 compliance rates of the city and each district this month (red low, green high)."""
    name = zh.CHART_NAME["compliance"]
    indicators = [c for c in COMPLIANCE if c in month_rows.columns and month_rows[c].drop_nulls().len() > 0]
    city_rows = month_rows.filter(pl.col("area_code") == CITY)
    if not indicators or city_rows.height == 0:
        return Chart("compliance", name, zh.COMPLIANCE_NO_DATA, empty_figure(zh.COMPLIANCE_NO_DATA))
    districts = _districts(month_rows).sort("area_code")
    areas = [CITY, *districts["area_code"].to_list()]
    table = pl.concat([city_rows, districts], how="vertical_relaxed")
    z = [table[c].to_list() for c in indicators]
    fig = go.Figure(
        go.Heatmap(
            z=[[None if v is None else min(v, 1.0) for v in row] for row in z],
            x=[zh.CITY_LINE if c == CITY else area_label(c, names) for c in areas],
            y=[zh.INDICATOR[c] for c in indicators],
            text=[[fmt(c, v, 0) for v in row] for c, row in zip(indicators, z, strict=True)],
            texttemplate="%{text}",
            textfont={"size": 15},
            colorscale="RdYlGn",
            zmin=0.5,
            zmax=1.0,
            xgap=2,
            ygap=2,
            colorbar={"tickformat": ".0%", "title": {"text": ""}},
            hovertemplate="%{x} · %{y}：%{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    city = {c: city_rows[c][0] for c in indicators}
    lowest = min((c for c in indicators if city[c] is not None), key=lambda c: city[c], default=None)
    if lowest is None:
        return Chart("compliance", name, zh.COMPLIANCE_NO_DATA, empty_figure(zh.COMPLIANCE_NO_DATA))
    below = {
        code: sum(1 for c in indicators if city[c] is not None and r[c] is not None and r[c] < city[c])
        for code, r in zip(districts["area_code"], districts.iter_rows(named=True), strict=True)
    }
    fields = {"name": zh.INDICATOR[lowest], "value": fmt(lowest, city[lowest])}
    if below and max(below.values()) > 0:
        worst = min(below, key=lambda c: (-below[c], c))
        finding = zh.COMPLIANCE.format(area=area_label(worst, names), k=below[worst], **fields)
    else:
        finding = zh.COMPLIANCE_CITY_ONLY.format(**fields)
    fig = styled(fig, finding, 180 + 44 * len(indicators), top_extra=30)
    return Chart("compliance", name, finding, fig, min_width=340 + 80 * len(areas))


def _city_change(indicator: str, now: float | None, previous: pl.DataFrame | None) -> str:
    """'，较上月 +1.2 个百分点' for the city, or '' without last month's value."""
    before = _city_value(previous, indicator) if previous is not None else None
    if now is None or before is None:
        return ""
    return zh.CITY_CHANGE.format(change=change_text(indicator, now - before))


def cases_chart(
    month_rows: pl.DataFrame, names: Mapping[str, str], target: Target, previous: pl.DataFrame | None = None
) -> Chart:
    """Open wage-arrears cases by area (within / over 30 days) and the year-to-date closure rate against target."""
    name = zh.CHART_NAME["cases"]
    areas = month_rows.filter(pl.col("area_code") != CITY).with_columns(
        pl.col("open_cases").fill_null(0), pl.col("open_cases_over_30d").fill_null(0)
    )
    areas = areas.filter(
        (pl.col("open_cases") > 0) | (pl.col("n_cases_received_ytd") > 0) | (pl.col("area_code") != UNKNOWN)
    ).sort(["open_cases", "area_code"], descending=[True, False])
    labels = [area_label(None if c == UNKNOWN else c, names) for c in areas["area_code"]]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06)
    fig.add_bar(
        y=labels, x=(areas["open_cases"] - areas["open_cases_over_30d"]).to_list(), orientation="h",
        name=zh.CASES_OPEN_WITHIN, marker_color="#F4B183", row=1, col=1,
    )  # fmt: skip
    fig.add_bar(
        y=labels, x=areas["open_cases_over_30d"].to_list(), orientation="h", name=zh.CASES_OPEN_OVER,
        marker_color=MISS, row=1, col=1,
    )  # fmt: skip
    rates = areas["case_closure_rate"].to_list()
    fig.add_bar(
        y=labels,
        x=rates,
        orientation="h",
        showlegend=False,
        row=1,
        col=2,
        marker_color=[MEET if target.met(v) else MISS for v in rates],
        text=[fmt("case_closure_rate", v) for v in rates],
        textposition="inside",
        insidetextanchor="start",
        textangle=0,
        textfont={"color": "#fff"},
    )  # fmt: skip  (labels at the bar's base: the target line near its end never crosses them)
    fig.add_vline(x=target.value, line={"dash": "dash", "color": "#555", "width": 2}, row=1, col=2)
    legend_entry(
        fig, zh.TARGET_LINE.format(target=fmt_target("case_closure_rate", target)), "#555", line=True
    )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(
        count_axis(areas["open_cases"].max() or 0), title_text=zh.CASES_SUBPLOTS[0], row=1, col=1
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1.02], title_text=zh.CASES_SUBPLOTS[1], row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    open_cases = int(_city_value(month_rows, "open_cases") or 0)
    over = int(_city_value(month_rows, "open_cases_over_30d") or 0)
    rate = _city_value(month_rows, "case_closure_rate")
    days = _city_value(month_rows, "days_to_close")
    if open_cases:
        finding = zh.CASES.format(
            open=open_cases, over=over, rate=fmt("case_closure_rate", rate),
            target=fmt("case_closure_rate", target.value, 0), status=zh.MET if target.met(rate) else zh.NOT_MET,
        )  # fmt: skip
    else:
        finding = zh.CASES_CLEARED.format(rate=fmt("case_closure_rate", rate))
    if days is not None:
        finding += zh.CASES_DAYS.format(days=f"{days:.1f}")
    rate_change = _city_change("case_closure_rate", rate, previous)
    open_change = _city_change("open_cases", _city_value(month_rows, "open_cases"), previous)
    if rate_change and open_change:
        finding += zh.CASES_CHANGE.format(
            rate=rate_change.removeprefix(zh.CITY_CHANGE.format(change="")),
            open=open_change.removeprefix(zh.CITY_CHANGE.format(change="")),
        )
    return Chart("cases", name, finding, styled(fig, finding, 220 + 40 * max(areas.height, 3), top_extra=30))


def stacked_level_bars(per: pl.DataFrame, keys: list, labels: list[str], totals: list[int]) -> go.Figure:
    """Horizontal bars, one per key (top first), stacked by warning level (`per`: key, level, len), each bar's total
    at its end. A segment narrower than MIN_LABEL_SHARE of the longest bar carries no number (the legend names its
    colour and the hover its count): tiny segments with squeezed or rotated labels are unreadable."""
    longest = max(totals, default=0)
    fig = go.Figure()
    for level in LEVELS:
        n = dict(per.filter(pl.col("level") == level).select("key", "len").iter_rows())
        counts = [n.get(k, 0) for k in keys]
        fig.add_bar(
            y=labels, x=counts, orientation="h", name=zh.LEVEL[level], marker_color=zh.LEVEL_COLOR[level],
            text=[str(k) if k and k >= MIN_LABEL_SHARE * longest else "" for k in counts],
            textposition="inside", insidetextanchor="middle", textangle=0, textfont={"color": "#fff"},
            hovertemplate="%{y}：%{x} 个<extra>" + zh.LEVEL[level] + "</extra>",
        )  # fmt: skip
    fig.add_scatter(
        y=labels, x=totals, mode="text", text=[f" {k}" for k in totals],
        textposition="middle right", showlegend=False, hoverinfo="skip", cliponaxis=False,
    )  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.update_xaxes(count_axis(longest), range=[0, longest * 1.12], title_text=zh.PROJECTS_AXIS)
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def warnings_by_district(lines: pl.DataFrame, names: Mapping[str, str]) -> Chart:
    """This run's warning lines per district, stacked by level, the busiest district on top."""
    name = zh.CHART_NAME["warnings"]
    if lines.height == 0:
        return Chart("warnings", name, zh.WARNINGS_NONE, empty_figure(zh.WARNINGS_NONE))
    per = lines.group_by("area_code", "level").len()
    totals = (
        lines.group_by("area_code")
        .len()
        .sort(["len", "area_code"], descending=[True, False], nulls_last=True)
    )
    areas = totals["area_code"].to_list()
    labels = [area_label(a, names) for a in areas]
    fig = stacked_level_bars(per.rename({"area_code": "key"}), areas, labels, totals["len"].to_list())
    by_level = {lv: lines.filter(pl.col("level") == lv).height for lv in LEVELS}
    changes = lines["change"].value_counts()
    by_change = dict(zip(changes["change"], changes["count"], strict=True))
    finding = zh.WARNINGS.format(
        n=lines.height, **by_level, new=by_change.get("new", 0), escalated=by_change.get("escalated", 0),
        area=area_label(areas[0], names), k=totals["len"][0],
    )  # fmt: skip
    return Chart("warnings", name, finding, styled(fig, finding, 150 + 40 * len(areas)))


def rules_chart(lines: pl.DataFrame) -> Chart:
    """How many lines each rule put on the list, most frequent on top, split by the level those lines got.

    The colour is the level the rule actually produced on this list (the `warning` table), not the rule's
    catalogue default: a yellow-by-default rule on 77 red lines shows 77 red.
    """
    name = zh.CHART_NAME["rules"]
    fired = (
        lines.select("project_code", "rules", "level").explode("rules").drop_nulls().unique()
        if lines.height
        else pl.DataFrame()
    )
    if fired.height == 0:
        return Chart("rules", name, zh.RULES_NONE, empty_figure(zh.RULES_NONE))
    counts = fired.group_by("rules").len().sort(["len", "rules"], descending=[True, False])
    per = fired.group_by("rules", "level").len()
    labels = [rule_label(r) for r in counts["rules"]]
    fig = stacked_level_bars(
        per.rename({"rules": "key"}), counts["rules"].to_list(), labels, counts["len"].to_list()
    )
    top = counts.row(0, named=True)
    finding = zh.RULES.format(rule=rule_label(top["rules"]), k=top["len"])
    red = per.filter(pl.col("level") == "red").sort(["len", "rules"], descending=[True, False])
    if red.height and red["rules"][0] == top["rules"]:
        finding += zh.RULES_RED_SAME.format(k=red["len"][0])
    elif red.height:
        finding += zh.RULES_RED.format(rule=red["rules"][0], k=red["len"][0])
    return Chart("rules", name, finding, styled(fig, finding, 150 + 38 * counts.height))


def quality_chart(findings: pl.DataFrame) -> Chart:
    """The run's data-quality findings by problem: how many places each was found, blocking ones in red."""
    name = zh.CHART_NAME["quality"]
    if findings.height == 0:
        return Chart("quality", name, zh.QUALITY_NONE, empty_figure(zh.QUALITY_NONE))
    by = (
        findings.group_by("title_zh", "severity")
        .agg(pl.len().alias("places"), pl.col("n_rows").sum().alias("n_rows"))
        .with_columns(is_blocking=pl.col("severity") == "blocking")
        .sort(["is_blocking", "places", "title_zh", "severity"], descending=[False, False, True, True])
    )  # plotly draws bars bottom-up: blocking problems and the most frequent end on top
    fig = go.Figure(
        go.Bar(
            x=by["places"].to_list(),
            y=[
                f"{t}（{zh.SEVERITY.get(s, s)}）" for t, s in zip(by["title_zh"], by["severity"], strict=True)
            ],
            orientation="h",
            marker_color=[MISS if s == "blocking" else "#7F7F7F" for s in by["severity"]],
            text=by["places"].to_list(),
            textposition="outside",
            customdata=by["n_rows"].to_list(),
            hovertemplate=zh.HOVER_QUALITY,
            showlegend=False,
        )
    )
    most_places = by.select(pl.col("places").max()).item()
    fig.update_xaxes(
        count_axis(most_places),
        range=[0, float(most_places) * 1.15],
        title_text=zh.QUALITY_AXIS,
    )  # room for the outside labels
    # ties on places: the first title in order, the same on every run (the top bar when none is blocking)
    top = by.sort(["places", "is_blocking", "title_zh"], descending=[True, True, False]).row(0, named=True)
    blocking = by.filter(pl.col("is_blocking"))["title_zh"].unique(maintain_order=True).to_list()
    finding = zh.QUALITY.format(
        k=by["title_zh"].n_unique(),
        blocking=len(blocking),
        names=zh.QUALITY_BLOCKING_NAMES.format(names="、".join(blocking)) if blocking else "",
        title=top["title_zh"],
        n=top["places"],
    )
    return Chart("quality", name, finding, styled(fig, finding, 160 + 40 * by.height))
