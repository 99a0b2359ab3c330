"""With faults, every manifest entry is really in its file, and no file the manifest omits was touched.

Manifest lines follow the loader (generate.py): CSV physical line with the header as line 1, JSONL physical line.
A duplicate_row entry names the original row; its copy is the next line.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

import polars as pl
import pytest

from pipelines.contracts import entity_of_file
from pipelines.identifiers import id_check_char, is_valid_id_number, is_valid_uscc, uscc_check_char
from pipelines.ingest.readers import UnreadableFileError, decode, read_any
from tests.synth.delivered import canonical_frame, contract_of, delivered_files

FAULT_KINDS = {
    "bad_date_format",
    "unknown_code",
    "negative_amount",
    "out_of_range_date",
    "bad_id_check_digit",
    "bad_uscc_check_digit",
    "duplicate_row",
    "unknown_worker",
    "broken_line",
    "wrong_encoding",
    "truncated_file",
    "null_key",
    "payload_lines",
    "pii_extra_column",
    "cut_last_line",
}
VALUE_KINDS = FAULT_KINDS - {
    "duplicate_row",
    "broken_line",
    "wrong_encoding",
    "truncated_file",
    "payload_lines",
    "pii_extra_column",
    "cut_last_line",
}


def _row(path, line: int) -> dict:
    frame = canonical_frame(path).filter(pl.col("_line") == line)
    assert frame.height == 1, f"{path.name}: no single row at line {line}"
    return frame.row(0, named=True)


def _roster_ids(world) -> set[str]:
    return set(pl.read_parquet(world.out / "truth" / "world" / "project_worker.parquet")["id_card_number"])


def test_manifest_counts_match_its_entries_and_cover_every_kind(faulty_world):
    manifest = faulty_world.manifest
    assert manifest["seed"] == 7
    assert Counter(f["kind"] for f in manifest["faults"]) == manifest["counts"]
    assert set(manifest["counts"]) == FAULT_KINDS


def test_every_manifest_entry_names_a_delivered_file_of_its_entity(faulty_world):
    for f in faulty_world.manifest["faults"]:
        path = faulty_world.inbox / f["file"]
        assert path.is_file(), f
        assert contract_of(path).entity == f["entity"], f
        if f["kind"] in VALUE_KINDS:
            assert f["column"] in contract_of(path).column_names, f


def test_value_faults_are_in_the_named_file_line_and_column(faulty_world):
    roster = _roster_ids(faulty_world)
    checked = Counter()
    for f in faulty_world.manifest["faults"]:
        if f["kind"] not in VALUE_KINDS:
            continue
        path = faulty_world.inbox / f["file"]
        column = contract_of(path).column(f["column"])
        value = _row(path, f["line"])[f["column"]]
        kind = f["kind"]
        if kind == "bad_date_format":
            assert value == "2025/13/45", f
            with pytest.raises(ValueError, match="does not match format"):
                datetime.strptime(value, "%Y/%m/%d")
        elif kind == "out_of_range_date":
            assert value.startswith("2099-01-01"), f
        elif kind == "unknown_code":
            assert column.codes, f
            assert value.zfill(column.width or 0) not in column.codes, f
        elif kind == "negative_amount":
            assert float(value) < 0, f
        elif kind == "bad_id_check_digit":
            assert not is_valid_id_number(value), f
            assert is_valid_id_number(value[:17] + id_check_char(value[:17])), "only the check digit is wrong"
        elif kind == "bad_uscc_check_digit":
            assert not is_valid_uscc(value), f
            assert is_valid_uscc(value[:17] + uscc_check_char(value[:17])), "only the check digit is wrong"
        elif kind == "unknown_worker":
            assert is_valid_id_number(value), f
            assert value not in roster, f
        elif kind == "null_key":
            assert value is None, f
            assert f["column"] in contract_of(path).key, f
        checked[kind] += 1
    assert set(checked) == VALUE_KINDS


def test_duplicated_rows_repeat_the_row_before_them(faulty_world):
    dups = [f for f in faulty_world.manifest["faults"] if f["kind"] == "duplicate_row"]
    assert dups
    for f in dups:
        path = faulty_world.inbox / f["file"]
        original, copy = _row(path, f["line"]), _row(path, f["line"] + 1)
        original.pop("_line"), copy.pop("_line")
        assert original == copy, f


def test_broken_lines_carry_an_extra_field(faulty_world):
    broken = [f for f in faulty_world.manifest["faults"] if f["kind"] == "broken_line"]
    assert broken
    for f in broken:
        path = faulty_world.inbox / f["file"]
        assert f["line"] in [line for line, _ in read_any(path).bad_lines], f
        text, _ = decode(path.read_bytes())
        records = list(csv.reader(io.StringIO(text, newline="")))
        assert len(records[f["line"] - 1]) == len(records[0]) + 1, f
        assert records[f["line"] - 1][-1] == "多余字段", f


def test_unreadable_files_are_unreadable(faulty_world, clean_world):
    unreadable = [
        f for f in faulty_world.manifest["faults"] if f["kind"] in ("wrong_encoding", "truncated_file")
    ]
    assert {f["kind"] for f in unreadable} == {"wrong_encoding", "truncated_file"}
    for f in unreadable:
        path = faulty_world.inbox / f["file"]
        with pytest.raises(UnreadableFileError):
            read_any(path)
        raw = path.read_bytes()
        if f["kind"] == "wrong_encoding":
            for enc in ("utf-8", "gb18030"):
                with pytest.raises(UnicodeDecodeError):
                    raw.decode(enc)
        else:  # cut mid-way: a strict prefix of the clean delivery
            whole = (clean_world.inbox / f["file"]).read_bytes()
            assert len(raw) < len(whole), f
            assert whole.startswith(raw), f


def test_files_the_manifest_does_not_name_are_the_clean_deliveries(faulty_world, clean_world):
    manifest = faulty_world.manifest
    named = {f["file"] for f in manifest["faults"] + manifest["history"]}
    corrections = {f["correction_file"] for f in manifest["history"] if f["kind"] == "corrected_row"}
    faulty = {p.relative_to(faulty_world.inbox).as_posix(): p for p in delivered_files(faulty_world.inbox)}
    clean = {p.relative_to(clean_world.inbox).as_posix(): p for p in delivered_files(clean_world.inbox)}
    assert set(faulty) == set(clean) | corrections
    assert not corrections & set(clean)
    faulty = {rel: p for rel, p in faulty.items() if rel not in corrections}
    for rel, path in faulty.items():
        if path.suffix == ".xlsx":  # never faulted; the workbook stores its creation time
            assert rel not in named
            assert read_any(path).frame.equals(read_any(clean[rel]).frame), rel
        elif rel in named:
            assert path.read_bytes() != clean[rel].read_bytes(), rel
        else:
            assert path.read_bytes() == clean[rel].read_bytes(), f"{rel}: changed but not in the manifest"


def _project_row(path, code: str) -> dict:
    # a duplicate_row fault may repeat the row: the same row twice is still one row
    frame = canonical_frame(path).filter(pl.col("project_code") == code).drop("_line").unique()
    assert frame.height == 1, f"{path.name}: no single row for {code}"
    return frame.row(0, named=True)


def _project_file(inbox, folder: str):
    (path,) = [p for p in (inbox / folder).iterdir() if entity_of_file(p.name) == "project"]
    return path


def test_a_status_reverts_across_three_extracts(faulty_world, clean_world):
    (entry,) = [f for f in faulty_world.manifest["history"] if f["kind"] == "status_reverts"]
    code, path = entry["project_code"], faulty_world.inbox / entry["file"]
    assert _project_row(path, code)["prj_status"].zfill(3) == "005"
    assert _project_row(clean_world.inbox / entry["file"], code)["prj_status"].zfill(3) == "003"
    folders = sorted(
        {p.parent.name for p in faulty_world.inbox.glob("*/*") if entity_of_file(p.name) == "project"}
    )
    i = folders.index(path.parent.name)
    for folder in (folders[i - 1], folders[i + 1]):  # 在建 the month before and the month after
        assert _project_row(_project_file(faulty_world.inbox, folder), code)["prj_status"].zfill(3) == "003"


def test_a_corrected_registry_row_restates_the_clean_row_in_the_same_folder(faulty_world, clean_world):
    (entry,) = [f for f in faulty_world.manifest["history"] if f["kind"] == "corrected_row"]
    code = entry["project_code"]
    wrong = _project_row(faulty_world.inbox / entry["file"], code)
    right = _project_row(clean_world.inbox / entry["file"], code)
    correction = faulty_world.inbox / entry["correction_file"]
    assert correction.parent == (faulty_world.inbox / entry["file"]).parent
    assert wrong["area_code"] != right["area_code"]
    assert _project_row(correction, code)["area_code"] == right["area_code"]
    assert canonical_frame(correction).height == 1


def test_a_cut_attendance_csv_is_half_a_clean_delivery_ending_mid_line(faulty_world, clean_world):
    cut = [f for f in faulty_world.manifest["faults"] if f["kind"] == "cut_last_line"]
    assert len(cut) == 1
    f = cut[0]
    assert f["entity"] == "attendance", f
    assert f["file"].endswith(".csv"), f
    raw = (faulty_world.inbox / f["file"]).read_bytes()
    whole = (clean_world.inbox / f["file"]).read_bytes()
    assert not raw.endswith(b"\n"), "the last line has no line break"
    text, _ = decode(raw)
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert len(records) == f["line"], "the manifest names the cut line"
    assert len(records[-1]) < len(records[0]), "the cut line has fewer fields than the header"
    assert f["line"] in [line for line, _ in read_any(faulty_world.inbox / f["file"]).bad_lines]
    n_clean = len(list(csv.reader(io.StringIO(decode(whole)[0], newline="")))) - 1
    assert 0.4 < (len(records) - 2) / n_clean < 0.6, "about half the rows arrive whole"
    # the rows before the cut are the clean delivery's (row faults aside), the rest is missing
    assert len(raw) < len(whole) / 1.5
    assert all(
        g["line"] < f["line"]
        for g in faulty_world.manifest["faults"]
        if g["file"] == f["file"] and g["kind"] != "cut_last_line"
    )
