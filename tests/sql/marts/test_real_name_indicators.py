"""国考 real-name indicators per project and pooled per area (indicators.md)."""

from datetime import date

import pytest

from pipelines.settings import Indicators, Settings
from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, key_staff, project, punch, worker

AS_OF = date(2025, 6, 30)


def day(d: int) -> str:
    return f"2025-06-{d:02d} 08:00:00"


ROWS = {
    "project": [
        project("P1", is_integrated=True),
        project("P2"),
        project("P3"),
        project("P4", status="005"),  # 停工 with attendance: reported, out of denominators
        project("P5", area="350504"),
    ],
    "project_worker": [
        worker("P1", "w1", has_contract=True),
        worker("P1", "w2", has_contract=True),
        worker("P1", "w3", has_contract=False),
        worker("P1", "pm1", role="10"),
        worker("P2", "w4"),
        worker("P4", "w6"),
    ],
    "project_corp": [
        key_staff("P1", "pm1"),
        key_staff("P1", "cs1", corp_type="007", corp="S1"),  # cs1 is not on P1's roster
        key_staff("P2", "pm2"),  # pm2 is not on P2's roster; P2 names no chief supervisor
    ],
    "attendance": [
        *(punch("P1", p, day(2)) for p in ("w1", "w2", "w3", "pm1", "cs1")),
        *(punch("P1", p, day(3)) for p in ("w1", "pm1", "cs1")),
        *(punch("P1", p, day(4)) for p in ("w1", "w2")),
        punch("P1", "pm1", day(5)),  # manager alone: not a working day
        punch("P2", "w4", day(2)),
        punch("P2", "pm2", day(2)),
        punch("P4", "w6", day(2)),
    ],
}


def test_project_values():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = rows_of(
        con,
        """select project_code, is_in_scope, is_stopped, rn_update_rate, avg_attendance, pm_onsite_rate,
                                 chief_supervisor_onsite_rate, key_staff_onsite_rate, platform_share, contract_rate,
                                 pm_missing, pm_not_on_roster, chief_supervisor_missing, chief_supervisor_not_on_roster
                          from indicator_project_month order by project_code""",
    )
    by = {r.pop("project_code"): r for r in got}
    # P1: working days 06-02 (3 workers), 06-03 (1), 06-04 (2) → 3 days, 6 worker-days, avg 6/3 = 2.0;
    # PM on 02, 03 → 2/3; chief supervisor present but not on the roster → 0; key staff (2 + 0)/(2×3) = 1/3;
    # contracts: w1, w2 of w1..w3 on site → 2/3
    assert by["P1"] == {
        "is_in_scope": True,
        "is_stopped": False,
        "rn_update_rate": 1,
        "avg_attendance": 2.0,
        "pm_onsite_rate": pytest.approx(2 / 3),
        "chief_supervisor_onsite_rate": 0.0,
        "key_staff_onsite_rate": pytest.approx(1 / 3),
        "platform_share": 1,
        "contract_rate": pytest.approx(2 / 3),
        "pm_missing": False,
        "pm_not_on_roster": False,
        "chief_supervisor_missing": False,
        "chief_supervisor_not_on_roster": True,
    }
    # P2: 1 working day with w4; PM punched but is not on the roster → 0; no chief supervisor named → 0
    assert by["P2"] == {
        "is_in_scope": True,
        "is_stopped": False,
        "rn_update_rate": 1,
        "avg_attendance": 1.0,
        "pm_onsite_rate": 0.0,
        "chief_supervisor_onsite_rate": 0.0,
        "key_staff_onsite_rate": 0.0,
        "platform_share": 0,
        "contract_rate": 0.0,
        "pm_missing": False,
        "pm_not_on_roster": True,
        "chief_supervisor_missing": True,
        "chief_supervisor_not_on_roster": False,
    }
    # P3: no attendance → not updated, the attendance-based rates do not apply
    assert by["P3"]["rn_update_rate"] == 0
    assert (by["P3"]["avg_attendance"], by["P3"]["pm_onsite_rate"], by["P3"]["contract_rate"]) == (
        None,
        None,
        None,
    )
    # P4: 停工 rows are kept, flagged, outside the scope
    assert (by["P4"]["is_in_scope"], by["P4"]["is_stopped"], by["P4"]["rn_update_rate"]) == (False, True, 1)


