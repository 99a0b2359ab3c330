"""A payroll delivered as office software writes it loads the same rows as the platform's own export.

Two habits the generator does not have: a workbook whose dates, months and amounts are typed Excel cells (a date
cell, a month cell formatted 2025年11月, numbers) with blank rows between the records; and a CSV saved by a
Chinese-locale spreadsheet (GB18030, CRLF, 2025/12/16 dates, 2025年11月 months). Each must store the rows the
canonical CSV stores, and a bad row after a blank one must be quarantined under its own line of the sheet."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import xlsxwriter
import xlwt

from pipelines.identifiers import id_check_char, pii_hash
from pipelines.ingest import load_file
from pipelines.night_steps import build_layer
from pipelines.quality import cross_source_findings
from pipelines.settings import Settings
from pipelines.warehouse import LAYERS
from tests.ingest.conftest import fresh_warehouse, load_fresh

NIGHT = date(2025, 12, 31)
HEADER = ["project_code", "pay_month", "id_card_number", "days", "total_pay_amount", "actual_amount"]
HEADER += ["is_back_pay", "balance_date"]
STORED = "project_code, pay_month, id_card_number_hash, days, total_pay_amount, actual_amount, is_back_pay, balance_date"


def an_id(n: int) -> str:
    body = f"35050319900101{n:03d}"
    return body + id_check_char(body)


# (ID number, days, total, actual, back pay, pay day)
ROWS = [
    (an_id(1), 22, 8963.58, 8963.58, 0, date(2025, 12, 16)),
    (an_id(2), 15, 4467.4, 4000.0, 0, date(2025, 12, 16)),
    (an_id(3), 20, 6000.0, 6000.0, 1, date(2025, 12, 20)),
]
BAD_ID = an_id(4)[:-1] + ("0" if an_id(4)[-1] != "0" else "1")


# each of ROWS as the platform's CSV writes it, under HEADER
PAY_LINES = [f"P1,2025-11,{i},{d},{t},{a},{b},{p.isoformat()}" for i, d, t, a, b, p in ROWS]


def _payroll_csv(
    folder, header: list[str], lines: list[str], *, name: str = "payroll_1231.csv", encoding: str = "utf-8"
) -> None:
    """A delivered CSV: the header's cells, then the record lines, LF-ended."""
    (folder / name).write_text("\n".join([",".join(header), *lines]) + "\n", encoding=encoding)


def _canonical_csv(folder) -> None:
    _payroll_csv(folder, HEADER, PAY_LINES)


def _typed_workbook(folder) -> None:
    book = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
    sheet = book.add_worksheet("工资发放")
    day, month = book.add_format({"num_format": "yyyy/m/d"}), book.add_format({"num_format": "yyyy年m月"})
    sheet.write_row(0, 0, HEADER)
    placed = [1, 2, 5]  # sheet rows (0-based) of the good records: rows 4 and 5 of the sheet are blank
    for row, (idn, days, total, actual, back, paid) in zip(placed, ROWS, strict=True):
        sheet.write_string(row, 0, "P1")
        sheet.write_datetime(row, 1, datetime(2025, 11, 1), month)
        sheet.write_string(row, 2, idn)
        sheet.write_number(row, 3, days)
        sheet.write_number(row, 4, total)
        sheet.write_number(row, 5, actual)
        sheet.write_boolean(row, 6, bool(back))
        sheet.write_datetime(row, 7, datetime(paid.year, paid.month, paid.day), day)
    sheet.write_row(7, 0, ["P1", "2025年11月", BAD_ID, 10, 100, 100, "否", "2025/12/16"])  # line 8
    book.close()


def _spreadsheet_csv(folder) -> None:
    lines = [",".join(HEADER)]
    for idn, days, total, actual, back, paid in ROWS:
        lines.append(
            f"P1,2025年11月,{idn},{days},{total},{actual},{'是' if back else '否'},{paid:%Y/%-m/%-d}"
        )
    lines.append("")  # a blank line, then the bad row on line 6
    lines.append(f"P1,2025年11月,{BAD_ID},10,100,100,否,2025/12/16")
    (folder / "payroll_1231.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def _load(tmp_path, name, write):
    folder = tmp_path / name
    folder.mkdir()
    write(folder)
    con = fresh_warehouse()
    path = next(folder.iterdir())
    result = load_file(con, path, NIGHT, Settings(), inbox=folder)
    stored = con.execute(f"select {STORED} from raw_payroll order by id_card_number_hash").fetchall()
    quarantined = con.execute("select line, column_name, reason_code from quarantine").fetchall()
    con.close()
    return result, stored, quarantined


def test_typed_cells_and_blank_rows_load_as_the_platform_export(tmp_path):
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    assert len(canonical) == 3
    result, stored, quarantined = _load(tmp_path, "typed", _typed_workbook)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert stored == canonical
    assert quarantined == [(8, "id_card_number", "id_check_digit")]


def test_a_spreadsheet_saved_csv_loads_as_the_platform_export(tmp_path):
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "saved", _spreadsheet_csv)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert stored == canonical
    assert quarantined == [(6, "id_card_number", "id_check_digit")]


def _currency_csv(folder) -> None:
    """Amount cells in a currency format, saved into a CSV as displayed: ¥8,963.58 (quoted: it holds a comma)."""
    lines = [",".join(HEADER)]
    for n, (idn, days, total, actual, back, paid) in enumerate(ROWS):
        shown = f'"¥{total:,.2f}"' if n % 2 == 0 else f"{total}元"
        lines.append(f'P1,2025-11,{idn},{days},{shown},"￥{actual:,.2f}",{back},{paid.isoformat()}')
    lines.append(f"P1,2025-11,{BAD_ID},10,12亿元,100,0,2025-12-16")  # a unit no column is written in (line 5)
    (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_amounts_as_a_currency_cell_displays_them_load_as_the_platform_export(tmp_path):
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "currency", _currency_csv)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert stored == canonical
    assert ("total_pay_amount", "bad_number") in {(c, r) for _, c, r in quarantined}


ZH_HEADER = ["*项目编码", "*工资月份", "*证件号码", "出勤天数", "应发金额（元）", "实发金额(元)", "*是否补发"]
ZH_HEADER += ["*发放日期", ""]  # a template's required marks and units; a trailing comma on every line


def _template_csv(folder) -> None:
    _payroll_csv(folder, ZH_HEADER, [line + "," for line in PAY_LINES], encoding="utf-8-sig")


def test_a_templates_header_marks_and_units_are_the_columns_they_name(tmp_path):
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, _ = _load(tmp_path, "template", _template_csv)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 0)
    assert stored == canonical  # the amounts under 应发金额（元） are the amounts, not an unknown column


def _wan(amount: float) -> str:
    """An amount in 元 written in 万元, exactly (the decimal point moved as text): 8963.58 → 0.896358."""
    return format(Decimal(str(amount)).scaleb(-4), "f")


