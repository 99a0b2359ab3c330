"""Which sources were delivered by as_of, and which indicators a source never delivered leaves null (数据未报送).

The SQL side is `int_source_delivered` (one row per as_of, `has_<entity>`): the marts null the indicators below and
the rules listed with the source in pipelines/warnings/catalogue.yaml stay silent. This module says the same to
people: the run summary, the dashboard and the 数据质量通报 name the sources and the indicators they leave empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from pipelines.contracts import ENTITIES

# indicator (indicator_area_month column) → the sources it needs; kept in step with indicator_project_month.sql and
# indicator_area_month.sql by tests/sql/marts/test_undelivered_sources.py
INDICATOR_SOURCES: dict[str, tuple[str, ...]] = {
    "rn_update_rate": ("attendance",),
    "avg_attendance": ("attendance",),
    "pm_onsite_rate": ("attendance", "project_corp", "project_worker"),
    "chief_supervisor_onsite_rate": ("attendance", "project_corp", "project_worker"),
    "key_staff_onsite_rate": ("attendance", "project_corp", "project_worker"),
    "account_open_rate": ("wage_account",),
    "tripartite_rate": ("wage_account",),
    "labor_cost_monthly_rate": ("wage_account", "account_txn"),
    "labor_cost_sufficiency": ("account_txn", "project_progress"),
    "payroll_on_time_rate": ("payroll", "attendance"),
    "payroll_via_account_rate": ("payroll", "wage_account"),
    "paid_vs_attended": ("payroll", "attendance"),
    "guarantee_coverage": ("payment_guarantee",),
    "guarantee_adequacy": ("payment_guarantee",),
    "deposit_coverage": ("wage_deposit",),
    "contract_rate": ("project_worker", "attendance"),
    "case_closure_rate": ("complaint",),
    "open_cases": ("complaint",),
    "open_cases_over_30d": ("complaint",),
    "days_to_close": ("complaint",),
}


def undelivered_sources(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[str]:
    """Entities with no raw row delivered by as_of (any time when as_of is None), in contract order.

    The same test as int_source_delivered: a file that was empty, unreadable or wholly quarantined delivered nothing.
    """
    missing = []
    for entity in ENTITIES:
        sql = f"select count(*) from raw_{entity}" + (" where _extract_date <= ?" if as_of else "")
        found = con.execute(sql, [as_of] if as_of else []).fetchone()
        if not (found and found[0]):
            missing.append(entity)
    return missing


def undelivered_indicators(missing: Iterable[str]) -> list[str]:
    """The indicators (INDICATOR_SOURCES order) that need one of the `missing` sources: 数据未报送."""
    gone = set(missing)
    return [i for i, sources in INDICATOR_SOURCES.items() if gone.intersection(sources)]
