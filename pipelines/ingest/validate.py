"""Normalise and type a file's rows against its contract; every problem becomes a quarantine record.

The load runs these rules as DuckDB SQL (ingest/fused.py, one statement per file): that is their one definition in
the product. An independent polars implementation of the same rules lives with the tests
(tests/ingest/reference_checks.py) as the oracle tests/ingest/test_fused_sql.py holds the SQL equal to.

Normalisation, written down (sources.md "codes may arrive …"):
- every value: Unicode NFKC (full-width digits and letters → ASCII, e.g. "２０" → "20"), surrounding spaces removed,
  empty → null; and a word a form fills an empty cell with (NONE_WORDS: 无, 暂无, 待定, -, /, N/A …) → null, as empty:
  a project whose 计划竣工日期 says 待定 or whose 合同金额 says - is kept with those fields empty, not quarantined whole;
- codes: a code's Chinese label from the contract's code table, as management systems export it (在建 → 003,
  已动用 → 02); else vendor aliases from the contract (attendance direction E/IN/I/进 → 01, L/OUT/O/0/出 → 02;
  account direction IN/CR → 01, OUT/DR → 02), then digits zero-padded to the code width ("3" → "003");
- booleans: 1/0, true/false, t/f, y/n, yes/no, 是/否;
- dates: yyyy-MM-dd, yyyy/MM/dd, yyyyMMdd (a time part is ignored); times: yyyy-MM-dd HH:mm:ss, with "/" or "T";
  months: yyyy-MM or yyyyMM;
- and the spellings Chinese office software and vendor exports write (DATE_SPELLINGS below): month and day with or
  without their leading zero, "-", "/", "." or 年月日 between the parts (2025/6/3, 2025.06.03, 2025年6月3日,
  2025年6月3日 8:05); a time with or without its seconds, a fraction of a second dropped (2025/6/3 8:05,
  2025-06-03 08:05:07.000); a month with any of those separators or a whole date (2025/6, 2025年6月,
  2025-06-01 00:00:00 — what an Excel month cell reads as);
- a time with its zone (ISO 8601, 2025-06-02T23:30:00Z) or as seconds or milliseconds since 1970 (an API's
  habit): the time in China it names (ZONED, EPOCH_* below);
- a date, time or month as an Excel serial number, what a spreadsheet saves when the cell lost its date format (45627
  = 2024-12-01, 45627.3541666667 = 2024-12-01 08:30:00): EXCEL_SERIAL, days since EXCEL_EPOCH, a time to the nearest
  second; five digits only (1927–2173), so a yyyymmdd is never read so;
- numbers with thousands separators (8,963.58); an amount as a spreadsheet displays a currency cell (¥8,963.58, saved
  so into a CSV) or with its unit (8963.58元): MONEY_MARKS;
- a value in another unit its kind of column is written in (UNIT_SHIFTS): an amount in 万元 or 千元 (1195.57万元 is
  11,955,700 元) in a money column, a share as a percentage or per mille (20% and 200‰ are 0.2) in a ratio column; and
  a header giving that unit (合同金额（万元）, 人工费用比例（%）) gives it to every value under it
  (load._header_renames). Read exactly: the digits are shifted as text, then read, so 1195.57万元 reads as the same
  number as 11955700. Any other unit (百万元, 亿元) leaves the header unknown and the value unread.
"""

from __future__ import annotations

from datetime import date

MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2080, 12, 31)

REASONS_ZH = {
    "broken_line": "行格式错误（字段数与表头不符或无法解析）",
    "missing_required": "必填字段为空",
    "bad_date": "日期格式无法识别",
    "bad_number": "数值格式无法识别",
    "bad_bool": "是/否字段取值无法识别",
    "out_of_range": "取值超出合理范围",
    "unknown_code": "代码不在标准代码表中",
    "id_check_digit": "证件号码校验位错误",
    "uscc_check_digit": "统一社会信用代码校验位错误",
    "too_long": "字段长度超过标准",
    "bad_area": "行政区划代码应为6位数字",
}

