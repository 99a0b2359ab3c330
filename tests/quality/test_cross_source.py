"""Cross-source checks as truth tables: a few staged rows given, the findings per project expected."""

from __future__ import annotations

from datetime import date, datetime

from pipelines.quality import cross_source_findings
from pipelines.quality.cross_source import CROSS_SOURCE
from pipelines.quality.titles_zh import CHECK_TITLES, DETAIL
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import set_params
from tests.given import given_warehouse
from tests.quality.conftest import STAGING

AS_OF = date(2025, 6, 30)
P1, P2, GHOST = "P1", "P2", "P9"
FIRM, OTHER_FIRM = "91350100M000100Y43", "91350100M000200Y36"


def project(code: str, firm: str = FIRM, area: str = "350503", status: str = "003") -> dict:
    return {
        "project_code": code,
        "area_code": area,
        "category": "01",
        "contractor_corp_code": firm,
        "prj_status": status,
        "start_date": date(2025, 1, 1),
        "complete_date": date(2026, 12, 31),
    }


def worker(
    code: str, person: str, *, role: str = "20", card: str | None = None, phone: str | None = None
) -> dict:
    return {
        "project_code": code,
        "id_card_type": "01",
        "id_card_number_hash": person,
        "work_role": role,
        "pay_roll_bank_card_number_hash": card or f"card-{person}",
        "cell_phone_hash": phone or f"phone-{person}",
    }


def punch(code: str, person: str, at: str, direction: str = "01") -> dict:
    return {
        "project_code": code,
        "id_card_number_hash": person,
        "date": datetime.fromisoformat(at),
        "direction": direction,
    }


def pay(
    code: str, person: str, month: str = "2025-05", account: str = "ACC-P1", back_pay: bool = False
) -> dict:
    return {
        "project_code": code,
        "id_card_number_hash": person,
        "pay_month": month,
        "is_back_pay": back_pay,
        "balance_date": date(2025, 6, 10),
        "total_pay_amount": 6000.0,
        "actual_amount": 6000.0,
        "pay_bank_card_number": account,
    }


def key_staff(code: str, corp_type: str, person: str | None) -> dict:
    return {"project_code": code, "corp_code": FIRM, "corp_type": corp_type, "pm_id_card_number_hash": person}


def findings_of(rows: dict, *check_ids: str) -> list:
    """(project, area, firm, n_rows, detail) of one check on the given staged rows; (check, that) for several."""
    con = given_warehouse(rows, as_of=AS_OF, only=STAGING)
    set_params(con, sql_params(Settings(), AS_OF))
    found = [f for f in cross_source_findings(con) if f["check_id"] in check_ids]
    con.close()
    facts = sorted(
        (f["check_id"], (f["project_code"], f["area_code"], f["corp_code"], f["n_rows"], f["detail_zh"]))
        for f in found
    )
    return facts if len(check_ids) > 1 else [fact for _, fact in facts]


def test_every_cross_source_check_has_a_title_and_a_detail():
    assert set(CROSS_SOURCE) <= set(CHECK_TITLES)
    assert set(CROSS_SOURCE) <= set(DETAIL)


def test_attendance_by_people_not_on_the_roster_counts_punches_and_people_per_project():
    rows = {
        "project": [project(P1), project(P2, firm=OTHER_FIRM, area="350502")],
        "project_worker": [worker(P1, "A"), worker(P2, "B")],
        "attendance": [
            punch(P1, "A", "2025-06-02 08:00:00"),  # on the roster
            punch(P1, "B", "2025-06-02 08:00:00"),  # on P2's roster, not P1's
            punch(P1, "B", "2025-06-02 18:00:00", "02"),
            punch(P1, "X", "2025-06-03 08:00:00"),  # on no roster
            punch(P2, "B", "2025-06-03 08:00:00"),
            punch(P2, "Y", "2025-07-02 08:00:00"),  # after as_of: not yet known
        ],
    }
    assert findings_of(rows, "attendance_not_on_roster") == [
        (P1, "350503", FIRM, 3, "2人不在本项目花名册，共3条考勤记录")
    ]


def test_payroll_lines_without_attendance_in_the_pay_month():
    rows = {
        "project": [project(P1)],
        "project_worker": [worker(P1, "A"), worker(P1, "B"), worker(P1, "C")],
        "attendance": [punch(P1, "A", "2025-05-06 08:00:00"), punch(P1, "B", "2025-04-06 08:00:00")],
        "payroll": [
            pay(P1, "A"),  # worked in May: fine
            pay(P1, "B"),  # worked in April only
            pay(P1, "C", back_pay=True),  # back pay: no attendance expected
            pay(P1, "B", month="2025-04"),  # not the pay month whose deadline passed at as_of
        ],
        "wage_account": [{"account_number": "ACC-P1", "project_code": P1}],
    }
    assert findings_of(rows, "payroll_without_attendance") == [
        (P1, "350503", FIRM, 1, "2025年5月1人发放工资但当月无考勤")
    ]


def test_attendees_without_payroll_leave_managers_out():
    rows = {
        "project": [project(P1)],
        "project_worker": [worker(P1, "A"), worker(P1, "B"), worker(P1, "M", role="10")],
        "attendance": [
            punch(P1, "A", "2025-05-06 08:00:00"),
            punch(P1, "B", "2025-05-06 08:00:00"),
            punch(P1, "B", "2025-05-07 08:00:00"),
            punch(P1, "M", "2025-05-06 08:00:00"),  # the manager is not paid through payroll lines
        ],
        "payroll": [pay(P1, "A")],
        "wage_account": [{"account_number": "ACC-P1", "project_code": P1}],
    }
    assert findings_of(rows, "attendees_without_payroll") == [
        (P1, "350503", FIRM, 1, "2025年5月1名出勤工人无工资发放记录")
    ]


