"""The meeting's questions on the dashboard: what changed (cards), whom to call in (agenda, firms), images that
say where and when they come from, and charts whose labels cannot collide by construction."""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from pipelines.reports import labels_zh as zh
from pipelines.reports.dashboard import (
    DashboardInputs,
    FirmInputs,
    build_dashboard,
    firm_section,
    firm_table,
    months_to_target,
    render_html,
)
from pipelines.reports.figures import MIN_LABEL_SHARE, Target, finding_text, for_page
from pipelines.settings import Settings
from tests.reports import given_reports as given

MONTH = "2025-07"


def built(area_month: pl.DataFrame | None = None, firms: FirmInputs | None = None, **kwargs):
    return build_dashboard(
        DashboardInputs(
            given.area_month() if area_month is None else area_month, given.ranking(), given.lines(),
            given.findings(), given.areas(), given.AS_OF, Settings(), firms=firms, **kwargs,
        )
    )  # fmt: skip


def city(column: str, month: str) -> float:
    return given.area_month().filter((pl.col("area_code") == "ALL") & (pl.col("month") == month))[column][0]


def points(delta: float) -> str:
    shown = round(delta * 100, 1)
    return "持平" if shown == 0 else f"{'+' if shown > 0 else '−'}{abs(shown):.1f} 个百分点"


def card(cards: str, label: str) -> str:
    """One card's HTML, found by its label."""
    found = re.search(
        rf"<div class='card[^']*'[^>]*><div class='k'>{label}</div>.*?(?=<div class='card|</div>$)", cards
    )
    assert found, f"no card {label}"
    return found.group(0)


# ── cards ────────────────────────────────────────────────────────────────────────────────────────────────


def test_cards_compare_with_last_month_and_the_same_month_last_year():
    cards = built().cards
    rn = card(cards, "实名制更新率")
    now = city("rn_update_rate", MONTH)
    assert f"环比 {points(now - city('rn_update_rate', '2025-06'))}" in rn
    assert f"同比 {points(now - city('rn_update_rate', '2024-07'))}" in rn
    people = city("avg_attendance", MONTH) - city("avg_attendance", "2025-06")
    assert f"环比 {'+' if people > 0 else '−'}{abs(people):.1f} 人" in card(cards, "平均考勤人数")
    opened = int(city("open_cases", MONTH) - city("open_cases", "2025-06"))
    expected = "持平" if opened == 0 else f"{'+' if opened > 0 else '−'}{abs(opened)} 件"
    assert f"环比 {expected}" in card(cards, "未结案件")


def test_without_last_years_month_the_comparison_is_a_dash():
    recent = given.area_month().filter(pl.col("month") >= "2025-01")
    cards = built(recent).cards
    assert cards.count("同比 —") == 5  # 3 国考 indicators, closure rate, open cases
    assert cards.count("环比 —") == 0


def test_a_null_indicator_reads_data_not_delivered():
    missing = given.area_month().with_columns(
        rn_update_rate=pl.when((pl.col("area_code") == "ALL") & (pl.col("month") == MONTH))
        .then(None)
        .otherwise(pl.col("rn_update_rate"))
    )
    rn = card(built(missing, missing_sources=["attendance"]).cards, "实名制更新率")
    assert "<div class='v'>数据未报送</div>" in rn
    assert "0.0%" not in rn
    # delivered, yet nothing to compute: 无数据, never 0 % and never blamed on the platform
    delivered = card(built(missing).cards, "实名制更新率")
    assert "<div class='v'>无数据</div>" in delivered
    assert "0.0%" not in delivered


