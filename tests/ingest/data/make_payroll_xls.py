"""How tests/ingest/data/payroll_1231.xls was made: a legacy Excel 97–2003 workbook (BIFF8), written by xlwt, which
is not a wagewatch dependency (wagewatch reads .xls through calamine, as polars' read_excel does). Run with any
Python that has xlwt (`pip install xlwt`): `python tests/ingest/data/make_payroll_xls.py`. The rows are those of
tests/ingest/test_office_exports.py (ROWS, BAD_ID on line 6 after a blank row 5); 发放日期 cells are typed dates."""

from __future__ import annotations

import datetime
from pathlib import Path

import xlwt

WEIGHTS, CHECK = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"


def an_id(n: int) -> str:
    body = f"35050319900101{n:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def main() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工资发放")
    header = ["项目编码", "工资月份", "证件号码", "出勤天数", "应发金额", "实发金额", "是否补发", "发放日期"]
    for c, h in enumerate(header):
        sheet.write(0, c, h)
    day = xlwt.easyxf(num_format_str="yyyy/m/d")
    rows = [
        (an_id(1), 22, 8963.58, 8963.58, 0, datetime.datetime(2025, 12, 16)),
        (an_id(2), 15, 4467.4, 4000.0, 0, datetime.datetime(2025, 12, 16)),
        (an_id(3), 20, 6000.0, 6000.0, 1, datetime.datetime(2025, 12, 20)),
    ]
    for r, (idn, days, total, actual, back, paid) in enumerate(rows, start=1):
        for c, v in enumerate(["P1", "2025-11", idn, days, total, actual, back]):
            sheet.write(r, c, v)
        sheet.write(r, 7, paid, day)
    bad = an_id(4)[:-1] + ("0" if an_id(4)[-1] != "0" else "1")
    for c, v in enumerate(["P1", "2025-11", bad, 10, 100, 100, 0, "2025/12/16"]):
        sheet.write(5, c, v)  # line 6, after the blank row 5
    book.save(str(Path(__file__).with_name("payroll_1231.xls")))


if __name__ == "__main__":
    main()
