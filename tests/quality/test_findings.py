"""Findings: severity from the settings, first_seen carried across runs, re-running a night replaces it."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.quality.findings import finding, findings_frame, severity_of, store_findings
from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.settings import Quality, Settings
from pipelines.warehouse import connect, frame


@pytest.mark.parametrize(
    ("check_id", "severity"),
    [
        ("project_key_not_null", "warning"),  # null keys are quarantined at load: one row never blocks
        ("attendance_key_unique", "blocking"),
        ("quarantine_share", "blocking"),
        ("file_unreadable_share", "blocking"),
        ("gx_check_errored", "blocking"),
        ("attendance_not_on_roster", "warning"),
        ("attendance_unknown_project", "warning"),
        ("quarantine_id_check_digit", "warning"),
        ("payroll_total_pay_amount_range", "warning"),
    ],
)
def test_default_severities(check_id, severity):
    assert severity_of(check_id, Settings()) == severity


def test_which_check_blocks_is_a_setting():
    settings = Settings(quality=Quality(blocking_checks=["attendance_*", "quarantine_share"]))
    assert severity_of("attendance_not_on_roster", settings) == "blocking"
    assert severity_of("project_key_not_null", settings) == "warning"


def night(*problems: tuple[str, str | None, int]) -> list[dict]:
    return [
        finding(c, "attendance", n, f"{n}条", project_code=p, corp_code="F" if p else None)
        for c, p, n in problems
    ]


def test_first_seen_carries_over_and_rerunning_a_night_replaces_it():
    con = connect()
    settings = Settings()
    d1, d2, d3 = date(2025, 6, 28), date(2025, 6, 29), date(2025, 6, 30)
    store_findings(con, findings_frame(night(("attendance_not_on_roster", "P1", 3)), settings, d1), d1)
    rows2 = night(("attendance_not_on_roster", "P1", 4), ("attendance_not_on_roster", "P2", 1),
                  ("duplicate_rows", None, 2))  # fmt: skip
    store_findings(con, findings_frame(rows2, settings, d2), d2)
    rows3 = night(("attendance_not_on_roster", "P1", 5), ("duplicate_rows", None, 2))
    first = store_findings(con, findings_frame(rows3, settings, d3), d3)
    again = store_findings(con, findings_frame(rows3, settings, d3), d3)  # the same night re-run

    assert first.equals(again)
    current = frame(con, "select * from dq_finding order by check_id, project_code")
    assert current.columns == list(FINDING_SCHEMA)
    assert current.select("check_id", "project_code", "n_rows", "first_seen", "last_seen").rows() == [
        ("attendance_not_on_roster", "P1", 5, d1, d3),  # open since the first night
        ("duplicate_rows", None, 2, d2, d3),  # null project and firm still match their history
    ]
    history = frame(con, "select as_of, count(*) as n from dq_finding_history group by all order by all")
    assert history.rows() == [(d1, 1), (d2, 3), (d3, 2)]
    con.close()


def test_an_empty_night_still_writes_the_tables():
    con = connect()
    out = store_findings(con, findings_frame([], Settings(), date(2025, 6, 30)), date(2025, 6, 30))
    assert out.height == 0
    assert frame(con, "select * from dq_finding").columns == list(FINDING_SCHEMA)
    con.close()
