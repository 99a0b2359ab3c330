"""What a worker is owed for a pay month has one definition (owed_worker_month): the line's 当前欠发工资 and 欠薪人数
(risk_wages_owed) and its 涉及工人 sheet (rule_worker) count the same worker-months, so they add up.

A mid-month night, 2025-09-15: June and July are past their deadlines (2025-07-31, 2025-08-31), June's make-good
period too (R05 judges it); August's pay lines are delivered but its deadline (2025-09-30) has not come. March's
make-good period ended 2025-05-30, before R05's 92-day lookback (2025-06-15): judged only while still owed. July's
make-good days run to 2025-09-30: on a project R05 names for June (P) July is listed under R05; on one with July
short only (K) no rule has judged it yet, but the line counts it, so the sheet lists it too.
"""

from datetime import date, datetime

import pytest

from tests.given import given_warehouse, rows_of
from tests.sql.intermediate.given_indicators import project, worker

AS_OF = date(2025, 9, 15)


def line(person, month, due, paid, on, project="P", back=False):
    return {
        "project_code": project,
        "id_card_number_hash": person,
        "id_card_number_masked": f"3505**********{person}",
        "pay_month": month,
        "total_pay_amount": due,
        "actual_amount": paid,
        "balance_date": on,
        "is_back_pay": back,
    }


ROWS = {
    "project": [project(code, contract_amount=10_000_000) for code in ("P", "Q", "L", "K")],
    "project_worker": [worker("P", p) for p in ("p1", "p2", "p3")]
    + [worker("Q", "q1"), worker("L", "l1"), worker("K", "k1")],
    "payroll": [
        line("p1", "2025-06", 5000, 3000, date(2025, 7, 10)),  # owed 2,000
        line("p2", "2025-06", 4000, 4000.5, date(2025, 7, 10)),  # paid 0.5 more: offsets nobody
        line("p3", "2025-06", 3000, 2999.5, date(2025, 7, 10)),  # 0.5 short: rounding, not owed
        line("p2", "2025-07", 4000, 2500, date(2025, 8, 10)),  # owed 1,500
        line("p1", "2025-08", 5000, 1000, date(2025, 9, 10)),  # deadline 2025-09-30: not owed yet
        line("q1", "2025-03", 4000, 1000, date(2025, 4, 10), project="Q"),  # still owed 3,000 since March
        line("l1", "2025-03", 4000, 1000, date(2025, 4, 10), project="L"),  # short at make-good …
        line("l1", "2025-03", 0, 3000, date(2025, 7, 1), project="L", back=True),  # … paid in full since
        line(
            "k1", "2025-07", 4000, 2500, date(2025, 8, 10), project="K"
        ),  # owed 1,500, inside make-good days
    ],
}


@pytest.fixture(scope="module")
def warehouse():
    return given_warehouse(ROWS, as_of=AS_OF)


def test_the_line_and_its_workers_count_the_same_worker_months(warehouse):
    (owed,) = rows_of(warehouse, "select * from risk_wages_owed where project_code = 'P'")
    workers = rows_of(
        warehouse,
        "select * from rule_worker where rule_id = 'R05' and project_code = 'P' "
        "order by pay_month, id_card_number_masked",
    )
    assert [(w["id_card_number_masked"][-2:], w["pay_month"], w["amount_owed_yuan"]) for w in workers] == [
        ("p1", "2025-06", 2000),
        ("p2", "2025-07", 1500),
    ]
    assert owed["owed_yuan"] == pytest.approx(sum(w["amount_owed_yuan"] for w in workers)) == 3500
    assert owed["workers_owed"] == len({w["id_card_number_masked"] for w in workers}) == 2
    assert owed["owed_months"] == "2025-06、2025-07"
    assert all(w["is_owed_now"] for w in workers)


