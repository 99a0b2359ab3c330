"""Every injected fault lands where the manifest says: quarantine (reason, file, line), the ledger, or raw."""

from __future__ import annotations

import hashlib
from datetime import date

from pipelines.contracts import load_contract
from pipelines.ingest import load_file
from pipelines.ingest.validate import REASONS_ZH
from pipelines.settings import Settings
from tests.ingest.conftest import fresh_warehouse
from tests.synth.delivered import delivered_files, record_count

# generator fault kind (pipelines/synth/generate.py) → quarantine reason_code (pipelines/ingest/validate.py)
QUARANTINE_REASON = {
    "bad_date_format": "bad_date",
    "unknown_code": "unknown_code",
    "negative_amount": "out_of_range",
    "out_of_range_date": "out_of_range",
    "bad_id_check_digit": "id_check_digit",
    "bad_uscc_check_digit": "uscc_check_digit",
    "broken_line": "broken_line",
    "null_key": "missing_required",
    "cut_last_line": "broken_line",  # the cut last record has fewer fields than the header
}
UNREADABLE = {"wrong_encoding": "编码", "truncated_file": "JSON"}  # kind → word the reason must name


def _faults(manifest, *kinds):
    return [f for f in manifest["faults"] if f["kind"] in kinds]


def _count(con, sql: str, params: list) -> int:
    return con.execute(sql, params).fetchone()[0]


def test_quarantine_holds_exactly_the_injected_row_faults(faulty_load, manifest):
    expected = {
        (f["file"], f["line"], f["column"], QUARANTINE_REASON[f["kind"]])
        for f in _faults(manifest, *QUARANTINE_REASON)
    }
    found = set(
        faulty_load.con.execute("select path, line, column_name, reason_code from quarantine").fetchall()
    )
    assert len(expected) == len(_faults(manifest, *QUARANTINE_REASON))
    assert found == expected


def test_quarantine_reasons_are_plain_words_naming_the_column(faulty_load):
    rows = faulty_load.con.execute("select reason_code, column_name, reason from quarantine").fetchall()
    assert rows
    for code, column, reason in rows:
        assert reason.startswith(REASONS_ZH[code])
        if column:
            assert f"（{column}）" in reason


def test_unreadable_files_fail_with_a_clear_reason_and_nothing_from_them_is_kept(faulty_load, manifest):
    con = faulty_load.con
    unreadable = {f["file"]: f["kind"] for f in _faults(manifest, *UNREADABLE)}
    assert set(unreadable.values()) == set(UNREADABLE)
    failed = dict(con.execute("select path, reason from load_file where status = 'failed'").fetchall())
    assert set(failed) == set(unreadable)
    for path, kind in unreadable.items():
        assert UNREADABLE[kind] in failed[path], failed[path]
        file_id, entity = con.execute(
            "select file_id, entity from load_file where path = ?", [path]
        ).fetchone()
        assert _count(con, f"select count(*) from raw_{entity} where _file_id = ?", [file_id]) == 0
        assert _count(con, "select count(*) from quarantine where file_id = ?", [file_id]) == 0


def test_duplicated_rows_are_skipped_and_counted(faulty_load, manifest, faulty_world):
    con = faulty_load.con
    dups = _faults(manifest, "duplicate_row")
    assert dups
    for f in dups:
        file_id, n_dup, n_in_file = con.execute(
            "select file_id, rows_duplicate, rows_duplicate_in_file from load_file where path = ?",
            [f["file"]],
        ).fetchone()
        assert n_dup >= 1
        assert n_in_file == sum(1 for g in dups if g["file"] == f["file"]), f
        at_line = f"select count(*) from raw_{f['entity']} where _file_id = ? and _line = ?"
        assert _count(con, at_line, [file_id, f["line"] + 1]) == 0, f"{f['file']}: the copy was loaded"
        is_event = not load_contract(f["entity"]).mutable
        if is_event and "reexport" not in f["file"]:
            # the first delivery of an event key is its only one: the original loads (in an overlapping
            # re-export the original itself was delivered by an earlier file)
            assert _count(con, at_line, [file_id, f["line"]]) == 1, f
    # alone in a fresh warehouse, a file's duplicates are exactly its injected copies
    for file in {f["file"] for f in dups}:
        path = faulty_world / "inbox" / file
        extract_date = date.fromisoformat(path.parent.name)
        result = load_file(fresh_warehouse(), path, extract_date, Settings(), inbox=faulty_world / "inbox")
        assert result.rows_duplicate == sum(1 for f in dups if f["file"] == file), file


def test_unknown_workers_load_but_are_not_on_any_roster(faulty_load, manifest):
    con = faulty_load.con
    unknown = _faults(manifest, "unknown_worker")
    assert unknown
    roster = {
        r[0] for r in con.execute("select distinct id_card_number_hash from raw_project_worker").fetchall()
    }
    for f in unknown:
        rows = con.execute(
            "select a.id_card_number_hash from raw_attendance a join load_file l on a._file_id = l.file_id "
            "where l.path = ? and a._line = ?",
            [f["file"], f["line"]],
        ).fetchall()
        assert len(rows) == 1, f
        assert rows[0][0] not in roster, f


def test_rows_are_conserved_per_file(faulty_load, faulty_world):
    con = faulty_load.con
    assert faulty_load.report.conservation_ok
    ledger = con.execute(
        "select file_id, path, entity, status, rows_read, rows_loaded, rows_duplicate, rows_quarantined from load_file"
    ).fetchall()
    # a file whose bytes were already loaded under another name is skipped by design (load.py: ledger by content)
    known = {r[0] for r in con.execute("select sha256 from load_file").fetchall()}
    for path in delivered_files(faulty_world / "inbox"):
        rel = path.relative_to(faulty_world / "inbox").as_posix()
        assert rel in {r[1] for r in ledger} or hashlib.sha256(path.read_bytes()).hexdigest() in known, rel
    for file_id, path, entity, status, read, loaded, dup, quarantined in ledger:
        if status == "failed":
            continue
        assert status == "loaded", path
        assert read == loaded + dup + quarantined, path
        assert read == record_count(faulty_world / "inbox" / path), path
        assert _count(con, f"select count(*) from raw_{entity} where _file_id = ?", [file_id]) == loaded, path
        lines = "select count(distinct line) from quarantine where file_id = ?"
        assert _count(con, lines, [file_id]) == quarantined, path
