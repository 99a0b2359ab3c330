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