def test_a_month_inside_the_make_good_days_is_listed_with_no_rule_and_counted(warehouse):
    assert rows_of(warehouse, "select * from rule_firing where project_code = 'K' and rule_id = 'R05'") == []
    (owed,) = rows_of(warehouse, "select * from risk_wages_owed where project_code = 'K'")
    workers = rows_of(
        warehouse,
        "select rule_id, also_rule_id, pay_month, amount_owed_yuan, is_owed_now from rule_worker "
        "where project_code = 'K'",
    )
    assert workers == [
        {
            "rule_id": None,
            "also_rule_id": None,
            "pay_month": "2025-07",
            "amount_owed_yuan": 1500,
            "is_owed_now": True,
        }
    ]
    assert owed["owed_yuan"] == 1500
    assert owed["owed_months"] == "2025-07"
    # every project: the sheet's rows counted into 当前欠发 add up to the lines
    by_line = {r["project_code"]: r["owed_yuan"] for r in rows_of(warehouse, "select * from risk_wages_owed")}
    by_sheet: dict[str, float] = {}
    for w in rows_of(warehouse, "select project_code, amount_owed_yuan from rule_worker where is_owed_now"):
        by_sheet[w["project_code"]] = by_sheet.get(w["project_code"], 0) + w["amount_owed_yuan"]
    assert by_sheet == pytest.approx({p: v for p, v in by_line.items() if v > 0})
    assert set(by_sheet) == {"P", "Q", "K"}


def test_a_month_before_its_deadline_is_not_owed_yet(warehouse):
    # August's short pay line is delivered, but the month is owed only from the end of 2025-09-30
    assert rows_of(warehouse, "select * from rule_worker where pay_month = '2025-08'") == []
    due_aug = rows_of(warehouse, "select * from owed_worker_month where pay_month = '2025-08'")
    assert [(r["deadline_date"], r["owed_yuan"]) for r in due_aug] == [(date(2025, 9, 30), 4000)]
    on_deadline = given_warehouse(ROWS, as_of=date(2025, 9, 30))
    assert (
        "2025-08"
        in rows_of(on_deadline, "select owed_months from risk_wages_owed where project_code = 'P'")[0][
            "owed_months"
        ]
    )


def test_r05_judges_a_month_still_owed_however_long_ago_its_make_good_ended(warehouse):
    fired = {
        r["project_code"]: r for r in rows_of(warehouse, "select * from rule_firing where rule_id = 'R05'")
    }
    # Q: March is outside the lookback but 3,000 is still owed → arrears now; L: March paid in full since → history
    assert set(fired) == {"P", "Q"}
    assert fired["Q"]["reason_zh"] == "2025-03 应发0.4万元、实发0.1万元，逾期未补足"
    workers = rows_of(
        warehouse, "select pay_month, amount_owed_yuan from rule_worker where project_code = 'Q'"
    )
    assert workers == [{"pay_month": "2025-03", "amount_owed_yuan": 3000}]


# M: m1 short for June (R05); m2 left on 2025-07-15 and is short for June and July, past their deadlines — R05 and
# R16 both name m2's months, and R16 alone a leaver's month before its deadline (settled on leaving)
BOTH = {
    "project": [project("M", contract_amount=10_000_000)],
    "project_worker": [worker("M", "m1"), worker("M", "m2", exit_time=datetime(2025, 7, 15))],
    "payroll": [
        line("m1", "2025-06", 5000, 4000, date(2025, 7, 10), project="M"),
        line("m2", "2025-06", 5000, 3000, date(2025, 7, 10), project="M"),
        line("m2", "2025-07", 2500, 500, date(2025, 8, 10), project="M"),
        line("m2", "2025-08", 800, 0, date(2025, 9, 10), project="M"),  # deadline 2025-09-30: R16 only
    ],
}


def test_a_worker_month_two_rules_name_is_listed_once():
    con = given_warehouse(BOTH, as_of=AS_OF)
    assert {
        r["rule_id"] for r in rows_of(con, "select rule_id from rule_firing where project_code = 'M'")
    } >= {
        "R05",
        "R16",
    }
    workers = rows_of(
        con,
        "select id_card_number_masked, pay_month, rule_id, also_rule_id, amount_owed_yuan from rule_worker "
        "order by pay_month, id_card_number_masked",
    )
    assert [
        (w["id_card_number_masked"][-2:], w["pay_month"], w["rule_id"], w["also_rule_id"]) for w in workers
    ] == [
        ("m1", "2025-06", "R05", None),
        ("m2", "2025-06", "R05", "R16"),
        ("m2", "2025-07", "R05", "R16"),
        ("m2", "2025-08", "R16", None),
    ]
    # the rows R05 names add up to the line's 当前欠发 (each worker-month once); the leaver's August is on the sheet
    # for R16 but not yet owed on the line
    (owed,) = rows_of(con, "select * from risk_wages_owed where project_code = 'M'")
    assert owed["owed_yuan"] == sum(w["amount_owed_yuan"] for w in workers if w["rule_id"] == "R05") == 5000
    assert sum(w["amount_owed_yuan"] for w in workers) == 5800
    counted = rows_of(con, "select pay_month from rule_worker where is_owed_now order by pay_month")
    assert [w["pay_month"] for w in counted] == ["2025-06", "2025-06", "2025-07"]


