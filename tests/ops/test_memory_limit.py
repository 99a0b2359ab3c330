"""The warehouse connection a night opens holds DuckDB to a memory limit that fits the machine."""

from __future__ import annotations

import os

from pipelines.night_steps import open_warehouse
from pipelines.settings import Settings


def _limit_gib(con) -> float:
    # DuckDB reports e.g. '8.3 GiB' for 9GB (bytes in GiB, one decimal)
    value, unit = con.execute("select current_setting('memory_limit')").fetchone()[0].split()
    return float(value) * {"MiB": 1 / 1024, "GiB": 1.0, "TiB": 1024.0}[unit]


def test_default_limit_leaves_room_beside_duckdb(tmp_path):
    con = open_warehouse(tmp_path / "wh.duckdb", Settings())
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    # 40 % of RAM, at most 12 GB: the rest is for the night's polars frames, features and workbooks
    assert 0.5 < _limit_gib(con) <= min(12 * 1e9 / 2**30, 0.4 * ram_gib) + 0.01
    con.close()


def test_the_deployment_setting_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("WAGEWATCH_DUCKDB_MEMORY_LIMIT", "3GB")
    con = open_warehouse(tmp_path / "wh.duckdb", Settings())
    assert abs(_limit_gib(con) - 3e9 / 2**30) < 0.1  # DuckDB shows one decimal, truncated
    con.close()