def _wan_csv(folder) -> None:
    """应发金额 under a header in 万元 (values without a unit), 实发金额 as cells that say 万元 themselves."""
    header = ",".join(HEADER).replace("total_pay_amount", "应发金额（万元）")
    lines = [header]
    for idn, days, total, actual, back, paid in ROWS:
        lines.append(f"P1,2025-11,{idn},{days},{_wan(total)},{_wan(actual)}万元,{back},{paid.isoformat()}")
    (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_amounts_in_wan_yuan_are_read_in_yuan_exactly(tmp_path):
    """A management system's export gives amounts in 万元, in the header or after the value. Before: the header
    was unknown (the file refused: no 应发金额 … here, an optional column left empty) and a cell's 万元 a bad
    number (the pay line quarantined)."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "wan", _wan_csv)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 0)
    assert result.unknown_headers is None
    assert stored == canonical  # 0.896358万元 is 8963.58 元 to the last bit, not 8963.580000000002
    assert quarantined == []


def _projects_loaded(tmp_path, files: dict[str, str]) -> list[tuple]:
    """Project CSVs (name → text) loaded in name order, each loaded whole with every header known; the stored
    (project_code, contract_amount, labor_cost_ratio) by project."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    con = fresh_warehouse()
    for path in sorted(folder.iterdir()):
        result = load_file(con, path, NIGHT, Settings(), inbox=folder)
        assert (result.status, result.rows_quarantined, result.unknown_headers) == ("loaded", 0, None)
    stored = con.execute(
        "select project_code, contract_amount, labor_cost_ratio from raw_project order by project_code"
    ).fetchall()
    con.close()
    return stored


def test_a_share_as_a_percentage_and_a_contract_in_wan_yuan(tmp_path):
    """A project's 人工费用比例 as a spreadsheet's percent cell (20%), or under a header in % (25), and its 合同金额
    in 万元: the share 0.2 and the amount in 元. Before: each such project row was quarantined (bad_number) — the
    project missing from the warehouse for an optional field's format."""
    stored = _projects_loaded(
        tmp_path,
        {
            "project_1231.csv": "项目编码,合同金额（万元）,人工费用比例\nP1,11955.7,20%\nP2,0.0001,12.5 %\nP3,,\n",
            "project_1231b.csv": "项目编码,人工费用比例（%）\nP4,25\nP5,无\n",
        },
    )
    assert stored == [
        ("P1", 119557000.0, 0.2),
        ("P2", 1.0, 0.125),
        ("P3", None, None),
        ("P4", None, 0.25),
        ("P5", None, None),  # a word for none under a header in %: none, not 无%
    ]


def test_amounts_in_qian_yuan_and_shares_per_mille(tmp_path):
    """A finance office's sheet gives amounts in 千元 and shares in ‰, in the header or after the value. Before: the
    header was unknown (合同金额 empty, 人工费用比例 empty: R01/R02 read the project as having no labour-cost share)
    and a cell's 千元 or ‰ a bad number (the project quarantined)."""
    stored = _projects_loaded(
        tmp_path,
        {
            "project_1231.csv": "项目编码,合同金额（千元）,人工费用比例（‰）\nP1,119557,200\nP2,0.001,125.5\n",
            "project_1231b.csv": "项目编码,合同金额,人工费用比例\nP3,1195.57千元,200‰\nP4,12万元,20%\n",
        },
    )
    assert stored == [
        ("P1", 119557000.0, 0.2),
        ("P2", 1.0, 0.1255),
        ("P3", 1195570.0, 0.2),
        ("P4", 120000.0, 0.2),
    ]


def test_ticks_and_amounts_as_a_finance_office_writes_them(tmp_path):
    """是否补发 ticked √ or ×, amounts written 8963.58元整 or RMB 4,467.40. Before, each such pay line was quarantined
    (bad_bool, bad_number)."""

    def write(folder) -> None:
        lines = []
        for idn, days, total, actual, back, paid in ROWS:
            tick = "√" if back else "×"
            lines.append(f'P1,2025-11,{idn},{days},{total}元整,"RMB {actual:,.2f}",{tick},{paid.isoformat()}')
        _payroll_csv(folder, HEADER, lines)

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "finance", write)
    assert (result.rows_loaded, quarantined) == (3, [])
    assert stored == canonical


def test_a_word_for_none_is_an_empty_cell(tmp_path):
    """A registry's form writes 待定, 无, 暂无, -, / or ／ where it has nothing: an empty cell, not a bad value. Before,
    each such project was quarantined whole (bad_date, bad_number, unknown_code, bad_bool) — lost from the warehouse
    for an optional field. A key part so written is missing, as an empty one."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    rows = [
        "项目编码,合同金额,人工费用比例,计划竣工日期,开工日期,项目分类,是否接入一体化平台,项目名称",
        "P1,-,/,待定,无,无,无,暂无",
        "P2,暂无,——,／,－,-,N/A,-",
        "P3,,,,,,,",
        "P4,1000,0.2,2026-01-01,2024/1/1,01,是,某项目",
        "无,1,0.2,,,,,",
    ]
    (folder / "project_1231.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, folder / "project_1231.csv", NIGHT, Settings(), inbox=folder)
    stored = con.execute(
        "select project_code, contract_amount, labor_cost_ratio, complete_date, start_date, category, "
        "is_integrated, name from raw_project order by project_code"
    ).fetchall()
    quarantined = con.execute("select line, column_name, reason_code from quarantine").fetchall()
    con.close()
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 4, 1)
    empty = (None,) * 7
    assert stored[:3] == [("P1", *empty), ("P2", *empty), ("P3", *empty)]
    assert stored[3] == ("P4", 1000.0, 0.2, date(2026, 1, 1), date(2024, 1, 1), "01", True, "某项目")
    assert quarantined == [(6, "project_code", "missing_required")]


def _delimited(name: str, sep: str, encoding: str, quoted: bool = False):
    def write(folder) -> None:
        lines = [sep.join(HEADER)]
        for idn, days, total, actual, back, paid in ROWS:
            amount = f'"¥{total:,.2f}"' if quoted else str(total)  # a quoted field holding a comma
            lines.append(
                sep.join(["P1", "2025-11", idn, str(days), amount, str(actual), str(back), str(paid)])
            )
        (folder / name).write_bytes(("\r\n".join(lines)).encode(encoding))  # no line break after the last

    return write


def test_tab_and_semicolon_separated_exports_and_excels_unicode_text(tmp_path):
    """A system's 导出 separated by tabs, a CSV separated by semicolons, and what Excel saves as "Unicode 文本"
    (payroll_1231.txt: UTF-16 with its byte-order mark, tab-separated) load as the platform's CSV. Before: the
    first two were refused (one unknown header holding every name), the UTF-16 file undecodable, a .txt not read."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    for name, sep, encoding, quoted in [
        ("payroll_1231.csv", "\t", "utf-8", False),
        ("payroll_1231.csv", ";", "gb18030", True),
        ("payroll_1231.txt", "\t", "utf-16", False),
        ("payroll_1231.txt", "\t", "utf-16", True),
    ]:
        folder = f"{name}-{ord(sep)}-{encoding}-{quoted}"
        result, stored, quarantined = _load(tmp_path, folder, _delimited(name, sep, encoding, quoted))
        assert (result.status, result.rows_loaded, result.tail_problem) == ("loaded", 3, None), folder
        assert stored == canonical, folder
        assert quarantined == [], folder


def _html_xls(folder) -> None:
    """What an older web system's 导出Excel writes: an HTML page named .xls (GBK), a title row spanning the table,
    entities, a <br> in a header, cells whose end tags are left out."""
    cells = "".join(f"<th>{h}</th>" for h in HEADER).replace("total_pay_amount", "total_pay<br>_amount")
    rows = [f'<tr><td colspan="{len(HEADER)}">某项目 2025年11月 工资发放表</td></tr>', f"<tr>{cells}</tr>"]
    for idn, days, total, actual, back, paid in ROWS:
        values = ["P1", "2025-11", idn, str(days), f"{total:,}", f"{actual}&nbsp;", str(back), str(paid)]
        rows.append("<tr>" + "".join(f"<td style=\"mso-number-format:'\\@'\">{v}" for v in values) + "</tr>")
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
        f"<table border=1>{''.join(rows)}</table></body></html>"
    )
    (folder / "payroll_1231.xls").write_bytes(page.encode("gb18030"))