# S: two leavers; s1 short 1,000 for June and overpaid 1,000 for July (settled on balance: R16 does not count them),
# s2 short 2,000 for June (R16 counts them) — the sheet's R16 rows are R16's workers
SETTLED = {
    "project": [project("S", contract_amount=10_000_000)],
    "project_worker": [
        worker("S", "s1", exit_time=datetime(2025, 7, 15)),
        worker("S", "s2", exit_time=datetime(2025, 7, 15)),
    ],
    "payroll": [
        line("s1", "2025-06", 5000, 4000, date(2025, 7, 10), project="S"),
        line("s1", "2025-07", 2000, 3000, date(2025, 8, 10), project="S"),
        line("s2", "2025-06", 5000, 3000, date(2025, 7, 10), project="S"),
    ],
}


def test_the_sheet_names_the_leavers_r16_counts():
    con = given_warehouse(SETTLED, as_of=AS_OF)
    (r16,) = rows_of(con, "select reason_zh from rule_firing where project_code = 'S' and rule_id = 'R16'")
    assert r16["reason_zh"] == "1名已离场工人工资未结清，共欠2000元"
    named = rows_of(
        con,
        "select id_card_number_masked, pay_month from rule_worker "
        "where 'R16' in (rule_id, also_rule_id) order by id_card_number_masked",
    )
    assert [(w["id_card_number_masked"][-2:], w["pay_month"]) for w in named] == [("s2", "2025-06")]
    # s1's June is still owed month by month and past its deadline: on the sheet, under R05, not under R16
    rows = rows_of(con, "select id_card_number_masked, rule_id, is_owed_now from rule_worker order by 1")
    assert [(w["id_card_number_masked"][-2:], w["rule_id"], w["is_owed_now"]) for w in rows] == [
        ("s1", "R05", True),
        ("s2", "R05", True),
    ]


# four workers owed all of June on project F; in the second order, DuckDB's plain floating-point sum of the same
# four amounts is 6011.300000000001 (one order or another is what parallel threads produce on a large warehouse)
OWED_IN_ORDER = [1000.1, 2000.2, 3000.3, 10.7]


def owed_in(order: list[float]) -> dict:
    people = [f"f{i}" for i in range(len(order))]
    return {
        "project": [project("F", contract_amount=10_000_000)],
        "project_worker": [worker("F", p) for p in people],
        "payroll": [
            line(p, "2025-06", due, 0, date(2025, 7, 10), project="F")
            for p, due in zip(people, order, strict=True)
        ],
    }


def test_amounts_owed_do_not_depend_on_the_order_rows_are_summed_in():
    """Re-running a night changes nothing: a money sum is rounded to the fen where it is made, so the published
    amounts (the line's 当前欠发, R05's evidence, R16's) are the same to the bit whatever order the rows meet the
    sum in (docs/decisions.md "Money sums to the fen")."""
    published = []
    for order in (OWED_IN_ORDER, [2000.2, 10.7, 3000.3, 1000.1]):
        con = given_warehouse(owed_in(order), as_of=AS_OF)
        (owed,) = rows_of(con, "select owed_yuan from risk_wages_owed where project_code = 'F'")
        (r05,) = rows_of(
            con, "select evidence_value from rule_firing where project_code = 'F' and rule_id = 'R05'"
        )
        published.append((owed["owed_yuan"], r05["evidence_value"]))
    assert published == [(6011.3, 6011.3), (6011.3, 6011.3)]