def test_area_values_pool_projects():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = rows_of(
        con, """select * from indicator_area_month where month = '2025-06' and area_code = '350503'"""
    )[0]
    # in scope P1, P2, P3; updated P1, P2 → 2/3; needed: ceil(0.9 × 3) = 3 − 2 = 1
    assert (got["n_projects_in_scope"], got["rn_update_rate"], got["rn_update_projects_needed"]) == (
        3,
        pytest.approx(2 / 3),
        1,
    )
    assert (got["n_projects_stopped"], got["n_stopped_projects_with_attendance"]) == (1, 1)
    # avg_attendance: mean of projects with attendance (2.0, 1.0) = 1.5
    assert got["avg_attendance"] == 1.5
    # pooled days: PM (2 + 0) / (3 + 1) = 0.5; chief 0/4; key staff 2/(2×4) = 0.25
    assert (got["pm_onsite_rate"], got["chief_supervisor_onsite_rate"], got["key_staff_onsite_rate"]) == (
        0.5,
        0.0,
        0.25,
    )
    # > 60 %: PM floor(0.6×4)+1 = 3 − 2 = 1 day; chief floor(2.4)+1 = 3 − 0; key staff floor(4.8)+1 = 5 − 2 = 3
    assert (got["pm_days_needed"], got["chief_supervisor_days_needed"], got["key_staff_days_needed"]) == (
        1,
        3,
        3,
    )
    # target met: updated 2 of 3; PM rate > 0.6 for P1 (0.667) not P2 (0) of the 2 with working days → 0.5
    assert got["rn_update_rate_target_met_share"] == pytest.approx(2 / 3)
    assert got["pm_onsite_rate_target_met_share"] == 0.5
    assert got["avg_attendance_target_met_share"] == 0.0  # neither 2.0 nor 1.0 is > 81
    # contracts (2 + 0)/(3 + 1); platform 1 of 3 in scope
    assert (got["contract_rate"], got["platform_share"]) == (0.5, pytest.approx(1 / 3))
    assert (
        got["n_pm_not_on_roster"],
        got["n_chief_supervisor_missing"],
        got["n_chief_supervisor_not_on_roster"],
    ) == (1, 2, 1)


def test_city_row_pools_every_district():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = rows_of(
        con,
        """select area_code, n_projects_in_scope, n_projects_updated, rn_update_rate
                          from indicator_area_month where month = '2025-06' order by area_code""",
    )
    # ALL: 350503's 3 + 350504's P5 → 4 in scope, 2 updated
    assert got == [
        {
            "area_code": "350503",
            "n_projects_in_scope": 3,
            "n_projects_updated": 2,
            "rn_update_rate": pytest.approx(2 / 3),
        },
        {"area_code": "350504", "n_projects_in_scope": 1, "n_projects_updated": 0, "rn_update_rate": 0.0},
        {"area_code": "ALL", "n_projects_in_scope": 4, "n_projects_updated": 2, "rn_update_rate": 0.5},
    ]


def test_pair_4h_leaves_single_punch_projects_updated_but_without_working_days():
    con = indicator_warehouse(
        ROWS, as_of=AS_OF, settings=Settings(indicators=Indicators(valid_day_rule="pair_4h"))
    )
    # every punch above is single: no valid day anywhere. rn_update counts records → still 1; a project with
    # attendance but no working day averages 0 workers; on-site rates have no working days → null
    assert rows_of(
        con,
        """select rn_update_rate, avg_attendance, pm_onsite_rate from indicator_project_month
                           where project_code = 'P1'""",
    ) == [
        {"rn_update_rate": 1, "avg_attendance": 0.0, "pm_onsite_rate": None},
    ]


def test_month_over_month_change():
    rows = {
        "project": [project("P1"), project("P2")],
        "project_worker": [worker("P1", "w1")],
        # May: only P1 updated (1/2); June: both (2/2) → +0.5
        "attendance": [
            punch("P1", "w1", "2025-05-06 08:00:00"),
            punch("P1", "w1", day(2)),
            punch("P2", "w1", day(2)),
        ],
    }
    con = indicator_warehouse(rows, as_of=AS_OF)
    assert rows_of(
        con,
        """select month, rn_update_rate, rn_update_rate_mom, rn_update_rate_yoy from indicator_area_month
                           where area_code = '350503' order by month""",
    ) == [
        {"month": "2025-05", "rn_update_rate": 0.5, "rn_update_rate_mom": None, "rn_update_rate_yoy": None},
        {"month": "2025-06", "rn_update_rate": 1.0, "rn_update_rate_mom": 0.5, "rn_update_rate_yoy": None},
    ]
