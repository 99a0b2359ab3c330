"""R01 人工费未按月拨付, R02 人工费拨付不足, R15 专户余额不足: firing and not firing at each threshold.

Evaluation at 2025-07-31: the evaluation month is 2025-07.
"""

from datetime import date, datetime

import pytest

from pipelines.settings import Settings
from tests.sql.rules.given_rules import fired, levels, pay, projects, punches, rule_warehouse, worker


def account(project_code: str) -> dict:
    return {
        "account_number": f"ACC-{project_code}",
        "project_code": project_code,
        "open_date": date(2024, 1, 1),
    }


def inflow(project_code: str, month: str, amount: float = 50_000.0) -> dict:
    return {
        "txn_id": f"in-{project_code}-{month}",
        "account_number": f"ACC-{project_code}",
        "txn_time": datetime.fromisoformat(f"{month}-15T10:00:00"),
        "direction": "01",
        "txn_type": "01",
        "amount": amount,
    }


def worked(project_code: str, months: list[str]) -> list[dict]:
    return [
        p
        for m in months
        for p in punches(project_code, f"{project_code}-w", date.fromisoformat(f"{m}-03"), 1)
    ]


# month of work without a 人工费 inflow = "missing"; the window is Aug 2024 … Jul 2025 (r01_lookback_months = 12)
R01_WORK = {
    "Y": (["2025-06", "2025-07"], ["2025-06"]),  # missing July only → yellow
    "RUN": (["2025-06", "2025-07"], []),  # missing June and July: 2 running → red
    "CUM": (
        ["2024-08", "2025-03", "2025-05", "2025-07"],
        ["2025-07"],
    ),  # 3 in the window (Aug 2024 the edge) → red
    "OUT": (
        ["2024-07", "2025-03", "2025-05", "2025-07"],
        ["2025-07"],
    ),  # Jul 2024 is 13 months back: 2 → nothing
    "PAID": (["2025-07"], ["2025-07"]),  # nothing missing
}
R01_ROWS = {
    "project": projects(*R01_WORK),
    "project_worker": [worker(p, f"{p}-w") for p in R01_WORK],
    "attendance": [p for code, (work, _) in R01_WORK.items() for p in worked(code, work)],
    "wage_account": [account(p) for p in R01_WORK],
    "account_txn": [inflow(code, m) for code, (_, paid) in R01_WORK.items() for m in paid],
}


def test_r01_levels_at_the_consecutive_and_cumulative_thresholds():
    assert levels(rule_warehouse(R01_ROWS, "R01"), "R01") == {"Y": "yellow", "RUN": "red", "CUM": "red"}


def test_r01_reason_names_the_months_and_the_window():
    got = fired(rule_warehouse(R01_ROWS, "R01"), "R01")
    assert (
        got["CUM"]["reason_zh"] == "2024-08、2025-03、2025-05 有考勤但专户未收到人工费拨付（近12个月共3个月）"
    )


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        # 3 running months needed: June + July is only yellow
        ("r01_red_consecutive_months", 3, {"Y": "yellow", "RUN": "yellow", "CUM": "red"}),
        # a 13-month window reaches Jul 2024: OUT has 3 missing months
        ("r01_lookback_months", 13, {"Y": "yellow", "RUN": "red", "CUM": "red", "OUT": "red"}),
        # 2 in the window are enough: OUT's Mar and May fire too
        ("r01_red_months_in_12", 2, {"Y": "yellow", "RUN": "red", "CUM": "red", "OUT": "red"}),
    ],
)
def test_r01_thresholds_are_settings(setting, value, expected):
    con = rule_warehouse(R01_ROWS, "R01", settings=Settings(rules={setting: value}))
    assert levels(con, "R01") == expected


# R02: required = 0.20 (default_labor_cost_ratio) × certified value 100,000 = 20,000 in July
R02_INFLOW = {"EQ": 20_000.0, "SHORT": 19_999.0, "NONE": None}
R02_ROWS = {
    "project": projects(*R02_INFLOW),
    "wage_account": [account(p) for p in R02_INFLOW],
    "account_txn": [inflow(p, "2025-07", a) for p, a in R02_INFLOW.items() if a is not None],
    "project_progress": [
        {"project_code": p, "month": "2025-07", "certified_value": 100_000.0} for p in R02_INFLOW
    ],
}


def test_r02_fires_below_the_required_share_not_at_it():
    got = fired(rule_warehouse(R02_ROWS, "R02"), "R02")
    assert set(got) == {"SHORT"}  # no inflow at all is R01's finding
    assert got["SHORT"]["evidence_value"] == pytest.approx(19_999 / 20_000)
    assert got["SHORT"]["reason_zh"] == "2025-07 人工费拨付2.0万元，低于应拨2.0万元（100%）"


def test_r02_ratio_is_a_setting():
    con = rule_warehouse(R02_ROWS, "R02", settings=Settings(indicators={"default_labor_cost_ratio": 0.1999}))
    assert fired(con, "R02") == {}


# R15: balance against the mean regular payroll of the last 3 pay months (1,000, 2,000, 3,000 → 2,000)
def balance(project_code: str, amount: float) -> dict:
    return {
        "txn_id": f"bal-{project_code}",
        "account_number": f"ACC-{project_code}",
        "txn_time": datetime(2025, 7, 20, 9),
        "balance": amount,
    }


R15_BALANCE = {"EQ": 2_000.0, "SHORT": 1_999.99}
R15_ROWS = {
    "project": projects(*R15_BALANCE),
    "wage_account": [account(p) for p in R15_BALANCE],
    "account_txn": [balance(p, b) for p, b in R15_BALANCE.items()],
    "payroll": [
        pay(p, "w", amount, month=m, on=date(2025, 7, 10))
        for p in R15_BALANCE
        for m, amount in [
            ("2025-03", 9_000.0),
            ("2025-04", 1_000.0),
            ("2025-05", 2_000.0),
            ("2025-06", 3_000.0),
        ]
    ],
}


def test_r15_fires_below_the_expected_payroll_not_at_it():
    got = fired(rule_warehouse(R15_ROWS, "R15"), "R15")
    assert set(got) == {"SHORT"}  # March's 9,000 is the 4th month back: not in the mean
    assert got["SHORT"]["reason_zh"] == "专户余额0.2万元，低于近3个月平均应发工资0.2万元"


def test_r15_months_of_payroll_is_a_setting():
    # the mean of 4 months is 3,750: both balances are short
    con = rule_warehouse(R15_ROWS, "R15", settings=Settings(rules={"r15_payroll_months": 4}))
    assert set(fired(con, "R15")) == {"EQ", "SHORT"}
