"""Personal values hashed through the connection's cache (a big file) store exactly what hashing them in the file's
own lookups (a small file) stores, and the cache never reaches the warehouse file."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.contracts import ENTITIES
from pipelines.ingest import fused, load_inbox
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schema
from tests.ingest.conftest import load_fresh


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    out = {f"raw_{e}": con.execute(f"select * from raw_{e} order by all").fetchall() for e in ENTITIES}
    out["quarantine"] = con.execute("select * exclude (loaded_at) from quarantine order by all").fetchall()
    out["load_file"] = con.execute("select * exclude (loaded_at) from load_file order by file_id").fetchall()
    return out


def test_cached_and_uncached_hashing_store_the_same_rows(faulty_world, faulty_load, monkeypatch):
    monkeypatch.setattr(fused, "PII_CACHE_MIN_ROWS", 0)  # every file through the cache
    cached = load_fresh(faulty_world / "inbox")
    try:
        caches = cached.con.execute(
            "select count(*) from duckdb_tables() where temporary and table_name like '_ww_pii_cache_%'"
        ).fetchall()[0][0]
        assert caches == 4  # id, name, phone, card
        assert _tables(cached.con) == _tables(faulty_load.con)
    finally:
        cached.con.close()
    assert faulty_load.report.rows_loaded > 0  # the comparison above compared loaded rows


def test_the_cache_is_not_in_the_warehouse_file(clean_world, tmp_path, monkeypatch):
    monkeypatch.setattr(fused, "PII_CACHE_MIN_ROWS", 0)
    path = tmp_path / "wh.duckdb"
    con = connect(path)
    ensure_schema(con)
    first = sorted((clean_world / "inbox").iterdir())[0].name
    load_inbox(con, clean_world / "inbox", Settings(), up_to=date.fromisoformat(first))
    assert con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name like '_ww_pii_cache_%'"
    ).fetchall()[0][0]
    con.close()
    reopened = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in reopened.execute("select table_name from duckdb_tables()").fetchall()]
        assert not [n for n in names if "pii_cache" in n]
    finally:
        reopened.close()