def test_months_to_target_at_the_recent_pace():
    goal = Target(0.90, ">=")
    history = {"2025-04": 0.80, "2025-07": 0.86}
    assert (
        months_to_target(history, MONTH, goal, higher_is_better=True, window=3)
        == "按近3个月趋势约 2 个月达标"
    )
    assert months_to_target({"2025-07": 0.91}, MONTH, goal, higher_is_better=True, window=3) == "已达标"
    falling = {"2025-04": 0.88, "2025-07": 0.86}
    assert months_to_target(falling, MONTH, goal, higher_is_better=True, window=3) == "按近3个月趋势无法达标"
    assert (
        months_to_target({"2025-07": 0.86}, MONTH, goal, higher_is_better=True, window=3)
        == zh.TO_TARGET_NO_TREND
    )
    slow = {"2025-04": 0.50, "2025-07": 0.51}  # 0.39 to go at 0.0033 a month: 117 months
    assert (
        months_to_target(slow, MONTH, goal, higher_is_better=True, window=3) == "按近3个月趋势3年内无法达标"
    )
    cases = {"2025-04": 14.0, "2025-07": 8.0}  # open cases, target 0, falling 2 a month
    zero = Target(0.0, "<=")
    assert (
        months_to_target(cases, MONTH, zero, higher_is_better=False, window=3) == "按近3个月趋势约 4 个月达标"
    )


# ── the agenda and the firms ─────────────────────────────────────────────────────────────────────────────

CODE_1 = "91350500MA00000001"  # 总包 of FENGZE's project 1 (red, escalated: R03 R05) in given.lines()
BLACKLISTED = "91350500ZZ00000099"  # on the complaint ladder, on no warning line
SUBCONTRACTOR = "91350500SB00000077"


def ladder_row(corp: str, level: int, months: int, n: int, rank: int) -> dict:
    labels = {
        1: ("interview", "约谈"),
        2: ("replace_project_manager", "更换项目经理"),
        3: ("blacklist", "黑榜"),
    }
    return {
        "corp_code": corp, "month": MONTH, "n_complaints": n, "n_workers_involved": 3 * n,
        "amount_claimed_yuan": 10000.0 * n, "n_projects": 1, "project_codes": ["x"], "complaint_rank": rank,
        "consecutive_months": months, "ladder_level": level, "ladder_action": labels[level][0],
        "ladder_label_zh": labels[level][1],
    }  # fmt: skip


def firms() -> FirmInputs:
    day = date.fromisoformat
    cases = pl.DataFrame(
        {
            "case_id": ["c1", "c2", "c3", "c4", "c5"],
            "corp_code": [CODE_1, CODE_1, CODE_1, CODE_1, SUBCONTRACTOR],
            "project_code": ["p"] * 5,
            "received_date": [
                day("2025-06-01"),
                day("2025-07-10"),
                day("2025-05-01"),
                day("2025-08-05"),
                day("2025-07-01"),
            ],
            "closed_date": [None, day("2025-08-03"), day("2025-06-01"), None, None],
        }
    )  # fmt: skip  (open on 07-31: c1, and c2 closed later; c3 closed before; c4 not yet received)
    credit = pl.DataFrame(
        {
            "corp_code": [CODE_1, CODE_1, CODE_1],
            "corp_name": ["泉州宏图建筑工程有限公司"] * 3,
            "event_type": ["01", "02", "02"],
            "event_date": [day("2024-03-01"), day("2025-06-30"), day("2022-01-01")],  # the last is too old
            "points": [None, 2.0, 1.0],
        }
    )
    corps = pl.DataFrame(
        {
            "corp_code": [BLACKLISTED, SUBCONTRACTOR],
            "corp_type": ["009", "006"],
            "corp_name": ["泉州黑榜建设有限公司", "某劳务分包有限公司"],
        }
    )
    ladder = pl.DataFrame(
        [
            ladder_row(CODE_1, 2, 2, 3, 2),
            ladder_row(BLACKLISTED, 3, 4, 5, 1),
            ladder_row(SUBCONTRACTOR, 1, 1, 2, 3) | {"month": "2025-06"},
        ]
    )
    return FirmInputs(cases=cases, credit=credit, ladder=ladder, corps=corps)


