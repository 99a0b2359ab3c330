"""GX suites: generated from the contracts, run through the run's own DuckDB connection, errors never pass."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from pipelines.contracts import all_contracts
from pipelines.identifiers import USCC_ALPHABET, is_valid_uscc, uscc_check_char
from pipelines.quality import gx_findings
from pipelines.quality.gx_suites import Rule, all_rules, result_of, run_suites, uscc_valid_sql
from pipelines.settings import Settings
from pipelines.warehouse import connect, staged_key
from tests.given import given_warehouse
from tests.quality.conftest import STAGING

AS_OF = date(2025, 6, 30)
GOOD_USCC = "91350100M000100Y43"
BAD_USCC = "91350100M000100Y44"


@pytest.fixture(scope="module")
def rules() -> dict[str, list[Rule]]:
    return all_rules(Settings(), AS_OF)


def test_every_entity_gets_key_type_code_range_and_check_digit_rules(rules):
    contracts = all_contracts()
    assert set(rules) == set(contracts)
    for entity, contract in contracts.items():
        ids = {r.check_id for r in rules[entity]}
        assert {f"{entity}_key_not_null", f"{entity}_key_unique"} <= ids
        kinds = {r.kind for r in rules[entity]}
        assert "type" in kinds
        for c in contract.columns:
            if c.codes and not c.open_set:
                assert f"{entity}_{c.name}_in_set" in ids
            if c.check == "uscc":
                assert f"{entity}_{c.name}_uscc" in ids
            if c.min_exclusive is not None:
                assert f"{entity}_{c.name}_positive" in ids
        key_rule = next(r for r in rules[entity] if r.kind == "key_unique")
        assert list(key_rule.columns) == staged_key(contract)
    life = {r.check_id for rs in rules.values() for r in rs if r.check_id.endswith("_in_project_life")}
    assert life == {"attendance_date_in_project_life", "project_worker_entry_time_in_project_life",
                    "payroll_pay_month_in_project_life"}  # fmt: skip


def test_rules_read_only_staged_columns_and_never_clear_personal_data(rules):
    con = given_warehouse({}, as_of=AS_OF, only=STAGING)
    for entity, entity_rules in rules.items():
        staged = {r[0] for r in con.execute(f"describe stg_{entity}").fetchall()}
        pii = {c.name for c in all_contracts()[entity].pii_columns}
        for rule in entity_rules:
            assert set(rule.columns) <= staged, rule.check_id
            assert not set(rule.columns) & pii, rule.check_id
            if rule.predicate:  # the predicate is valid SQL on the staged table
                con.execute(f"select count(*) from {rule.rows_from()} where {rule.predicate}").fetchall()
    con.close()


def test_attendance_rules_read_punched_at_and_keep_the_contracts_check_ids(rules):
    """stg_attendance calls the platform's `date` punched_at; the findings' history is keyed on the check ids."""
    by_id = {r.check_id: r for r in rules["attendance"]}
    assert by_id["attendance_key_unique"].columns == (
        "project_code",
        "id_card_number_hash",
        "punched_at",
        "direction",
    )
    for check_id in ("attendance_date_type", "attendance_date_not_future", "attendance_date_in_project_life"):
        assert by_id[check_id].columns == ("punched_at",), check_id
    assert '"punched_at"' in (by_id["attendance_date_not_future"].predicate or "")
    assert not any('"date"' in (r.predicate or "") for r in rules["attendance"])


def test_uscc_check_in_sql_agrees_with_gb32100():
    rng = np.random.default_rng(3)
    codes = []
    for _ in range(300):
        body = "91" + "".join(rng.choice(list(USCC_ALPHABET), 15))
        good = body + uscc_check_char(body)
        codes += [
            good,
            good[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(good[17]) + 1) % 31],
            good.lower(),
            good[:17],
        ]
    codes += ["91350100M000100Y4I", "", "ABC"]
    con = connect()
    got = dict(con.execute(f"select c, {uscc_valid_sql('c')} from unnest(?) t(c)", [codes]).fetchall())
    assert {c: bool(got[c]) for c in codes} == {c: is_valid_uscc(c) for c in codes}


def _planted_warehouse():
    """Staged rows that break one rule each; the loader would have refused them, GX must still see them."""
    return given_warehouse(
        {
            "project": [
                {"project_code": "P1", "area_code": "350503", "category": "01", "prj_status": "003",
                 "contractor_corp_code": GOOD_USCC, "build_corp_code": BAD_USCC, "contract_amount": 1e7,
                 "start_date": date(2025, 1, 1), "complete_date": date(2025, 12, 31)},
                {"project_code": "P2", "area_code": "350503", "category": "77", "prj_status": "003",
                 "contractor_corp_code": GOOD_USCC, "contract_amount": -5.0,
                 "start_date": date(2025, 1, 1), "complete_date": date(2025, 12, 31)},
            ],
            "attendance": [
                {"project_code": "P1", "id_card_number_hash": "A", "date": datetime(2025, 6, 2, 8), "direction": "01"},
                {"project_code": "P1", "id_card_number_hash": "A", "date": datetime(2024, 6, 2, 8), "direction": "01"},
                {"project_code": "P2", "id_card_number_hash": "B", "date": datetime(2024, 5, 2, 8), "direction": "01"},
            ],
            "complaint": [
                {"case_id": "C1", "received_date": date(2025, 6, 1), "status": "03", "closed_date": None},
                {"case_id": "C2", "received_date": date(2025, 6, 1), "status": "03", "closed_date": date(2025, 5, 1)},
            ],
        },
        as_of=AS_OF,
        only=STAGING,
    )  # fmt: skip


def test_gx_validates_through_the_runs_own_in_memory_connection(rules):
    con = _planted_warehouse()  # in memory: only this connection and its cursors can see these rows
    wanted = {e: rules[e] for e in ("project", "attendance", "complaint")}
    results, docs = run_suites(con, wanted, None)
    assert docs is None
    assert [r.rule.check_id for r in results if r.errored] == []
    failed = {r.rule.check_id: r.n_rows for r in results if not r.success}
    assert failed == {
        "project_build_corp_code_uscc": 1,
        "project_category_in_set": 1,
        "project_contract_amount_range": 1,
        "attendance_date_in_project_life": 2,
        "complaint_closed_without_date": 1,
        "complaint_closed_date_before_received_date": 1,
    }
    rows = gx_findings(con, results)
    by_check = {}
    for f in rows:
        by_check.setdefault(f["check_id"], []).append((f["project_code"], f["n_rows"], f["corp_code"]))
    assert sorted(by_check["attendance_date_in_project_life"]) == [("P1", 1, GOOD_USCC), ("P2", 1, GOOD_USCC)]
    assert by_check["project_category_in_set"] == [("P2", 1, GOOD_USCC)]
    assert by_check["complaint_closed_without_date"] == [(None, 1, None)]  # a case may name no project
    assert all(f["title_zh"].startswith(("项目基本信息：", "考勤记录：", "欠薪投诉举报案件：")) for f in rows)
    con.close()


def test_an_expectation_that_raised_is_reported_as_errored_never_as_passed(rules):
    con = _planted_warehouse()
    broken = Rule("project_broken", "project", "sql", "坏规则", "坏规则", ("nope",), "no_such_column > 1")
    results, _ = run_suites(con, {"project": [*rules["project"][:2], broken]}, None)
    by_id = {r.rule.check_id: r for r in results}
    assert by_id["project_broken"].errored
    assert not by_id["project_broken"].success
    assert "no_such_column" in by_id["project_broken"].message
    assert not by_id["project_key_not_null"].errored
    finding = next(f for f in gx_findings(con, results) if f["check_id"] == "gx_check_errored")
    assert "坏规则" in finding["detail_zh"]
    con.close()


class _Result:
    """The parts of a GX ExpectationValidationResult that result_of reads."""

    def __init__(self, success, result, exception_info):
        self.success, self.result, self.exception_info = success, result, exception_info


@pytest.mark.parametrize(
    ("gx_result", "errored", "n_rows"),
    [
        (_Result(True, {"unexpected_count": 0}, {"raised_exception": False}), False, 0),
        (_Result(False, {"unexpected_count": 3}, {"raised_exception": False}), False, 3),
        (_Result(False, {"observed_value": 2}, None), False, 2),
        # GX nests per-metric errors (e.g. "Regex is not supported for dialect duckdb") under the metric's id
        (
            _Result(
                False, {}, {"MetricConfigurationID(x)": {"raised_exception": True, "exception_message": "x"}}
            ),
            True,
            0,
        ),
        (_Result(False, {}, {"raised_exception": True, "exception_message": "boom"}), True, 0),
        (_Result(False, {}, None), True, 0),  # failed with nothing counted: not trusted either
    ],
)
def test_result_of_reads_counts_and_every_shape_of_error(gx_result, errored, n_rows):
    rule = Rule(
        "x_key_not_null", "project", "key_not_null", "t", "t", ("project_code",), '"project_code" is null'
    )
    got = result_of(rule, gx_result)
    assert (got.errored, got.n_rows) == (errored, n_rows)
    assert not (got.errored and got.success)


def test_a_repeated_compound_key_fails_with_the_number_of_repeated_keys(rules):
    punch = {
        "project_code": "P1",
        "id_card_number_hash": "A",
        "date": datetime(2025, 6, 2, 8),
        "direction": "01",
    }
    later = {**punch, "date": datetime(2025, 6, 3, 8)}
    con = given_warehouse(
        {
            "project": [{"project_code": "P1", "area_code": "350503", "category": "01", "prj_status": "003",
                         "contractor_corp_code": GOOD_USCC, "start_date": date(2025, 1, 1)}],
            "attendance": [punch, punch, later, later, later, {**punch, "direction": "02"}],
        },
        as_of=AS_OF,
        only=STAGING,
    )  # fmt: skip
    key_rule = next(r for r in rules["attendance"] if r.kind == "key_unique")
    (result,), _ = run_suites(con, {"attendance": [key_rule]}, None)
    assert not result.errored
    assert not result.success
    assert result.n_rows == 5  # the rows of the two keys that occur more than once
    assert [(f["project_code"], f["n_rows"]) for f in gx_findings(con, [result])] == [("P1", 5)]
    con.close()
