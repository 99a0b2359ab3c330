"""A GBK export and a UTF-8 file with a BOM load with their Chinese text intact; a file of garbage bytes and a
truncated workbook are each reported with a plain reason, and the files around them still load."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import polars as pl
import pytest

from pipelines.ingest import load_inbox
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse

EXTRACT = date(2025, 6, 30)
PROJECTS = [  # Chinese headers, as a 住建 registry export in GBK would carry them
    {
        "项目编码": "350503202500000001",
        "项目名称": "丰泽区安置房1期",
        "项目所在地": "350503",
        "项目状态": "003",
    },
    {
        "项目编码": "350582202500000002",
        "项目名称": "晋江市污水管网工程2期",
        "项目所在地": "350582",
        "项目状态": "3",
    },
]
COMPLAINTS = [  # the API's camelCase, UTF-8 with a BOM as Excel saves it
    {
        "caseId": "TS2025061900001",
        "areaCode": "350503",
        "receivedDate": "2025-06-19",
        "channel": "码上办",
        "status": "01",
    },
    {
        "caseId": "TS2025062000002",
        "areaCode": "350582",
        "receivedDate": "2025-06-20",
        "channel": "12345",
        "status": "02",
    },
]


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def mixed_inbox(tmp_path):
    folder = tmp_path / "inbox" / EXTRACT.isoformat()
    folder.mkdir(parents=True)
    # sorted loading order: the two unreadable files come before and between the good ones
    (folder / "attendance_0630.csv").write_bytes(
        b"\x00\xff\xfe\x81\x30" * 40 + "项目编码".encode("gbk") + b"\xff" * 9
    )
    (folder / "complaint_0630.csv").write_bytes(_csv(COMPLAINTS).encode("utf-8-sig"))
    workbook = tmp_path / "whole.xlsx"
    pl.DataFrame({"项目编码": ["350503202500000001"] * 50, "月份": ["2025-06"] * 50}).write_excel(workbook)
    whole = workbook.read_bytes()
    (folder / "project_progress_0630.xlsx").write_bytes(whole[: len(whole) // 2])
    (folder / "project_0630.csv").write_bytes(_csv(PROJECTS).encode("gbk"))
    return tmp_path / "inbox"


def _logged_while_loading(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.get_records("setup") if r.levelno >= logging.WARNING)


@pytest.fixture
def mixed_load(mixed_inbox, caplog):
    caplog.set_level(logging.WARNING, logger="wagewatch.ingest")
    con = fresh_warehouse()
    report = load_inbox(con, mixed_inbox, Settings())
    yield con, {f.path.split("/")[-1]: f for f in report.files}
    con.close()


def test_a_gbk_file_loads_with_its_chinese_text(mixed_load):
    con, files = mixed_load
    gbk = files["project_0630.csv"]
    assert (gbk.status, gbk.encoding, gbk.rows_loaded, gbk.rows_quarantined) == ("loaded", "gb18030", 2, 0)
    rows = con.execute(
        "select project_code, name, area_code, prj_status from raw_project order by 1"
    ).fetchall()
    assert rows == [(p["项目编码"], p["项目名称"], p["项目所在地"], "003") for p in PROJECTS]


def test_a_file_with_a_bom_loads_and_its_first_header_is_recognised(mixed_load):
    con, files = mixed_load
    bom = files["complaint_0630.csv"]
    assert (bom.status, bom.encoding, bom.rows_loaded, bom.rows_quarantined) == ("loaded", "utf-8-sig", 2, 0)
    rows = con.execute("select case_id, channel, _extra from raw_complaint order by 1").fetchall()
    assert rows == [
        (c["caseId"], c["channel"], None) for c in COMPLAINTS
    ]  # caseId is not an unknown "\ufeffcaseId"


def test_garbage_bytes_are_reported_as_an_unknown_encoding(mixed_load, caplog):
    con, files = mixed_load
    garbage = files["attendance_0630.csv"]
    assert garbage.status == "failed"
    assert "编码无法识别" in garbage.reason
    assert con.execute("select count(*) from raw_attendance").fetchone()[0] == 0
    assert "attendance_0630.csv" in _logged_while_loading(caplog)


def test_a_truncated_workbook_is_reported_as_unparseable(mixed_load, caplog):
    con, files = mixed_load
    truncated = files["project_progress_0630.xlsx"]
    assert truncated.status == "failed"
    assert truncated.reason.startswith("文件无法解析")
    assert con.execute("select count(*) from raw_project_progress").fetchone()[0] == 0
    assert "project_progress_0630.xlsx" in _logged_while_loading(caplog)


def test_failures_are_in_the_ledger_and_the_other_files_loaded(mixed_load):
    con, _ = mixed_load
    ledger = dict(con.execute("select path, status from load_file").fetchall())
    assert ledger == {
        "2025-06-30/attendance_0630.csv": "failed",
        "2025-06-30/complaint_0630.csv": "loaded",
        "2025-06-30/project_progress_0630.xlsx": "failed",
        "2025-06-30/project_0630.csv": "loaded",
    }
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 0