# a form's ticks too: √ (also ✓ ✔) for yes, × (also ✗ ✘) for no; never an ASCII x, which some sheets tick with
TRUE_WORDS = ["1", "true", "t", "y", "yes", "是", "√", "✓", "✔"]
FALSE_WORDS = ["0", "false", "f", "n", "no", "否", "×", "✗", "✘"]
# what forms and spreadsheets write in a cell for "nothing here", after NFKC and trimming (full-width －／ are - /):
# read as an empty cell in every column (a key part so written is missing, as an empty one)
NONE_WORDS = ["-", "--", "---", "—", "——", "/", "//", "\\", "无", "暂无", "待定", "不详", "未知", "空"]
NONE_WORDS += ["null", "NULL", "Null", "none", "None", "NONE", "N/A", "n/a", "NA", "#N/A", "nan", "NaN"]

# The other spellings of a date, a time and a month (the docstring's last item), each a regular expression and the
# canonical text it is rewritten to before it is read with the format beside it. They are tried only on a value
# the canonical formats did not read. Plain [0-9], not \d: RE2 (DuckDB) and Rust's regex (polars) agree on it.
# Replacements use $1-style groups; fused.py turns them into RE2's \1.
_Y, _M, _D = r"([0-9]{4})\s*[-/.年]\s*", r"([0-9]{1,2})\s*[-/.月]\s*", r"([0-9]{1,2})\s*日?"
_HM = r"\s*[ T]?\s*([0-9]{1,2})\s*[:时]\s*([0-9]{1,2})"
DATE_SPELLINGS = [(rf"^{_Y}{_M}{_D}(?:[ T].*)?$", "$1-$2-$3", "%Y-%m-%d")]
DATETIME_SPELLINGS = [
    (
        rf"^{_Y}{_M}{_D}{_HM}\s*[:分]\s*([0-9]{{1,2}})\s*秒?(?:\.[0-9]+)?$",
        "$1-$2-$3 $4:$5:$6",
        "%Y-%m-%d %H:%M:%S",
    ),
    (rf"^{_Y}{_M}{_D}{_HM}\s*分?$", "$1-$2-$3 $4:$5:00", "%Y-%m-%d %H:%M:%S"),
]
_DAY = r"(?:\s*[-/.]\s*[0-9]{1,2}\s*日?|\s*[0-9]{1,2}\s*日)?"
# a date (and time) as a spreadsheet's serial number: days since Excel's epoch (1900-based, past its 1900-02-29)
EXCEL_SERIAL = r"^[0-9]{5}(?:\.[0-9]+)?$"
EXCEL_EPOCH = date(1899, 12, 30)
MONTH_SPELLINGS = [(rf"^{_Y}([0-9]{{1,2}})\s*月?{_DAY}(?:[ T].*)?$", "$1-$2-01", "%Y-%m-%d")]

# A time an API or a typed file wrote with its zone (2025-06-02T23:30:00.000Z, 2025-06-03T07:30:00+08:00, or a
# Parquet timestamp with a zone, 2025-06-02 23:30:00+00) or as a count since 1970-01-01 UTC (1748907000000 in
# milliseconds, 1748907000 in seconds: a Java backend's default for a date) names an instant; it is read as the time
# in China (CHINA_UTC_OFFSET_HOURS: UTC+8, no daylight saving since 1991), the time every other value is written in.
# Read so, a punch at 07:30 on 06-03 stays on 06-03 and a 发放日期 sent as 2025-07-30T16:00:00Z is 07-31 — the date
# read off the text was the day before. The counts: 1 and 9 or 12 digits (2001-09-09 … 2033-05-18) only.
ZONED = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?)(?:[.][0-9]+)?"  # the time as written
    r"\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"  # its zone
)
EPOCH_MILLISECONDS = r"^1[0-9]{12}$"
EPOCH_SECONDS = r"^1[0-9]{9}$"
CHINA_UTC_OFFSET_HOURS = 8

# what a spreadsheet puts around an amount in 元: the currency sign of a currency format (¥, also ￥ before NFKC; RMB,
# CNY) and the unit after it (元, and 元整 as a finance office writes it); removed only where the number does not read
# as written (fused.parse_sql, the polars reference)
MONEY_MARKS = r"^(?:[¥￥]|RMB|CNY) *| *元整?$"

# the other unit a kind of column (contracts.Column.unit) is written in: (the unit as written after a value or in a
# header's brackets, places the decimal point moves to the right to read it in the column's own unit)
UNIT_SHIFTS: dict[str, tuple[tuple[str, int], ...]] = {
    "元": (("万元", 4), ("千元", 3)),  # 合同金额（万元）, and a finance office's 千元
    "ratio": (("%", -2), ("‰", -3)),
}
