"""Run folders move into place atomically; the lock keeps a second run out."""

import multiprocessing as mp
from datetime import date

import pytest

from pipelines.runs import WarehouseBusyError, latest_run, publish, staging_dir, warehouse_lock


def test_publish_moves_folder_then_pointer(tmp_path):
    out = tmp_path / "out"
    first = staging_dir(out, date(2025, 6, 30))
    (first / "a.txt").write_text("one")
    published = publish(first, out, date(2025, 6, 30))
    assert latest_run(out) == published
    assert (out / "latest" / "a.txt").read_text() == "one"

    second = staging_dir(out, date(2025, 6, 30))
    (second / "a.txt").write_text("two")
    publish(second, out, date(2025, 6, 30))
    assert (out / "latest" / "a.txt").read_text() == "two"
    assert not first.exists()
    assert not second.exists()


def test_unpublished_staging_leaves_latest_alone(tmp_path):
    out = tmp_path / "out"
    good = staging_dir(out, date(2025, 6, 29))
    (good / "list.csv").write_text("good")
    publish(good, out, date(2025, 6, 29))
    crashed = staging_dir(out, date(2025, 6, 30))
    (crashed / "list.csv").write_text("half")
    # the run dies here: nothing published
    assert (latest_run(out) / "list.csv").read_text() == "good"


def _hold_lock(path, ready, release):
    with warehouse_lock(path):
        ready.set()
        release.wait(10)


def test_second_run_is_refused_with_a_clear_message(tmp_path):
    wh = tmp_path / "w.duckdb"
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold_lock, args=(wh, ready, release))
    p.start()
    try:
        assert ready.wait(10)
        with (
            pytest.raises(WarehouseBusyError, match="in use by another run"),
            warehouse_lock(wh, wait_seconds=0.5, poll=0.1),
        ):
            pass
    finally:
        release.set()
        p.join(10)
    with warehouse_lock(wh, wait_seconds=1):
        pass
