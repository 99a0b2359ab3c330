"""Inspectors' returns against the ledger (quarantine reasons, the latest return wins) and `disposition_area_month`
counted by hand on a tiny world of two districts over two nights."""

from datetime import date, timedelta

import polars as pl

from pipelines.settings import Settings
from pipelines.warnings.assemble import assemble_warnings
from pipelines.warnings.disposition import (
    AREA_MONTH_SCHEMA,
    check_returns,
    disposition_area_month,
    ledger_lines,
)

N1 = date(2025, 7, 31)
N2 = date(2025, 8, 20)
AS_OF = date(2025, 8, 31)
FIRINGS = pl.DataFrame(
    schema={"project_code": pl.Utf8, "rule_id": pl.Utf8, "level": pl.Utf8, "reason_zh": pl.Utf8}
)


def world(n=20):
    """20 projects, A… in 350503 and B… in 350504 alternately; capacity 3 each; scores descend with the index."""
    codes = [f"{'AB'[i % 2]}{i:02d}" for i in range(n)]
    projects = pl.DataFrame(
        {
            "project_code": codes,
            "name": codes,
            "area_code": ["350503" if c[0] == "A" else "350504" for c in codes],
            "contractor_corp_code": "C",
            "contractor_corp_name": "某建设集团",
            "build_corp_code": "B",
            "build_corp_name": "某置业公司",
        }
    )
    scores = pl.DataFrame(
        {
            "project_code": codes,
            "score": [0.9 - i * 0.04 for i in range(n)],
            "factors_zh": "x",
            "score_source": "model",
        }
    )
    return projects, scores


def returns(*rows):
    cols = (
        "warning_id",
        "project_code",
        "warning_date",
        "inspect_date",
        "outcome",
        "arrears_amount",
        "workers_owed",
    )
    return pl.DataFrame(
        [dict(zip(cols, r, strict=True)) for r in rows],
        schema={
            "warning_id": pl.Utf8,
            "project_code": pl.Utf8,
            "warning_date": pl.Date,
            "inspect_date": pl.Date,
            "outcome": pl.Utf8,
            "arrears_amount": pl.Float64,
            "workers_owed": pl.Int64,
        },
    ).with_columns(closed_date=pl.lit(None, dtype=pl.Date))


def test_returns_are_checked_against_the_ledger_and_the_latest_counts():
    projects, scores = world()
    night1 = assemble_warnings(FIRINGS, scores, projects, None, Settings(), N1)
    lines = ledger_lines(night1)
    r = returns(
        ("HC-20250731-A00", "A00", N1, N1 + timedelta(days=3), "03", None, None),
        ("HC-20250731-A00", "A00", N1, N1 + timedelta(days=9), "01", 5000.0, 3),  # later: supersedes
        (None, "A02", N1, N1 + timedelta(days=4), "02", None, None),  # no id: found by code + date
        ("HC-20250731-Z99", "Z99", N1, N1 + timedelta(days=4), "03", None, None),  # unknown
        ("HC-20250731-B01", "B01", N1, N1 - timedelta(days=1), "03", None, None),  # before the warning
        ("HC-20250731-B03", "B03", N1, N1 + timedelta(days=2), "01", 0.0, 2),  # 01 without an amount
    )
    valid, rejected = check_returns(r, lines)
    assert dict(zip(valid["warning_id"], valid["outcome"], strict=True)) == {
        "HC-20250731-A00": "01",
        "HC-20250731-A02": "02",
    }
    assert rejected["reason_code"].to_list() == [
        "unknown_warning",
        "inspect_before_warning",
        "amount_not_positive",
    ]
    assert rejected["reason"][0] == "反馈的预警编号（或项目编码+预警日期）在预警台账中不存在"