def test_the_firm_table_counts_lines_cases_rectification_and_credit():
    table = firm_table(given.lines(), firms(), MONTH, given.AS_OF, Settings())
    first = table.row(0, named=True)
    assert (first["corp_code"], first["role"], first["name"]) == (
        CODE_1,
        "contractor",
        "泉州宏图建筑工程有限公司",
    )
    assert (first["red"], first["orange"], first["open_cases"], first["credit_events"]) == (1, 0, 2, 2)
    assert (first["ladder_level"], first["rectification"]) == (2, 0)  # R03/R05 are not rectification rules
    both = table.filter(pl.col("red") > 0)
    assert both.height == 8
    assert set(both["role"]) == {"contractor", "build"}
    assert table.filter(pl.col("corp_code") == "91350500MA00000005")["rectification"].to_list() == [
        2
    ]  # R09 R02
    blacklisted = table.filter(pl.col("corp_code") == BLACKLISTED).row(0, named=True)
    assert (blacklisted["name"], blacklisted["ladder_level"], blacklisted["red"]) == (
        "泉州黑榜建设有限公司",
        3,
        0,
    )
    assert SUBCONTRACTOR not in table["corp_code"].to_list()  # 劳务分包: not a 总包 or 建设单位
    ordered = table.select("red", "orange").rows()
    assert ordered == sorted(ordered, reverse=True)
    section = firm_section(
        table, Settings()
    )  # 16: four red and four orange lines, each with 总包 and 建设单位
    assert section.finding.startswith("16 家企业的项目有红色或橙色预警；泉州宏图建筑工程有限公司（总包）居首")
    assert "②更换项目经理（连续2个月）" in section.table


def test_the_agenda_puts_the_most_severe_first_with_who_and_why():
    dash = built(firms=firms())
    agenda = next(s for s in dash.sections if s.key == "agenda")
    levels = [int(x) for x in re.findall(r"<li class='item ladder(\d)'>", agenda.table)]
    bottom = given.ranking().filter((pl.col("month") == MONTH) & pl.col("is_bottom"))
    district_items = bottom.select("area_code", "ladder_level").unique().height
    assert len(levels) == district_items + 2  # + the two firms on this month's complaint ladder
    assert levels == sorted(levels, reverse=True)  # 问责 before 约谈 before 通报
    heads = re.findall(r"<span class='act'>([^<]+)</span><span class='who'>([^<]+)</span>", agenda.table)
    assert heads[0][0] == "③问责"
    assert ("③黑榜", "泉州黑榜建设有限公司") in heads
    assert ("②更换项目经理", "泉州宏图建筑工程有限公司") in heads
    # the districts first within a step, and every flagged indicator is a reason with its months running
    assert agenda.table.count("排名后3") == bottom.height
    worst = bottom.sort("ladder_level", "consecutive_bottom_months", descending=True).row(0, named=True)
    assert f"连续{worst['consecutive_bottom_months']}个月排名后3" in agenda.table
    assert agenda.finding.startswith(f"本月议程 {len(levels)} 项：")
    assert [s.key for s in dash.sections][:2] == ["agenda", "firms"]


# ── images and labels ────────────────────────────────────────────────────────────────────────────────────


def test_every_exported_image_carries_city_period_source_and_generation_date():
    dash = built(generated=date(2025, 8, 1))
    figures = dash.static_figures()
    assert len(figures) == 7
    findings = {c.name: c.finding for c in dash.charts}
    for stem, fig in figures.items():
        text = finding_text(fig)
        for part in ("泉州市", "指标月份：2025-07", "数据来源：农民工工资支付监管平台", "数据截至 2025-07-31",
                     "生成日期：2025-08-01"):  # fmt: skip
            assert part in text, (stem, text)
        assert text.replace("<br>", "").startswith(findings[stem.split("_", 1)[1]]), stem
    # on the page the finding is a heading that wraps; the plotly figure carries neither it nor the caption
    for chart in dash.charts:
        assert finding_text(for_page(chart.figure)) == ""


