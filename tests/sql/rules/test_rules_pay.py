"""Rules on pay: R07 below minimum wage, R08 implausible pay, R15 account balance short, R16 leavers unpaid.

Evaluation at 2025-07-31: the evaluation month is 2025-07; the pay month due by its end is 2025-06.
"""

from datetime import date, datetime, timedelta

import pytest

from pipelines.settings import Settings
from tests.given import given_warehouse, rows_of
from tests.sql.intermediate.given_indicators import project, worker

AS_OF = date(2025, 7, 31)


def june_days(project_code: str, person: str, n_days: int) -> list[dict]:
    """One punch on each of n_days working days of June 2025."""
    first = datetime(2025, 6, 2, 8, 0)
    return [
        {"project_code": project_code, "id_card_number_hash": person, "date": first + timedelta(days=d)}
        for d in range(n_days)
    ]


def paid(project_code, person, amount, *, month="2025-06", on=date(2025, 7, 10), total=None, back=False):
    return {
        "project_code": project_code,
        "id_card_number_hash": person,
        "pay_month": month,
        "total_pay_amount": amount if total is None else total,
        "actual_amount": amount,
        "balance_date": on,
        "is_back_pay": back,
    }


ROWS = {
    "project": [
        project(code, area="350503", contract_amount=10_000_000) for code in ("A", "B", "C", "D", "E")
    ],
    "project_worker": [
        worker("A", "a1"),
        worker("A", "a2"),
        worker("B", "b1"),
        worker("C", "c1"),
        worker("E", "e1", exit_time=datetime(2025, 5, 20)),  # left 72 days before as_of
        worker(
            "E", "e2", exit_time=datetime(2025, 7, 20)
        ),  # left 11 days ago: still inside the settle period
        worker("E", "e3", exit_time=datetime(2025, 5, 20)),  # left, fully paid
    ],
    "attendance": [
        # A: two full-timers (≥ 20 days in June) paid 1,500 and 1,800 → mean 1,650 < 1,890
        *june_days("A", "a1", 22),
        *june_days("A", "a2", 20),
        # B: one full-timer paid 6,000; one part-timer (5 days) paid 500 does not count
        *june_days("B", "b1", 21),
        *june_days("B", "b9", 5),
        # C: 19 days only → not a full-timer, however low the pay
        *june_days("C", "c1", 19),
    ],
    "payroll": [
        paid("A", "a1", 1500),
        paid("A", "a2", 1800),
        paid("B", "b1", 6000),
        paid("B", "b9", 500),
        paid("C", "c1", 800),
        # D: one person paid 62,000 in May (R08 month), another 26,000 × 12 months = 312,000 (R08 year)
        paid("D", "d1", 62000, month="2025-05", on=date(2025, 6, 10)),
        *[
            paid("D", "d2", 26000, month=f"{y}-{m:02d}", on=date(2025, 7, 1))
            for y, m in [(2024, 8), (2024, 9), (2024, 10), (2024, 11), (2024, 12)]
            + [(2025, k) for k in range(1, 8)]
        ],
        # E: e1 payable 9,000, paid 6,000 (+1,000 back pay) → owes 2,000; e2 owes but left too recently; e3 square
        paid("E", "e1", 6000, total=9000, month="2025-05", on=date(2025, 6, 10)),
        paid("E", "e1", 1000, total=0, month="2025-05", on=date(2025, 6, 30), back=True),
        paid("E", "e2", 1000, total=4000, month="2025-06", on=date(2025, 7, 10)),
        paid("E", "e3", 5000, month="2025-05", on=date(2025, 6, 10)),
    ],
    "wage_account": [
        {"account_number": "ACC-A", "project_code": "A", "open_date": date(2025, 1, 1)},
        {"account_number": "ACC-D", "project_code": "D", "open_date": date(2025, 1, 1)},
    ],
    "account_txn": [
        # A: last balance before as_of is 2,000; its payroll averages 3,300 a month → R15
        {"txn_id": "t1", "account_number": "ACC-A", "txn_time": datetime(2025, 7, 1, 9), "balance": 9000.0},
        {"txn_id": "t2", "account_number": "ACC-A", "txn_time": datetime(2025, 7, 20, 9), "balance": 2000.0},
        {"txn_id": "t3", "account_number": "ACC-A", "txn_time": datetime(2025, 8, 2, 9), "balance": 99000.0},
        # D: a balance far above its payroll → no R15
        {"txn_id": "t4", "account_number": "ACC-D", "txn_time": datetime(2025, 7, 20, 9), "balance": 5e6},
    ],
}


