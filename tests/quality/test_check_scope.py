"""Checks on what arrived: a regular night's GX suites read only the rows delivered since the last checked night
(当日新增), key uniqueness compares them with the stored rows of their months, and everything is re-checked (全量)
on a schedule and whenever the state cannot vouch for the stored rows (pipelines/quality/scope.py)."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.ingest import load_inbox
from pipelines.quality import gx_findings, run_quality
from pipelines.quality.gx_suites import all_rules, run_suites
from pipelines.quality.scope import (
    FILE_TABLE,
    FULL,
    INCREMENTAL,
    RUN_TABLE,
    CheckScope,
    _key_rows,
    decide_scope,
    ensure_state,
    prepare_batches,
    record_night,
    rules_fingerprint,
)
from pipelines.settings import Quality, Settings, sql_params
from pipelines.warehouse import connect, ensure_schema, frame, has_table, run_models
from tests.given import given_warehouse
from tests.quality.conftest import STAGING

LIFE = "attendance_date_in_project_life"
# punches dated years before any tiny-world project started: accepted at load, found by the project-life rule
BAD_DATES = {"first": "2020-01-05 08:00:00", "tonight": "2020-02-06 08:00:00", "late": "2020-03-07 08:00:00"}


def _copy(src: Path, dst: Path, up_to: str) -> None:
    for f in sorted(src.glob("*/*")):
        if f.parent.name <= up_to and not (dst / f.parent.name / f.name).exists():
            (dst / f.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dst / f.parent.name / f.name)


def _bad_punch(inbox: Path, folder: str, name: str, when: str) -> str:
    """A CSV with one punch of the tiny world's first 12-26 line, re-dated `when`; returns its project."""
    header, first = (
        (inbox / "2025-12-26" / "attendance_1226.csv").read_text(encoding="utf-8").splitlines()[:2]
    )
    fields = first.split(",")
    fields[2] = when
    (inbox / folder / name).write_text(f"{header}\n{','.join(fields)}\n", encoding="utf-8")
    return fields[0]


def _night(con, inbox: Path, base: Path, day: str, settings: Settings):
    as_of = date.fromisoformat(day)
    load_inbox(con, inbox, settings, up_to=as_of)
    run_models(con, sql_params(settings, as_of), only=STAGING)
    return run_quality(base / "wh.duckdb", settings, as_of, base / day, con=con)


def _life_rows(result) -> int:
    return int(result.findings.filter(pl.col("check_id") == LIFE)["n_rows"].sum())


@pytest.fixture(scope="module")
def nights(tiny_world, tmp_path_factory):
    """Three nights of the tiny world: 12-26 full (first night), 12-27 incremental, 12-28 full by the schedule.

    12-26 delivers one bad punch; 12-27 delivers another in its own folder and a late file for 12-26 with a third.
    """
    base = tmp_path_factory.mktemp("scope")
    inbox = base / "inbox"
    src = tiny_world / "inbox"
    con = connect(base / "wh.duckdb")
    ensure_schema(con)
    _copy(src, inbox, "2025-12-26")
    project = _bad_punch(inbox, "2025-12-26", "attendance_1226_b.csv", BAD_DATES["first"])
    first = _night(con, inbox, base, "2025-12-26", Settings())
    _copy(src, inbox, "2025-12-27")
    _bad_punch(inbox, "2025-12-27", "attendance_1227_b.csv", BAD_DATES["tonight"])
    _bad_punch(inbox, "2025-12-26", "attendance_1226_late.csv", BAD_DATES["late"])  # a late file, old date
    second = _night(con, inbox, base, "2025-12-27", Settings())
    _copy(src, inbox, "2025-12-28")
    third = _night(con, inbox, base, "2025-12-28", Settings(quality=Quality(full_check_every_days=2)))
    yield {"project": project, "nights": (first, second, third), "con": con}
    con.close()


def test_a_first_night_checks_everything(nights):
    first = nights["nights"][0]
    assert (first.summary["check_scope"], first.summary["check_scope_reason"]) == (FULL, "no_state")
    assert _life_rows(first) == 1
    assert not first.blocking


