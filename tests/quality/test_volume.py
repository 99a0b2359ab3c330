"""Volume checks: a delivery far smaller or larger than the source's recent ones, and a CSV cut at its last line."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from pipelines.ingest import load_inbox
from pipelines.ingest.tail import cut_last_line
from pipelines.quality.findings import severity_of
from pipelines.quality.load_facts import LOAD_CHECKS, load_findings
from pipelines.settings import Quality, Settings
from pipelines.warehouse import connect, ensure_schema

AS_OF = date(2025, 12, 31)
THIN_DAY = "2025-12-30/attendance_1230.csv"


def _load(inbox):
    con = connect()
    ensure_schema(con)
    load_inbox(con, inbox, Settings())
    return con


def _keep_share(path, share: float) -> None:
    """Rewrite a CSV keeping its header and the first `share` of its records, every line whole."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: 1 + int((len(lines) - 1) * share)]))


def _volume(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["check_id"].startswith("volume_")]


@pytest.fixture(scope="module")
def thin_day(tiny_world, tmp_path_factory):
    """The tiny world with one night's attendance at 30 % of its rows (complete lines: nothing else is wrong)."""
    inbox = tmp_path_factory.mktemp("thin") / "inbox"
    shutil.copytree(tiny_world / "inbox", inbox)
    _keep_share(inbox / THIN_DAY, 0.3)
    con = _load(inbox)
    yield con
    con.close()


def test_a_day_with_30_percent_of_the_usual_rows_is_named_with_its_file(thin_day):
    found = _volume(load_findings(thin_day, AS_OF, Settings()))
    assert [(f["check_id"], f["entity"]) for f in found] == [("volume_low", "attendance")]
    detail = found[0]["detail_zh"]
    assert THIN_DAY in detail
    assert "2025-12-30" in detail
    assert "中位数" in detail
    # the finding warns unless a setting makes it block
    assert severity_of("volume_low", Settings()) == "warning"
    blocking = Settings(quality=Quality(blocking_checks=["volume_*"]))
    assert severity_of("volume_low", blocking) == "blocking"
    assert {"volume_low", "volume_high", "file_cut_last_line"} <= set(LOAD_CHECKS)


def test_the_clean_world_has_no_volume_finding_sundays_and_month_extracts_included(tiny_world):
    """The tiny world mixes month extracts (a month of punches) with nightly ones, and its Sunday has about half a
    weekday's punches: neither is far from the usual rate per day."""
    con = _load(tiny_world / "inbox")
    try:
        assert _volume(load_findings(con, AS_OF, Settings())) == []
        # the limits are settings: at a 55 % floor the Sunday (2025-12-28) is reported
        strict = Settings(quality=Quality(volume_low_ratio=0.55))
        assert ["2025-12-28" in f["detail_zh"] for f in _volume(load_findings(con, AS_OF, strict))] == [True]
    finally:
        con.close()


def test_far_more_rows_and_too_little_history(thin_day):
    """The thin day compared with a history too short to judge is not reported; a tripled day is."""
    short = Settings(quality=Quality(volume_min_history=8))
    assert _volume(load_findings(thin_day, AS_OF, short)) == []
    loose = Settings(quality=Quality(volume_low_ratio=0.1, volume_high_ratio=0.9))
    high = _volume(load_findings(thin_day, AS_OF, loose))
    assert {f["check_id"] for f in high} == {"volume_high"}


@pytest.mark.parametrize(
    ("raw", "fmt", "cut"),
    [
        (b"a,b,c\r\n1,2,3\r\n4,5", "csv", "字段数为2，表头为3"),
        (b'a,b,c\n1,2,3\n4,5,"six', "csv", "未闭合的引号"),
        (b'{"a": 1}\n{"a": 2', "jsonl", "JSON"),
        (b"a,b,c\r\n1,2,3\r\n4,5,6", "csv", None),  # no final line break but a whole record: accepted
        (b"a,b,c\r\n1,2,3\r\n4,5\r\n", "csv", None),  # a short line that ends: a broken line, not a cut file
        (b'{"a": 1}\n{"a": 2}', "jsonl", None),
        ("项目,人员\r\n张三,李四\r\n王五".encode("gbk"), "csv", "字段数为1，表头为2"),
        (b"\xef\xbb\xbfa,b\n1", "csv", "第2行"),
        (b"a,b\n1", "xlsx", None),
    ],
)
def test_a_cut_last_line_is_told_from_a_whole_one(raw, fmt, cut):
    problem = cut_last_line(raw, fmt)
    if cut is None:
        assert problem is None
    else:
        assert problem is not None
        assert cut in problem
        assert "截断" in problem


def test_a_cut_csv_is_recorded_in_the_ledger_and_reported_by_name(tiny_world, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(tiny_world / "inbox", inbox)
    path = inbox / THIN_DAY
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2].rsplit(b",", 1)[0])
    con = _load(inbox)
    try:
        tail = con.execute(
            "select path, tail_problem from load_file where tail_problem is not null"
        ).fetchall()
        assert [p for p, _ in tail] == [THIN_DAY]
        cut = [f for f in load_findings(con, AS_OF, Settings()) if f["check_id"] == "file_cut_last_line"]
        assert len(cut) == 1
        assert cut[0]["detail_zh"].startswith(THIN_DAY + "：")
        assert cut[0]["entity"] == "attendance"
    finally:
        con.close()