def _xml_spreadsheet(folder) -> None:
    """Excel 2003's XML Spreadsheet named .xls: a cell's ss:Index skips the blank ones before it."""
    ss = "urn:schemas-microsoft-com:office:spreadsheet"

    def row(values: list[str]) -> str:
        cells = "".join(
            f'<Cell ss:Index="{i + 1}"><Data ss:Type="String">{v}</Data></Cell>'
            if i == 3
            else f'<Cell><Data ss:Type="String">{v}</Data></Cell>'
            for i, v in enumerate(values)
        )
        return f"<Row>{cells}</Row>"

    body = [row(HEADER)] + [
        row(["P1", "2025-11", idn, str(days), str(total), str(actual), str(back), str(paid)])
        for idn, days, total, actual, back, paid in ROWS
    ]
    text = (
        f'<?xml version="1.0"?>\n<Workbook xmlns="{ss}" xmlns:ss="{ss}"><Worksheet ss:Name="工资">'
        f"<Table>{''.join(body)}</Table></Worksheet></Workbook>"
    )
    (folder / "payroll_1231.xls").write_text(text, encoding="utf-8")


def _text_xls(folder) -> None:
    lines = ["\t".join(HEADER)] + [
        "\t".join(["P1", "2025-11", idn, str(days), str(total), str(actual), str(back), str(paid)])
        for idn, days, total, actual, back, paid in ROWS
    ]
    (folder / "payroll_1231.xls").write_bytes("\r\n".join(lines).encode("gb18030"))


