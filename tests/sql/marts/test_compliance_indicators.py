"""条例 compliance indicators: wage account, labor-cost inflow, payroll, guarantee, deposit (indicators.md)."""

from datetime import date

import pytest

from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, project, punch, worker

AS_OF = date(2025, 7, 31)


def pay_line(project_code, person, total, actual, paid_on, *, account="OTHER", back_pay=False):
    return {
        "project_code": project_code,
        "id_card_number_hash": person,
        "pay_month": "2025-05",
        "total_pay_amount": total,
        "actual_amount": actual,
        "balance_date": paid_on,
        "pay_bank_card_number": account,
        "is_back_pay": back_pay,
    }


ROWS = {
    "project": [
        project("Q1", contract_amount=1_000_000, contractor_corp_code="C1"),
        project("Q2", contract_amount=1_000_000, contractor_corp_code="C2"),
        project("Q3", contract_amount=1_000_000, contractor_corp_code="C3"),
    ],
    "project_worker": [worker("Q1", "w1"), worker("Q1", "w2"), worker("Q2", "w3"), worker("Q3", "w5")],
    # May attendance: Q1 w1, w2; Q2 w3; Q3 w5 (nothing in June: July's payroll indicators do not apply)
    "attendance": [
        punch("Q1", "w1", "2025-05-06 08:00:00"),
        punch("Q1", "w2", "2025-05-06 08:00:00"),
        punch("Q2", "w3", "2025-05-06 08:00:00"),
        punch("Q3", "w5", "2025-05-06 08:00:00"),
    ],
    "payroll": [
        # Q1: both paid in June, w1 through Q1's own wage account ACC1
        pay_line("Q1", "w1", 5000, 5000, date(2025, 6, 10), account="ACC1"),
        pay_line("Q1", "w2", 3000, 3000, date(2025, 6, 20)),
        # Q2: May's pay paid late, on 07-05
        pay_line("Q2", "w3", 4000, 4000, date(2025, 7, 5)),
        # Q3: short by 2000 on 06-15, made good by back pay on 06-28
        pay_line("Q3", "w5", 6000, 4000, date(2025, 6, 15)),
        pay_line("Q3", "w5", 2000, 2000, date(2025, 6, 28), back_pay=True),
    ],
    "wage_account": [
        {
            "account_number": "ACC1",
            "project_code": "Q1",
            "open_date": date(2025, 1, 1),
            "has_tripartite_agreement": True,
        },
        {
            "account_number": "ACC3",
            "project_code": "Q3",
            "open_date": date(2025, 3, 1),
            "has_tripartite_agreement": False,
        },
        # Q2's account closed mid-June: not open on 06-30
        {
            "account_number": "ACC2",
            "project_code": "Q2",
            "open_date": date(2025, 1, 1),
            "close_date": date(2025, 6, 20),
        },
    ],
    "account_txn": [
        {
            "txn_id": "T1",
            "account_number": "ACC1",
            "txn_time": "2025-06-10 10:00:00",
            "direction": "01",
            "txn_type": "01",
            "amount": 20_000,
        },
        {
            "txn_id": "T2",
            "account_number": "ACC1",
            "txn_time": "2025-06-11 10:00:00",
            "direction": "02",
            "txn_type": "02",
            "amount": 5_000,
        },  # a wage payment out: not a labor-cost inflow
    ],
    "project_progress": [{"project_code": "Q1", "month": "2025-06", "certified_value": 200_000}],
    "payment_guarantee": [
        # Q1: 200k (≥ 10 % of 1M) but expires mid-June; Q2: valid all year, 50k < 100k → inadequate
        {
            "guarantee_no": "G1",
            "project_code": "Q1",
            "amount": 200_000,
            "start_date": date(2025, 1, 1),
            "end_date": date(2025, 6, 15),
        },
        {
            "guarantee_no": "G2",
            "project_code": "Q2",
            "amount": 50_000,
            "start_date": date(2025, 1, 1),
            "end_date": date(2025, 12, 31),
        },
    ],
    "wage_deposit": [
        # Q1's contractor C1 holds a firm-wide deposit; Q2 a project deposit of 5 % (> 3 %); Q3's was returned
        {
            "deposit_no": "D1",
            "corp_code": "C1",
            "amount": 30_000,
            "status": "01",
            "deposit_date": date(2024, 1, 1),
        },
        {
            "deposit_no": "D2",
            "corp_code": "C2",
            "project_code": "Q2",
            "amount": 50_000,
            "status": "01",
            "deposit_date": date(2025, 1, 1),
        },
        {
            "deposit_no": "D3",
            "corp_code": "C3",
            "project_code": "Q3",
            "amount": 20_000,
            "status": "03",
            "deposit_date": date(2025, 1, 1),
        },
    ],
}

