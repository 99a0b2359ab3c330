"""Staging keeps one row per natural key: latest extract for mutable entities, first delivery for events."""

from datetime import date, datetime

from pipelines.contracts import all_contracts
from pipelines.warehouse import create_model, discover_models, raw_key, staged_key
from tests.given import given_warehouse, rows_of


def test_mutable_entity_latest_extract_wins():
    con = given_warehouse(
        {
            "project": [
                {"project_code": "P1", "prj_status": "003", "_extract_date": date(2025, 5, 31)},
                {"project_code": "P1", "prj_status": "005", "_extract_date": date(2025, 6, 30)},
                {"project_code": "P2", "prj_status": "003", "_extract_date": date(2025, 5, 31)},
            ]
        },
        only=["stg_project"],
    )
    assert rows_of(con, "select project_code, prj_status from stg_project order by 1") == [
        {"project_code": "P1", "prj_status": "005"},
        {"project_code": "P2", "prj_status": "003"},
    ]


def test_event_entity_rows_delivered_after_as_of_are_not_yet_known():
    """Events keep each key once already at load (tests/ingest); staging only cuts at as_of."""
    punch = {
        "project_code": "P1",
        "id_card_number_hash": "h1",
        "direction": "01",
        "attend_type": "001",
    }
    con = given_warehouse(
        {
            "attendance": [
                {**punch, "date": "2025-06-01 08:00:00", "_extract_date": date(2025, 6, 1)},
                {**punch, "date": "2025-06-02 08:00:00", "_extract_date": date(2025, 7, 1)},
            ]
        },
        only=["stg_attendance"],
        as_of=date(2025, 6, 30),
    )
    assert rows_of(con, "select _extract_date from stg_attendance") == [{"_extract_date": date(2025, 6, 1)}]


def test_attendance_date_is_staged_as_punched_at_and_work_date_and_the_keys_follow():
    """The platform's `date` is a punch time: raw_attendance and the loader keep the contract's name, staging calls
    it punched_at and adds its day, work_date (issue 20 item 5)."""
    contract = all_contracts()["attendance"]
    assert raw_key(contract) == ["project_code", "id_card_number_hash", "date", "direction"]
    assert staged_key(contract) == ["project_code", "id_card_number_hash", "punched_at", "direction"]
    con = given_warehouse(
        {
            "attendance": [
                {
                    "project_code": "P1",
                    "id_card_number_hash": "h1",
                    "date": "2025-06-01 23:59:30",
                    "direction": "01",
                }
            ]
        },
        only=["stg_attendance"],
        as_of=date(2025, 6, 30),
    )
    staged = {name: kind for name, kind, *_ in con.execute("describe stg_attendance").fetchall()}
    assert (staged["punched_at"], staged["work_date"]) == ("TIMESTAMP", "DATE")
    assert "date" not in staged
    assert set(staged_key(contract)) <= staged.keys()
    assert rows_of(con, "select punched_at, work_date from stg_attendance") == [
        {"punched_at": datetime(2025, 6, 1, 23, 59, 30), "work_date": date(2025, 6, 1)}
    ]


def test_attendance_staging_is_a_view_that_keeps_its_as_of_for_any_connection():
    """stg_attendance is a view of raw_attendance, not a copy (docs/decisions.md "Indicator chain, second round");
    its as_of is written in, so a cursor (GX reads through one) and a later change of the variable see the
    night's rows, and it replaces a stored table of the same name."""
    punch = {"project_code": "P1", "id_card_number_hash": "h1", "direction": "01", "attend_type": "001"}
    con = given_warehouse(
        {
            "attendance": [
                {**punch, "date": "2025-06-01 08:00:00", "_extract_date": date(2025, 6, 1)},
                {**punch, "date": "2025-07-02 08:00:00", "_extract_date": date(2025, 7, 2)},
            ]
        },
        only=["stg_attendance"],
        as_of=date(2025, 6, 30),
    )
    assert con.execute(
        "select count(*) from duckdb_views() where view_name = 'stg_attendance'"
    ).fetchone() == (1,)
    con.execute("set variable as_of = DATE '2025-07-31'")
    assert rows_of(con.cursor(), "select work_date from stg_attendance") == [{"work_date": date(2025, 6, 1)}]
    assert rows_of(con, "select work_date from stg_attendance") == [{"work_date": date(2025, 6, 1)}]

    con.execute("drop view stg_attendance")
    con.execute("create table stg_attendance as select 1 as stale")
    models = discover_models()
    create_model(con, models["stg_attendance"], {"as_of": date(2025, 7, 31)})
    assert rows_of(con, "select work_date from stg_attendance order by 1") == [
        {"work_date": date(2025, 6, 1)},
        {"work_date": date(2025, 7, 2)},
    ]


def test_roster_versions_last_delivered_of_an_extract_date_wins_and_is_valid_until_the_next_date():
    """stg_project_worker_version: several rows of one key on one extract date (two files, a repeat in a file) keep
    the last delivered (highest file, then line); it is valid until the key's next extract date, whichever of that
    date's rows comes first; the registry's first extract has no valid_from."""
    worker = {"project_code": "P1", "id_card_number_hash": "h1"}
    con = given_warehouse(
        {
            "project_worker": [
                {**worker, "work_role": "20", "_extract_date": date(2025, 4, 30), "_file_id": 1, "_line": 5},
                {**worker, "work_role": "10", "_extract_date": date(2025, 5, 31), "_file_id": 3, "_line": 1},
                {**worker, "work_role": "20", "_extract_date": date(2025, 5, 31), "_file_id": 2, "_line": 9},
                {**worker, "work_role": "10", "_extract_date": date(2025, 6, 30), "_file_id": 4, "_line": 2},
                {**worker, "work_role": "20", "_extract_date": date(2025, 6, 30), "_file_id": 4, "_line": 3},
                {**worker, "work_role": "10", "_extract_date": date(2025, 7, 31), "_file_id": 5, "_line": 1},
            ]
        },
        only=["stg_first_extract", "stg_project_worker_version"],
    )
    assert rows_of(
        con,
        "select work_role, valid_from, valid_to, _file_id, _line from stg_project_worker_version order by 2 nulls first",
    ) == [
        {"work_role": "20", "valid_from": None, "valid_to": date(2025, 5, 31), "_file_id": 1, "_line": 5},
        {
            "work_role": "10",
            "valid_from": date(2025, 5, 31),
            "valid_to": date(2025, 6, 30),
            "_file_id": 3,
            "_line": 1,
        },
        {"work_role": "20", "valid_from": date(2025, 6, 30), "valid_to": None, "_file_id": 4, "_line": 3},
    ]