def test_disposition_area_month_equals_a_hand_count():
    projects, scores = world()
    s = Settings()
    night1 = assemble_warnings(FIRINGS, scores, projects, None, s, N1)
    # night 1 lists A00 A02 A04 (350503) and B01 B03 B05 (350504), ranks 1-3 each
    r = returns(
        ("HC-20250731-A00", "A00", N1, N1 + timedelta(days=5), "01", 12000.0, 4),  # on time, verified
        (
            "HC-20250731-A02",
            "A02",
            N1,
            N1 + timedelta(days=10),
            "03",
            None,
            None,
        ),  # on time, not verified: closed
        (
            "HC-20250731-B01",
            "B01",
            N1,
            N1 + timedelta(days=18),
            "02",
            None,
            None,
        ),  # late (18 > 15), not verified
        (
            "HC-20250731-B03",
            "B03",
            N1,
            N1 + timedelta(days=12),
            "04",
            None,
            None,
        ),  # on time, 无法核实: closed
    )
    valid, _ = check_returns(r, ledger_lines(night1))
    night2 = assemble_warnings(FIRINGS, scores, projects, night1, s, N2, dispositions=valid)
    # night 2 (08-20): A02 and B03 closed; A00 and B01 in 整改跟踪 (no slot); A04, B05 awaiting; each district
    # refills its two free slots: A06, A08 and B07, B09 opened
    history = pl.concat([night1, night2])
    table = disposition_area_month(history, valid, AS_OF, s.triage.review_deadline_days)
    assert table.schema == pl.Schema(AREA_MONTH_SCHEMA)
    rows = {(r["area_code"], r["month"]): r for r in table.iter_rows(named=True)}
    a7, b7 = rows[("350503", "2025-07")], rows[("350504", "2025-07")]
    # 350503, July: 3 opened; A00 and A02 inspected within 15 days; 1 verified (A00) of 2 judged; A02 closed after
    # 10 days; A00 (tracking) and A04 (awaiting, 31 days old at 08-31: overdue) open; 12,000 元 and 4 workers found
    assert (a7["n_opened"], a7["n_inspected_on_time"], a7["handling_rate"]) == (3, 2, 2 / 3)
    assert (a7["n_verified"], a7["n_not_verified"], a7["verification_rate"]) == (1, 1, 0.5)
    assert (a7["n_closed"], a7["days_to_close"], a7["n_open"], a7["n_overdue"]) == (1, 10.0, 2, 1)
    assert (a7["arrears_found_yuan"], a7["workers_owed"]) == (12000.0, 4)
    assert (a7["verification_rate_red"], a7["verification_rate_top5"]) == (0.5, 0.5)
    # 350504, July: B01 late (not on time), B03 on time (04 counts as handled, not judged); 0 of 1 judged verified
    assert (b7["n_opened"], b7["n_inspected_on_time"], b7["n_verified"], b7["n_not_verified"]) == (3, 1, 0, 1)
    assert (b7["verification_rate"], b7["n_closed"], b7["days_to_close"]) == (0.0, 1, 12.0)
    assert (b7["n_open"], b7["n_overdue"], b7["arrears_found_yuan"]) == (2, 1, 0.0)
    # August: the lines opened on 08-20 to refill the freed slots, none inspected yet, none overdue at 08-31
    a8, b8 = rows[("350503", "2025-08")], rows[("350504", "2025-08")]
    assert (a8["n_opened"], a8["n_open"], a8["n_overdue"], a8["handling_rate"]) == (2, 2, 0, 0.0)
    assert b8["n_opened"] == 2
    assert a8["verification_rate"] is None


def test_the_dashboard_block_sums_districts_and_recomputes_rates():
    from pipelines.reports.closed_loop import closed_loop_html, closed_loop_rows

    table = pl.DataFrame(
        {
            "area_code": ["350503", "350503", "350504"],
            "month": ["2025-07", "2025-08", "2025-07"],
            "n_opened": [3, 2, 3],
            "n_inspected_on_time": [2, 0, 1],
            "n_verified": [1, 0, 0],
            "n_not_verified": [1, 0, 1],
            "n_closed": [1, 0, 1],
            "days_to_close": [10.0, None, 12.0],
            "n_open": [2, 2, 2],
            "n_overdue": [1, 0, 1],
            "arrears_found_yuan": [12000.0, 0.0, 0.0],
            "workers_owed": [4, 0, 0],
        }
    )
    city = closed_loop_rows(table).filter(pl.col("area_code").is_null()).row(0, named=True)
    assert (city["n_opened"], city["handling_rate"], city["verification_rate"]) == (8, 3 / 8, 1 / 3)
    assert (city["n_closed"], city["days_to_close"], city["n_overdue"]) == (2, 11.0, 2)
    finding, grid = closed_loop_html(table, {"350503": "丰泽区"})
    assert finding == (
        "累计开出核查 8 条，处置率 38%，核实率 33%，已销号 2 条，超期未核查 2 条；查实欠薪 1.2 万元、涉及 4 人"
    )
    assert "<td>丰泽区</td><td>5</td><td>40%</td><td>50%</td>" in grid


def _returned_workbook(tmp_path, inputs, sheet, fill, deliver_on):
    """The city workbook of `inputs` as an inspector returns it: `fill(ws, col)` writes on `sheet` (col: header →
    column number), the workbook goes into the inbox as disposition_<MMDD>.xlsx of `deliver_on` and is loaded into a
    fresh warehouse. Returns the warehouse, the sheet as returned and its header → column number."""
    import openpyxl

    from pipelines.ingest import load_inbox
    from pipelines.reports.warning_list import write_warning_lists
    from pipelines.warehouse import connect, ensure_schema

    paths = write_warning_lists(inputs, tmp_path / "lists")
    (city,) = [p for p in paths if p.suffix == ".xlsx" and "全市" in p.name]
    wb = openpyxl.load_workbook(city)
    ws = wb[sheet]
    col = {c.value: i + 1 for i, c in enumerate(ws[1])}
    fill(ws, col)
    folder = tmp_path / "inbox" / deliver_on.isoformat()
    folder.mkdir(parents=True)
    wb.save(folder / f"disposition_{deliver_on:%m%d}.xlsx")
    con = connect(tmp_path / "w.duckdb")
    ensure_schema(con)
    load_inbox(con, tmp_path / "inbox", Settings())
    return con, ws, col


