"""Incremental nights (pipelines/incremental.py, warehouse.run_models): nights built one by one, rebuilding only
the months their new rows touch, give the same tables as a full rebuild, row for row."""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.incremental import (
    STATE_TABLE,
    Night,
    Touched,
    entries,
    incremental_column,
    incremental_lag,
    lag_months,
    reads_as_of_for_visibility_only,
)
from pipelines.night_steps import build_layer, extract_dates, load_extracts, open_warehouse
from pipelines.quality.cross_source import build_checks
from pipelines.settings import Settings
from pipelines.warehouse import SqlModel, connect, discover_models, drop_relation, frame

# the tables a night stores (the features layer is built as temporary tables when scoring: pipelines/features/)
MODELS = {name: m for name, m in discover_models().items() if m.layer != "features"}
SETTINGS = Settings()
# files held back from their folder and put back in it before a later night: a late correction of an earlier
# extract date (attendance: events of an earlier month; project_worker: a registry version of an earlier date)
LATE = ("attendance_0930", "project_worker_0930", "payroll_1031")


def _night(warehouse: Path, inbox: Path, as_of: date, **settings: object) -> dict:
    """One night's load and model steps, split as the nightly flow splits them (staging, quality's checks,
    the other layers); returns how the incremental models were built."""
    s = SETTINGS.model_copy(update=settings)
    con = open_warehouse(warehouse, s)
    try:
        load_extracts(con, inbox, s, as_of)
        staged = build_layer(con, s, as_of, ("staging",))
        checks = build_checks(con)
        rest = build_layer(con, s, as_of, ("intermediate", "rules", "marts"))
        # a model the checks built is up to date in the models step: the checks' plan says how it was built
        return {**staged.plans, **rest.plans, **checks.plans}
    finally:
        con.close()


def _tables(warehouse: Path) -> dict[str, pl.DataFrame]:
    con = connect(warehouse, read_only=True)
    try:
        return {name: frame(con, f"select * from {name}") for name in MODELS}
    finally:
        con.close()


def _same_rows(a: pl.DataFrame, b: pl.DataFrame) -> str | None:
    """None when both hold the same rows (any order; doubles within 1e-6 relative), else what differs."""
    if a.columns != b.columns:
        return f"columns {a.columns} != {b.columns}"
    if a.height != b.height:
        return f"{a.height} rows != {b.height} rows"
    floats = [c for c, t in a.schema.items() if t in (pl.Float64, pl.Float32)]

    def key(df: pl.DataFrame) -> pl.DataFrame:
        rounded = df.with_columns([pl.col(c).round_sig_figs(6) for c in floats])
        order = rounded.with_row_index("_i").sort(rounded.columns, nulls_last=True)
        return df[order["_i"].to_list()]

    sa, sb = key(a), key(b)
    exact = [c for c in a.columns if c not in floats]
    if not sa.select(exact).equals(sb.select(exact)):
        return "rows differ: " + str(sa.select(exact).join(sb.select(exact), on=exact, how="anti").head(3))
    for c in floats:
        for x, y in zip(sa[c].to_list(), sb[c].to_list(), strict=True):
            if (x is None) != (y is None) or (
                x is not None and not math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9)
            ):
                return f"column {c}: {x} != {y}"
    return None


def _differences(left: Path, right: Path) -> dict[str, str]:
    a, b = _tables(left), _tables(right)
    return {name: d for name in MODELS if (d := _same_rows(a[name], b[name])) is not None}


def _fresh_copy(warehouse: Path, target: Path) -> None:
    """A copy of a warehouse's loaded rows without its models or build state."""
    shutil.copy(warehouse, target)
    con = connect(target)
    try:
        con.execute(f"drop table {STATE_TABLE}")
        for name in MODELS:
            drop_relation(con, name)  # a table, or a view (stg_attendance)
    finally:
        con.close()


