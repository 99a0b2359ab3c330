"""The column-expression forms of the load's checks agree with their one-value definitions.

Loading types and checks whole columns (polars expressions); the check digits, the keyed hash and the CSV splitting
each have a plain one-value (or one-record) definition. These tests hold the two together on values chosen to hit
every branch, so a faster form can never quietly mean something else. Values reach the checks after NFKC
(tests/ingest/reference_checks.normalise_text), so full-width digits are not among them.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from pathlib import Path

import polars as pl
import pytest

from pipelines.identifiers import (
    USCC_ALPHABET,
    id_check_char,
    is_valid_id_number,
    is_valid_uscc,
    pii_hash,
    uscc_check_char,
)
from pipelines.ingest.readers import _read_csv, _read_quoted_csv, decode
from tests.ingest.reference_checks import _valid_id_number, _valid_uscc


def _id_numbers() -> list[str | None]:
    rnd = random.Random(7)
    out: list[str | None] = [None, "", "X", "11010519491231002X", "11010519491231002x", "110105194912310021"]
    for _ in range(300):
        first17 = "".join(rnd.choice("0123456789") for _ in range(17))
        good = first17 + id_check_char(first17)
        wrong = first17 + rnd.choice([c for c in "0123456789X" if c != good[17]])
        out += [good, wrong, good[:17], good + "0", "A" + good[1:], good[:5] + "-" + good[6:]]
    return out


def _usccs() -> list[str | None]:
    rnd = random.Random(11)
    out: list[str | None] = [None, "", "91350100M000100Y43", "91350100m000100y43"]
    for _ in range(300):
        first17 = "".join(rnd.choice(USCC_ALPHABET) for _ in range(17))
        good = first17 + uscc_check_char(first17)
        wrong = first17 + rnd.choice([c for c in USCC_ALPHABET if c != good[17]])
        out += [good, good.lower(), wrong, good[:17], "I" + good[1:], "O" + good[1:], good + "1"]
    return out


def test_id_number_check_digit_expression_agrees_with_the_one_value_check():
    values = _id_numbers()
    got = pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).select(_valid_id_number(pl.col("v")))["v"]
    expected = [is_valid_id_number(v) for v in values]
    assert sum(expected) >= 300  # the valid ones are there, not only invalid ones
    assert [bool(g) if g is not None else False for g in got.to_list()] == expected


def test_uscc_check_digit_expression_agrees_with_the_one_value_check():
    values = _usccs()
    got = pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).select(_valid_uscc(pl.col("v")))["v"]
    expected = [is_valid_uscc(v) for v in values]
    assert sum(expected) >= 600  # upper and lower case of each valid code
    assert [bool(g) if g is not None else False for g in got.to_list()] == expected


@pytest.mark.parametrize(
    "secret", [b"k", b"wagewatch-demo-secret", "中文密钥".encode(), b"x" * 64, b"y" * 100]
)
def test_pii_hash_is_hmac_sha256_of_the_normalised_value(secret):
    def reference(text: str) -> str:
        return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    for value, kind in [
        ("350503199001011234", "id"),
        (" 35050319900101123x ", "id"),
        ("张三", "name"),
        ("ß", "name"),
    ]:
        assert pii_hash(value, secret, kind) == reference(value.strip().upper())
    # a number as people write it hashes as the number: a card in groups, a phone with dashes or +86
    for card in ["6222 0200 1234 5678", "6222-0200-1234-5678", "6222020012345678", " 6222\t0200 12345678 "]:
        assert pii_hash(card, secret, "card") == reference("6222020012345678")
    for phone in ["138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "0086-13812345678", "8613812345678"]:
        assert pii_hash(phone, secret, "phone") == reference("13812345678")
    assert pii_hash("861234", secret, "phone") == reference("861234")  # not a mobile number: kept as written
    assert pii_hash("张 三", secret, "name") == reference("张 三")  # a name keeps its inner space
    assert pii_hash("-", secret, "card") is None  # "-" for no card is no card
    for kind in ("id", "phone", "card"):  # words for none: no number
        assert pii_hash("无", secret, kind) is pii_hash("暂无", secret, kind) is None
    assert pii_hash("无", secret, "name") == reference("无")  # a name is whatever is written
    assert pii_hash("", secret, "id") is None
    assert pii_hash(None, secret, "id") is None


CSV_CASES = {
    "blank lines, ragged rows, trailing comma": "a,b\n\n1,2\n , \n3\n4,5,6\n,\n7,\n",
    "CR and CRLF line ends, no final break": "a,b\r1,2\r\n3,4",
    "header only": "a,b",
    "header only with break": "a,b\n",
    "BOM and spaces in the header": "\ufeffa, b \n1,2\n",
    "one column": "a\n1\n\n2\n",
    "spaces kept inside values": "a,b\n x ,\n",
    "blank first line": "\n1,2\n",
    "Chinese headers and values": "项目编码,名称\nP1,工程一\nP2,\n",
    "a title above the header": "某项目2025年11月工资发放表\na,b\n1,2\n",
    "a title, a date and a blank line above the header": "工资发放表\n制表日期：2025-12-01\n\na,b\n1,2\n",
    "one column, many lines": "a\n1\n2\n3\n4\n5\n",
}


@pytest.mark.parametrize("text", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_unquoted_csv_split_as_columns_reads_as_the_csv_module_does(tmp_path: Path, text: str):
    path = tmp_path / "project_0630.csv"
    path.write_text(text, encoding="utf-8", newline="")
    columns = _read_csv(path)
    records = _read_quoted_csv(*decode(path.read_bytes()))
    assert columns.frame.columns == records.frame.columns
    assert columns.frame.equals(records.frame)
    assert columns.bad_lines == records.bad_lines
    assert columns.encoding == records.encoding
