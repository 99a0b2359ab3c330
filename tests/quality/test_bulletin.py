"""The 数据质量通报 from given findings and history: worst firms first, districts named, trend against last month."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import polars as pl

from pipelines.quality.bulletin import (
    BulletinContext,
    Correction,
    bulletin_html,
    previous_month_run,
    write_bulletin,
)
from pipelines.quality.offline import remote_references
from pipelines.quality.schema import FINDING_SCHEMA

AS_OF, LAST_MONTH, EARLIER_THIS_MONTH = date(2025, 7, 31), date(2025, 6, 30), date(2025, 7, 15)
FENGZE, JINJIANG = "350503", "350582"
WORST, BETTER = "91350100M000100Y43", "91350100M000200Y36"


def f(check, title, entity, area, project, firm, n, severity="warning", as_of=AS_OF):
    return {
        "as_of": as_of, "check_id": check, "title_zh": title, "severity": severity, "entity": entity,
        "area_code": area, "project_code": project, "corp_code": firm, "n_rows": n,
        "first_seen": as_of, "last_seen": as_of, "detail_zh": f"{n}条",
    }  # fmt: skip


def findings(as_of=AS_OF, roster_n=12) -> pl.DataFrame:
    rows = [
        f(
            "attendance_not_on_roster",
            "考勤人员不在项目花名册",
            "attendance",
            FENGZE,
            "P1",
            WORST,
            roster_n,
            as_of=as_of,
        ),
        f("pm_not_set", "未设置项目经理", "project_corp", FENGZE, "P2", WORST, 1, as_of=as_of),
        f("shared_phone", "多名工人共用同一手机号", "project_worker", FENGZE, "P1", WORST, 2, as_of=as_of),
        f(
            "attendance_not_on_roster",
            "考勤人员不在项目花名册",
            "attendance",
            JINJIANG,
            "P3",
            BETTER,
            30,
            as_of=as_of,
        ),
        f("file_unreadable", "文件无法读取", "payroll", None, None, None, 1, as_of=as_of),
    ]
    return pl.DataFrame(rows, schema=FINDING_SCHEMA)


def context() -> BulletinContext:
    return BulletinContext(
        as_of=AS_OF,
        area_names={FENGZE: "丰泽区", JINJIANG: "晋江市"},
        firm_names={WORST: "甲建设有限公司", BETTER: "乙建筑工程有限公司"},
        entity_names={"attendance": "考勤记录", "payroll": "工资发放明细"},
        check_sources={"file_unreadable": "load", "attendance_not_on_roster": "cross_source"},
        n_checks={"gx": 200, "cross_source": 12, "load": 17},
        docs_href="data_docs/index.html",
    )


def test_previous_month_is_the_last_run_of_the_calendar_month_before():
    history = pl.concat([findings(LAST_MONTH), findings(date(2025, 6, 1)), findings(EARLIER_THIS_MONTH)])
    assert set(previous_month_run(history, AS_OF)["as_of"]) == {LAST_MONTH}
    assert previous_month_run(findings(EARLIER_THIS_MONTH), AS_OF).height == 0


def test_bulletin_counts_by_problem_district_and_firm_worst_first_with_trend():
    history = pl.concat([findings(LAST_MONTH, roster_n=20), findings()])
    page = bulletin_html(findings(), history, context())
    assert "数据质量通报（2025年7月31日）" in page
    assert "对比上月通报（2025-06-30）" in page
    assert "本期无阻断级问题" in page
    assert "本期共执行229项检查" in page
    firm_section = page.split("三、按企业")[1].split("四、")[0]
    assert firm_section.index("甲建设有限公司") < firm_section.index(
        "乙建筑工程有限公司"
    )  # 3 problem places vs 1
    area_section = page.split("二、按区县")[1].split("三、")[0]
    assert area_section.index("丰泽区") < area_section.index("晋江市")
    problem_row = re.search(r"<tr><td>考勤人员不在项目花名册</td>.*?</tr>", page).group(0)
    assert "42" in problem_row  # this month: 12 + 30 records
    assert "50" in problem_row  # last month: 20 + 30
    assert "-8" in problem_row  # the trend
    assert "data_docs/index.html" in page


def test_a_blocking_finding_is_announced_and_the_page_needs_no_network(tmp_path):
    now = findings().with_columns(
        severity=pl.when(pl.col("check_id") == "file_unreadable")
        .then(pl.lit("blocking"))
        .otherwise("severity")
    )
    path = write_bulletin(now, now, context(), tmp_path / "通报.html")
    page = path.read_text(encoding="utf-8")
    assert "存在阻断级问题（文件无法读取）" in page
    assert "上月无通报数据" in page
    assert remote_references(page) == []
    assert "<script" not in page


def test_corrected_months_are_flagged_once_and_listed_with_their_late_file():
    late = Correction(
        "2025-04",
        "attendance",
        "2025-04-30/attendance_0430_late.csv",
        date(2025, 4, 30),
        120,
        date(2025, 6, 28),
    )
    page = bulletin_html(findings(), findings(LAST_MONTH), replace(context(), corrections=(late,)))
    assert "更正：2025-04 的指标因补报的往期数据而更正" in page
    assert "2025-04（更正）" in page
    assert "attendance_0430_late.csv" in page
    assert "考勤记录" in page
    assert "更正" not in bulletin_html(findings(), findings(LAST_MONTH), context())


def _loop_row(
    area, month, opened, on_time, verified, not_verified, closed, n_open, overdue, yuan, workers, **rates
):
    from pipelines.warnings.disposition import AREA_MONTH_SCHEMA

    row = dict.fromkeys(AREA_MONTH_SCHEMA)
    row |= {
        "area_code": area, "month": month, "n_opened": opened, "n_inspected_on_time": on_time,
        "n_verified": verified, "n_not_verified": not_verified, "n_closed": closed, "days_to_close": 20.0,
        "n_open": n_open, "n_overdue": overdue, "arrears_found_yuan": yuan, "workers_owed": workers,
        "handling_rate": on_time / opened, "verification_rate": verified / (verified + not_verified),
    } | rates  # fmt: skip
    return pl.DataFrame([row], schema=AREA_MONTH_SCHEMA)


def test_the_bulletin_carries_the_closed_loop_indicators_per_district_and_by_level_and_rank_band():
    loop = pl.concat(
        [
            _loop_row(FENGZE, "2025-06", 4, 3, 2, 1, 1, 2, 1, 52_000.0, 14),
            _loop_row(JINJIANG, "2025-06", 6, 3, 1, 3, 0, 5, 2, 8_000.0, 3),
        ]
    )
    rates = {"verification_rate_red": 0.75, "verification_rate_yellow": 0.0, "verification_rate_top5": 0.5}
    city = _loop_row(None, "2025-06", 10, 6, 3, 4, 1, 7, 3, 60_000.0, 17, **rates)
    page = bulletin_html(findings(), findings(), replace(context(), closed_loop=loop, closed_loop_city=city))
    section = page[page.index("附：预警核查闭环") :]
    # the city line: 10 opened, 6 of them handled within the deadline, 3 of 7 judged found true (43 %)
    assert (
        "累计开出核查 10 条，处置率 60%，核实率 43%，已销号 1 条，超期未核查 3 条；查实欠薪 6.0 万元、涉及 17 人"
        in section
    )
    fengze = re.search(r"<tr><td>丰泽区</td>(.*?)</tr>", section)
    assert fengze is not None
    assert list(re.findall(r"<td>(.*?)</td>", fengze.group(1))) == [
        "4", "75%", "67%", "1（25%）", "20", "2", "1", "5.2", "14",
    ]  # fmt: skip
    assert "晋江市" in section
    # 核实率 by level and rank band, per month of opening; a band without a judged line reads 无数据-like, not 0
    assert "红色核实率" in section
    assert "排名前5核实率" in section
    row = re.search(r"<tr><td>2025-06</td>(.*?)</tr>", section)
    assert row is not None
    cells = re.findall(r"<td class='n'>(.*?)</td>", row.group(1))
    assert cells[:5] == ["10", "60%", "43%", "75%", cells[4]]
    assert cells[4] != "0%"  # orange: no judged line, not a zero rate
    assert cells[5] == "0%"  # yellow: judged, none found true
    # before the lists are assembled (the quality step's first write) there is no section at all
    assert "预警核查闭环" not in bulletin_html(findings(), findings(), context())


def test_problems_with_the_same_counts_are_listed_in_one_order_whatever_order_they_come_in():
    """Re-running a night changes nothing, the bulletin included: problems tied on severity and counts (here every
    one: one finding of one row each) are listed by check id, not in the order a group-by happened to meet them."""
    checks = ["shared_phone", "pm_not_set", "file_unreadable", "attendance_not_on_roster", "unknown_area"]
    rows = [f(check, f"问题{check}", "project_corp", FENGZE, "P9", WORST, 1) for check in checks]
    pages = set()
    for shift in range(len(rows)):
        frame = pl.DataFrame(rows[shift:] + rows[:shift], schema=FINDING_SCHEMA)
        page = bulletin_html(frame, frame, context())
        section = page.split("一、")[1].split("二、")[0]
        assert re.findall(r"<td>问题(\w+)</td>", section) == sorted(checks)
        pages.add(page)
    assert len(pages) == 1