@pytest.fixture(scope="module")
def nights(tiny_world, tmp_path_factory) -> dict:
    """The tiny world's nights one by one, with late files put back into their old folders two nights later and
    the last night run twice; plus a warehouse that loaded everything and built the last night whole."""
    base = tmp_path_factory.mktemp("incremental")
    inbox = base / "inbox"
    shutil.copytree(tiny_world / "inbox", inbox)
    held = base / "held"
    held.mkdir()
    late_files = [p for p in inbox.rglob("*") if p.is_file() and p.stem in LATE]
    assert {p.stem for p in late_files} == set(LATE)
    for p in late_files:
        (held / p.parent.name).mkdir(exist_ok=True)
        shutil.move(p, held / p.parent.name / p.name)
    dates = extract_dates(inbox)
    warehouse = base / "nightly.duckdb"
    plans: dict[date, dict] = {}
    for i, as_of in enumerate(dates):
        if i == 6:  # the late files arrive, in the folders of their own (earlier) extract dates
            for p in held.rglob("*"):
                if p.is_file():
                    shutil.move(p, inbox / p.parent.name / p.name)
        plans[as_of] = _night(warehouse, inbox, as_of)
    rerun = _night(warehouse, inbox, dates[-1])
    full = base / "full.duckdb"  # the same loaded rows (file ids included), every model rebuilt whole
    _fresh_copy(warehouse, full)
    _night(full, inbox, dates[-1], incremental_nights=False)
    return {
        "inbox": inbox,
        "dates": dates,
        "warehouse": warehouse,
        "full": full,
        "plans": plans,
        "rerun": rerun,
    }


def test_nights_one_by_one_equal_a_full_rebuild(nights):
    assert _differences(nights["warehouse"], nights["full"]) == {}


def test_nights_were_incremental(nights):
    """Not a full rebuild in disguise: the daily nights of December rebuild December only."""
    december = nights["plans"][nights["dates"][-2]]
    assert december["int_person_day"].mode == "incremental"
    assert december["int_person_day"].months == ["2025-12"]
    assert december["stg_account_txn"].mode == "append"
    assert december["int_project_month"].mode == "incremental"
    # month M reads pay month M − 1 (lag=payroll_deadline_months): December only, no month after as_of's
    assert december["int_payroll_project_month"].mode == "incremental"
    assert december["int_payroll_project_month"].months == ["2025-12"]
    # the night the late files came: their months (September's attendance, October's pay) are rebuilt too
    late = nights["plans"][nights["dates"][6]]
    assert "2025-09" in late["int_person_day"].months
    assert "2025-10" in late["int_project_month"].months
    # September's late punches are read by October's pay-month figures (pay month M − 1)
    assert {"2025-09", "2025-10"} <= set(late["int_payroll_project_month"].months)


def test_models_built_by_the_quality_step_are_not_built_again(nights):
    """Quality's checks build the facts they read (int_punch_on_two_projects …); the models step, same night, same
    files, finds them up to date (they are whole-table models: no months)."""
    december = nights["plans"][nights["dates"][-2]]
    assert december["int_punch_on_two_projects"].mode == "up_to_date"
    assert december["int_pay_month_due"].mode == "up_to_date"
    assert "rule_firing" not in december  # not built by the checks: built whole, as every night


def test_models_whose_inputs_got_no_new_rows_are_not_rebuilt(nights):
    """A night that delivers attendance only leaves the latest-state staging tables, their versions and what is built
    on them alone as they were (they read as_of only to hide later deliveries); the night that delivers the registry
    rebuilds them. The golden test above holds that the kept tables equal a full rebuild."""
    december, last = nights["plans"][nights["dates"][-2]], nights["plans"][nights["dates"][-1]]
    kept = [
        "stg_project",
        "stg_project_worker",
        "stg_project_worker_version",
        "stg_first_extract",
        "stg_complaint",
        "int_worker_contact_shared",
        "chk_shared_phone",
    ]
    for name in kept:
        assert december[name].mode == "up_to_date", name
        assert december[name].reason == "no new rows of its inputs", name
    # the night the registry came: rebuilt (a mutable row is stored only when it changed: the roster did)
    assert "stg_project_worker" not in last
    assert "stg_project_worker_version" not in last


