"""Dates, times, months and codes as Chinese office software and vendor exports spell them are read, by the load's
SQL (fused.parse_sql) and by the tests' polars reference alike (validate.py's DATE_SPELLINGS and its kin, a code
table's labels). Before, a payroll file whose pay month read "2025年11月" or "2025/11" was quarantined whole: a
month of wages lost to a spelling; a project exported with 在建 for its status lost the row."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from pipelines.contracts import Column, load_contract
from pipelines.ingest.fused import parse_sql
from tests.ingest.reference_checks import _parse

JUNE_30 = date(2025, 6, 30)
AT = datetime(2025, 6, 30, 8, 5, 7)
AT_MINUTE = datetime(2025, 6, 30, 8, 5)
JUNE = date(2025, 6, 1)

CASES = {
    "date": [
        ("2025-06-30", JUNE_30),
        ("2025/6/30", JUNE_30),
        ("2025.06.30", JUNE_30),
        ("2025.6.30", JUNE_30),
        ("2025年6月30日", JUNE_30),
        ("2025 年 06 月 30 日", JUNE_30),
        ("2025年6月30日 8:05", JUNE_30),
        ("2025/6/30 0:00:00", JUNE_30),
        ("2025-06-30 00:00:00", JUNE_30),  # an Excel date cell, as the xlsx reader gives it
        ("2025年6月31日", None),
        ("2025年6月", None),
        ("6/30/2025", None),
        ("30.06.2025", None),
    ],
    "datetime": [
        ("2025-06-30 08:05:07", AT),
        ("2025/6/30 8:05:07", AT),
        ("2025-06-30 08:05:07.123", AT),
        ("2025.06.30 08:05:07", AT),
        ("2025年6月30日 08:05:07", AT),
        ("2025年6月30日8时5分7秒", AT),
        ("2025/6/30 8:05", AT_MINUTE),
        ("2025年6月30日 8时5分", AT_MINUTE),
        ("2025/6/30 8:61", None),
        ("2025/6/30", None),  # a punch without its time is not a punch
        ("08:05 2025/6/30", None),
    ],
    "month": [
        ("2025-06", JUNE),
        ("202506", JUNE),
        ("2025/6", JUNE),
        ("2025.06", JUNE),
        ("2025年6月", JUNE),
        ("2025年06月", JUNE),
        ("2025-06-01 00:00:00", JUNE),  # an Excel month cell
        ("2025/6/30", JUNE),
        ("2025年6月30日", JUNE),
        ("2025年13月", None),
        ("6/2025", None),
        ("2025", None),
    ],
}


def _column(kind: str) -> Column:
    return Column(name="v", camel="v", zh="值", type=kind)


@pytest.mark.parametrize("kind", list(CASES))
def test_the_load_reads_each_spelling(kind):
    texts = [t for t, _ in CASES[kind]]
    expected = [v for _, v in CASES[kind]]
    con = duckdb.connect()
    con.register("src", pl.DataFrame({"v": texts}))
    got = [r[0] for r in con.execute(f"select {parse_sql(_column(kind), 'v')} from src").fetchall()]
    if kind == "month":  # the stored month is the parsed date's year and month
        got = [None if g is None else g.replace(day=1) for g in got]
    assert got == expected


@pytest.mark.parametrize("kind", list(CASES))
def test_the_polars_reference_reads_them_alike(kind):
    texts = [t for t, _ in CASES[kind]]
    expected = [v for _, v in CASES[kind]]
    got = pl.DataFrame({"v": texts}).select(_parse(_column(kind))).to_series().to_list()
    if kind == "month":
        got = [None if g is None else g.replace(day=1) for g in got]
    assert got == expected


LABELS = [  # (entity, column, as exported, as stored)
    ("project", "prj_status", "在建", "003"),
    ("project", "prj_status", "3", "003"),
    ("project", "prj_status", "施工中", "施工中"),  # not a label of the table: unknown_code, as before
    ("wage_deposit", "status", "已动用", "02"),
    ("project_worker", "id_card_type", "居民身份证", "01"),
    ("attendance", "direction", "入场", "01"),  # an alias already
    ("complaint", "channel", "来访", "来访"),  # its codes are the labels
]


@pytest.mark.parametrize(("entity", "column", "text", "stored"), LABELS)
def test_a_codes_label_is_read_as_the_code(entity, column, text, stored):
    """Management systems export a code's label (项目状态 在建) where the platform writes the code (003)."""
    col = load_contract(entity).column(column)
    con = duckdb.connect()
    got = con.execute(f"select {parse_sql(col, 'v')} from (select ? as v)", [text]).fetchone()
    assert got == (stored,)
    assert pl.DataFrame({column: [text]}).select(_parse(col)).item() == stored
