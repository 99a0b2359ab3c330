"""run_quality on generated tiny worlds: every injected fault is reported with its count; a clean inbox never blocks."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pipelines.contracts import all_contracts
from pipelines.quality.offline import remote_references
from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.quality.titles_zh import BULLETIN as T
from pipelines.quality.titles_zh import CHECK_TITLES
from pipelines.warehouse import frame
from tests.headless import dom

# Each fault kind the generator injects (pipelines/synth/generate.py) → the check that must report it.
FAULT_CHECK = {
    "bad_date_format": "quarantine_bad_date",
    "unknown_code": "quarantine_unknown_code",
    "negative_amount": "quarantine_out_of_range_number",
    "out_of_range_date": "quarantine_out_of_range_date",
    "bad_id_check_digit": "quarantine_id_check_digit",
    "bad_uscc_check_digit": "quarantine_uscc_check_digit",
    "broken_line": "quarantine_broken_line",
    "duplicate_row": "duplicate_rows",
    "unknown_worker": "attendance_not_on_roster",
    "wrong_encoding": "file_unreadable",
    "truncated_file": "file_unreadable",
    "null_key": "quarantine_missing_required",
    "cut_last_line": "file_cut_last_line",
    "pii_extra_column": "file_unknown_columns",  # hashed and masked, and the file named for its unknown columns
}
# a delivery variant the loader handles without a finding: payloads one per line are unpacked
# (tests/ingest/test_payloads.py)
NO_FINDING = {"payload_lines"}
# a fault that a second check also reports: the cut last record is a line with fewer fields than the header
ALSO_CHECK = {"cut_last_line": "quarantine_broken_line"}
EVENT_ENTITIES = {e for e, c in all_contracts().items() if not c.mutable}


def _reportable(fault: dict) -> bool:
    """A duplicated row of a mutable entity (a snapshot) cannot be told from the next snapshot's repeat by the
    ledger, so duplicate_rows covers event entities only (see pipelines/quality/load_facts.py)."""
    if fault["kind"] in NO_FINDING:
        return False
    return not (fault["kind"] == "duplicate_row" and fault["entity"] not in EVENT_ENTITIES)


def test_every_injected_fault_kind_is_reported_with_the_manifest_counts(faulty_night):
    manifest, findings = faulty_night.manifest, faulty_night.result.findings
    assert manifest is not None
    assert set(manifest["counts"]) - NO_FINDING <= set(FAULT_CHECK), (
        "a new fault kind needs a check: map it in FAULT_CHECK"
    )
    expected = Counter((FAULT_CHECK[f["kind"]], f["entity"]) for f in manifest["faults"] if _reportable(f))
    expected += Counter(
        (ALSO_CHECK[f["kind"]], f["entity"]) for f in manifest["faults"] if f["kind"] in ALSO_CHECK
    )
    reported = Counter()
    for check_id, entity, n in (
        findings.group_by("check_id", "entity").agg(pl.col("n_rows").sum()).iter_rows()
    ):
        if check_id in set(FAULT_CHECK.values()):
            reported[(check_id, entity)] = n
    assert reported == expected
    for kind in set(manifest["counts"]) - NO_FINDING:  # every kind: at least one finding of its check
        assert findings.filter(pl.col("check_id") == FAULT_CHECK[kind]).height > 0, kind


def test_unreadable_files_are_named_as_in_the_manifest(faulty_night):
    broken = {
        f["file"]
        for f in faulty_night.manifest["faults"]
        if f["kind"] in ("wrong_encoding", "truncated_file")
    }
    named = {
        d.split("：", 1)[0]
        for d in faulty_night.result.findings.filter(pl.col("check_id") == "file_unreadable")["detail_zh"]
    }
    assert named == broken


def test_a_cut_file_is_named_in_the_findings_and_the_bulletin(faulty_night):
    cut = [f["file"] for f in faulty_night.manifest["faults"] if f["kind"] == "cut_last_line"]
    findings = faulty_night.result.findings.filter(pl.col("check_id") == "file_cut_last_line")
    assert [d.split("：", 1)[0] for d in findings["detail_zh"]] == cut
    assert findings["severity"].to_list() == ["warning"]
    assert "字段数" in findings["detail_zh"][0]
    # the run summary (the quality step's detail) lists it by file
    assert [d for d in faulty_night.result.summary["deliveries"] if cut[0] in d] != []
    bulletin = faulty_night.result.bulletin_path.read_text(encoding="utf-8")
    assert cut[0] in bulletin
    assert CHECK_TITLES["file_cut_last_line"] in bulletin


def test_faults_add_no_finding_that_no_fault_explains(faulty_night, clean_night):
    in_clean = set(clean_night.result.findings["check_id"])
    only_with_faults = set(faulty_night.result.findings["check_id"]) - in_clean
    # quarantine_share: the night's refused rows above the limit, a consequence of the injected faults
    assert only_with_faults <= {*FAULT_CHECK.values(), "quarantine_share"}


def test_unknown_workers_are_attributed_to_their_projects(faulty_night):
    rows = faulty_night.result.findings.filter(pl.col("check_id") == "attendance_not_on_roster")
    assert rows["project_code"].null_count() == 0
    assert rows["area_code"].null_count() == 0
    assert rows["corp_code"].null_count() == 0


def test_a_clean_inbox_has_no_blocking_finding(clean_night):
    result = clean_night.result
    assert not result.blocking, result.findings.filter(pl.col("severity") == "blocking")
    assert result.summary["findings_by_severity"]["blocking"] == 0
    load_problems = result.checks.filter((pl.col("source") == "load") & ~pl.col("passed"))
    assert load_problems.height == 0, load_problems  # nothing unreadable, refused or duplicated


def test_no_expectation_errored_and_every_suite_ran(clean_night, faulty_night):
    for night in (clean_night, faulty_night):
        gx = night.result.checks.filter(pl.col("source") == "gx")
        assert gx.height > 200
        assert gx.filter(pl.col("errored")).height == 0
        assert night.result.summary["gx_errored"] == 0
        assert set(gx["entity"]) == set(all_contracts())
    # the clean world passes every single-table rule: the generator's data is consistent
    clean_gx = clean_night.result.checks.filter(pl.col("source") == "gx")
    assert clean_gx.filter(~pl.col("passed")).height == 0


def test_findings_table_holds_this_run_with_history(faulty_night):
    con, result = faulty_night.con, faulty_night.result
    stored = frame(con, "select * from dq_finding")
    assert stored.columns == list(FINDING_SCHEMA)
    assert stored.sort(stored.columns).equals(result.findings.sort(result.findings.columns))
    assert set(stored["as_of"]) == {faulty_night.as_of}
    assert set(stored["last_seen"]) == {faulty_night.as_of}
    n_history = con.execute("select count(*) from dq_finding_history where as_of = ?", [faulty_night.as_of])
    assert n_history.fetchone()[0] == stored.height
    assert set(stored["title_zh"])
    assert all(t for t in stored["title_zh"])
    fixed_ids = set(stored["check_id"]) & set(CHECK_TITLES)
    assert all(stored.filter(pl.col("check_id") == c)["title_zh"][0] == CHECK_TITLES[c] for c in fixed_ids)


def _no_clear_personal_data(night, files: list[Path]) -> None:
    world = night.world / "truth" / "world"
    ids = set(pl.read_parquet(world / "project_worker.parquet")["id_card_number"])
    phones = set(pl.read_parquet(world / "project_worker.parquet")["cell_phone"].drop_nulls())
    cards = set(pl.read_parquet(world / "project_worker.parquet")["pay_roll_bank_card_number"].drop_nulls())
    for path in files:
        text = path.read_text(encoding="utf-8", errors="ignore")
        leaked = [v for v in (*ids, *phones, *cards) if v in text]
        assert not leaked, (path, leaked[:3])


@pytest.mark.browser
def test_data_docs_and_bulletin_are_readable_offline(faulty_night, tmp_path):
    result = faulty_night.result
    docs_dir = result.docs_index.parent
    files = [p for p in docs_dir.rglob("*") if p.suffix in (".html", ".css", ".js")]
    assert len(files) > 20
    for path in [*files, result.bulletin_path]:
        text = path.read_text(encoding="utf-8")
        assert remote_references(text) == [], path
        if path.suffix == ".html":
            assert "<script" not in text.lower(), path  # nothing runs, nothing fetches
    _no_clear_personal_data(faulty_night, [*files, result.bulletin_path])

    # the Chinese front page: one row per staged entity with what it checks, this night's result and both links
    index = dom(result.docs_index, tmp_path / "p1")
    assert "数据质量校验明细" in index
    assert "北京时间" in index
    assert "未通过" in index  # the faulty night fails rules, named on the page
    raw = result.docs_index.read_text(encoding="utf-8")
    assert raw.count(">规则明细</a>") == raw.count(">校验结果</a>") == len(all_contracts())
    hrefs = re.findall(r"href='([^']+)'", raw)
    assert len(hrefs) == 2 * len(all_contracts()) + 1  # suite page, validation page, GX's own index
    assert all((docs_dir / h).is_file() for h in hrefs), hrefs
    gx_index = dom(docs_dir / "gx_index.html", tmp_path / "p0")
    assert gx_index.count("查看") == len(all_contracts())  # GX's list, written out as HTML, still there
    for path in files:  # GX's English notes and UTC times are gone from every page
        text = path.read_text(encoding="utf-8")
        assert "autogenerated" not in text, path
        assert not re.search(r"\d{2}:\d{2}:\d{2} UTC|\d{2}:?\d{2}:?\d{2}(\.\d+)?Z<", text), path
    validation = next(docs_dir.glob("validations/attendance/*/*/*.html"))
    page = dom(validation, tmp_path / "p2")
    assert "考勤记录：主键（项目编码、证件号码、刷卡时间、进出方向）唯一" in page
    assert (
        "校验结果 / 考勤记录（attendance）" in page
    )  # the bar on top: breadcrumbs home, not an empty banner
    assert "北京时间" in page

    bulletin = dom(result.bulletin_path, tmp_path / "p3")
    assert "数据质量通报" in bulletin
    assert "按企业" in bulletin
    assert "<table" in bulletin
    assert "考勤人员不在项目花名册" in bulletin
    # the status line says what the night decided (the blocked wording itself: test_bulletin.py)
    blocked = "存在阻断级问题" in bulletin
    assert blocked == result.blocking
    assert (T["published"] in bulletin) == (not result.blocking)
