"""Cross-source checks: what one table cannot show, found by joining the sources in DuckDB.

Each check is one SQL file, pipelines/sql/checks/chk_<check_id>.sql, built as a table like any model: one row per
project with project_code, n_rows and, where the detail needs them, n_people and month (the runner adds the
project's area and 总承包单位). They read the staged tables and intermediate facts, the same ones the rules read
where a rule and a check look at one thing (int_key_staff, int_punch_on_two_projects, int_pay_month_due); quality
runs before the other model layers, so `build_checks` builds those facts first.
"""

from __future__ import annotations

import duckdb

from pipelines.warehouse import BuildReport, SqlModel, build_order, discover_models, run_models

CHECK_LAYER = "checks"
# check_id → the entity its findings are about (the table chk_<check_id> holds the findings' rows)
CROSS_SOURCE: dict[str, str] = {
    "attendance_not_on_roster": "attendance",
    "payroll_without_attendance": "payroll",
    "attendees_without_payroll": "payroll",
    "pm_not_set": "project_corp",
    "pm_not_on_roster": "project_corp",
    "chief_supervisor_not_set": "project_corp",
    "chief_supervisor_not_on_roster": "project_corp",
    "shared_wage_card": "project_worker",
    "shared_phone": "project_worker",
    "punch_two_projects": "attendance",
    "payroll_not_via_wage_account": "payroll",
    "attendance_unknown_project": "attendance",
}


def check_table(check_id: str) -> str:
    """The table that holds a check's rows."""
    return f"chk_{check_id}"


def build_checks(con: duckdb.DuckDBPyConnection) -> BuildReport:
    """Build every check table and the non-staging models it reads (the run's variables must be set)."""
    models = discover_models()
    wanted = _with_upstream(models, [n for n, m in models.items() if m.layer == CHECK_LAYER])
    return run_models(con, {}, models=models, only=[n for n in build_order(models) if n in wanted])


def _with_upstream(models: dict[str, SqlModel], names: list[str]) -> set[str]:
    """`names` and every model above staging that they read, directly or not."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        todo.extend(r for r in models[name].refs if r in models and models[r].layer != "staging")
    return found
