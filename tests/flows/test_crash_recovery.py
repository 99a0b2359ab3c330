"""Operations: a night that crashes mid-step leaves the previous outputs in place, and its re-run equals a clean run.

Each case copies a warehouse and output folder that already hold the 2025-12-30 night, crashes the 2025-12-31 night
right after the named step did its work (the worst moment: its writes are done, the run is not), checks that the
published 12-30 outputs are untouched and readable, re-runs 12-31 and compares it with a night that never crashed.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.flows.run_context import NightlyRun
from pipelines.night_steps import PUBLISHED_TABLES
from pipelines.runs import WarehouseBusyError, latest_run, run_dir, warehouse_lock
from tests.checksums import parquet_checksums, table_checksums

FIRST, SECOND = date(2025, 12, 30), date(2025, 12, 31)
# every step that writes something; a crash inside `publish` itself is tests/pipelines/test_runs.py
CRASH_AFTER = ["open", "load", "staging", "quality", "models", "score", "warnings", "tables", "reports"]


def table_digests(run: Path) -> dict[str, tuple]:
    """Order-independent checksums of every published table of a run folder."""
    return parquet_checksums(run / "tables")


def published_tables(warehouse: Path) -> dict[str, tuple]:
    """Checksums of the warehouse's published tables (pipelines/night_steps.py PUBLISHED_TABLES)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        every = table_checksums(con)
    finally:
        con.close()
    assert "warning" in every
    return {name: every[name] for name in PUBLISHED_TABLES if name in every}


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def after_first_night(tiny_world, tmp_path_factory, prefect_harness):
    """A warehouse and output folder holding the first night only."""
    from pipelines.flows.nightly import nightly

    base = tmp_path_factory.mktemp("first")
    summary = nightly(inbox=tiny_world / "inbox", out=base / "out", warehouse=base / "wh.duckdb", as_of=FIRST)
    assert summary["status"] == "published", summary["message"]
    return base


@pytest.fixture(scope="module")
def clean_second_night(after_first_night, tiny_world, tmp_path_factory):
    """The second night run without any crash, from a copy of the first night's state."""
    from pipelines.flows.nightly import nightly

    base = tmp_path_factory.mktemp("clean")
    shutil.copytree(after_first_night, base, symlinks=True, dirs_exist_ok=True)
    summary = nightly(
        inbox=tiny_world / "inbox", out=base / "out", warehouse=base / "wh.duckdb", as_of=SECOND
    )
    assert summary["status"] == "published", summary["message"]
    return table_digests(run_dir(base / "out", SECOND))


@pytest.mark.parametrize("step", CRASH_AFTER)
def test_crash_after_step_keeps_previous_outputs_and_rerun_equals_clean(
    step, after_first_night, clean_second_night, tiny_world, tmp_path, monkeypatch
):
    from pipelines.flows.nightly import nightly

    shutil.copytree(after_first_night, tmp_path, symlinks=True, dirs_exist_ok=True)
    out, warehouse = tmp_path / "out", tmp_path / "wh.duckdb"
    published = run_dir(out, FIRST)
    before = folder_digest(published)

    real_step = NightlyRun.step

    def crashing_step(self, name, fn, *args):
        result = real_step(self, name, fn, *args)
        if name == step:
            raise RuntimeError(f"injected crash after step {name}")
        return result

    monkeypatch.setattr(NightlyRun, "step", crashing_step)
    with pytest.raises(RuntimeError, match="injected crash"):
        nightly(inbox=tiny_world / "inbox", out=out, warehouse=warehouse, as_of=SECOND)

    # the previous night is still what LATEST names, byte for byte, and its list opens
    assert latest_run(out) == published
    assert folder_digest(published) == before
    assert not run_dir(out, SECOND).exists()
    city_list = next((published / "lists").glob("*全市*.xlsx"))
    assert openpyxl.load_workbook(city_list).worksheets[0].max_row >= 1
    assert any((out / "attempts").glob(f"{SECOND.isoformat()}_failed_*"))

    monkeypatch.undo()
    summary = nightly(inbox=tiny_world / "inbox", out=out, warehouse=warehouse, as_of=SECOND)
    assert summary["status"] == "published", summary["message"]
    assert latest_run(out) == run_dir(out, SECOND)
    assert table_digests(run_dir(out, SECOND)) == clean_second_night


def test_a_second_concurrent_run_is_refused_and_changes_nothing(after_first_night, tiny_world, tmp_path):
    from pipelines.flows.nightly import nightly

    shutil.copytree(after_first_night, tmp_path, symlinks=True, dirs_exist_ok=True)
    out, warehouse = tmp_path / "out", tmp_path / "wh.duckdb"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    with warehouse_lock(warehouse), pytest.raises(WarehouseBusyError, match="in use by another run"):
        nightly(inbox=tiny_world / "inbox", out=out, warehouse=warehouse, as_of=SECOND)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert latest_run(out) == run_dir(out, FIRST)


def test_a_full_rebuild_from_the_inbox_equals_the_nights_run_one_by_one(
    clean_second_night, tiny_world, tmp_path
):
    """Drop the warehouse and the outputs, backfill both nights from the inbox: the same tables, to the checksum."""
    from pipelines.flows.backfill import backfill

    out = tmp_path / "out"
    result = backfill(
        inbox=tiny_world / "inbox", out=out, start=FIRST, end=SECOND, warehouse=tmp_path / "rebuilt.duckdb"
    )
    assert result == {FIRST.isoformat(): "published", SECOND.isoformat(): "published"}
    assert table_digests(run_dir(out, SECOND)) == clean_second_night


def test_a_blocking_finding_stops_publication_and_keeps_the_previous_night(
    after_first_night, tiny_world, tmp_path
):
    """Every file of the second night arrives unreadable: that blocks; 12-30 stays published, byte for byte."""
    from pipelines.flows.nightly import nightly

    shutil.copytree(after_first_night, tmp_path / "state", symlinks=True)
    out, warehouse = tmp_path / "state" / "out", tmp_path / "state" / "wh.duckdb"
    inbox = tmp_path / "inbox"
    shutil.copytree(tiny_world / "inbox", inbox)
    night = inbox / SECOND.isoformat()
    for path in night.iterdir():
        path.write_bytes(b"\xff\xfe\x00garbled transfer\x00" * 7)
    published = run_dir(out, FIRST)
    before = folder_digest(published)
    tables_before = published_tables(warehouse)

    summary = nightly(inbox=inbox, out=out, warehouse=warehouse, as_of=SECOND)

    assert summary["status"] == "blocked"
    # the warehouse's published tables (the list other tools read, dq_finding …) are still 12-30's
    assert published_tables(warehouse) == tables_before
    assert "阻断" in summary["message"]
    assert latest_run(out) == published
    assert folder_digest(published) == before
    assert not run_dir(out, SECOND).exists()
    kept = next((out / "attempts").glob(f"{SECOND.isoformat()}_blocked_*"))
    assert list(kept.rglob("数据质量通报_*.html")), (
        "the blocked night keeps its bulletin for the data steward"
    )
