"""History of mutable entities: month M reads the registry as delivered by the end of M (sources.md "Delivery").

Each version is valid from its extract date until the next version's (stg_<entity>_version); the entity's first
extract also describes the months before it; "latest wins" (stg_<entity>) stays the view of today.
"""

from datetime import date

from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, key_staff, project, punch, worker

AS_OF = date(2025, 6, 30)
MAR, APR, MAY, JUN = date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 30)


def at(row: dict, extract: date) -> dict:
    return {**row, "_extract_date": extract}


def monthly_punches(project_code: str, person: str = "w1") -> list[dict]:
    return [punch(project_code, person, f"2025-{m:02d}-10 08:00:00") for m in (2, 3, 4, 5, 6)]


def scope(con, code: str) -> list[tuple]:
    return [
        (r["month"], r["is_in_scope"], r["is_stopped"])
        for r in rows_of(
            con,
            f"select month, is_in_scope, is_stopped from int_project_month where project_code = '{code}' "
            "and month between '2025-02' and '2025-06' order by month",
        )
    ]


def test_a_status_that_changes_back_applies_to_the_months_it_was_delivered_for():
    # 在建 (03-31) → 停工 (extract of 04-15, mid-month) → 在建 again (05-31); nothing new in June
    con = indicator_warehouse(
        {
            "project": [
                at(project("P"), MAR),
                at(project("P", status="005"), date(2025, 4, 15)),
                at(project("P"), MAY),
            ],
            "attendance": monthly_punches("P"),
        },
        as_of=AS_OF,
    )
    assert scope(con, "P") == [
        ("2025-02", True, False),  # before the first extract: the first extract describes the past
        ("2025-03", True, False),
        ("2025-04", False, True),  # the version valid on 04-30 is the 04-15 one
        ("2025-05", True, False),
        ("2025-06", True, False),
    ]
    assert rows_of(con, "select valid_from, valid_to from stg_project_version order by _extract_date") == [
        {"valid_from": None, "valid_to": date(2025, 4, 15)},
        {"valid_from": date(2025, 4, 15), "valid_to": MAY},
        {"valid_from": MAY, "valid_to": None},
    ]
    assert rows_of(con, "select prj_status from stg_project") == [{"prj_status": "003"}]  # today's view


def test_a_later_extract_does_not_rewrite_earlier_months():
    # today's registry says 停工, completed in April, another district and firm: March to May keep their state
    con = indicator_warehouse(
        {
            "project": [
                at(project("P", area="350503", contractor_corp_code="C1"), MAR),
                at(project("P", area="350583", contractor_corp_code="C2", status="005"), JUN),
                # registered only in May (after the first extract): unknown, so out of scope, before
                at(project("N", license_date=date(2024, 12, 1), start=date(2024, 12, 1)), MAY),
            ],
            "attendance": monthly_punches("P") + monthly_punches("N", "w2"),
        },
        as_of=AS_OF,
    )
    got = rows_of(
        con,
        "select month, area_code, contractor_corp_code, prj_status from int_project_month "
        "where project_code = 'P' and month between '2025-04' and '2025-06' order by month",
    )
    assert [tuple(r.values()) for r in got] == [
        ("2025-04", "350503", "C1", "003"),
        ("2025-05", "350503", "C1", "003"),
        ("2025-06", "350583", "C2", "005"),
    ]
    assert scope(con, "N") == [
        ("2025-02", False, False),
        ("2025-03", False, False),
        ("2025-04", False, False),
        ("2025-05", True, False),
        ("2025-06", True, False),
    ]
    area = rows_of(
        con,
        "select month, n_projects_in_scope from indicator_area_month where area_code = '350503' "
        "and month between '2025-04' and '2025-06' order by month",
    )
    assert [(r["month"], r["n_projects_in_scope"]) for r in area] == [
        ("2025-04", 1),
        ("2025-05", 2),
        ("2025-06", 1),
    ]


def test_key_staff_and_roster_as_delivered_by_month_end():
    con = indicator_warehouse(
        {
            "project": [at(project("P"), MAR)],
            # the PM is named from the May extract on; the worker's contract is registered in June
            "project_corp": [at(key_staff("P", "pm1"), MAY)],
            "project_worker": [
                at(worker("P", "w1", has_contract=False), MAR),
                at(worker("P", "pm1", role="10"), MAR),
                at(worker("P", "w1", has_contract=True), JUN),
            ],
            "attendance": monthly_punches("P") + monthly_punches("P", "pm1"),
        },
        as_of=AS_OF,
    )
    got = rows_of(
        con,
        "select month, is_pm_set, n_pm_onsite_days, n_roster_workers_with_contract from int_project_month "
        "where month between '2025-04' and '2025-06' order by month",
    )
    assert [tuple(r.values()) for r in got] == [
        ("2025-04", False, 0, 0),
        ("2025-05", True, 1, 0),
        ("2025-06", True, 1, 1),
    ]
    staff = rows_of(
        con,
        "select month, is_set from int_key_staff where staff_role = 'pm' and month in ('2025-04', '2025-05') "
        "order by month",
    )
    assert staff == [{"month": "2025-04", "is_set": False}, {"month": "2025-05", "is_set": True}]


def test_deposit_used_and_guarantee_delivered_later_keep_past_months():
    deposit = {"deposit_no": "D1", "project_code": "P", "amount": 20_000, "deposit_date": date(2025, 1, 5)}
    guarantee = {"guarantee_no": "G1", "project_code": "P", "amount": 100_000, "start_date": date(2025, 1, 5)}
    con = indicator_warehouse(
        {
            "project": [at(project("P", contract_amount=1_000_000), MAR)],
            # 有效 until the May extract says 已动用; the guarantee is first delivered in June
            "wage_deposit": [at({**deposit, "status": "01"}, MAR), at({**deposit, "status": "02"}, MAY)],
            "payment_guarantee": [at(guarantee, JUN)],
            "attendance": monthly_punches("P"),
        },
        as_of=AS_OF,
    )
    got = rows_of(
        con,
        "select month, has_valid_deposit, has_valid_guarantee from int_security_project_month "
        "where month between '2025-03' and '2025-06' order by month",
    )
    assert [tuple(r.values()) for r in got] == [
        ("2025-03", True, False),
        ("2025-04", True, False),
        ("2025-05", False, False),
        ("2025-06", False, True),
    ]


def test_wage_account_closed_later_stays_open_in_past_months():
    account = {"account_number": "A1", "project_code": "P", "open_date": date(2025, 1, 2)}
    con = indicator_warehouse(
        {
            "project": [at(project("P"), MAR)],
            # today's registry closes the account on 03-15 (back-dated): months already reported keep it open
            "wage_account": [at(account, MAR), at({**account, "close_date": date(2025, 3, 15)}, MAY)],
            "attendance": monthly_punches("P"),
        },
        as_of=AS_OF,
    )
    got = rows_of(
        con,
        "select month, has_open_account from int_account_project_month "
        "where month between '2025-03' and '2025-05' order by month",
    )
    assert [tuple(r.values()) for r in got] == [("2025-03", True), ("2025-04", True), ("2025-05", False)]
