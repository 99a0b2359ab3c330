"""Normalise and type a file's rows against its contract; every problem becomes a quarantine record.

The load runs these rules as DuckDB SQL (ingest/fused.py, one statement per file): that is their one definition in
the product. An independent polars implementation of the same rules lives with the tests
(tests/ingest/reference_checks.py) as the oracle tests/ingest/test_fused_sql.py holds the SQL equal to.

Normalisation, written down (sources.md "codes may arrive …"):
- every value: Unicode NFKC (full-width digits and letters → ASCII, e.g. "２０" → "20"), surrounding spaces removed,
  empty → null;
- codes: vendor aliases from the contract first (attendance direction E/IN/I/进 → 01, L/OUT/O/0/出 → 02;
  account direction IN/CR → 01, OUT/DR → 02), then digits zero-padded to the code width ("3" → "003");
- booleans: 1/0, true/false, t/f, y/n, yes/no, 是/否;
- dates: yyyy-MM-dd, yyyy/MM/dd, yyyyMMdd (a time part is ignored); times: yyyy-MM-dd HH:mm:ss, with "/" or "T";
  months: yyyy-MM or yyyyMM.
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

TRUE_WORDS = ["1", "true", "t", "y", "yes", "是"]
FALSE_WORDS = ["0", "false", "f", "n", "no", "否"]