def test_district_values_stand_clear_of_the_target_which_is_a_legend_item():
    dash = built()
    for key in ("rn_update_rate", "avg_attendance", "key_staff_onsite_rate"):
        fig = next(c.figure for c in dash.charts if c.key == key)
        values = [a for a in fig.layout.annotations if a.name != "finding"]
        assert values
        assert all(a.xref == "paper" and a.x == 1 and a.xanchor == "left" for a in values)
        assert not any("目标" in (a.text or "") for a in fig.layout.annotations)  # no "目标>60%" over a bar
        assert any((t.name or "").startswith("目标") and t.showlegend is not False for t in fig.data)
        assert fig.data[0].textposition == "none"  # the bars print no label of their own


def test_small_segments_carry_no_label_and_rules_are_coloured_by_the_level_they_produced():
    dash = built()
    warnings = next(c.figure for c in dash.charts if c.key == "warnings")
    bars = [t for t in warnings.data if t.type == "bar"]
    longest = max(sum(col) for col in zip(*(t.x for t in bars), strict=True))
    for t in bars:
        assert t.textangle == 0
        for value, label in zip(t.x, t.text, strict=True):
            assert (label != "") == (value >= MIN_LABEL_SHARE * longest and value > 0)
    rules = next(c.figure for c in dash.charts if c.key == "rules")
    by_level = {t.name: dict(zip(t.y, t.x, strict=True)) for t in rules.data if t.type == "bar"}
    assert set(by_level) == {"红色", "橙色", "黄色"}  # a legend of the levels
    assert by_level["黄色"]["R12 未缴存工资保证金"] == 2
    assert by_level["红色"]["R12 未缴存工资保证金"] == 0
    assert by_level["红色"]["R03 工资未按期发放"] == 1  # R03 fired on a red line
    assert [t.marker.color for t in rules.data if t.type == "bar"] == ["#C00000", "#ED7D31", "#D4A300"]


def test_a_print_button_and_print_styles():
    page = render_html(built())
    assert "onclick='window.print()'" in page
    assert ">打印版</button>" in page
    assert "@media print" in page


def test_the_zh_cn_locale_is_inlined_and_configured():
    page = render_html(built())
    assert page.count("Plotly.register(module.exports)") == 1
    assert "name: 'zh-CN'" in page
    assert "'下载图表为PNG格式'" in page
    assert page.count('"locale": "zh-CN"') == len(built().charts)
    assert "sendChartToCloud" in page  # removed from every modebar


def test_titles_say_what_changed_since_last_month():
    findings = {c.key: c.finding for c in built().charts}
    rn = city("rn_update_rate", MONTH) - city("rn_update_rate", "2025-06")
    assert (
        f"（全市 {city('rn_update_rate', MONTH) * 100:.1f}%，较上月 {points(rn)}，"
        in findings["rn_update_rate"]
    )
    closure = city("case_closure_rate", MONTH) - city("case_closure_rate", "2025-06")
    assert f"；较上月：结案率 {points(closure)}，未结案件 " in findings["cases"]


def test_the_quality_chart_names_the_same_problem_whatever_order_the_findings_come_in():
    """Re-running a night changes nothing, the dashboard's finding sentences included: problems found in as many
    places are ordered by title, so the chart's headline names the same one every run."""
    from pipelines.quality.schema import FINDING_SCHEMA
    from pipelines.reports.figures import quality_chart

    titles = ["乙问题", "甲问题", "丙问题", "丁问题"]
    rows = [
        {"as_of": date(2025, 7, 31), "check_id": f"c{i}", "title_zh": t, "severity": "warning",
         "entity": "payroll", "n_rows": 1}
        for i, t in enumerate(titles)
    ]  # fmt: skip
    seen = set()
    for shift in range(len(rows)):
        chart = quality_chart(pl.DataFrame(rows[shift:] + rows[:shift], schema=FINDING_SCHEMA))
        seen.add((chart.finding, tuple(chart.figure.data[0].y)))
    assert len(seen) == 1
    assert min(titles) in next(iter(seen))[0]
