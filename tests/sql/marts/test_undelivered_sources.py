"""A source never delivered reads 数据未报送: null indicators (not 0 %), silent rules, and the words in the 通报 and
the dashboard. Truth table: the same world with and without wage-account, guarantee and deposit files."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from pipelines.contracts import ENTITIES
from pipelines.delivery import INDICATOR_SOURCES, undelivered_indicators
from pipelines.night_steps import missing_sources
from pipelines.quality.bulletin import BulletinContext, bulletin_html
from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.reports.dashboard import DashboardInputs, build_dashboard, render_html
from pipelines.reports.labels_zh import ENTITY
from pipelines.settings import Settings
from pipelines.warehouse import frame
from tests.given import given_warehouse, rows_of
from tests.sql.intermediate.given_indicators import project, worker

AS_OF = date(2025, 7, 31)
SECURITY_SOURCES = ("wage_account", "payment_guarantee", "wage_deposit")


def days(project_code: str, person: str, first: date, n: int) -> list[dict]:
    start = datetime(first.year, first.month, first.day, 8)
    return [
        {"project_code": project_code, "id_card_number_hash": person, "date": start + timedelta(days=d)}
        for d in range(n)
    ]


# P: works in June and July and pays June's wages from a card that is not a wage account; it has no account, no
# guarantee and no deposit of its own. Q holds an account, a guarantee and a deposit — when those files exist.
WORLD = {
    "project": [
        project("P", contract_amount=10_000_000, contractor_corp_code="C1"),
        project("Q", contract_amount=10_000_000, contractor_corp_code="C2"),
    ],
    "project_worker": [worker("P", "p1"), worker("Q", "q1")],
    "attendance": days("P", "p1", date(2025, 6, 2), 20) + days("P", "p1", date(2025, 7, 1), 20),
    "payroll": [
        {
            "project_code": "P",
            "id_card_number_hash": "p1",
            "pay_month": "2025-06",
            "total_pay_amount": 6000.0,
            "actual_amount": 6000.0,
            "balance_date": date(2025, 7, 10),
            "is_back_pay": False,
            "pay_bank_card_number": "6222000000000001",
        }
    ],
    "wage_account": [{"account_number": "ACC-Q", "project_code": "Q", "open_date": date(2025, 1, 1)}],
    "payment_guarantee": [
        {"guarantee_no": "G-Q", "project_code": "Q", "amount": 2_000_000.0, "start_date": date(2025, 1, 1)}
    ],
    "wage_deposit": [
        {
            "deposit_no": "D-Q",
            "project_code": "Q",
            "corp_code": "C2",
            "status": "01",
            "amount": 200_000.0,
            "deposit_date": date(2025, 1, 1),
        }
    ],
}
WITHOUT = {e: rows for e, rows in WORLD.items() if e not in SECURITY_SOURCES}


@pytest.fixture(scope="module")
def delivered():
    return given_warehouse(WORLD, as_of=AS_OF)


@pytest.fixture(scope="module")
def undelivered():
    return given_warehouse(WITHOUT, as_of=AS_OF)


def project_july(con, project_code="P"):
    return rows_of(
        con,
        f"select * from indicator_project_month where project_code = '{project_code}' and month = '2025-07'",
    )[0]


def city_july(con):
    return rows_of(con, "select * from indicator_area_month where area_code = 'ALL' and month = '2025-07'")[0]


def fired(con, rule_id):
    return {r["project_code"] for r in rows_of(con, f"select * from rule_firing where rule_id = '{rule_id}'")}


def test_delivered_sources_are_flagged_point_in_time(delivered, undelivered):
    assert rows_of(undelivered, "select has_attendance, has_payroll, has_wage_account, has_payment_guarantee, "
                   "has_wage_deposit, has_complaint from int_source_delivered") == [
        {"has_attendance": True, "has_payroll": True, "has_wage_account": False, "has_payment_guarantee": False,
         "has_wage_deposit": False, "has_complaint": False}
    ]  # fmt: skip
    assert set(missing_sources(undelivered, AS_OF)) == set(SECURITY_SOURCES) | set(
        missing_sources(delivered, AS_OF)
    )
    # a file extracted after as_of is not delivered yet
    later = {**WORLD, "wage_account": [{**WORLD["wage_account"][0], "_extract_date": date(2025, 8, 5)}]}
    con = given_warehouse(later, as_of=AS_OF)
    assert rows_of(con, "select has_wage_account from int_source_delivered") == [{"has_wage_account": False}]
    assert "wage_account" in missing_sources(con, AS_OF)


def test_delivered_sources_without_the_projects_rows_read_zero(delivered):
    got = project_july(delivered)
    assert (got["account_open_rate"], got["guarantee_coverage"], got["guarantee_adequacy"]) == (0, 0, 0)
    assert (got["deposit_coverage"], got["payroll_via_account_rate"]) == (0, 0)
    assert fired(delivered, "R04") == {"P"}
    assert fired(delivered, "R11") == {"P"}
    assert fired(delivered, "R12") == {"P"}


def test_undelivered_sources_read_null_and_their_rules_do_not_fire(undelivered):
    got = project_july(undelivered)
    for column in ("account_open_rate", "guarantee_coverage", "guarantee_adequacy", "deposit_coverage",
                   "payroll_via_account_rate", "tripartite_rate", "labor_cost_monthly_rate"):  # fmt: skip
        assert got[column] is None, column
    city = city_july(undelivered)
    for column in undelivered_indicators(SECURITY_SOURCES):
        assert city[column] is None, column
    # what the missing sources do not feed is still computed
    assert city["rn_update_rate"] == 0.5  # P punched in July, Q did not
    assert city["paid_vs_attended"] == 1
    for rule_id in ("R04", "R11", "R12"):
        assert fired(undelivered, rule_id) == set(), rule_id


def test_undelivered_complaints_leave_case_counts_null_not_zero(undelivered):
    city = city_july(undelivered)
    assert (city["open_cases"], city["open_cases_over_30d"], city["case_closure_rate"]) == (None, None, None)
    with_case = {**WITHOUT, "complaint": [{"case_id": "K1", "project_code": "Q", "received_date": date(2025, 7, 1),
                                           "status": "03", "closed_date": date(2025, 7, 3)}]}  # fmt: skip
    city = city_july(given_warehouse(with_case, as_of=AS_OF))
    assert (city["open_cases"], city["case_closure_rate"]) == (0, 1)


def test_indicator_sources_cover_the_indicators_people_read():
    assert all(set(sources) <= set(ENTITIES) for sources in INDICATOR_SOURCES.values())
    assert set(undelivered_indicators(["wage_deposit"])) == {"deposit_coverage"}
    assert undelivered_indicators([]) == []


def test_bulletin_says_which_sources_were_not_delivered(undelivered):
    ctx = BulletinContext(
        as_of=AS_OF,
        area_names={},
        firm_names={},
        entity_names=ENTITY,
        check_sources={},
        n_checks={},
        missing_sources=tuple(missing_sources(undelivered, AS_OF)),
    )
    page = bulletin_html(pl.DataFrame(schema=FINDING_SCHEMA), pl.DataFrame(schema=FINDING_SCHEMA), ctx)
    said = page.split("四、数据接收情况")[1]
    assert "数据未报送：" in said
    for entity in SECURITY_SOURCES:
        assert ENTITY[entity] in said
    assert "工程款支付担保覆盖率" in said
    assert "工资保证金缴存率" in said
    # nothing said when everything the indicators need was delivered
    quiet = bulletin_html(pl.DataFrame(schema=FINDING_SCHEMA), pl.DataFrame(schema=FINDING_SCHEMA),
                          BulletinContext(AS_OF, {}, {}, ENTITY, {}, {}))  # fmt: skip
    assert "数据未报送" not in quiet


def test_dashboard_says_which_sources_were_not_delivered(undelivered):
    area_month = frame(undelivered, "select * from indicator_area_month")
    missing = missing_sources(undelivered, AS_OF)
    empty = pl.DataFrame(schema=FINDING_SCHEMA)
    areas = pl.DataFrame({"code": ["350503"], "name_zh": ["丰泽区"]})
    page = render_html(
        build_dashboard(
            DashboardInputs(
                area_month, None, pl.DataFrame(), empty, areas, AS_OF, Settings(), missing_sources=missing
            )
        )
    )
    cards = page.split("<div class='cards'>")[1].split("<section")[0]
    assert "数据未报送" in cards
    assert all(ENTITY[e] in cards for e in SECURITY_SOURCES)
    # complaints were not delivered either: the open-case card says so instead of "0 件"
    assert "未结案件</div><div class='v'>数据未报送" in cards
    delivered_page = render_html(
        build_dashboard(
            DashboardInputs(
                area_month, None, pl.DataFrame(), empty, areas, AS_OF, Settings(), missing_sources=[]
            )
        )
    )
    assert "数据未报送" not in delivered_page