def test_reading_as_of_only_to_hide_later_deliveries():
    assert reads_as_of_for_visibility_only(MODELS, "stg_project_worker_version")
    assert reads_as_of_for_visibility_only(MODELS, "chk_shared_phone")
    assert not reads_as_of_for_visibility_only(MODELS, "int_month")  # the spine ends at as_of's month
    assert not reads_as_of_for_visibility_only(MODELS, "rule_firing")  # reads the rules, which read as_of
    clock = SqlModel(
        "stg_x",
        "staging",
        Path("stg_x.sql"),
        "-- grain: x\nselect * from raw_x where loaded < current_date",
        "x",
    )
    assert not reads_as_of_for_visibility_only({"stg_x": clock}, "stg_x")  # a clock: never skipped


def test_incremental_lag_is_a_number_or_a_run_parameter():
    assert incremental_lag("-- grain: x\n-- incremental: by_month(month, lag=payroll_deadline_months)\n") == (
        "payroll_deadline_months"
    )
    assert incremental_lag("-- incremental: by_month(month, lag = 2)") == "2"
    assert incremental_lag("-- incremental: by_month(month)") is None
    assert incremental_column('-- incremental: by_month("month", lag=2)') == "month"
    night = Night(date(2025, 12, 30), 1, None, {"payroll_deadline_months": "1"})
    assert lag_months(MODELS, "int_payroll_project_month", night) == 1
    assert lag_months(MODELS, "int_project_month", night) == 0


def test_rerun_of_the_same_night_changes_nothing(nights):
    assert {p.mode for p in nights["rerun"].values()} == {"up_to_date"}


def test_full_warehouse_keeps_no_state(nights):
    con = connect(nights["full"], read_only=True)
    try:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_name = ?", [STATE_TABLE]
        ).fetchone()[0]
    finally:
        con.close()


def test_backfill_equals_a_fresh_warehouse_at_that_date(nights, tmp_path):
    """as_of earlier than the last build: every model rebuilt whole, exactly what a fresh warehouse gives then."""
    back = nights["dates"][3]
    warehouse = tmp_path / "backfilled.duckdb"
    shutil.copy(nights["warehouse"], warehouse)
    plans = _night(warehouse, nights["inbox"], back)
    # built whole (quality's checks build the facts they read first; the models step finds them up to date)
    assert "incremental" not in {p.mode for p in plans.values()}
    assert plans["stg_account_txn"].mode == "full"  # an appended staging copy, rebuilt whole
    assert plans["int_project_month"].mode == "full"
    fresh = tmp_path / "fresh.duckdb"  # the same loaded rows (file ids included), modelled afresh
    _fresh_copy(nights["warehouse"], fresh)
    _night(fresh, nights["inbox"], back, incremental_nights=False)
    assert _differences(warehouse, fresh) == {}


# ---------------------------------------------------------------- which months a night touches (truth table)


def _touched_world(rows: dict[str, list[str]]) -> duckdb.DuckDBPyConnection:
    """A warehouse with raw tables holding the given rows (sql value lists) and the variables of a night."""
    con = duckdb.connect()
    con.execute("create table load_file (file_id integer)")
    con.execute("insert into load_file values (1), (2), (3)")
    con.execute(
        'create table raw_attendance ("date" timestamp, _file_id integer, _extract_date date, project_code varchar)'
    )
    con.execute(
        "create table raw_payroll (pay_month varchar, balance_date date, _file_id integer, _extract_date date)"
    )
    con.execute("create table raw_project (project_code varchar, _file_id integer, _extract_date date)")
    con.execute(
        "create table raw_project_worker (project_code varchar, _file_id integer, _extract_date date)"
    )
    con.execute("create table stg_first_extract (first_extract_date date)")
    con.execute("insert into stg_first_extract values (DATE '2025-07-31')")
    for table, values in rows.items():
        for v in values:
            con.execute(f"insert into {table} values ({v})")
    con.execute("set variable as_of = DATE '2025-12-30'")
    con.execute("set variable payroll_deadline_months = 1")
    return con


