"""Event entities keep the first delivery of a key; the ledger tells in-file repeats from earlier deliveries.

Staging relies on this (pipelines/sql/staging/stg_attendance.sql has no dedupe window), so it is tested here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.ingest import load_inbox
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse

HEADER = "project_code,id_card_type,id_card_number,date,direction,attend_type,team_sys_no,lng,lat"
PUNCH = "350503202500000001,01,11010519491231002X,2025-06-01 08:00:00,01,{kind},,118.6,24.9"


def deliver(inbox: Path, folder: str, name: str, lines: list[str]) -> None:
    (inbox / folder).mkdir(parents=True, exist_ok=True)
    (inbox / folder / name).write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")


def test_first_delivery_wins_and_the_ledger_separates_repeats(tmp_path):
    inbox = tmp_path / "inbox"
    # 06-01: the punch twice in one file (a platform fault); 06-30: re-exported with another attend_type
    deliver(inbox, "2025-06-01", "attendance_0601.csv", [PUNCH.format(kind="001"), PUNCH.format(kind="001")])
    deliver(inbox, "2025-06-30", "attendance_0630.csv", [PUNCH.format(kind="010")])
    con = fresh_warehouse()
    report = load_inbox(con, inbox, Settings())

    assert [f.status for f in report.files] == ["loaded", "loaded"]
    raw = con.execute("select attend_type, _extract_date from raw_attendance").fetchall()
    assert raw == [("001", date(2025, 6, 1))]
    ledger = con.execute(
        "select path, rows_read, rows_loaded, rows_duplicate, rows_duplicate_in_file from load_file order by path"
    ).fetchall()
    assert ledger == [
        ("2025-06-01/attendance_0601.csv", 2, 1, 1, 1),
        ("2025-06-30/attendance_0630.csv", 1, 0, 1, 0),
    ]
