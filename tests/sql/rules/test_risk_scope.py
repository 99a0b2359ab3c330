"""Risk scope is wider than indicator scope (triage.md): 完工/停工 projects stay while workers are on the roster,
wages are owed, complaints are open, or within risk_tail_days of their last attendance or completion."""

from datetime import date, datetime

from tests.given import given_warehouse, rows_of
from tests.sql.intermediate.given_indicators import project, worker

AS_OF = date(2025, 7, 31)


def test_rule_scope_keeps_projects_where_work_ends():
    rows = {
        "project": [
            project("ACTIVE"),
            project("DONE_ROSTER", status="004", complete_date=date(2024, 6, 30)),  # workers never exited
            project("DONE_RECENT", status="004", complete_date=date(2025, 5, 31)),  # 61 days ago
            project("DONE_LONG", status="004", complete_date=date(2024, 6, 30)),  # a year ago, nothing open
            project("STOPPED_OWED", status="005"),  # stopped, a pay month still owed
            project("DONE_COMPLAINT", status="004", complete_date=date(2024, 6, 30)),
            project("OTHER_CATEGORY", status="004", category="03", complete_date=date(2025, 5, 31)),
        ],
        "project_worker": [
            worker("DONE_ROSTER", "r1"),
            worker("DONE_LONG", "l1", exit_time=datetime(2024, 6, 30)),
        ],
        "payroll": [
            {
                "project_code": "STOPPED_OWED",
                "id_card_number_hash": "s1",
                "pay_month": "2025-05",
                "total_pay_amount": 6000.0,
                "actual_amount": 2000.0,
                "balance_date": date(2025, 6, 20),
                "is_back_pay": False,
            }
        ],
        "complaint": [
            {
                "case_id": "C1",
                "project_code": "DONE_COMPLAINT",
                "received_date": date(2025, 7, 1),
                "status": "02",
            }
        ],
    }
    con = given_warehouse(rows, as_of=AS_OF)
    scope = {r["project_code"]: r["is_indicator_scope"] for r in rows_of(con, "select * from rule_scope")}
    assert scope == {
        "ACTIVE": True,
        "DONE_ROSTER": False,
        "DONE_RECENT": False,
        "STOPPED_OWED": False,
        "DONE_COMPLAINT": False,
    }