def test_a_returned_workbook_loads_its_filled_lines_only(tmp_path):
    """The inspector fills the blank columns of two lines of the 核查清单 and drops the workbook into the inbox."""
    from pipelines.reports.warning_list import ListInputs

    projects, scores = world()
    night1 = assemble_warnings(FIRINGS, scores, projects, None, Settings(), N1)
    empty = pl.DataFrame()

    def fill(ws, col):
        ws.cell(2, col["核查日期"], "2025-08-05")
        ws.cell(2, col["核查结论"], "01")
        ws.cell(2, col["欠薪金额（元）"], 36000)
        ws.cell(2, col["涉及人数"], 12)
        ws.cell(3, col["核查日期"], "2025-08-06")
        ws.cell(3, col["核查结论"], "03")

    inputs = ListInputs(night1, empty, empty, empty, N1)
    con, ws, col = _returned_workbook(tmp_path, inputs, "核查清单", fill, date(2025, 8, 7))
    rows = con.execute(
        "select warning_id, project_code, warning_date, inspect_date, outcome, arrears_amount from raw_disposition "
        "order by inspect_date"
    ).fetchall()
    first, second = ws.cell(2, col["预警编号"]).value, ws.cell(3, col["预警编号"]).value
    assert rows == [
        (first, first[-3:], N1, date(2025, 8, 5), "01", 36000.0),
        (second, second[-3:], N1, date(2025, 8, 6), "03", None),
    ]
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 0  # the blank lines are not errors


def test_a_closing_date_entered_on_the_tracking_sheet_is_a_return(tmp_path):
    """A line found true (01) waits in 整改跟踪 until its 销号日期; the inspector enters only that date on the
    整改跟踪 sheet of the workbook received, the only place the line is printed. The sheet shows the return that
    put the line there, so the row goes back as that return completed. Before, the sheet's return columns were
    blank (a row with only a 销号日期 is no return: no 核查日期) and only the workbook's first sheet was read: the
    销号 was lost without a word either way."""
    from pipelines.reports.warning_list import ListInputs
    from pipelines.warehouse import frame

    projects, scores = world()
    s = Settings()
    night1 = assemble_warnings(FIRINGS, scores, projects, None, s, N1)
    found = returns(("HC-20250731-A00", "A00", N1, N1 + timedelta(days=5), "01", 12000.0, 4))
    valid, _ = check_returns(found, ledger_lines(night1))
    night2 = assemble_warnings(FIRINGS, scores, projects, night1, s, N2, dispositions=valid)
    empty = pl.DataFrame()

    def fill(ws, col):
        (row,) = [
            r for r in range(2, ws.max_row + 1) if ws.cell(r, col["预警编号"]).value == "HC-20250731-A00"
        ]
        shown = [
            ws.cell(row, col[h]).value
            for h in ("核查日期", "核查结论", "欠薪金额（元）", "涉及人数", "销号日期")
        ]
        assert shown == ["2025-08-05", "01", "12000", "4", None]
        ws.cell(row, col["销号日期"], "2025-08-25")

    inputs = ListInputs(night2, empty, empty, empty, N2, returns=found)
    con, _, _ = _returned_workbook(tmp_path, inputs, "整改跟踪", fill, date(2025, 8, 26))
    back = frame(
        con,
        "select warning_id, project_code, warning_date, inspect_date, outcome, arrears_amount, workers_owed, "
        "closed_date from raw_disposition",
    )
    assert back.rows() == [
        ("HC-20250731-A00", "A00", N1, date(2025, 8, 5), "01", 12000.0, 4, date(2025, 8, 25))
    ]
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 0
    valid, rejected = check_returns(back, ledger_lines(pl.concat([night1, night2])))
    assert rejected.height == 0
    assert valid.select("warning_id", "closed_date").rows() == [("HC-20250731-A00", date(2025, 8, 25))]


def test_a_line_with_only_a_note_is_a_return_missing_its_result(tmp_path):
    """On the 核查清单, a line with only a 备注 or a 销号日期 was dropped as blank; it is quarantined for its missing
    核查日期 and 核查结论, so the analyst sees that the inspector wrote something."""
    from pipelines.quality.load_facts import load_findings
    from pipelines.reports.warning_list import ListInputs

    projects, scores = world()
    night1 = assemble_warnings(FIRINGS, scores, projects, None, Settings(), N1)
    empty = pl.DataFrame()

    def fill(ws, col):
        ws.cell(2, col["备注"], "项目部无人，下周再去")

    inputs = ListInputs(night1, empty, empty, empty, N1)
    con, _, _ = _returned_workbook(tmp_path, inputs, "核查清单", fill, date(2025, 8, 7))
    assert con.execute("select count(*) from raw_disposition").fetchone()[0] == 0
    assert con.execute(
        "select line, column_name, reason_code from quarantine order by column_name"
    ).fetchall() == [
        (2, "inspect_date", "missing_required"),
        (2, "outcome", "missing_required"),
    ]
    # one of one returned line quarantined: reported, and the night is not stopped by the users' own return
    found = {f["check_id"]: f for f in load_findings(con, date(2025, 8, 7), Settings())}
    assert found["quarantine_missing_required"]["entity"] == "disposition"
    assert "quarantine_share" not in found