# since: the last build at as_of 2025-12-29 with files up to id 2; file 3 and extract 2025-12-30 are new
CASES = [
    # (entry, rows, months touched)
    (
        "stg_attendance",
        {"raw_attendance": ["TIMESTAMP '2025-12-30 08:00', 3, DATE '2025-12-30', 'P1'"]},
        {"2025-12"},
    ),
    # a late file for an earlier extract date: new by its file id, placed by the punch's own month
    (
        "stg_attendance",
        {"raw_attendance": ["TIMESTAMP '2025-09-03 08:00', 3, DATE '2025-09-30', 'P1'"]},
        {"2025-09"},
    ),
    # old rows touch nothing; rows delivered after as_of are not visible yet
    (
        "stg_attendance",
        {
            "raw_attendance": [
                "TIMESTAMP '2025-11-03 08:00', 2, DATE '2025-11-30', 'P1'",
                "TIMESTAMP '2025-12-31 08:00', 3, DATE '2025-12-31', 'P1'",
            ]
        },
        set(),
    ),
    # a pay line touches its pay month, the indicator month that reads it, and the month it was paid
    (
        "raw_payroll",
        {"raw_payroll": ["'2025-10', DATE '2025-12-05', 3, DATE '2025-12-30'"]},
        {"2025-10", "2025-11", "2025-12"},
    ),
    # a registry version touches its extract month and every later one; at the first extract, every month
    (
        "stg_project_worker_version",
        {"raw_project_worker": ["'P1', 3, DATE '2025-10-31'"]},
        {"2025-10", "2025-11", "2025-12"},
    ),
    ("stg_project_worker_version", {"raw_project_worker": ["'P1', 3, DATE '2025-07-31'"]}, None),
    # the latest registry: only a project code not seen before touches every month
    ("stg_project", {"raw_project": ["'P1', 1, DATE '2025-07-31'", "'P1', 3, DATE '2025-11-30'"]}, set()),
    ("stg_project", {"raw_project": ["'P1', 1, DATE '2025-07-31'", "'P2', 3, DATE '2025-11-30'"]}, None),
    # a latest-state table: any new row touches every month
    ("stg_project_worker", {"raw_project_worker": ["'P1', 3, DATE '2025-11-30'"]}, None),
    ("stg_project_worker", {"raw_project_worker": ["'P1', 2, DATE '2025-11-30'"]}, set()),
]


@pytest.mark.parametrize(("entry", "rows", "expected"), CASES)
def test_touched_months(entry, rows, expected):
    con = _touched_world(rows)
    night = Night.read(con)
    assert Touched(con, night).of(entry, date(2025, 12, 29), 2) == expected


def test_entries_follow_incremental_models_down_to_staging():
    assert entries(MODELS, "int_project_day") >= {
        "stg_attendance",
        "stg_project_worker_version",
        "stg_first_extract",
    }
    assert "int_person_day" not in entries(MODELS, "int_project_month")  # incremental: followed, not an entry


def test_incremental_models_read_the_latest_registry_for_its_codes_only():
    """Touched treats a new stg_project row as touching nothing unless its code is new: true only while the
    incremental models read nothing but project_code from it."""
    for name, model in MODELS.items():
        if model.incremental and "stg_project" in model.refs:
            sql = " ".join(model.sql.split())
            assert "select project_code from stg_project" in sql, name
            assert sql.count("stg_project ") + sql.count("stg_project\n") == 1, name