COLUMNS = """account_open_rate, tripartite_rate, labor_cost_monthly_rate, labor_cost_sufficiency, payroll_on_time_rate,
             payroll_via_account_rate, paid_vs_attended, guarantee_coverage, guarantee_adequacy, deposit_coverage,
             deposit_above_max_share"""


def test_project_values_in_june():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = {
        r.pop("project_code"): r
        for r in rows_of(
            con,
            f"""select project_code, {COLUMNS} from indicator_project_month
                                                               where month = '2025-06' order by 1""",
        )
    }
    # Q1: account with agreement; 20k inflow ÷ (0.20 default × 200k) = 0.5; May paid 8000 ≥ 8000 by 06-30;
    # via account 5000/8000; both attendees paid; guarantee ended 06-15 → 0 on 06-30; firm-wide deposit
    assert got["Q1"] == {
        "account_open_rate": 1,
        "tripartite_rate": 1,
        "labor_cost_monthly_rate": 1,
        "labor_cost_sufficiency": 0.5,
        "payroll_on_time_rate": 1,
        "payroll_via_account_rate": 0.625,
        "paid_vs_attended": 1.0,
        "guarantee_coverage": 0,
        "guarantee_adequacy": 0,
        "deposit_coverage": 1,
        "deposit_above_max_share": False,
    }
    # Q2: account closed 06-20; May's pay came 07-05 → not on time, nobody paid by 06-30; guarantee valid but
    # 50k < 10 % × 1M; project deposit 50k = 5 % > 3 %
    assert got["Q2"] == {
        "account_open_rate": 0,
        "tripartite_rate": None,
        "labor_cost_monthly_rate": None,
        "labor_cost_sufficiency": None,
        "payroll_on_time_rate": 0,
        "payroll_via_account_rate": None,
        "paid_vs_attended": 0.0,
        "guarantee_coverage": 1,
        "guarantee_adequacy": 0,
        "deposit_coverage": 1,
        "deposit_above_max_share": True,
    }
    # Q3: account without agreement, no inflow; 4000 + 2000 back pay ≥ 6000 due by 06-28 → on time; deposit returned
    assert got["Q3"] == {
        "account_open_rate": 1,
        "tripartite_rate": 0,
        "labor_cost_monthly_rate": 0,
        "labor_cost_sufficiency": None,
        "payroll_on_time_rate": 1,
        "payroll_via_account_rate": 0.0,
        "paid_vs_attended": 1.0,
        "guarantee_coverage": 0,
        "guarantee_adequacy": 0,
        "deposit_coverage": 0,
        "deposit_above_max_share": False,
    }


def test_guarantee_valid_in_may_expires_mid_june():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    assert rows_of(
        con,
        """select month, guarantee_coverage, guarantee_adequacy from indicator_project_month
                           where project_code = 'Q1' order by month""",
    ) == [
        {"month": "2025-05", "guarantee_coverage": 1, "guarantee_adequacy": 1},
        {"month": "2025-06", "guarantee_coverage": 0, "guarantee_adequacy": 0},
        {"month": "2025-07", "guarantee_coverage": 0, "guarantee_adequacy": 0},
    ]


def test_no_attendance_in_previous_month_means_payroll_does_not_apply():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    # July looks at June's payroll; nobody attended in June
    assert rows_of(
        con,
        """select distinct payroll_on_time_rate, paid_vs_attended from indicator_project_month
                           where month = '2025-07'""",
    ) == [{"payroll_on_time_rate": None, "paid_vs_attended": None}]


def test_area_values_in_june():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = rows_of(
        con,
        f"""select {COLUMNS.replace("deposit_above_max_share", "n_projects_in_scope")}
                           from indicator_area_month where month = '2025-06' and area_code = '350503'""",
    )[0]
    assert got == {
        "n_projects_in_scope": 3,
        "account_open_rate": pytest.approx(2 / 3),  # Q1, Q3
        "tripartite_rate": 0.5,  # of the 2 accounts, Q1
        "labor_cost_monthly_rate": 0.5,  # of the 2 with an account, Q1
        "labor_cost_sufficiency": 0.5,  # only Q1 has certified value: 20k / 40k
        "payroll_on_time_rate": pytest.approx(2 / 3),  # Q1, Q3 of 3 with May attendance
        "payroll_via_account_rate": pytest.approx(5000 / 14_000),  # paid by 06-30: Q1 8000 + Q3 6000
        "paid_vs_attended": 0.75,  # paid attendees (2 + 0 + 1) ÷ attendees (2 + 1 + 1)
        "guarantee_coverage": pytest.approx(1 / 3),  # Q2
        "guarantee_adequacy": 0.0,
        "deposit_coverage": pytest.approx(2 / 3),  # Q1 firm-wide, Q2 project
    }
