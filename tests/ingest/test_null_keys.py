"""Row-level faults never merge and never block (sources.md "Delivery"): a row without a natural-key part is
quarantined with file, line and column, never inserted and never matched with another row as a duplicate."""

from __future__ import annotations

import json
import shutil
from datetime import date

import polars as pl

from pipelines.contracts import load_contract
from pipelines.identifiers import id_check_char
from pipelines.ingest import load_file
from pipelines.ingest.load import _dedupe_in_file
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse
from tests.quality.conftest import check_world

NIGHT = date(2025, 6, 30)
HEADER = "project_code,id_card_number,date,direction\n"


def an_id(n: int) -> str:
    body = f"35050319900101{n:03d}"
    return body + id_check_char(body)


def test_rows_with_an_empty_key_part_are_quarantined_not_merged(tmp_path):
    rows = [f"P1,{an_id(n)},2025-06-30 08:00:00,01" for n in range(6)]
    rows += [
        "P1,,2025-06-30 08:00:00,01",  # line 8: no ID number
        "P1,,2025-06-30 08:00:00,01",  # line 9: the same again: not a duplicate of line 8
        f" ,{an_id(1)},2025-06-30 09:00:00,01",  # line 10: blank project code
        f"P1,{an_id(2)},,01",  # line 11: no time
    ]
    path = tmp_path / "attendance_0630.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, path, NIGHT, Settings(), inbox=tmp_path)
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (
        10,
        6,
        0,
        4,
    )
    quarantined = con.execute(
        "select path, line, column_name, reason_code from quarantine order by line"
    ).fetchall()
    assert quarantined == [
        ("attendance_0630.csv", 8, "id_card_number", "missing_required"),
        ("attendance_0630.csv", 9, "id_card_number", "missing_required"),
        ("attendance_0630.csv", 10, "project_code", "missing_required"),
        ("attendance_0630.csv", 11, "date", "missing_required"),
    ]
    nulls = con.execute(
        "select count(*) from raw_attendance where project_code is null or id_card_number_hash is null "
        "or date is null or direction is null"
    ).fetchone()[0]
    assert nulls == 0


def test_a_key_column_absent_from_the_file_quarantines_every_row(tmp_path):
    """The failure of issue 15: payload records whose projectCode stayed outside arrived without it."""
    path = tmp_path / "attendance_0630.jsonl"
    lines = [{"idCardNumber": an_id(n), "date": "2025-06-30 08:00:00", "direction": "E"} for n in range(3)]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, path, NIGHT, Settings(), inbox=tmp_path)
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (
        3,
        0,
        0,
        3,
    )
    assert con.execute("select line, column_name, reason_code from quarantine order by line").fetchall() == [
        (n, "project_code", "missing_required") for n in (1, 2, 3)
    ]
    assert con.execute("select count(*) from raw_attendance").fetchone()[0] == 0


def test_in_file_dedupe_never_matches_null_keys():
    contract = load_contract("attendance")
    df = pl.DataFrame(
        {
            "_row": [0, 1, 2, 3, 4],
            "project_code": ["P1", "P1", None, None, "P1"],
            "id_card_number_hash": ["a", "a", "b", "b", "c"],
            "date": ["d"] * 5,
            "direction": ["01"] * 5,
        }
    )
    kept, n_dup = _dedupe_in_file(df, contract)
    assert n_dup == 1  # rows 0 and 1 share a full key; rows 2 and 3 share only nulls
    assert kept["_row"].to_list() == [0, 2, 3, 4]


def test_a_night_with_a_few_null_key_rows_still_publishes(clean_world, tmp_path):
    """The night's attendance carries 2 rows without a key: quarantined and reported, never blocking."""
    world = tmp_path / "world"
    shutil.copytree(clean_world / "inbox", world / "inbox")
    night = max(p for p in (world / "inbox").iterdir() if p.is_dir())
    extra = night / "attendance_extra.csv"
    punches = [f"P-NULL,{an_id(n)},{night.name} 07:30:00,01" for n in range(60)]
    punches += [f",{an_id(1)},{night.name} 07:31:00,01", f"P-NULL,,{night.name} 07:32:00,01"]
    extra.write_text(HEADER + "\n".join(punches) + "\n", encoding="utf-8")

    checked = check_world(world, tmp_path / "night")
    findings = checked.result.findings
    missing = findings.filter(pl.col("check_id") == "quarantine_missing_required")
    assert missing["n_rows"].sum() == 2
    assert checked.result.blocking is False, findings.filter(pl.col("severity") == "blocking")
    assert findings.filter(pl.col("severity") == "blocking").height == 0
    nulls = checked.con.execute(
        "select count(*) from stg_attendance where project_code is null or id_card_number_hash is null"
    ).fetchone()[0]
    assert nulls == 0
    assert findings.filter(pl.col("check_id") == "attendance_key_not_null").height == 0
    checked.con.close()


def test_a_null_key_already_in_raw_never_makes_a_new_row_a_duplicate():
    """Safety net: even if a keyless row were in raw, a new keyless row would not be matched with it."""
    from pipelines.ingest.load import _insert_new

    contract = load_contract("attendance")
    con = fresh_warehouse()
    row = {
        "project_code": None,
        "id_card_number_hash": "h",
        "date": "2025-06-30 08:00:00",
        "direction": "01",
        "_extra": None,
        "_line": 2,
        "_row_hash": 1,
    }
    df = pl.DataFrame([row], schema_overrides={"project_code": pl.Utf8, "_extra": pl.Utf8, "_line": pl.Int32})
    assert _insert_new(con, df, contract, 1, NIGHT) == 0
    assert _insert_new(con, df, contract, 2, NIGHT) == 0  # not a duplicate of the first
    assert con.execute("select count(*) from raw_attendance").fetchone()[0] == 2
    keyed = df.with_columns(pl.lit("P1").alias("project_code"))
    assert _insert_new(con, keyed, contract, 3, NIGHT) == 0
    assert _insert_new(con, keyed, contract, 4, NIGHT) == 1  # a full key does match
