"""A regular night does not read the files an earlier night loaded and that have not changed (ingest/unchanged.py);
a file rewritten, touched or whose bytes the ledger does not hold is read again, and the rows are the same."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import pipelines.ingest.load
from pipelines.ingest.unchanged import SEEN_TABLE, delivered
from pipelines.night_steps import load_extracts
from pipelines.settings import Settings
from tests.checksums import table_checksums
from tests.ingest.conftest import fresh_warehouse


@pytest.fixture
def inbox(tiny_world, tmp_path) -> Path:
    """The tiny world's first two extract folders, copied (the test changes files)."""
    out = tmp_path / "inbox"
    for folder in sorted(p for p in (tiny_world / "inbox").iterdir() if p.is_dir())[:2]:
        shutil.copytree(folder, out / folder.name)
    return out


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files load_inbox hands to load_file (which reads and hashes them), by name."""
    seen: list[str] = []
    original = pipelines.ingest.load.load_file

    def counted(con, path, *args, **kwargs):
        seen.append(path.name)
        return original(con, path, *args, **kwargs)

    monkeypatch.setattr(pipelines.ingest.load, "load_file", counted)
    return seen


def test_unchanged_files_are_not_read_again_and_changed_ones_are(inbox, reads):
    con = fresh_warehouse()
    as_of = max(day for _, day in delivered(inbox, None))
    first = load_extracts(con, inbox, Settings(), as_of)
    files = [p for p, _ in delivered(inbox, as_of)]
    assert first.rows_loaded > 0
    assert sorted(reads) == sorted(p.name for p in files)
    assert con.execute(f"select count(*) from {SEEN_TABLE}").fetchone()[0] == len(files)
    tables = table_checksums(con)

    reads.clear()
    again = load_extracts(con, inbox, Settings(), as_of)
    assert reads == []  # nothing read: every file is as the first night read it
    assert again.files == []
    assert table_checksums(con) == tables

    # touched (same bytes, new time): read, found already loaded, nothing changes
    touched = files[0]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    reads.clear()
    assert load_extracts(con, inbox, Settings(), as_of).files == []
    assert reads == [touched.name]
    ledger_and_rows = {k: v for k, v in tables.items() if k != SEEN_TABLE}
    assert table_checksums(con, skip=(SEEN_TABLE,)) == ledger_and_rows
    reads.clear()
    load_extracts(con, inbox, Settings(), as_of)
    assert reads == []  # remembered with its new time

    # rewritten in place with other bytes of the same size: its status changed, so it is read and loaded again
    csv = next(p for p in files if p.suffix == ".csv")
    data = csv.read_bytes()
    csv.write_bytes(data[:-2] + b"\n\n" if not data.endswith(b"\n\n") else data[:-1] + b" ")
    reads.clear()
    changed = load_extracts(con, inbox, Settings(), as_of)
    assert reads == [csv.name]
    assert [Path(f.path).name for f in changed.files] == [csv.name]


def test_bytes_the_ledger_does_not_hold_are_read(inbox, reads):
    """The cache is checked against the ledger: a remembered file whose bytes the ledger lost is read again."""
    con = fresh_warehouse()
    as_of = max(day for _, day in delivered(inbox, None))
    load_extracts(con, inbox, Settings(), as_of)
    one = delivered(inbox, as_of)[0][0]
    con.execute("update load_file set sha256 = 'gone' where path = ?", [one.relative_to(inbox).as_posix()])
    reads.clear()
    load_extracts(con, inbox, Settings(), as_of)
    assert reads == [one.name]


def test_a_warehouse_without_the_table_reads_every_file(inbox, reads):
    con = fresh_warehouse()
    as_of = max(day for _, day in delivered(inbox, None))
    load_extracts(con, inbox, Settings(), as_of)
    con.execute(f"drop table {SEEN_TABLE}")
    reads.clear()
    assert load_extracts(con, inbox, Settings(), as_of).files == []
    assert len(reads) == len(delivered(inbox, as_of))
