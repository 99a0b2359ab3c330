"""Load-level facts from a hand-written ledger and quarantine: files, refused rows, duplicates, the night's shares."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from pipelines.ingest.validate import REASONS_ZH
from pipelines.quality.findings import severity_of
from pipelines.quality.load_facts import LOAD_CHECKS, load_findings, quarantine_check_id
from pipelines.quality.titles_zh import CHECK_TITLES
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schema

AS_OF = date(2025, 6, 30)
NIGHT, EARLIER, LONG_AGO = AS_OF, date(2025, 5, 31), date(2023, 1, 31)


def ledger(files: list[tuple], quarantined: list[tuple]) -> duckdb.DuckDBPyConnection:
    """files: (file_id, path, entity, extract_date, status, rows_read, dup, rows_quarantined, reason) where dup is
    the rows repeated inside the file, or (inside the file, delivered before); quarantined: (file_id, entity, line,
    column, reason_code)."""
    con = connect()
    ensure_schema(con)
    for fid, path, entity, day, status, read, dups, quar, reason in files:
        in_file, before = dups if isinstance(dups, tuple) else (dups, 0)
        dup = in_file + before
        con.execute(
            "insert into load_file (file_id, path, sha256, entity, extract_date, status, reason, rows_read,"
            " rows_loaded, rows_duplicate, rows_quarantined, loaded_at, rows_duplicate_in_file)"
            " values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                fid,
                path,
                f"sha{fid}",
                entity,
                day,
                status,
                reason,
                read,
                read - dup - quar,
                dup,
                quar,
                datetime.now(),
                in_file,
            ],
        )
    for fid, entity, line, column, code in quarantined:
        con.execute(
            "insert into quarantine (file_id, path, entity, line, column_name, reason_code, reason) values (?,?,?,?,?,?,?)",
            [fid, f"file{fid}", entity, line, column, code, REASONS_ZH.get(code, code)],
        )
    return con


def by_check(rows: list[dict]) -> dict[tuple[str, str], tuple[int, str]]:
    return {(r["check_id"], r["entity"]): (r["n_rows"], r["detail_zh"]) for r in rows}


def test_every_loader_reason_has_a_check_with_a_title():
    for code in REASONS_ZH:
        assert quarantine_check_id(code, "payroll", "days") in CHECK_TITLES
    assert set(LOAD_CHECKS) <= set(CHECK_TITLES)
    assert quarantine_check_id("something_new", "payroll", None) == "quarantine_other"


@pytest.mark.parametrize(
    ("entity", "column", "check_id"),
    [
        ("payroll", "balance_date", "quarantine_out_of_range_date"),
        ("attendance", "date", "quarantine_out_of_range_date"),  # a datetime
        ("payroll", "pay_month", "quarantine_out_of_range_date"),
        ("payroll", "total_pay_amount", "quarantine_out_of_range_number"),
        ("account_txn", "amount", "quarantine_out_of_range_number"),
    ],
)
def test_out_of_range_is_split_into_dates_and_numbers(entity, column, check_id):
    assert quarantine_check_id("out_of_range", entity, column) == check_id


def test_files_refused_rows_and_duplicates_of_the_lookback_window():
    con = ledger(
        [
            (1, "2025-05-31/payroll_0531.csv", "payroll", EARLIER, "loaded", 100, 2, 3, None),
            (2, "2025-05-31/team_0531.json", "team", EARLIER, "failed", 0, 0, 0, "JSON文件不完整"),
            (3, "2025-06-30/payroll_0630.csv", "payroll", NIGHT, "loaded", 100, 0, 1, None),
            # an overlapping re-export: 60 rows delivered before are normal, not a duplicate finding
            (7, "2025-06-30/payroll_0630_reexport.csv", "payroll", NIGHT, "loaded", 60, (0, 60), 0, None),
            (
                4,
                "2025-06-30/project_0630.csv",
                "project",
                NIGHT,
                "loaded",
                50,
                45,
                0,
                None,
            ),  # snapshot repeats
            (
                5,
                "2025-06-30/readme.txt",
                None,
                NIGHT,
                "unknown_entity",
                0,
                0,
                0,
                "文件名不以任何已知数据实体开头",
            ),
            (6, "2023-01-31/payroll_0131.csv", "payroll", LONG_AGO, "loaded", 10, 1, 1, None),  # > lookback
        ],
        [
            (1, "payroll", 5, "balance_date", "out_of_range"),
            (1, "payroll", 9, "total_pay_amount", "out_of_range"),
            (1, "payroll", 12, None, "broken_line"),
            (3, "payroll", 7, "balance_date", "out_of_range"),
            (6, "payroll", 2, "balance_date", "out_of_range"),
        ],
    )
    found = by_check(load_findings(con, AS_OF, Settings()))
    assert found == {
        ("file_unreadable", "team"): (1, "2025-05-31/team_0531.json：JSON文件不完整"),
        ("file_unknown_entity", "unknown"): (1, "2025-06-30/readme.txt：文件名不以任何已知数据实体开头"),
        ("quarantine_out_of_range_date", "payroll"): (2, "2条记录被隔离（2个文件；字段：发放日期2条）"),
        ("quarantine_out_of_range_number", "payroll"): (1, "1条记录被隔离（1个文件；字段：应发金额1条）"),
        ("quarantine_broken_line", "payroll"): (1, "1条记录被隔离（1个文件；字段：整行1条）"),
        ("duplicate_rows", "payroll"): (
            2,
            "2条同一文件内的重复记录已去重（1个文件）",
        ),  # not the project snapshot's repeats
    }
    con.close()


def test_the_nights_shares_block_above_their_limits():
    settings = Settings()
    con = ledger(
        [
            (1, "2025-06-29/attendance_0629.csv", "attendance", date(2025, 6, 29), "failed", 0, 0, 0, "编码"),
            (2, "2025-06-30/attendance_0630.csv", "attendance", NIGHT, "loaded", 1000, 0, 60, None),  # 6%
            (
                3,
                "2025-06-30/payroll_0630.csv",
                "payroll",
                NIGHT,
                "loaded",
                1000,
                0,
                50,
                None,
            ),  # 5%: at the limit
            (4, "2025-06-30/team_0630.json", "team", NIGHT, "failed", 0, 0, 0, "截断"),  # 1 of 3 files
        ],
        [],
    )
    found = by_check(load_findings(con, AS_OF, settings))
    assert found[("quarantine_share", "attendance")] == (60, "当晚1000条记录中60条被隔离（6.0%，上限5%）")
    assert ("quarantine_share", "payroll") not in found
    assert found[("file_unreadable_share", "all")] == (1, "当晚3个文件中1个无法读取（33%，上限25%）")
    assert severity_of("quarantine_share", settings) == "blocking"
    assert severity_of("file_unreadable_share", settings) == "blocking"
    assert severity_of("file_unreadable", settings) == "warning"  # one old bad file does not stop the night
    con.close()


@pytest.mark.parametrize(
    ("name", "folder", "expected"),
    [
        ("payroll_1130.csv", date(2025, 12, 31), date(2025, 11, 30)),
        ("attendance_1230_part2.csv", date(2025, 12, 31), date(2025, 12, 30)),
        ("project_worker_20251130.json", date(2025, 12, 31), date(2025, 11, 30)),
        (
            "payroll_1231b.csv",
            date(2026, 1, 2),
            date(2025, 12, 31),
        ),  # the nearest year: December before January
        ("2025-12-31/导出数据.zip/team_0131.jsonl", date(2025, 1, 31), date(2025, 1, 31)),
        ("导出数据_1.xls", date(2025, 12, 31), None),  # a number, not a date
        ("payroll_1332.csv", date(2025, 12, 31), None),  # no such day
        ("工资发放明细.csv", date(2025, 12, 31), None),
    ],
)
def test_a_files_name_date(name, folder, expected):
    from pipelines.quality.load_facts import name_date

    assert name_date(name, folder) == expected


def test_a_file_in_another_dates_folder_is_reported():
    """payroll_1130.csv put in 2025-12-31/ is stored as delivered on 12-31 (a roster so misfiled moves its versions
    by a month): the bulletin says so. A name a day off its folder (a platform naming by the data's day) is not."""
    files = [
        (1, "2025-06-30/project_worker_0531.csv", "project_worker", NIGHT, "loaded", 10, 0, 0, None),
        (2, "2025-06-30/attendance_0629.csv", "attendance", NIGHT, "loaded", 10, 0, 0, None),
        (3, "2025-06-30/payroll_0630.csv", "payroll", NIGHT, "loaded", 10, 0, 0, None),
        (4, "2025-06-30/team_0430.csv", "team", NIGHT, "failed", 0, 0, 0, "文件无法解析"),
    ]
    found = [
        f
        for f in load_findings(ledger(files, []), AS_OF, Settings())
        if f["check_id"] == "file_date_differs_from_folder"
    ]
    assert [(f["entity"], f["detail_zh"]) for f in found] == [
        (
            "project_worker",
            "2025-06-30/project_worker_0531.csv：文件名日期为2025-05-31，交付目录日期为2025-06-30，已按2025-06-30入库",
        )
    ]
    assert severity_of("file_date_differs_from_folder", Settings()) == "warning"
    # a platform that names its files by a data day further back: the tolerance is a setting
    settings = Settings()
    settings.quality.misfiled_days = 31
    tuned = load_findings(ledger(files, []), AS_OF, settings)
    assert [f for f in tuned if f["check_id"] == "file_date_differs_from_folder"] == []
