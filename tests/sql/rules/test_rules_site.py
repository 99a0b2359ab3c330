"""R09 key staff on site, R10 attendance stopped, R17 punches on two projects: at their thresholds."""

from datetime import date, datetime, timedelta

import pytest

from pipelines.settings import Settings
from tests.sql.intermediate.given_indicators import key_staff
from tests.sql.rules.given_rules import AS_OF, fired, projects, punches, rule_warehouse, worker

# ---------------------------------------------------------------- R09: 10 working days in July; 60 % = 6 days
JULY_1 = date(2025, 7, 1)
R09_PM_DAYS = {"AT": 6, "BELOW": 5, "NOPM": None}
R09_ROWS = {
    "project": projects(*R09_PM_DAYS),
    "project_corp": [key_staff(p, f"{p}-pm", "009") for p, d in R09_PM_DAYS.items() if d is not None]
    + [key_staff(p, f"{p}-cs", "007", corp="S1") for p in R09_PM_DAYS],
    "project_worker": [worker(p, f"{p}-w") for p in R09_PM_DAYS]
    + [worker(p, f"{p}-pm", role="10") for p in R09_PM_DAYS]
    + [worker(p, f"{p}-cs", role="10") for p in R09_PM_DAYS],
    "attendance": [
        punch
        for p, pm_days in R09_PM_DAYS.items()
        for punch in punches(p, f"{p}-w", JULY_1, 10)
        + punches(p, f"{p}-cs", JULY_1, 10)
        + punches(p, f"{p}-pm", JULY_1, pm_days or 0)
    ],
}


def test_r09_on_site_rate_at_the_minimum_does_not_fire():
    got = fired(rule_warehouse(R09_ROWS, "R09"), "R09")
    assert set(got) == {"BELOW", "NOPM"}
    assert got["BELOW"]["reason_zh"] == "2025-07 项目经理到岗率50.0%（要求不低于60.0%）"
    assert got["NOPM"]["reason_zh"] == "2025-07 未设置项目经理（要求不低于60.0%）"


def test_r09_minimum_rate_is_a_setting():
    con = rule_warehouse(R09_ROWS, "R09", settings=Settings(rules={"r09_min_onsite_rate": 0.61}))
    assert set(fired(con, "R09")) == {"AT", "BELOW", "NOPM"}


# ---------------------------------------------------------------- R10: silence of 7 days, headcount halved
def daily(project_code: str, n_workers: int, first: date, last: date) -> list[dict]:
    return [
        punch
        for i in range(n_workers)
        for punch in punches(project_code, f"{project_code}-{i}", first, (last - first).days + 1)
    ]


BASELINE = (AS_OF - timedelta(days=34), AS_OF - timedelta(days=7))  # the 4 weeks before the last 7 days
LAST_WEEK = (AS_OF - timedelta(days=6), AS_OF)
R10_CREWS = {
    "SILENT6": daily("SILENT6", 2, BASELINE[0], AS_OF - timedelta(days=6)),  # last punch 6 days ago
    "SILENT7": daily("SILENT7", 2, BASELINE[0], AS_OF - timedelta(days=7)),  # 7 days ago
    "HALF": daily("HALF", 4, *BASELINE) + daily("HALF", 2, *LAST_WEEK),  # down by exactly a half
    "DROP": daily("DROP", 4, *BASELINE) + daily("DROP", 1, *LAST_WEEK),  # down by three quarters
}
R10_ROWS = {
    "project": projects(*R10_CREWS),
    "project_worker": [worker(p, f"{p}-{i}") for p in R10_CREWS for i in range(4)],
    "attendance": [punch for crew in R10_CREWS.values() for punch in crew],
}


def test_r10_silence_and_drop_fire_at_the_threshold_and_beyond():
    got = fired(rule_warehouse(R10_ROWS, "R10"), "R10")
    assert set(got) == {"SILENT7", "DROP"}
    assert got["SILENT7"]["reason_zh"] == "已连续7天无考勤（最后考勤2025-07-24）"
    assert got["DROP"]["reason_zh"] == "近7天日均在岗1.0人，较前4周日均4.0人下降75.0%"


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("r10_drop_share", 0.4, {"SILENT7", "HALF", "DROP"}),
        # the last 14 days hold a week at full strength: DROP's mean is 2.5 of 4, no longer down by more than half
        ("r10_recent_days", 14, {"SILENT7"}),
    ],
)
def test_r10_thresholds_are_settings(setting, value, expected):
    con = rule_warehouse(R10_ROWS, "R10", settings=Settings(rules={setting: value}))
    assert set(fired(con, "R10")) == expected


def test_r10_silent_days_is_a_setting():
    # 7 silent days are no longer a stoppage by themselves; an empty last week is still a drop to nothing
    got = fired(rule_warehouse(R10_ROWS, "R10", settings=Settings(rules={"r10_silent_days": 8})), "R10")
    assert got["SILENT7"]["reason_zh"] == "近7天日均在岗0.0人，较前4周日均2.0人下降100.0%"


# ---------------------------------------------------------------- R17: two projects within 60 minutes, last 30 days
def punch_at(project_code: str, person: str, at: datetime) -> dict:
    return {"project_code": project_code, "id_card_number_hash": person, "date": at}


R17_ROWS = {
    "project": projects("A", "B", "C", "D", "E", "F"),
    "attendance": [
        punch_at("A", "x", datetime(2025, 7, 20, 8, 0)),
        punch_at("B", "x", datetime(2025, 7, 20, 8, 59)),  # 59 minutes: within
        punch_at("C", "y", datetime(2025, 7, 20, 8, 0)),
        punch_at("D", "y", datetime(2025, 7, 20, 9, 0)),  # 60 minutes: not within
        punch_at("E", "z", datetime(2025, 7, 2, 8, 0)),  # 29 days before as_of: inside the lookback
        punch_at("F", "z", datetime(2025, 7, 2, 8, 10)),
        punch_at("E", "v", datetime(2025, 7, 1, 8, 0)),  # 30 days before: outside
        punch_at("D", "v", datetime(2025, 7, 1, 8, 10)),
    ],
}


def test_r17_window_and_lookback_boundaries():
    assert set(fired(rule_warehouse(R17_ROWS, "R17"), "R17")) == {"A", "B", "E", "F"}


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("r17_window_minutes", 61, {"A", "B", "C", "D", "E", "F"}),
        ("r17_lookback_days", 31, {"A", "B", "D", "E", "F"}),
    ],
)
def test_r17_window_and_lookback_are_settings(setting, value, expected):
    con = rule_warehouse(R17_ROWS, "R17", settings=Settings(rules={setting: value}))
    assert set(fired(con, "R17")) == expected