def test_pm_and_chief_supervisor_set_and_on_the_roster():
    # one project per case: (key staff registered, people on the roster) → the problems expected
    cases = {
        "K1": ([("009", "PM1"), ("007", "CS1")], ["PM1", "CS1"], set()),
        "K2": ([("007", "CS2")], ["CS2"], {"pm_not_set"}),
        "K3": ([("009", None), ("007", "CS3")], ["CS3"], {"pm_not_set"}),
        "K4": ([("009", "PM4"), ("007", "CS4")], ["CS4"], {"pm_not_on_roster"}),
        "K5": ([("009", "PM5")], ["PM5"], {"chief_supervisor_not_set"}),
        "K6": ([("009", "PM6"), ("007", "CS6")], ["PM6", "PM4"], {"chief_supervisor_not_on_roster"}),
    }
    rows = {
        "project": [project(code) for code in cases] + [project(P2, status="004")],  # P2 完工: not checked
        "project_corp": [key_staff(code, t, p) for code, (staff, _, _) in cases.items() for t, p in staff],
        "project_worker": [
            worker(code, p, role="10") for code, (_, roster, _) in cases.items() for p in roster
        ],
    }
    found = findings_of(
        rows, "pm_not_set", "pm_not_on_roster", "chief_supervisor_not_set", "chief_supervisor_not_on_roster"
    )
    by_project: dict[str, set] = {code: set() for code in cases}
    for check_id, (code, _area, _firm, n, detail) in found:
        assert n == 1
        assert detail == DETAIL[check_id]
        by_project[code].add(check_id)
    assert by_project == {code: expected for code, (_, _, expected) in cases.items()}


def test_a_wage_card_or_phone_shared_by_several_workers():
    rows = {
        "project": [project(P1), project(P2, firm=OTHER_FIRM, area="350502")],
        "project_worker": [
            worker(P1, "A", card="C1", phone="T1"),
            worker(P1, "B", card="C1", phone="T2"),  # A and B share a card
            worker(P2, "C", card="C1", phone="T3"),  # and so does C on another project
            worker(P2, "A", card="C1", phone="T1"),  # the same person on two projects is not sharing
            worker(P2, "D", card="C4", phone="T3"),  # C and D share a phone
        ],
    }
    assert findings_of(rows, "shared_wage_card", "shared_phone") == [
        ("shared_phone", (P2, "350502", OTHER_FIRM, 2, "2名工人与他人共用手机号")),
        ("shared_wage_card", (P1, "350503", FIRM, 2, "2名工人与他人共用工资卡")),
        ("shared_wage_card", (P2, "350502", OTHER_FIRM, 2, "2名工人与他人共用工资卡")),
    ]


def test_the_same_person_on_two_projects_within_60_minutes():
    rows = {
        "project": [project(P1), project(P2, firm=OTHER_FIRM, area="350502")],
        "attendance": [
            punch(P1, "A", "2025-06-20 07:30:00"),
            punch(P2, "A", "2025-06-20 08:10:00"),  # 40 minutes later on another project
            punch(P1, "B", "2025-06-20 07:30:00"),
            punch(P2, "B", "2025-06-20 09:00:00"),  # 90 minutes: possible
            punch(P1, "C", "2025-06-20 07:30:00"),
            punch(P1, "C", "2025-06-20 07:50:00", "02"),  # same project
            punch(P1, "D", "2025-03-20 07:30:00"),
            punch(P2, "D", "2025-03-20 07:40:00"),  # outside the 30-day lookback
        ],
    }
    assert findings_of(rows, "punch_two_projects") == [
        (P1, "350503", FIRM, 1, "1人在60分钟内于本项目和其他项目打卡"),
        (P2, "350502", OTHER_FIRM, 1, "1人在60分钟内于本项目和其他项目打卡"),
    ]


def test_payroll_paid_from_an_account_that_is_not_the_projects_wage_account():
    rows = {
        "project": [project(P1), project(P2, firm=OTHER_FIRM, area="350502")],
        "wage_account": [
            {"account_number": "ACC-P1", "project_code": P1},
            {"account_number": "ACC-P2", "project_code": P2},
        ],
        "payroll": [
            pay(P1, "A", account="ACC-P1"),
            pay(P1, "B", account="ACC-P2"),  # another project's account
            pay(P1, "C", account="6222000000001"),  # the firm's general account
            pay(P1, "D", account=None),  # not reported: not a finding of this check
            pay(P2, "E", account="ACC-P2"),
        ],
    }
    assert findings_of(rows, "payroll_not_via_wage_account") == [
        (P1, "350503", FIRM, 2, "2条工资记录的代发账户不是本项目专用账户")
    ]


def test_attendance_on_projects_unknown_to_the_project_table():
    rows = {
        "project": [project(P1)],
        "project_worker": [worker(P1, "A")],
        "attendance": [
            punch(P1, "A", "2025-06-02 08:00:00"),
            punch(GHOST, "A", "2025-06-02 08:00:00"),
            punch(GHOST, "B", "2025-06-03 08:00:00"),
        ],
    }
    assert findings_of(rows, "attendance_unknown_project") == [
        (GHOST, None, None, 2, "项目库中无此项目编码，2条考勤记录")
    ]
