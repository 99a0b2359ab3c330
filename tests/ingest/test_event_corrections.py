"""An event re-exported with other content (the same pay line with another amount) is not taken — an event's first
delivery is kept, so a month once reported keeps its numbers — and it is no longer counted as a plain overlap: the
ledger counts it and the night's findings name the file."""

from __future__ import annotations

from datetime import date

from pipelines.identifiers import id_check_char
from pipelines.ingest import load_file
from pipelines.quality.load_facts import load_findings
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse

HEADER = (
    "project_code,pay_month,id_card_number,days,total_pay_amount,actual_amount,is_back_pay,balance_date\n"
)


def an_id(n: int) -> str:
    body = f"35050319900101{n:03d}"
    return body + id_check_char(body)


def _payroll(folder, name: str, actual_of_second: str) -> None:
    lines = [
        f"P1,2025-11,{an_id(1)},22,8000,8000,0,2025-12-16",
        f"P1,2025-11,{an_id(2)},20,6000,{actual_of_second},0,2025-12-16",
        f"P1,2025-11,{an_id(3)},18,5000,5000,0,2025-12-16",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")


def test_a_pay_line_re_exported_with_another_amount_is_counted_and_named(tmp_path):
    con = fresh_warehouse()
    _payroll(tmp_path / "2025-12-20", "payroll_1220.csv", "0")
    first = load_file(
        con, tmp_path / "2025-12-20" / "payroll_1220.csv", date(2025, 12, 20), Settings(), inbox=tmp_path
    )
    _payroll(tmp_path / "2025-12-31", "payroll_1231.csv", "6000")  # the second line now says paid
    again = load_file(
        con, tmp_path / "2025-12-31" / "payroll_1231.csv", date(2025, 12, 31), Settings(), inbox=tmp_path
    )
    assert (first.rows_loaded, first.rows_changed_not_taken) == (3, 0)
    assert (again.rows_loaded, again.rows_duplicate, again.rows_changed_not_taken) == (0, 3, 1)
    assert con.execute("select sum(actual_amount) from raw_payroll").fetchone() == (
        13000.0,
    )  # the first kept
    ledger = con.execute("select path, rows_changed_not_taken from load_file order by file_id").fetchall()
    assert ledger == [("2025-12-20/payroll_1220.csv", 0), ("2025-12-31/payroll_1231.csv", 1)]
    found = [
        f
        for f in load_findings(con, date(2025, 12, 31), Settings())
        if f["check_id"] == "event_correction_not_taken"
    ]
    con.close()
    assert [(f["entity"], f["n_rows"], f["detail_zh"]) for f in found] == [
        ("payroll", 1, "2025-12-31/payroll_1231.csv：1 行与已入库记录主键相同但内容不同")
    ]


def test_a_plain_re_export_is_an_overlap_not_a_correction(tmp_path):
    con = fresh_warehouse()
    _payroll(tmp_path / "2025-12-20", "payroll_1220.csv", "6000")
    load_file(
        con, tmp_path / "2025-12-20" / "payroll_1220.csv", date(2025, 12, 20), Settings(), inbox=tmp_path
    )
    _payroll(tmp_path / "2025-12-31", "payroll_1231.csv", "6000.00")  # the same amount, written otherwise
    again = load_file(
        con, tmp_path / "2025-12-31" / "payroll_1231.csv", date(2025, 12, 31), Settings(), inbox=tmp_path
    )
    found = [
        f
        for f in load_findings(con, date(2025, 12, 31), Settings())
        if f["check_id"] == "event_correction_not_taken"
    ]
    con.close()
    assert (again.rows_duplicate, again.rows_changed_not_taken) == (3, 0)
    assert found == []