def test_a_workbook_that_is_an_html_page_xml_or_text_loads_as_the_platform_export(tmp_path):
    """Many systems' 导出Excel is not a workbook: an HTML table, Excel 2003's XML Spreadsheet or tab-separated text
    under an .xls name. Before, the workbook reader refused each (文件无法解析) and every row was lost."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    encodings = []
    for write in (_html_xls, _xml_spreadsheet, _text_xls):
        result, stored, quarantined = _load(tmp_path, write.__name__, write)
        assert (result.status, result.rows_loaded, quarantined) == ("loaded", 3, []), write.__name__
        assert stored == canonical, write.__name__
        encodings.append(result.encoding)
    assert encodings == [
        "gb18030",
        "utf-8",
        "utf-8",
    ]  # the page's Chinese title in GBK; the others' bytes ASCII


def test_a_web_page_without_a_table_under_a_workbooks_name_is_refused_with_why(tmp_path):
    def write(folder) -> None:
        (folder / "payroll_1231.xls").write_text(
            "<html><body>会话已过期，请重新登录</body></html>", encoding="utf-8"
        )

    result, stored, _ = _load(tmp_path, "login", write)
    assert (result.status, result.reason, stored) == (
        "failed",
        "文件扩展名为工作簿，内容是网页或XML，但其中没有表格",
        [],
    )


def _serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def _serial_csv(folder) -> None:
    """A sheet whose date cells lost their format, saved into a CSV: each date as its Excel serial number (the pay
    month's cell a whole day, 2025-11-01)."""
    lines = [",".join(HEADER)]
    for idn, days, total, actual, back, paid in ROWS:
        pay_day = f"{_serial(paid)}.0" if back else str(_serial(paid))
        lines.append(f"P1,{_serial(date(2025, 11, 1))},{idn},{days},{total},{actual},{back},{pay_day}")
    (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_dates_as_excel_serial_numbers_load_as_the_platform_export(tmp_path):
    """Before, each was bad_date and every pay line of such a file was quarantined."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "serial", _serial_csv)
    assert (result.rows_loaded, quarantined) == (3, [])
    assert stored == canonical


def test_a_month_as_a_serial_number_is_not_read_as_year_and_month(tmp_path):
    """45901 (2025-09-01) was read as yyyyMM + 01: the year 4590, month 10 — out_of_range, every progress row of a
    sheet so saved quarantined (found on a world the tests had not seen: seed 97, rare-events, --other-habits)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    lines = ["project_code,month,completed_value", f"P1,{_serial(date(2025, 9, 1))},100", "P2,202509,100"]
    (folder / "project_progress_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, folder / "project_progress_1231.csv", NIGHT, Settings(), inbox=folder)
    months = con.execute("select distinct month from raw_project_progress").fetchall()
    con.close()
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert months == [("2025-09",)]


def test_a_punch_time_as_an_excel_serial_number_is_read_to_the_second(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    lines = [
        "project_code,id_card_number,date,direction",
        f"P1,{ROWS[0][0]},{_serial(date(2025, 7, 1))}.3541666667,01",
    ]
    lines.append(f"P1,{ROWS[1][0]},2025/7/1 8:30,01")
    (folder / "attendance_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, folder / "attendance_1231.csv", NIGHT, Settings(), inbox=folder)
    punched = con.execute("select distinct date from raw_attendance").fetchall()
    con.close()
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert punched == [(datetime(2025, 7, 1, 8, 30),)]


def _api_json(folder) -> None:
    """The payroll as a Java platform's API serialises it: every date an instant, in UTC (a day in China starts at
    16:00 UTC the day before) or in milliseconds since 1970; amounts and flags as JSON numbers."""
    china = timezone(timedelta(hours=8))
    records = []
    for i, (idn, days, total, actual, back, paid) in enumerate(ROWS):
        midnight = datetime(paid.year, paid.month, paid.day, tzinfo=china)
        records.append(
            {
                "projectCode": "P1",
                "payMonth": "2025-11",
                "idCardNumber": idn,
                "days": days,
                "totalPayAmount": total,
                "actualAmount": actual,
                "isBackPay": back,
                # 2025-12-15T16:00:00.000Z, or 1765814400000
                "balanceDate": midnight.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                if i % 2
                else int(midnight.timestamp() * 1000),
            }
        )
    (folder / "payroll_1231.json").write_text(json.dumps(records), encoding="utf-8")


def test_an_apis_instants_are_read_as_the_time_in_china(tmp_path):
    """A 发放日期 sent as 2025-12-15T16:00:00.000Z was stored as 12-15 (the date the text starts with, UTC's): a day
    early, silently; one in milliseconds was bad_date. Both are 12-16 in China, the platform's own date."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "api", _api_json)
    assert (result.rows_loaded, quarantined) == (3, [])
    assert stored == canonical


def test_a_punch_sent_in_utc_is_on_its_day_in_china(tmp_path):
    """07:30 on 07-01 in China is 23:30 on 06-30 in UTC: the punch's day is 07-01 (the indicators count it there)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    lines = ["project_code,id_card_number,date,direction"]
    lines += [f"P1,{ROWS[0][0]},2025-06-30T23:30:00Z,01", f"P1,{ROWS[1][0]},2025-07-01T07:30:00+08:00,01"]
    lines += [f"P1,{ROWS[2][0]},1751326200000,01"]  # the same instant in milliseconds
    (folder / "attendance_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = fresh_warehouse()
    result = load_file(con, folder / "attendance_1231.csv", NIGHT, Settings(), inbox=folder)
    punched = con.execute("select distinct date from raw_attendance").fetchall()
    con.close()
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert punched == [(datetime(2025, 7, 1, 7, 30),)]


def _merged_workbook(folder) -> None:
    """A payroll sheet tidied by hand: a title merged across the table, the project code and pay month merged down
    the rows they hold for."""
    book = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
    sheet = book.add_worksheet("工资表")
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, "某项目2025年11月工资发放表")
    sheet.write_row(1, 0, HEADER)
    sheet.merge_range(2, 0, 4, 0, "P1")
    sheet.merge_range(2, 1, 4, 1, "2025-11")
    for row, (idn, days, total, actual, back, paid) in enumerate(ROWS, start=2):
        sheet.write_row(row, 2, [idn, days, total, actual, back, paid.isoformat()])
    book.close()


def _merged_legacy_workbook(folder) -> None:
    """The same sheet saved as a legacy .xls (Excel 97–2003, as WPS and many offices still save)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工资表")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, "某项目2025年11月工资发放表")
    for col, name in enumerate(HEADER):
        sheet.write(1, col, name)
    sheet.write_merge(2, 4, 0, 0, "P1")
    sheet.write_merge(2, 4, 1, 1, "2025-11")
    for row, (idn, days, total, actual, back, paid) in enumerate(ROWS, start=2):
        for col, value in enumerate([idn, days, total, actual, back, paid.isoformat()], start=2):
            sheet.write(row, col, value)
    book.save(str(folder / "payroll_1231.xls"))


def _sheet_below_and_right(folder, *, legacy: bool) -> None:
    """A pay sheet laid out with a margin: rows 1–2 and column A empty, the header on row 3 from column B, the
    project code merged down the three records (rows 4–6), then a record with a bad ID number on row 7."""
    rows = [[*line.split(",")] for line in PAY_LINES]
    rows.append(["", "2025-11", BAD_ID, "10", "100", "100", "0", "2025-12-16"])
    if legacy:
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("工资表")
        for col, name in enumerate(HEADER, start=1):
            sheet.write(2, col, name)
        sheet.write_merge(3, 5, 1, 1, "P1")
        for r, values in enumerate(rows, start=3):
            for col, value in enumerate(values[1:], start=2):
                sheet.write(r, col, value)
        sheet.write(6, 1, "P1")
        book.save(str(folder / "payroll_1231.xls"))
        return
    workbook = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
    ws = workbook.add_worksheet("工资表")
    ws.write_row(2, 1, HEADER)
    ws.merge_range(3, 1, 5, 1, "P1")
    for r, values in enumerate(rows, start=3):
        ws.write_row(r, 2, values[1:])
    ws.write_string(6, 1, "P1")
    workbook.close()


@pytest.mark.parametrize("legacy", [False, True], ids=["xlsx", "xls"])
def test_a_sheet_whose_data_starts_lower_and_further_right(tmp_path, legacy):
    """The workbook reader's frame starts at the sheet's first cell with a value, and merges and lines were placed
    as if that were A1: the project code merged down B4:B6 was given to no row (two pay lines quarantined as missing
    it) — with more rows, to the wrong column's rows below it — and a bad row was named two lines above its own."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(
        tmp_path, "margin", lambda folder: _sheet_below_and_right(folder, legacy=legacy)
    )
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert stored == canonical
    assert quarantined == [(7, "id_card_number", "id_check_digit")]


def _workbook_1904(folder, *, legacy: bool) -> None:
    """A pay sheet from a workbook that counts dates from 1904 (old Mac Excel), its 发放日期 cells without their date
    format: each a number of days since 1904-01-01."""
    rows: list[list[str | int]] = [list(line.split(",")) for line in PAY_LINES]
    for values, (*_, paid) in zip(rows, ROWS, strict=True):
        values[7] = (paid - date(1904, 1, 1)).days
    if legacy:
        book = xlwt.Workbook(encoding="utf-8")
        book.dates_1904 = True
        sheet = book.add_sheet("工资表")
        for r, values in enumerate([HEADER, *rows]):
            for c, value in enumerate(values):
                sheet.write(r, c, value)
        book.save(str(folder / "payroll_1231.xls"))
        return
    workbook = xlsxwriter.Workbook(folder / "payroll_1231.xlsx", {"date_1904": True})
    ws = workbook.add_worksheet("工资表")
    for r, values in enumerate([HEADER, *rows]):
        ws.write_row(r, 0, values)
    workbook.close()


@pytest.mark.parametrize("legacy", [False, True], ids=["xlsx", "xls"])
def test_a_workbook_counting_dates_from_1904(tmp_path, legacy):
    """Before, a 1904 workbook's date that lost its format was read in the 1900 system: each pay day 1462 days early
    (2025-12-16 stored as 2021-12-15), silently."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "mac", lambda folder: _workbook_1904(folder, legacy=legacy))
    assert (result.rows_loaded, quarantined) == (3, [])
    assert stored == canonical


@pytest.mark.parametrize("write", [_merged_workbook, _merged_legacy_workbook], ids=["xlsx", "xls"])
def test_a_value_merged_down_its_rows_holds_for_each_of_them(tmp_path, write):
    """Before, the rows under a merged cell read empty: two of the three pay lines quarantined (必填字段为空) — in a
    legacy .xls until session 24, whose merges were not read."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "merged", write)
    assert (result.rows_loaded, quarantined) == (3, [])
    assert stored == canonical


def _totals_csv(folder) -> None:
    """A payroll sheet made by hand: a 序号 column first, and a 合计 row summing the amounts at the bottom."""
    lines = [f"{n},{line}" for n, line in enumerate(PAY_LINES, start=1)]
    lines.append(f"合　计：,,,,57,{sum(r[2] for r in ROWS):.2f},{sum(r[3] for r in ROWS):.2f},,")
    _payroll_csv(folder, ["序号", *HEADER], lines)


def test_a_sheets_totals_row_is_not_a_record(tmp_path):
    """Before, the 合计 row was quarantined every night as a pay line missing its project, month and ID number."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "totals", _totals_csv)
    assert (result.rows_read, result.rows_loaded, quarantined) == (3, 3, [])
    assert stored == canonical
    # its 序号 column numbers the sheet's rows: not named every night as a column the standard does not know
    assert result.unknown_headers is None


def test_a_row_number_column_is_not_reported_but_another_unknown_column_is(tmp_path):
    def write(folder) -> None:
        _payroll_csv(
            folder, ["No.", *HEADER, "备注"], [f"{n},{line}," for n, line in enumerate(PAY_LINES, start=1)]
        )

    result, _, quarantined = _load(tmp_path, "numbered", write)
    assert (result.rows_loaded, quarantined) == (3, [])
    assert result.unknown_headers == "备注"


def test_a_header_without_a_required_column_refuses_the_file_and_names_the_headers(tmp_path):
    """A pay day under a name that could be any date and the amounts in 百万元 (a unit no column is written in): the file is refused
    with one reason naming the absent column and the headers not recognised — not three rows quarantined for an
    empty pay day, and never the 百万元 amounts read as 元."""

    def write(folder) -> None:
        header = (
            ",".join(HEADER).replace("balance_date", "日期").replace("total_pay_amount", "应发金额（百万元）")
        )
        lines = [header] + [f"P1,2025-11,{r[0]},{r[1]},{r[2] / 1000},{r[3]},{r[4]},{r[5]}" for r in ROWS]
        (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result, stored, quarantined = _load(tmp_path, "renamed", write)
    assert (result.status, result.rows_read, result.rows_loaded) == ("failed", 3, 0)
    assert result.reason == (
        "表头与数据标准不符：缺少必填字段 发放日期（balance_date）；未识别的表头 应发金额（百万元）、日期"
    )
    assert stored == []
    assert quarantined == []


def _hand_made_headers(folder) -> None:
    """A payroll sheet as an office keeps it: the columns under the names people give them."""
    header = [
        "项目编码",
        "工资所属月份",
        "身份证号",
        "考勤天数",
        "应发工资（元）",
        "实发工资",
        "是否补发",
        "工资发放日期",
    ]
    _payroll_csv(folder, header, PAY_LINES)


def test_headers_people_write_name_the_standards_columns(tmp_path):
    """身份证号, 实发工资, 工资发放日期 …: before, the file was refused (缺少必填字段 证件号码), every pay line lost."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "hand_made", _hand_made_headers)
    assert (result.status, result.rows_loaded, quarantined, result.unknown_headers) == ("loaded", 3, [], None)
    assert stored == canonical


def test_a_columns_own_header_wins_over_a_synonym_before_it(tmp_path):
    """A sheet with a 身份证号 column of notes ahead of the standard's 证件号码: the standard's column is the ID
    number (a synonym yields), the other is kept as an extra column, hashed by its personal name."""

    def write(folder) -> None:
        lines = [f"ID-{row[0][:6]},{line}" for row, line in zip(ROWS, PAY_LINES, strict=True)]
        _payroll_csv(folder, ["身份证号", *HEADER], lines)

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "both", write)
    assert (result.rows_loaded, quarantined, result.unknown_headers) == (3, [], "身份证号")
    assert stored == canonical


def test_a_csv_with_columns_past_its_data_loads_as_the_platform_export(tmp_path):
    """A CSV saved from a sheet with formatted cells past the data: empty headers (项目编码,…,发放日期,,,). Two empty
    headers were refused as one header repeated (表头重复), every pay line lost. A column without a header is kept
    as an extra, named, when it holds a value; dropped when it holds none."""

    def write(folder) -> None:
        notes = ["已核", "", ""]  # a value in the middle one of the three columns past the data, on one line
        lines = [f"{line},,{note}," for line, note in zip(PAY_LINES, notes, strict=True)]
        _payroll_csv(folder, [*HEADER, "", "", ""], lines)

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "past", write)
    assert (result.status, result.rows_loaded, quarantined) == ("loaded", 3, [])
    assert (
        result.unknown_headers == "__UNNAMED__9"
    )  # the column with a note in it; the two empty ones are no columns
    assert stored == canonical


def _two_row_header_workbook(folder) -> None:
    """A pay sheet kept by hand: 应发工资 merged over 基本工资 | 加班工资 | 合计, the other headers merged down both
    rows, a title above."""
    book = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
    sheet = book.add_worksheet("工资表")
    sheet.merge_range(0, 0, 0, 10, "某项目2025年11月农民工工资发放表")
    for col, name in enumerate(["序号", "项目编码", "工资月份", "身份证号", "出勤天数"]):
        sheet.merge_range(1, col, 2, col, name)
    sheet.merge_range(1, 5, 1, 7, "应发工资")
    sheet.write_row(2, 5, ["基本工资", "加班工资", "合计"])
    for col, name in enumerate(["实发工资", "是否补发", "发放日期"], start=8):
        sheet.merge_range(1, col, 2, col, name)
    for row, (idn, days, total, actual, back, paid) in enumerate(ROWS, start=3):
        basic = round(total * 0.8, 2)
        sheet.write_row(row, 0, [row - 2, "P1", "2025-11", idn, days, basic, round(total - basic, 2), total])
        sheet.write_row(row, 8, [actual, back, paid.isoformat()])
    book.close()


def _two_row_header_csv(folder) -> None:
    """The same sheet saved as CSV: the group's other headers empty."""
    lines = [
        "序号,项目编码,工资月份,身份证号,出勤天数,应发工资,,,实发工资,是否补发,发放日期",
        ",,,,,基本工资,加班工资,合计,,,",
    ]
    for n, (idn, days, total, actual, back, paid) in enumerate(ROWS, start=1):
        basic = round(total * 0.8, 2)
        lines.append(
            f"{n},P1,2025-11,{idn},{days},{basic},{round(total - basic, 2)},{total},{actual},{back},{paid}"
        )
    (folder / "payroll_1231.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


# the same sheet as web systems' 导出Excel write it: spans instead of merged ranges
TWO_ROW_GROUP = ["基本工资", "加班工资", "合计"]
TWO_ROW_ABOVE = ["序号", "项目编码", "工资月份", "身份证号", "出勤天数"]
TWO_ROW_AFTER = ["实发工资", "是否补发", "发放日期"]


def _two_row_records() -> list[list[str]]:
    out = []
    for n, (idn, days, total, actual, back, paid) in enumerate(ROWS, start=1):
        basic = round(total * 0.8, 2)
        out.append([str(n), "P1", "2025-11", idn, str(days), str(basic), str(round(total - basic, 2))])
        out[-1] += [str(total), str(actual), str(back), paid.isoformat()]
    return out


def _two_row_header_html(folder) -> None:
    """An HTML table named .xls: the title over every column (colspan), the headers down both rows (rowspan), 应发工资
    over its three, and the project code and pay month once beside all three records (rowspan=3): the rows below
    the first have two cells fewer, each in the place the span covers."""
    span = 'rowspan="2"'
    head = "".join(f"<th {span}>{h}</th>" for h in TWO_ROW_ABOVE) + '<th colspan="3">应发工资</th>'
    head += "".join(f"<th {span}>{h}</th>" for h in TWO_ROW_AFTER)
    rows = ['<tr><td colspan="11">某项目2025年11月农民工工资发放表</td></tr>', f"<tr>{head}</tr>"]
    rows.append("<tr>" + "".join(f"<th>{h}</th>" for h in TWO_ROW_GROUP) + "</tr>")
    for i, values in enumerate(_two_row_records()):
        if i == 0:
            cells = f"<td>{values[0]}</td>" + "".join(f'<td rowspan="3">{v}</td>' for v in values[1:3])
        else:
            cells = f"<td>{values[0]}</td>"
        rows.append("<tr>" + cells + "".join(f"<td>{v}</td>" for v in values[3:]) + "</tr>")
    page = f"<html><body><table border=1>{''.join(rows)}</table></body></html>"
    (folder / "payroll_1231.xls").write_bytes(page.encode("gb18030"))


def _two_row_header_xml(folder) -> None:
    """Excel 2003's XML Spreadsheet named .xls: the same sheet with ss:MergeAcross and ss:MergeDown, a cell after a
    merge without an ss:Index (its place follows the merge)."""
    ss = "urn:schemas-microsoft-com:office:spreadsheet"

    def cell(value: str, merge: str = "") -> str:
        return f'<Cell{merge}><Data ss:Type="String">{value}</Data></Cell>'

    down = ' ss:MergeDown="1"'
    head = "".join(cell(h, down) for h in TWO_ROW_ABOVE) + cell("应发工资", ' ss:MergeAcross="2"')
    head += "".join(cell(h, down) for h in TWO_ROW_AFTER)
    rows = [cell("某项目2025年11月农民工工资发放表", ' ss:MergeAcross="10"'), head]
    rows.append(
        '<Cell ss:Index="6"><Data ss:Type="String">基本工资</Data></Cell>' + cell("加班工资") + cell("合计")
    )
    for i, values in enumerate(_two_row_records()):
        first = (
            cell(values[0]) + "".join(cell(v, ' ss:MergeDown="2"') for v in values[1:3]) if i == 0 else None
        )
        rest = "".join(cell(v) for v in values[4:])
        at = f'<Cell ss:Index="4"><Data ss:Type="String">{values[3]}</Data></Cell>'
        rows.append((first + cell(values[3]) if first else cell(values[0]) + at) + rest)
    body = "".join(f"<Row>{r}</Row>" for r in rows)
    text = (
        f'<?xml version="1.0"?>\n<Workbook xmlns="{ss}" xmlns:ss="{ss}"><Worksheet ss:Name="工资表">'
        f"<Table>{body}</Table></Worksheet></Workbook>"
    )
    (folder / "payroll_1231.xls").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "write",
    [_two_row_header_workbook, _two_row_header_csv, _two_row_header_html, _two_row_header_xml],
    ids=["xlsx", "csv", "html", "xml"],
)
def test_a_header_over_two_rows_reads_the_columns_under_a_group(tmp_path, write):
    """Before, 应发工资 named the 基本工资 column under it: every pay line's 应发金额 was the basic wage alone (R05
    counts it), and the row of sub-names was quarantined as a pay line without its key (the CSV: refused whole, its
    empty headers taken for one header repeated)."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "two_rows", write)
    assert (result.status, result.rows_loaded, quarantined) == ("loaded", 3, [])
    assert stored == canonical
    assert result.unknown_headers == "应发工资基本工资、应发工资加班工资"


def _key_under_a_group_html(folder, name: str) -> None:
    """An HTML export with a title, its project code in a group over two rows: 项目 over 编码 | 名称."""
    span = 'rowspan="2"'
    head = '<th colspan="2">项目</th>' + "".join(f"<th {span}>{h}</th>" for h in ["工资月份", "身份证号"])
    head += "".join(
        f"<th {span}>{h}</th>" for h in ["出勤天数", "应发金额", "实发金额", "是否补发", "发放日期"]
    )
    rows = [
        '<tr><td colspan="9">工资发放明细导出</td></tr>',
        f"<tr>{head}</tr>",
        "<tr><th>编码</th><th>名称</th></tr>",
    ]
    for idn, days, total, actual, back, paid in ROWS:
        values = [
            "P1",
            "某项目",
            "2025-11",
            idn,
            str(days),
            str(total),
            str(actual),
            str(back),
            paid.isoformat(),
        ]
        rows.append("<tr>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>")
    (folder / name).write_text(f"<html><body><table>{''.join(rows)}</table></body></html>", encoding="utf-8")


@pytest.mark.parametrize("name", ["payroll_1231.xls", "导出数据_1.xls"])
def test_a_key_column_in_a_group_below_a_title(tmp_path, name):
    """Before, a title above a header over two rows was read only where each key column had a row of its own: 项目
    over 编码 | 名称 found no header naming the project code — the file refused whole (缺少必填字段 项目编码), and a file
    named 导出数据_1.xls refused as an unknown entity. The same search for the header now serves both."""
    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(
        tmp_path, "grouped", lambda folder: _key_under_a_group_html(folder, name)
    )
    assert (result.status, result.entity, result.rows_loaded, quarantined) == ("loaded", "payroll", 3, [])
    assert stored == canonical
    assert result.unknown_headers == "项目名称"


def _xml_with_a_hidden_worksheet(folder, shown_rows, old_rows) -> str:
    """The same two sheets as an Excel 2003 XML Spreadsheet named .xls, the old one hidden (WorksheetOptions)."""
    ss, x = "urn:schemas-microsoft-com:office:spreadsheet", "urn:schemas-microsoft-com:office:excel"

    def table(rows) -> str:
        cells = ("".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in r) for r in rows)
        return "<Table>" + "".join(f"<Row>{c}</Row>" for c in cells) + "</Table>"

    hidden = f'<WorksheetOptions xmlns="{x}"><Visible>SheetHidden</Visible></WorksheetOptions>'
    text = (
        f'<?xml version="1.0"?>\n<Workbook xmlns="{ss}" xmlns:ss="{ss}">'
        f'<Worksheet ss:Name="工资表">{table(shown_rows)}</Worksheet>'
        f'<Worksheet ss:Name="10月（旧）">{table(old_rows)}{hidden}</Worksheet></Workbook>'
    )
    (folder / "payroll_1231.xls").write_text(text, encoding="utf-8")
    return "payroll_1231.xls"


def _workbook_with_a_hidden_sheet(
    folder, *, visible_data: bool = True, legacy: bool = False, xml: bool = False
) -> str:
    """The month's pay sheet, and last month's copy hidden beside it (the same header, other amounts); without
    `visible_data` the shown sheet is a 填表说明 and the data only in the hidden one; `legacy`: an .xls; `xml`: an XML
    Spreadsheet. Its name."""
    shown_rows = [HEADER, *(line.split(",") for line in PAY_LINES)] if visible_data else [["请按模板填写"]]
    old_rows = [HEADER] + [
        ["P1", "2025-10", idn, days, total * 2, actual * 2, back, paid.isoformat()]
        for idn, days, total, actual, back, paid in ROWS
    ]
    shown_name = "工资表" if visible_data else "填表说明"
    if xml:
        return _xml_with_a_hidden_worksheet(folder, shown_rows, old_rows)
    if legacy:
        book = xlwt.Workbook(encoding="utf-8")
        for name, rows, hide in ((shown_name, shown_rows, False), ("10月（旧）", old_rows, True)):
            sheet = book.add_sheet(name)
            for r, values in enumerate(rows):
                for c, value in enumerate(values):
                    sheet.write(r, c, value)
            sheet.visibility = int(hide)
        book.save(str(folder / "payroll_1231.xls"))
        return "payroll_1231.xls"
    workbook = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
    for name, rows, hide in ((shown_name, shown_rows, False), ("10月（旧）", old_rows, True)):
        ws = workbook.add_worksheet(name)
        for r, values in enumerate(rows):
            ws.write_row(r, 0, values)
        if hide:
            ws.hide()
    workbook.close()
    return "payroll_1231.xlsx"


@pytest.mark.parametrize("kind", ["xlsx", "xls", "xml"])
def test_a_hidden_sheet_is_not_loaded_and_the_bulletin_names_it(tmp_path, kind):
    """Before, a hidden sheet with the data's header was loaded as data: here three pay lines of 2025-10 at double
    the amounts that nobody looking at the workbook sees. What Excel shows is what is loaded; the hidden sheet is
    named in the bulletin with its rows."""
    from pipelines.quality.load_facts import load_findings

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    folder = tmp_path / "hidden"
    folder.mkdir()
    name = _workbook_with_a_hidden_sheet(folder, legacy=kind == "xls", xml=kind == "xml")
    con = fresh_warehouse()
    result = load_file(con, folder / name, NIGHT, Settings(), inbox=folder)
    stored = con.execute(f"select {STORED} from raw_payroll order by id_card_number_hash").fetchall()
    found = [f for f in load_findings(con, NIGHT, Settings()) if f["check_id"] == "hidden_sheet_not_loaded"]
    con.close()
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 3, 3)
    assert stored == canonical
    assert [f["detail_zh"] for f in found] == [f"{name}：隐藏工作表「10月（旧）」（3行）未加载"]


def test_a_workbook_whose_data_is_only_in_a_hidden_sheet_is_refused_with_why(tmp_path):
    result, stored, _ = _load(
        tmp_path, "only_hidden", lambda folder: _workbook_with_a_hidden_sheet(folder, visible_data=False)
    )
    assert (result.status, stored) == ("failed", [])
    assert (
        result.reason
        == "数据只在隐藏工作表「10月（旧）」（3行）中，未加载：如为有效数据，请取消隐藏后重新报送"
    )


def _formula_workbook(folder, *, stored_zero: bool) -> None:
    """A pay sheet a program wrote: 实发金额 as a formula on each row (=E2, the 应发金额 beside it), its value left
    to Excel — 0 and fullCalcOnLoad (xlsxwriter), or none at all (openpyxl, Apache POI)."""
    path = folder / "payroll_1231.xlsx"
    if stored_zero:
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet("工资表")
        sheet.write_row(0, 0, HEADER)
        for row, line in enumerate(PAY_LINES, start=1):
            cells = line.split(",")
            sheet.write_row(row, 0, cells[:5])
            sheet.write_formula(row, 5, f"=E{row + 1}")
            sheet.write_row(row, 6, cells[6:])
        book.close()
        return
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row, line in enumerate(PAY_LINES, start=2):
        cells = line.split(",")
        sheet.append([*cells[:5], f"=E{row}", *cells[6:]])
    book.save(path)


@pytest.mark.parametrize("stored_zero", [True, False], ids=["zero_stored", "no_value"])
def test_a_formula_whose_value_the_file_does_not_hold_is_not_read_as_a_value(tmp_path, stored_zero):
    """Before, 实发金额 =E2 written by a program was read as the file holds it: 0 (three pay lines loaded as paid
    nothing, R05's evidence) or empty (quarantined as missing). Now each such cell is its formula's text: the pay
    line is quarantined under its own line with the formula as the value — never loaded with a value nobody saw."""
    result, stored, quarantined = _load(
        tmp_path, "formula", lambda folder: _formula_workbook(folder, stored_zero=stored_zero)
    )
    assert (result.status, result.rows_loaded, stored) == ("loaded", 0, [])
    assert quarantined == [
        (2, "actual_amount", "bad_number"),
        (3, "actual_amount", "bad_number"),
        (4, "actual_amount", "bad_number"),
    ]
    con = fresh_warehouse()
    load_file(
        con,
        tmp_path / "formula" / "payroll_1231.xlsx",
        date(2026, 1, 31),
        Settings(),
        inbox=tmp_path / "formula",
    )
    shown = con.execute("select value_masked from quarantine order by line").fetchall()
    con.close()
    assert shown == [("=E2",), ("=E3",), ("=E4",)]


def test_formulas_excel_computed_are_read_as_their_values(tmp_path):
    """A workbook Excel saved holds each formula's value (no fullCalcOnLoad): read as it always was."""
    import zipfile

    _formula_workbook(tmp_path, stored_zero=True)
    book = tmp_path / "payroll_1231.xlsx"
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    for row, (_, _, total, *_rest) in enumerate(ROWS, start=2):  # Excel's values: the 应发金额 beside each
        parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
            f"<f>E{row}</f><v>0</v>".encode(), f"<f>E{row}</f><v>{total}</v>".encode()
        )
    with zipfile.ZipFile(book, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    con = fresh_warehouse()
    result = load_file(con, book, NIGHT, Settings(), inbox=tmp_path)
    paid = con.execute("select actual_amount from raw_payroll order by actual_amount").fetchall()
    con.close()
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert paid == sorted((total,) for _, _, total, *_ in ROWS)


def test_a_first_record_is_never_taken_for_a_second_header_row(tmp_path):
    """A sheet with a column past its header (a note) whose first record is a pay line: a record, not names."""

    def write(folder) -> None:
        _payroll_csv(folder, [*HEADER, "备注", ""], [f"{line},,已核" for line in PAY_LINES])

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, _ = _load(tmp_path, "note", write)
    assert (result.rows_loaded, stored) == (3, canonical)


def test_a_synonym_that_would_name_two_columns_is_refused():
    from pipelines.contracts import Column, _unambiguous_headers

    paid = Column("actual_amount", "actualAmount", "实发金额", "decimal", synonyms=("实发工资",))
    due = Column("total_pay_amount", "totalPayAmount", "应发金额", "decimal", synonyms=("实发工资",))
    _unambiguous_headers("payroll", [paid])  # one column: fine
    with pytest.raises(ValueError, match="实发工资"):
        _unambiguous_headers("payroll", [paid, due])


def test_an_archive_unpacked_into_its_own_folder_is_that_nights_delivery(tmp_path):
    """A zip unpacked into the extract folder leaves its files one folder down; a workbook open on a shared drive
    leaves an office lock file beside it. The first is delivered (before: skipped without a word), the second is
    not a delivery (before: refused as a file of no entity, a finding every night)."""
    night = tmp_path / "inbox" / "2025-12-31"
    (night / "住建局导出").mkdir(parents=True)
    _canonical_csv(night / "住建局导出")
    (night / "~$payroll_1231.xlsx").write_bytes(b"\x00" * 165)
    (night / ".hidden").mkdir()
    _canonical_csv(night / ".hidden")
    loaded = load_fresh(tmp_path / "inbox")
    files = loaded.con.execute("select path, status, rows_loaded from load_file").fetchall()
    loaded.con.close()
    assert files == [("2025-12-31/住建局导出/payroll_1231.csv", "loaded", 3)]


def test_a_title_above_the_header_is_not_the_header(tmp_path):
    """A workbook made by hand: a merged title on row 1, the header on row 2, a blank row, the records; a bad row
    keeps its line of the sheet."""

    def write(folder) -> None:
        book = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
        sheet = book.add_worksheet()
        sheet.merge_range(0, 0, 0, len(HEADER) - 1, "泉州市某项目2025年11月农民工工资发放表")
        sheet.write_row(1, 0, ZH_HEADER[:-1])
        for row, (idn, days, total, actual, back, paid) in enumerate(
            ROWS, start=3
        ):  # row 3 of the sheet blank
            sheet.write_row(row, 0, ["P1", "2025-11", idn, days, total, actual, back, paid.isoformat()])
        sheet.write_row(7, 0, ["P1", "2025-11", BAD_ID, 10, 100, 100, 0, "2025-12-16"])  # line 8
        book.close()

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "titled", write)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 1)
    assert stored == canonical
    assert quarantined == [(8, "id_card_number", "id_check_digit")]


def test_folders_and_files_outside_the_extract_dates_are_named_not_fatal(tmp_path, caplog):
    """A folder named for no real day (2025-02-30) stopped the night with a ValueError before; now it is left out
    like any folder that is not an extract date, and each is named in the log, as is a file left in the inbox
    itself."""
    from pipelines.night_steps import extract_dates

    inbox = tmp_path / "inbox"
    for name in ("2025-12-31", "2025-02-30", "说明"):
        (inbox / name).mkdir(parents=True)
        _canonical_csv(inbox / name)
    (inbox / "payroll_1230.csv").write_text("project_code\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="wagewatch.ingest"):
        loaded = load_fresh(inbox)
    files = loaded.con.execute("select path, status from load_file").fetchall()
    loaded.con.close()
    assert files == [("2025-12-31/payroll_1231.csv", "loaded")]
    assert extract_dates(inbox) == [date(2025, 12, 31)]
    ignored = {r.getMessage().split(":")[0] for r in caplog.records}
    assert ignored == {
        "ignoring folder 2025-02-30",
        "ignoring folder 说明",
        "ignoring file outside any extract-date folder payroll_1230.csv",
    }


def test_a_column_the_standard_does_not_know_is_named_in_the_bulletin(tmp_path):
    """The amounts under 应发金额（百万元）: a unit no column is written in, so not total_pay_amount; the file loads (the column is optional)
    with total_pay_amount empty, and the night's findings name the file and the header instead of saying nothing."""
    from pipelines.quality.load_facts import load_findings
    from pipelines.quality.titles_zh import CHECK_TITLES

    def write(folder) -> None:
        header = ",".join(HEADER).replace("total_pay_amount", "应发金额（百万元）")
        lines = [header] + [f"P1,2025-11,{r[0]},{r[1]},{r[2] / 1000},{r[3]},{r[4]},{r[5]}" for r in ROWS]
        (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    folder = tmp_path / "thousands"
    folder.mkdir()
    write(folder)
    con = fresh_warehouse()
    result = load_file(con, folder / "payroll_1231.csv", NIGHT, Settings(), inbox=folder)
    assert (result.status, result.rows_loaded, result.unknown_headers) == ("loaded", 3, "应发金额（百万元）")
    assert con.execute("select count(total_pay_amount) from raw_payroll").fetchone() == (0,)
    found = [f for f in load_findings(con, NIGHT, Settings()) if f["check_id"] == "file_unknown_columns"]
    con.close()
    assert [(f["entity"], f["detail_zh"]) for f in found] == [
        ("payroll", "payroll_1231.csv：应发金额（百万元）")
    ]
    assert "数据标准以外的列" in CHECK_TITLES["file_unknown_columns"]


def test_every_data_sheet_of_a_workbook_is_read_and_an_instructions_sheet_is_not(tmp_path):
    """An export split over sheets (a sheet holds at most 1,048,576 rows) behind a 填表说明 sheet: every data sheet
    loads, and a quarantined row says which sheet its line is on. Before, only the first sheet was read: here the
    instructions, and the file was refused."""

    def write(folder) -> None:
        book = xlsxwriter.Workbook(folder / "payroll_1231.xlsx")
        book.add_worksheet("填表说明").write(0, 0, "请按数据标准填写，日期格式 yyyy-MM-dd")
        for name, part in (("第1页", ROWS[:2]), ("第2页", ROWS[2:])):
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, HEADER)
            for row, (idn, days, total, actual, back, paid) in enumerate(part, start=1):
                sheet.write_row(row, 0, ["P1", "2025-11", idn, days, total, actual, back, paid.isoformat()])
        sheet.write_row(3, 0, ["P1", "2025-11", BAD_ID, 10, 100, 100, 0, "2025-12-16"])  # line 4 of 第2页
        book.close()

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    folder = tmp_path / "sheets"
    folder.mkdir()
    write(folder)
    con = fresh_warehouse()
    result = load_file(con, folder / "payroll_1231.xlsx", NIGHT, Settings(), inbox=folder)
    stored = con.execute(f"select {STORED} from raw_payroll order by id_card_number_hash").fetchall()
    quarantined = con.execute("select line, column_name, reason from quarantine").fetchall()
    con.close()
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        4,
        3,
        1,
    )
    assert stored == canonical
    assert quarantined == [
        (4, "id_card_number", "证件号码校验位错误（id_card_number）：第4行（工作表「第2页」）")
    ]


def test_a_workbook_without_any_cell_is_refused_as_empty(tmp_path):
    book = xlsxwriter.Workbook(tmp_path / "payroll_1231.xlsx")
    book.add_worksheet("Sheet1")
    book.close()
    con = fresh_warehouse()
    result = load_file(con, tmp_path / "payroll_1231.xlsx", NIGHT, Settings(), inbox=tmp_path)
    con.close()
    assert (result.status, result.reason) == ("failed", "工作簿为空：没有任何工作表含有数据")


def test_a_csv_with_its_sheets_title_above_the_header(tmp_path):
    """A titled sheet saved as CSV by hand: the title and a date on lines of their own above the header (no comma:
    before, every record then failed to split against a one-field header and the file was all quarantine)."""

    def write(folder) -> None:
        lines = ["泉州市某项目2025年11月农民工工资发放表", "制表日期：2025-12-20", ",".join(HEADER)]
        lines += [f"P1,2025-11,{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5].isoformat()}" for r in ROWS]
        lines.append(f"P1,2025-11,{BAD_ID},10,100,100,0,2025-12-16")  # line 7
        (folder / "payroll_1231.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "titled_csv", write)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 1)
    assert stored == canonical
    assert quarantined == [(7, "id_card_number", "id_check_digit")]


def test_a_legacy_xls_workbook_loads_as_the_platform_export(tmp_path):
    """An Excel 97–2003 workbook (.xls, tests/ingest/data/make_payroll_xls.py made it): typed date cells, a blank
    row, a bad row on line 6. Before, refused as 不支持的文件格式 .xls."""
    import shutil
    from pathlib import Path

    def write(folder) -> None:
        shutil.copy(Path(__file__).parent / "data" / "payroll_1231.xls", folder / "payroll_1231.xls")

    _, canonical, _ = _load(tmp_path, "canonical", _canonical_csv)
    result, stored, quarantined = _load(tmp_path, "xls", write)
    assert (result.status, result.format, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        "xls",
        3,
        1,
    )
    assert stored == canonical
    assert quarantined == [(6, "id_card_number", "id_check_digit")]


def test_a_file_without_a_header_row_names_none_of_its_first_record(tmp_path):
    """A CSV exported without its header row: the refusal must not name the first record's values as headers (an ID
    number, a name and a card would reach the ledger, the log and the bulletin in clear)."""

    def write(folder) -> None:
        rows = [ROWS[1], ROWS[0], ROWS[2]]  # the first record's values all differ (no repeated "header")
        lines = [f"P1,2025-11,{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5].isoformat()}" for r in rows]
        (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result, stored, _ = _load(tmp_path, "headerless", write)
    assert result.status == "failed"
    assert stored == []
    assert ROWS[1][0] not in result.reason
    assert result.reason.endswith("；未识别的表头 （首行含证件号码、手机号或银行卡号，疑似缺少表头；未列出）")


def test_a_repeated_value_on_a_headerless_first_line_is_not_named(tmp_path):
    """Without its header row, a record whose card is written in two columns looks like a repeated header: the
    refusal says a header repeats without naming the card; a repeated header the contract knows is still named."""

    def write(folder) -> None:
        card = "6222020012345678"
        rows = [ROWS[1], ROWS[0], ROWS[2]]  # the first record repeats only its card
        lines = [
            f"P1,2025-11,{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5].isoformat()},{card},{card}" for r in rows
        ]
        (folder / "payroll_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result, stored, _ = _load(tmp_path, "repeated", write)
    assert (result.status, stored) == ("failed", [])
    assert "6222020012345678" not in result.reason
    assert result.reason.startswith("表头重复：有未识别的表头出现两次")

    def twice(folder) -> None:
        header = ",".join([*HEADER, "project_code"])
        body = [f"P1,2025-11,{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5].isoformat()},P1" for r in ROWS]
        (folder / "payroll_1231.csv").write_text("\n".join([header, *body]) + "\n", encoding="utf-8")

    result, _, _ = _load(tmp_path, "twice", twice)
    assert (result.status, result.reason) == ("failed", "表头重复：project_code")


def _roster_csv(folder, cards: list[str], phones: list[str]) -> None:
    lines = ["project_code,id_card_number,worker_name,work_role,pay_roll_bank_card_number,cell_phone"]
    for n, (card, phone) in enumerate(zip(cards, phones, strict=True), start=1):
        lines.append(f"P1,{an_id(n)},工人{n},20,{card},{phone}")
    (folder / "project_worker_1231.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_card_or_phone_written_in_groups_is_the_same_number(tmp_path):
    """A bank export writes a card in groups of four (6222 0200 1234 5678), a person a phone as 138-1234-5678 or
    +86 138…: the same number as the platform's digits, so one card shared by two workers is found however each
    file wrote it (chk_shared_wage_card); a "-" or 无 written for no card is no card (not one card shared by all)."""
    cards = ["6222 0200 1234 5678", "6222020012345678", "6222-0200-9999-0000", "-", "无"]
    phones = ["138-1234-5678", "+86 138 1234 5678", "13900001111", "0086 13900001112", "13900001113"]
    _roster_csv(tmp_path, cards, phones)
    con = fresh_warehouse()
    result = load_file(con, tmp_path / "project_worker_1231.csv", NIGHT, Settings(), inbox=tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (5, 0)
    stored = con.execute(
        "select id_card_number_hash, pay_roll_bank_card_number_hash, pay_roll_bank_card_number_masked, "
        "cell_phone_hash, cell_phone_masked from raw_project_worker"
    ).fetchall()
    by_id = {person: rest for person, *rest in stored}
    key = Settings().pii_key
    first, second, third, fourth, fifth = (by_id[pii_hash(an_id(n), key, "id")] for n in range(1, 6))
    assert first[0] == second[0] == pii_hash("6222020012345678", key, "card")
    assert first[1] == second[1] == "************5678"
    assert third[1] == "************0000"
    assert fourth[:2] == fifth[:2] == [None, None]
    assert first[2] == second[2] == pii_hash("13812345678", key, "phone")
    assert first[3] == second[3] == "138****5678"
    assert fourth[3] == "139****1112"
    build_layer(con, Settings(), NIGHT, LAYERS)
    shared = [f for f in cross_source_findings(con) if f["check_id"] in ("shared_wage_card", "shared_phone")]
    con.close()
    assert sorted((f["check_id"], f["project_code"], f["n_rows"]) for f in shared) == [
        ("shared_phone", "P1", 2),
        ("shared_wage_card", "P1", 2),
    ]
