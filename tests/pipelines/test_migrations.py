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
