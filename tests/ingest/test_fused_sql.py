"""The fused load's SQL (ingest/fused.py) says what the one-value and polars definitions say.

tests/ingest/reference_checks.check_rows (polars) is the reference for typing and checking; identifiers.pii_hash and mask for personal
data. Every contract is fed values chosen to hit each branch (spaces, full-width text, aliases, bad dates, bounds,
check digits, non-ASCII personal values) and both forms must give the same reasons, the same typed values, and the
same hashes and masks.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date

import duckdb
import polars as pl
import pytest

from pipelines.contracts import all_contracts
from pipelines.identifiers import id_check_char, mask, pii_hash, uscc_check_char
from pipelines.ingest import fused
from pipelines.warehouse import frame
from tests.ingest.reference_checks import check_rows

EXTRACT = date(2025, 6, 30)
KEY = b"wagewatch-test-key"


def _ids() -> list[str]:
    rnd = random.Random(3)
    out = []
    for _ in range(6):
        body = "".join(rnd.choice("0123456789") for _ in range(17))
        out += [body + id_check_char(body), body + "0" if id_check_char(body) != "0" else body + "1"]
    return [
        *out,
        "11010519491231002x",
        " 11010519491231002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "A123",
        "护照E1234567",
    ]


def _usccs() -> list[str]:
    rnd = random.Random(5)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = []
    for _ in range(4):
        body = "".join(rnd.choice(alphabet) for _ in range(17))
        out += [body + uscc_check_char(body), (body + uscc_check_char(body)).lower(), body + "I"]
    return out


POOLS = {
    "str": [
        None,
        "",
        "  ",
        "abc",
        " abc ",
        "ＡＢＣ",
        "x" * 40,
        "\u3000项目\u3000",
        "a\tb",
        "P-001",
        "-",
        "暂无",
    ],
    "code": [
        "1",
        "01",
        "001",
        "E",
        "in",
        "进",
        "出场",
        "0",
        " 2 ",
        "２",
        "abc",
        "99",
        "1000",
        "x",
        "l",
        "Dr",
        "在建",
        "已动用",
        "入场",
        "居民身份证",
        "施工中",
        "不详",
        "NA",
    ],
    "bool": [
        "1",
        "0",
        "true",
        "FALSE",
        "是",
        "否",
        "Y",
        "maybe",
        "",
        "t",
        "No",
        "无",
        "/",
        "√",
        "×",
        "✔",
        "x",
    ],
    "number": [
        "1",
        "1,234.5",
        "-5",
        "1e3",
        "abc",
        "",
        "3.7",
        "-0.5",
        " 12 ",
        "１２",
        "+7",
        "0",
        "999999",
        "2.5E2",
        "¥8,963.58",  # a currency cell saved into a CSV (an int column does not take it)
        "￥ 12",
        "8963.58元",
        "8963.58元整",  # as a finance office writes an amount
        "RMB 8,963.58",
        "CNY12",
        "12元整整",
        "12万元",  # 120000 in a money column, unread in any other (never 12)
        "1195.57 万元",
        "¥0.0001万元",
        "-3.5万元",
        "1.2.3万元",
        "万元",
        "12百万元",  # a unit no column is written in: unread
        "无",
        "－",
        " / ",
        "N/A",
        "——",
        "无效",  # not a word for none: a bad number
        "nan",  # a word for none
        "-NAN",  # reads as NaN: no value either
        "inf",  # no amount: bad_number (it was stored as infinity)
        "-Infinity",
        "20%",  # 0.2 in a ratio column, unread in any other
        "12.5 %",
        "33.33%",
        "%",
        "元",
        "¥",
    ],
    "date": [
        "2025-06-30",
        "2025/6/30",
        "20250630",
        "2025-06-30 08:00:00",
        "2025-6-3",
        "1989-12-31",
        "2081-01-01",
        "bad",
        "2025-02-30",
        "２０２５-０６-３０",
        "2025-06-30T08:00",
        "1990-01-01",
        "2025年6月30日",
        "2025 年 06 月 30 日",
        "2025.6.30",
        "2025/6/3 0:00",
        "2025年6月31日",
        "2025年6月",
        "6/30/2025",
        "2025-06-30x",
        "待定",
        "\u3000无\u3000",
        "-",
        "45627",  # an Excel serial number: 2024-12-01
        "45838.0",
        "45627.9999",
        "32873",  # 1989-12-31: out of range
        "1234",
        "123456",
        # an API's instants, read in China's time (UTC+8): the date a UTC time starts with is the day before
        "2025-06-29T16:00:00.000Z",
        "2025-06-30T00:00:00+08:00",
        "2025-06-29 18:00:00+00",
        "2025-06-30T07:30+0800",
        "2025-06-29T11:00:00-05:00",
        "2025-06-29T16:00:00Y",
        "1751212800000",  # 2025-06-30 00:00 in China, in milliseconds
        "1751212800",
        "175121280000",
        "2751212800000",
    ],
    "datetime": [
        "2025-06-30 08:00:00",
        "2025/06/30 08:00:00",
        "2025-06-30T08:00:00",
        "2025-06-30 08:00",
        "2025-07-01 23:59:59",
        "2025-07-02 00:00:00",
        "2025-06-30",
        "x",
        "1989-12-31 23:59:59",
        "2025/6/30 8:05",
        "2025/6/30 8:05:07",
        "2025-06-30 08:05:07.123",
        "2025年6月30日 8时5分",
        "2025年6月30日 08:05:07",
        "2025年6月30日8时5分7秒",
        "2025.06.30 24:00:00",
        "2025/6/30 8:61",
        "2025/6/30",
        "45838.3541666667",  # 2025-06-30 08:30:00
        "45838.999999",  # rounds to the next midnight
        "45838",
        "45838.5.1",
        "2025-06-29T23:30:00.000Z",  # 2025-06-30 07:30 in China
        "2025-06-30T07:30:00+08:00",
        "2025-06-30T07:30:00.5+08",
        "2025-06-29 23:30:00+00",
        "2025-06-30T07:30+0800",
        "2025-06-29T23:30:00+0",
        "2025-06-30T24:30:00Z",
        "1751239800000",  # 2025-06-30 07:30 in China, in milliseconds
        "1751239800",
        "1751239800123",
        "17512398001",
    ],
    "month": [
        "2025-06",
        "202506",
        "2025-06-01",
        "2025/06",
        "x",
        "1989-12",
        "2025-13",
        "2025/6",
        "2025年6月",
        "2025.06",
        "2025-06-01 00:00:00",
        "2025/6/30",
        "2025年6月30日",
        "2025年13月",
        "6/2025",
        "45809",  # an Excel month cell saved as its serial number: 2025-06-01
        "45901",  # 2025-09-01, not year 4590 month 10 (read so as yyyyMM + 01 before)
        "2025-05-31T16:00:00.000Z",  # 2025-06-01 00:00 in China: the month is June
        "1748707200000",
    ],
    "area": ["350503", "35050", "３５０５０３", "35050a", "3505031", " 350503 "],
}


def _pool(col) -> list[str | None]:
    if col.check == "id_card":
        return _ids()
    if col.check == "uscc":
        return _usccs()
    if col.pii == "name":
        return ["张三", "ß", "Ab", "  李四 ", "Ｊｏｈｎ", "x", "阿卜杜·热合曼", "Zoë", "王ǅ", "ﬁ李", "无"]
    if col.pii == "phone":
        return ["13812345678", "+86 138 1234 5678", "１３８１２３４５６７８", "123"]
    if col.pii == "card":
        return ["6222020012345678", "6222 0200 1234 5678", "12"]
    return POOLS["number" if col.type in ("decimal", "int") else col.type]


def _good(col) -> str:
    """A value that passes every check of the column."""
    if col.type == "code":
        return next(iter(col.codes)) if col.codes else "1"
    if col.type in ("decimal", "int"):
        low = col.min if col.min is not None else (col.min_exclusive or 0) + 1
        return str(int(low) + 1 if col.max is None or col.max > low + 1 else low)
    return {"bool": "1", "date": "2025-06-30", "datetime": "2025-06-30 08:00:00", "month": "2025-06"}.get(
        col.type, _pool(col)[0] if col.pii or col.check else "350503" if col.type == "area" else "abc"
    )


def _frame(contract) -> pl.DataFrame:
    """For each column and each value of its pool, a row with that value and every other column good."""
    good = {c.name: _good(c) for c in contract.columns}
    rows = [dict(good)]
    for c in contract.columns:
        rows += [{**good, c.name: v} for v in _pool(c)]
    df = pl.DataFrame(rows, schema=dict.fromkeys(good, pl.Utf8))
    return df.with_row_index("_row").with_columns(
        pl.int_range(2, len(rows) + 2, dtype=pl.Int32).alias("_line"),
        pl.lit(None, pl.Utf8).alias("_item"),
        pl.lit(None, pl.Utf8).alias("_extra"),
    )


@pytest.mark.parametrize("inline_max", [fused.INLINE_LOOKUP_MAX, 0])
@pytest.mark.parametrize("entity", list(all_contracts()))
def test_fused_sql_types_and_judges_as_check_rows_does(entity, inline_max, monkeypatch):
    # a few-valued code column's lookup is written inline as CASE expressions; with 0 every lookup is a join
    monkeypatch.setattr(fused, "INLINE_LOOKUP_MAX", inline_max)
    contract = all_contracts()[entity]
    df = _frame(contract)
    reference = check_rows(df.drop("_extra", "_item"), contract, EXTRACT)
    con = duckdb.connect()
    con.register("src", df)
    judged = fused.judge(con, "select * from src", contract.column_names, contract, EXTRACT, KEY)
    sql_problems = fused.problems(con, judged)
    got = frame(con, f"select * from {fused.JUDGED} order by _row")

    def problem_set(p: pl.DataFrame) -> set:
        return set(p.select("_row", "column_name", "value", "reason_code").iter_rows())

    assert problem_set(sql_problems) == problem_set(reference.problems)
    assert got["_problem"].to_list() == reference.typed["_problem"].to_list()
    good = reference.typed.filter(~pl.col("_problem"))
    ok = got.filter(~pl.col("_problem"))
    assert good.height == ok.height
    assert good.height > 0
    for col in contract.columns:
        if col.pii:
            expected_hash = [pii_hash(v, KEY, col.pii) for v in good[col.name].to_list()]
            expected_mask = [mask(v, col.pii) for v in good[col.name].to_list()]
            assert ok[f"{col.name}_hash"].to_list() == expected_hash, col.name
            assert ok[f"{col.name}_masked"].to_list() == expected_mask, col.name
        else:
            assert ok[col.name].to_list() == good[col.name].to_list(), col.name


@pytest.mark.parametrize("secret", [b"k", KEY, "中文密钥".encode(), b"x" * 64, b"y" * 100])
def test_hmac_in_sql_is_byte_identical_to_pii_hash(secret):
    rnd = random.Random(9)
    values = [" 35050319900101123x ", "ab", "\x1c12\x1f", "6222 0200 1234 5678", "a'b", "", "-", " - "]
    values += ["+86 138 1234 5678", "0086-13812345678", "8613812345678", "+8612", "138\t1234\n5678"]
    values += ["无", "暂无", "N/A", "未办理 ", "x"]
    values += [
        "".join(rnd.choice("0123456789Xx -+\t") for _ in range(rnd.randint(1, 30))) for _ in range(500)
    ]
    values += [
        rnd.choice(["+86", "0086", "86", "+86 ", "86-"]) + "1" + "".join(rnd.choices("0123456789", k=10))
        for _ in range(100)
    ]
    con = duckdb.connect()
    con.register("v", pl.DataFrame({"v": values}))
    for kind in ("id", "name", "phone", "card"):
        got = [r[0] for r in con.execute(f"select {fused.hmac_sql('v', secret, kind)} from v").fetchall()]
        assert got == [pii_hash(v, secret, kind) for v in values], kind
        masks = [r[0] for r in con.execute(f"select {fused.mask_sql('v', kind)} from v").fetchall()]
        assert masks == [mask(v, kind) for v in values], kind
    # the reference for what is hashed, written out: a card's and a phone's separators (and +86) are not the number
    cards = [r[0] for r in con.execute(f"select {fused.hmac_sql('v', secret, 'card')} from v").fetchall()]
    plain = hmac.new(secret, b"6222020012345678", hashlib.sha256).hexdigest()[:32]
    assert cards[values.index("6222 0200 1234 5678")] == plain
    phones = [r[0] for r in con.execute(f"select {fused.hmac_sql('v', secret, 'phone')} from v").fetchall()]
    plain = hmac.new(secret, b"13812345678", hashlib.sha256).hexdigest()[:32]
    assert [phones[values.index(v)] for v in values[8:13] if v != "+8612"] == [plain] * 4
