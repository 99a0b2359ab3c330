"""Schema migrations are versioned, idempotent, and back the warehouse up before changing it."""

from pipelines.migrations import SCHEMA_VERSION, current_version, migrate
from pipelines.warehouse import connect


def test_new_warehouse_reaches_current_version_without_backup(tmp_path):
    wh = tmp_path / "w.duckdb"
    con = connect(wh)
    assert migrate(con, wh) == list(range(1, SCHEMA_VERSION + 1))
    assert current_version(con) == SCHEMA_VERSION
    assert migrate(con, wh) == []  # idempotent
    assert not list(tmp_path.glob("*.bak"))


def test_upgrade_keeps_rows_adds_columns_and_backs_up(tmp_path):
    wh = tmp_path / "w.duckdb"
    con = connect(wh)
    migrate(con, wh)
    # simulate a warehouse from an older release: a raw table lacking a column, at version 1
    con.execute("alter table raw_project drop column is_integrated")
    con.execute("insert into raw_project (project_code, _file_id, _line) values ('P1', 1, 2)")
    con.execute("delete from schema_version where version > 1")
    assert migrate(con, wh) == list(range(2, SCHEMA_VERSION + 1))
    assert con.execute("select project_code, is_integrated from raw_project").fetchall() == [("P1", None)]
    backups = list(tmp_path.glob("w.duckdb.v1.*.bak"))
    assert len(backups) == 1
    old = connect(backups[0], read_only=True)
    assert "is_integrated" not in {r[0] for r in old.execute("describe raw_project").fetchall()}


def test_row_hash_text_becomes_the_same_number(tmp_path):
    """Migration 6: a warehouse whose `_row_hash` is the hash's decimal text keeps each row's value as a UBIGINT."""
    wh = tmp_path / "w.duckdb"
    con = connect(wh)
    migrate(con, wh)
    con.execute("alter table raw_attendance alter column _row_hash set data type varchar")
    con.execute(
        "insert into raw_attendance (project_code, _file_id, _line, _row_hash) "
        "values ('P1', 1, 2, '18446744073709551615'), ('P1', 1, 3, '10000024047243187755'), ('P1', 1, 4, null)"
    )
    con.execute("delete from schema_version where version > 5")
    assert migrate(con, wh) == list(range(6, SCHEMA_VERSION + 1))
    types = {r[0]: r[1] for r in con.execute("describe raw_attendance").fetchall()}
    assert types["_row_hash"] == "UBIGINT"
    assert con.execute("select _row_hash from raw_attendance order by _line").fetchall() == [
        (18446744073709551615,),
        (10000024047243187755,),
        (None,),
    ]
    assert migrate(con, wh) == []