def test_an_incremental_night_finds_tonights_bad_rows_late_files_included_and_only_those(nights):
    second = nights["nights"][1]
    assert (second.summary["check_scope"], second.summary["check_scope_reason"]) == (INCREMENTAL, "new_rows")
    # tonight's file and the late file for 12-26 (its extract date is before the last checked night): both new
    assert _life_rows(second) == 2
    (row,) = second.findings.filter(pl.col("check_id") == LIFE).iter_rows(named=True)
    assert row["project_code"] == nights["project"]
    # the 12-26 punch was checked last night: not re-reported; only tonight's rows went through the suites
    total = nights["con"].execute("select count(*) from stg_attendance").fetchone()[0]
    assert 0 < second.summary["gx_rows_checked"] < total / 10
    assert not second.blocking
    assert second.summary["check_scope_zh"] == "当日新增"
    # only the entity with new rows was validated; the bulletin counts the checks that ran
    gx = second.checks.filter(pl.col("source") == "gx")
    assert set(gx["entity"]) == {"attendance"}
    assert gx.height < nights["nights"][0].checks.filter(pl.col("source") == "gx").height


def test_the_scheduled_full_night_reports_every_bad_row_again(nights):
    third = nights["nights"][2]
    assert (third.summary["check_scope"], third.summary["check_scope_reason"]) == (FULL, "scheduled")
    assert _life_rows(third) == 3
    (row,) = third.findings.filter(pl.col("check_id") == LIFE).iter_rows(named=True)
    assert row["first_seen"] == date(2025, 12, 26)  # the same finding as the first night's: first_seen kept


def test_the_bulletin_and_the_state_say_which_scope_was_checked(nights):
    first, second, _ = nights["nights"]
    assert "校验范围：全量" in first.bulletin_path.read_text(encoding="utf-8")
    text = second.bulletin_path.read_text(encoding="utf-8")
    assert "校验范围：当日新增" in text
    assert "上次全量校验：2025-12-26" in text
    con = nights["con"]
    runs = frame(con, f"select as_of, scope, reason from {RUN_TABLE} order by as_of").rows()
    assert runs == [
        (date(2025, 12, 26), FULL, "no_state"),
        (date(2025, 12, 27), INCREMENTAL, "new_rows"),
        (date(2025, 12, 28), FULL, "scheduled"),
    ]
    leftovers = con.execute(
        "select count(*) from duckdb_tables() where table_name like 'dq_batch_%'"
    ).fetchone()
    assert leftovers == (0,)


# ---------------------------------------------------------------- key uniqueness over the touched months


def _attendance(key: str, when: datetime, file_id: int, n: int) -> dict:
    return {
        "project_code": "P1",
        "id_card_number_hash": key,
        "date": when,
        "direction": "01",
        "_file_id": file_id,
        "_row_hash": n,
    }


def _ledger(con: duckdb.DuckDBPyConnection, files: dict[int, date]) -> None:
    for file_id, extract_date in files.items():
        con.execute(
            "insert into load_file (file_id, path, sha256, entity, extract_date, status) "
            "values (?, ?, ?, 'attendance', ?, 'loaded')",
            [file_id, f"{extract_date}/attendance_{file_id}.csv", f"sha{file_id}", extract_date],
        )


def _repeated_key_warehouse(as_of: date) -> duckdb.DuckDBPyConnection:
    """File 1 (checked): a key repeated in May and a June key; file 2 (tonight): that June key again, a new key."""
    con = given_warehouse(
        {
            "project": [
                {"project_code": "P1", "start_date": date(2025, 1, 1), "complete_date": date(2026, 1, 1)}
            ],
            "attendance": [
                # stored and checked: a repeated key in May (a full check's business, not tonight's)
                _attendance("A", datetime(2025, 5, 2, 8), 1, 1),
                _attendance("A", datetime(2025, 5, 2, 8), 1, 2),
                _attendance("B", datetime(2025, 6, 2, 8), 1, 3),
                # tonight: B again (repeats a stored key of June) and a fresh key
                _attendance("B", datetime(2025, 6, 2, 8), 2, 4),
                _attendance("C", datetime(2025, 6, 3, 8), 2, 5),
            ],
        },
        as_of=as_of,
        only=STAGING,
    )
    _ledger(con, {1: as_of - timedelta(days=1), 2: as_of})
    return con


