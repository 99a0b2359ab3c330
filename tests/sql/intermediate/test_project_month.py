"""int_project_month: which projects are in scope in a month (indicators.md "Scope")."""

from datetime import date

from pipelines.settings import Scope, Settings
from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, project, punch

AS_OF = date(2025, 6, 30)

ROWS = {
    "project": [
        project("A"),  # started long ago, licence 2025-01-01: duty from 01-31
        # starts mid-June with no licence date: duty starts start + 30 = 07-15, not yet
        project("B", license_date=None, start=date(2025, 6, 15)),
        # starts mid-June, licence 05-01: duty from 05-31, started by June's end → in scope in June only
        project("B2", license_date=date(2025, 5, 1), start=date(2025, 6, 15)),
        project("C", status="005", category="02"),  # 停工: reported separately, never in scope
        project("D", complete_date=date(2025, 5, 20)),  # completed (planned) 05-20: in May, out in June
        project("E", category="03"),  # category outside 01/02
        project("F", license_date=None, start=None),  # no dates: the registry's 在建 is taken at its word
    ],
    # attendance in May makes the month spine May..June
    "attendance": [punch("A", "w1", "2025-05-05 08:00:00")],
}


def test_scope_per_month():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    got = rows_of(
        con,
        """select project_code, month, is_in_scope, is_stopped from int_project_month
                          order by project_code, month""",
    )
    assert [(r["project_code"], r["month"], r["is_in_scope"], r["is_stopped"]) for r in got] == [
        ("A", "2025-05", True, False),
        ("A", "2025-06", True, False),
        ("B", "2025-05", False, False),
        ("B", "2025-06", False, False),
        ("B2", "2025-05", False, False),
        ("B2", "2025-06", True, False),
        ("C", "2025-05", False, True),
        ("C", "2025-06", False, True),
        ("D", "2025-05", True, False),
        ("D", "2025-06", False, False),
        ("E", "2025-05", False, False),
        ("E", "2025-06", False, False),
        ("F", "2025-05", True, False),
        ("F", "2025-06", True, False),
    ]


def test_grace_days_and_categories_are_settings():
    settings = Settings(scope=Scope(grace_days=10, categories=["01", "02", "03"]))
    con = indicator_warehouse(ROWS, as_of=AS_OF, settings=settings)
    # B: duty from 06-15 + 10 = 06-25 ≤ 06-30 → in scope in June; E: category 03 now counts
    assert rows_of(
        con,
        """select project_code, is_in_scope from int_project_month
                           where month = '2025-06' and project_code in ('B', 'E') order by 1""",
    ) == [
        {"project_code": "B", "is_in_scope": True},
        {"project_code": "E", "is_in_scope": True},
    ]


def test_month_spine_runs_from_first_data_month_to_as_of():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    assert rows_of(con, "select month, month_start, month_end from int_month order by month") == [
        {"month": "2025-05", "month_start": date(2025, 5, 1), "month_end": date(2025, 5, 31)},
        {"month": "2025-06", "month_start": date(2025, 6, 1), "month_end": date(2025, 6, 30)},
    ]
