"""Mutable entities keep every version with the extract date that delivered it, a status that changes back too.

A row is a duplicate only when it equals its key's latest version as of its extract (pipelines/ingest/load.py).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from pipelines.ingest import load_inbox
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse

HEADER = "project_code,name,area_code,category,prj_status,start_date"
ROW = "350503202500000001,某某安置房,350503,01,{status},2025-01-10"
OTHER = "350503202500000002,某某学校,350503,01,003,2025-02-01"


def deliver(inbox: Path, folder: str, lines: list[str], name: str | None = None) -> None:
    (inbox / folder).mkdir(parents=True, exist_ok=True)
    name = name or f"project_{folder[5:7]}{folder[8:]}.csv"
    (inbox / folder / name).write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")


def versions(con) -> list[tuple]:
    return con.execute(
        "select prj_status, _extract_date from raw_project where project_code = '350503202500000001' "
        "order by _extract_date, _file_id"
    ).fetchall()


def test_a_status_that_changes_back_is_a_new_version(tmp_path):
    inbox = tmp_path / "inbox"
    # 在建 → 停工 → 在建 (复工): the third row equals the first, and is still a new version
    deliver(inbox, "2025-03-31", [ROW.format(status="003"), OTHER])
    deliver(inbox, "2025-04-30", [ROW.format(status="005"), OTHER])
    deliver(inbox, "2025-05-31", [ROW.format(status="003"), OTHER])
    # the 05-31 file repeats the 03-31 file byte for byte: the ledger skips the same bytes only on the same date
    assert (inbox / "2025-05-31/project_0531.csv").read_bytes() == (
        inbox / "2025-03-31/project_0331.csv"
    ).read_bytes()
    con = fresh_warehouse()
    report = load_inbox(con, inbox, Settings())

    assert versions(con) == [
        ("003", date(2025, 3, 31)),
        ("005", date(2025, 4, 30)),
        ("003", date(2025, 5, 31)),
    ]
    # the unchanged project is stored once; each file's rows are conserved in the ledger
    assert con.execute("select count(*) from raw_project where prj_status = '003'").fetchone() == (3,)
    assert [(f.rows_loaded, f.rows_duplicate) for f in report.files] == [(2, 0), (1, 1), (1, 1)]


def test_redelivering_changes_nothing(tmp_path):
    inbox = tmp_path / "inbox"
    deliver(inbox, "2025-03-31", [ROW.format(status="003")])
    deliver(inbox, "2025-04-30", [ROW.format(status="005")])
    deliver(inbox, "2025-05-31", [ROW.format(status="003")])
    con = fresh_warehouse()
    load_inbox(con, inbox, Settings())
    stored = versions(con)

    # the same night again: every file is in the ledger
    assert load_inbox(con, inbox, Settings()).files == []
    # the same rows in new files: for each extract date they equal the version current on that date
    again = tmp_path / "again"
    for folder, status in (("2025-03-31", "003"), ("2025-04-30", "005"), ("2025-05-31", "003")):
        deliver(again, folder, [ROW.format(status=status), ""], name=f"project_{folder}_copy.csv")
    report = load_inbox(con, again, Settings())
    assert [(f.rows_loaded, f.rows_duplicate) for f in report.files] == [(0, 1)] * 3
    # a later full re-export of today's state adds nothing either
    deliver(again, "2025-06-30", [ROW.format(status="003")])
    assert [(f.rows_loaded, f.rows_duplicate) for f in load_inbox(con, again, Settings()).files] == [(0, 1)]
    assert versions(con) == stored


def test_a_late_file_is_compared_with_the_version_current_on_its_date(tmp_path):
    inbox = tmp_path / "inbox"
    deliver(inbox, "2025-03-31", [ROW.format(status="003")])
    deliver(inbox, "2025-05-31", [ROW.format(status="003")])
    con = fresh_warehouse()
    load_inbox(con, inbox, Settings())
    assert versions(con) == [("003", date(2025, 3, 31))]

    # a file for 04-30 arrives late: 停工 then, 在建 again by 05-31 (that row was a duplicate of 03-31 when loaded)
    late = tmp_path / "late"
    shutil.copytree(inbox, late)
    deliver(late, "2025-04-30", [ROW.format(status="005")])
    load_inbox(con, late, Settings())
    assert versions(con) == [("003", date(2025, 3, 31)), ("005", date(2025, 4, 30))]