def test_key_uniqueness_compares_new_keys_with_the_stored_rows_of_their_months():
    as_of = date(2025, 6, 30)
    con = _repeated_key_warehouse(as_of)
    rules = {"attendance": all_rules(Settings(), as_of)["attendance"]}
    key_rule = "attendance_key_unique"

    def key_result(kind: str) -> tuple[int, list[dict]]:
        scope = CheckScope(kind, "test", (2,), "h")
        batches = prepare_batches(con, scope, ["attendance"])
        results, _ = run_suites(con, rules, None, batches=batches)
        (res,) = [r for r in results if r.rule.check_id == key_rule]
        assert not res.errored, res.message
        found = [f for f in gx_findings(con, results, batches) if f["check_id"] == key_rule]
        return res.n_rows, found

    n, found = key_result(INCREMENTAL)
    assert n == 2  # the June pair; the May pair is in a month tonight did not touch
    assert [(f["project_code"], f["n_rows"]) for f in found] == [("P1", 2)]
    n, _ = key_result(FULL)
    assert n == 4
    con.close()


# ---------------------------------------------------------------- when a night checks everything


@pytest.fixture
def state() -> duckdb.DuckDBPyConnection:
    con = connect()
    ensure_schema(con)
    yield con
    con.close()


def _checked(con, as_of: date, scope: str, *, blocking: bool = False, rules_hash: str | None = None) -> None:
    ensure_state(con)
    con.execute(
        f"insert into {RUN_TABLE} values (?, ?, 'x', ?, ?)",
        [as_of, scope, blocking, rules_hash or rules_fingerprint(Settings())],
    )


def _reason(con, as_of: date, settings: Settings | None = None) -> str:
    settings = settings or Settings()
    return decide_scope(con, settings, as_of, rules_fingerprint(settings)).reason


def test_a_night_is_full_without_state_for_past_dates_after_a_block_new_rules_month_ends_and_schedule(state):
    assert not has_table(state, RUN_TABLE)
    assert _reason(state, date(2025, 12, 26)) == "no_state"
    _checked(state, date(2025, 12, 26), FULL)
    _checked(state, date(2025, 12, 29), INCREMENTAL)
    assert _reason(state, date(2025, 12, 30)) == "new_rows"
    assert _reason(state, date(2025, 12, 29)) == "earlier_date"  # a re-run
    assert _reason(state, date(2025, 12, 20)) == "earlier_date"  # a backfill or republish of a past date
    assert _reason(state, date(2025, 12, 31)) == "month_end"
    assert (
        _reason(state, date(2025, 12, 30), Settings(quality=Quality(full_check_month_end=False)))
        == "new_rows"
    )
    assert (
        _reason(state, date(2025, 12, 30), Settings(quality=Quality(full_check_every_days=4))) == "scheduled"
    )
    assert (
        _reason(state, date(2025, 12, 30), Settings(quality=Quality(full_check_every_days=1))) == "scheduled"
    )
    changed = Settings(quality=Quality(project_overrun_days=100))  # a rule's parameter changed
    assert _reason(state, date(2025, 12, 30), changed) == "rules_changed"
    _checked(state, date(2025, 12, 30), INCREMENTAL, blocking=True)
    assert _reason(state, date(2026, 1, 2)) == "after_blocked"


def test_the_rules_fingerprint_does_not_change_with_the_date():
    assert rules_fingerprint(Settings()) == rules_fingerprint(Settings())
    assert rules_fingerprint(Settings()) != rules_fingerprint(Settings(quality=Quality(project_early_days=1)))


