"""Case indicators per area and month: closure rate YTD, open cases, overdue, days to close (indicators.md)."""

from datetime import date

from pipelines.settings import Indicators, Settings
from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, project

AS_OF = date(2025, 1, 31)

ROWS = {
    "project": [project("P1", area="350504")],
    "complaint": [
        # closed on the last day of the year: 2024-11-01 → 2024-12-31 = 30 + 30 = 60 days
        {
            "case_id": "K1",
            "area_code": "350503",
            "received_date": date(2024, 11, 1),
            "status": "03",
            "closed_date": date(2024, 12, 31),
        },
        # no area: counted under its project's area 350504
        {"case_id": "K2", "project_code": "P1", "received_date": date(2024, 12, 10), "status": "02"},
        # neither: the UNKNOWN row, never dropped
        {"case_id": "K3", "received_date": date(2025, 1, 5), "status": "01"},
        # 办结 without closed_date: stays open, data-quality finding
        {"case_id": "K4", "area_code": "350503", "received_date": date(2024, 12, 20), "status": "03"},
    ],
}

COLUMNS = """area_code, month, n_cases_received_ytd, n_cases_closed_ytd, case_closure_rate, open_cases,
             open_cases_over_30d, days_to_close, n_cases_closed_without_date"""


def row(area, month, received, closed, rate, open_, over, days, no_date):
    return {
        "area_code": area,
        "month": month,
        "n_cases_received_ytd": received,
        "n_cases_closed_ytd": closed,
        "case_closure_rate": rate,
        "open_cases": open_,
        "open_cases_over_30d": over,
        "days_to_close": days,
        "n_cases_closed_without_date": no_date,
    }


def test_cases_per_area_and_month():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = rows_of(con, f"select {COLUMNS} from indicator_area_month order by area_code, month")
    assert got == [
        # 350503 Nov: K1 received, open; 11-01 is not before 11-30 − 30 = 10-31
        row("350503", "2024-11", 1, 0, 0.0, 1, 0, None, 0),
        # Dec: K1, K4 received in 2024; K1 closed 12-31 ≤ month end → 1/2; K4 (03, no date) open, 12-20 ≥ 12-01
        row("350503", "2024-12", 2, 1, 0.5, 1, 0, 60.0, 1),
        # Jan: a new year, nothing received yet → rate null; K4 open and 12-20 < 01-31 − 30 = 01-01 → overdue
        row("350503", "2025-01", 0, 0, None, 1, 1, None, 1),
        # no row before its first case: a month's rows depend only on what was delivered by then
        row("350504", "2024-12", 1, 0, 0.0, 1, 0, None, 0),
        row("350504", "2025-01", 0, 0, None, 1, 1, None, 0),
        # ALL Dec: K1, K2, K4 received in 2024, K1 closed → 1/3; open K2, K4
        row("ALL", "2024-11", 1, 0, 0.0, 1, 0, None, 0),
        row("ALL", "2024-12", 3, 1, 1 / 3, 2, 0, 60.0, 1),
        row("ALL", "2025-01", 1, 0, 0.0, 3, 2, None, 1),
        row("UNKNOWN", "2025-01", 1, 0, 0.0, 1, 0, None, 0),
    ]


def test_case_targets_and_distance():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    assert rows_of(
        con,
        """select case_closure_rate_target_met_share as met, case_closures_needed as needed,
                                  open_cases_target_met_share as zero_met, open_cases_to_close as to_close
                           from indicator_area_month where area_code = 'ALL' and month = '2024-12'""",
    ) == [
        # ≥ 98 %: ceil(0.98 × 3) = 3 − 1 closed = 2 more; 2 open vs target 0
        {"met": 0.0, "needed": 2, "zero_met": 0.0, "to_close": 2},
    ]


def test_overdue_days_is_a_setting():
    con = indicator_warehouse(
        ROWS, as_of=AS_OF, settings=Settings(indicators=Indicators(case_overdue_days=5))
    )
    # Dec 350503: K4 received 12-20 < 12-31 − 5 = 12-26 → overdue now
    assert rows_of(
        con,
        """select open_cases_over_30d from indicator_area_month
                           where area_code = '350503' and month = '2024-12'""",
    ) == [{"open_cases_over_30d": 1}]