@pytest.fixture(scope="module")
def warehouse():
    return given_warehouse(ROWS, as_of=AS_OF)


def fired(con, rule_id):
    return {
        r["project_code"]: r
        for r in rows_of(con, f"select * from rule_firing where rule_id = '{rule_id}' order by project_code")
    }


def test_r07_mean_pay_of_full_timers_below_minimum_wage(warehouse):
    got = fired(warehouse, "R07")
    assert set(got) == {"A"}
    assert got["A"]["level"] == "red"
    assert got["A"]["evidence_value"] == pytest.approx(1650)
    assert got["A"]["reason_zh"] == "2025-06 出勤满20天的2名工人月均实发1650元，低于当地最低工资1890元"


def test_r07_minimum_wage_is_a_setting_per_area():
    settings = Settings(rules={"r07_min_wage_yuan": {"350503": 6500.0}})
    con = given_warehouse(ROWS, as_of=AS_OF, settings=settings)
    assert set(fired(con, "R07")) == {"A", "B"}


def test_r08_month_and_year_ceilings(warehouse):
    got = fired(warehouse, "R08")
    assert set(got) == {"D"}
    assert got["D"]["reason_zh"].startswith("1名工人单月实发超过5.0万元（最高6.2万元，2025-05）")
    assert got["D"]["evidence_value"] == 62000


def test_r08_year_ceiling_alone():
    rows = {**ROWS, "payroll": [r for r in ROWS["payroll"] if r["id_card_number_hash"] == "d2"]}
    got = fired(given_warehouse(rows, as_of=AS_OF), "R08")
    # Aug 2024 … Jul 2025 is 12 pay months × 26,000 = 312,000 > 300,000
    assert got["D"]["reason_zh"] == "1名工人近12个月实发超过30.0万元（最高31.2万元），疑似代领或套取工资款"


def test_r15_last_balance_before_as_of_against_mean_payroll(warehouse):
    got = fired(warehouse, "R15")
    assert set(got) == {"A"}  # D's balance covers its payroll; projects without account flows are not judged
    assert got["A"]["evidence_value"] == pytest.approx(2000 / 3300)
    assert got["A"]["reason_zh"] == "专户余额0.2万元，低于近1个月平均应发工资0.3万元"


@pytest.mark.parametrize(("serial", "fires"), [("t2a", False), ("t0", True)])
def test_r15_same_time_transactions_are_ordered_by_the_bank_serial(serial, fires):
    # a second transaction at the very time of A's last one (a payroll batch): its balance counts only when the
    # bank's serial number puts it after t2
    batch = {
        "txn_id": serial,
        "account_number": "ACC-A",
        "txn_time": datetime(2025, 7, 20, 9),
        "balance": 50000.0,
    }
    rows = {**ROWS, "account_txn": [*ROWS["account_txn"], batch]}
    for _ in range(3):  # the same answer on every build, whatever order the rows are read in
        assert ("A" in fired(given_warehouse(rows, as_of=AS_OF), "R15")) is fires


def test_r16_leavers_owed_after_the_settle_period(warehouse):
    got = fired(warehouse, "R16")
    assert set(got) == {"E"}
    assert got["E"]["reason_zh"] == "1名已离场工人工资未结清，共欠2000元"
    # E is short for May past its make-good too (R05): the worker-month is one row naming both rules
    workers = rows_of(warehouse, "select * from rule_worker where 'R16' in (rule_id, also_rule_id)")
    assert [(w["project_code"], w["pay_month"], w["amount_owed_yuan"]) for w in workers] == [
        ("E", "2025-05", 2000)
    ]


def test_r16_settle_period_is_a_setting():
    con = given_warehouse(ROWS, as_of=AS_OF, settings=Settings(rules={"r16_settle_days": 5}))
    assert fired(con, "R16")["E"]["reason_zh"] == "2名已离场工人工资未结清，共欠5000元"