def test_recording_a_night_again_changes_nothing_unless_it_now_checked_everything(state):
    first, second = date(2025, 12, 26), date(2025, 12, 27)
    record_night(state, CheckScope(FULL, "no_state", (1, 2), "h"), first, False)
    record_night(state, CheckScope(INCREMENTAL, "new_rows", (3,), "h"), second, False)
    before = frame(state, f"select * from {RUN_TABLE} order by as_of").rows()
    record_night(state, CheckScope(FULL, "earlier_date", (), "h"), first, False)  # a re-run of a full night
    assert frame(state, f"select * from {RUN_TABLE} order by as_of").rows() == before
    record_night(state, CheckScope(FULL, "earlier_date", (), "h"), second, True)  # a re-run that checked all
    assert frame(
        state, f"select scope, reason, blocking from {RUN_TABLE} where as_of = ?", [second]
    ).rows() == [(FULL, "earlier_date", True)]
    files = frame(state, f"select file_id, as_of from {FILE_TABLE} order by 1").rows()
    assert files == [(1, first), (2, first), (3, second)]


def test_a_blocking_finding_on_tonights_rows_still_blocks_an_incremental_night(tmp_path):
    as_of = date(2025, 6, 28)  # not a month end: a regular night
    con = _repeated_key_warehouse(as_of)
    record_night(
        con, CheckScope(FULL, "no_state", (1,), rules_fingerprint(Settings())), date(2025, 6, 27), False
    )
    result = run_quality(tmp_path / "unused.duckdb", Settings(), as_of, tmp_path / "out", con=con)
    assert (result.summary["check_scope"], result.summary["gx_rows_checked"]) == (INCREMENTAL, 2)
    assert result.blocking
    assert result.summary["blocking_checks"] == ["attendance_key_unique"]
    (row,) = result.findings.filter(pl.col("check_id") == "attendance_key_unique").iter_rows(named=True)
    assert (row["n_rows"], row["severity"]) == (2, "blocking")
    # the next night re-checks everything: the stored repeat blocks until it is fixed
    assert (
        decide_scope(con, Settings(), date(2025, 6, 29), rules_fingerprint(Settings())).reason
        == "after_blocked"
    )
    con.close()


def test_repeated_keys_are_looked_for_in_the_new_rows_months_of_the_staged_punch_time():
    """stg_attendance's key has punched_at (the platform's `date`): the key check reads only the new rows' months."""
    from pipelines.contracts import load_contract

    con = duckdb.connect()
    con.execute("create table batch as select timestamp '2025-06-03 08:00:00' as punched_at")
    sql = _key_rows(con, load_contract("attendance"), "batch")
    assert """(s."punched_at" >= DATE '2025-06-01' and s."punched_at" < DATE '2025-07-01')""" in sql
    assert 'b."punched_at" = s."punched_at"' in sql


def test_a_failing_cross_source_check_waits_for_gx_and_leaves_no_batch_table(
    tiny_world, tmp_path, monkeypatch
):
    """GX validates tonight's batch tables in its thread while the cross-source checks run: when those fail, the
    step still waits for GX before it drops the batch tables, and the error is the checks' own."""
    import time

    from pipelines import quality

    inbox = tmp_path / "inbox"
    con = connect(tmp_path / "wh.duckdb")
    ensure_schema(con)
    _copy(tiny_world / "inbox", inbox, "2025-12-26")
    _night(con, inbox, tmp_path, "2025-12-26", Settings())
    _copy(tiny_world / "inbox", inbox, "2025-12-27")
    validated: list[str] = []
    real_run_suites = quality.run_suites

    def slow_run_suites(*args, **kwargs):
        result = real_run_suites(*args, **kwargs)
        time.sleep(0.5)  # still validating when the checks have already failed
        validated.append("done")
        return result

    def broken_checks(_con):
        raise RuntimeError("a cross-source check failed")

    monkeypatch.setattr(quality, "run_suites", slow_run_suites)
    monkeypatch.setattr(quality, "cross_source_findings", broken_checks)
    with pytest.raises(RuntimeError, match="a cross-source check failed"):
        _night(con, inbox, tmp_path, "2025-12-27", Settings())
    assert validated == ["done"]  # GX had validated tonight's rows before the batch tables went
    left = con.execute("select count(*) from duckdb_tables() where table_name like 'dq_batch_%'").fetchone()
    assert left == (0,)
    con.close()
