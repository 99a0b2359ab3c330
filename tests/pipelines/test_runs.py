"""Run folders move into place atomically; the lock keeps a second run out."""

import multiprocessing as mp
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipelines.runs import (
    WarehouseBusyError,
    cpu_seconds,
    latest_run,
    peak_rss_mb,
    publish,
    staging_dir,
    warehouse_lock,
)


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


def test_latest_never_moves_backwards(tmp_path):
    from pipelines.runs import latest_as_of

    out = tmp_path / "out"
    for day in (date(2025, 6, 30), date(2025, 5, 31)):
        staged = staging_dir(out, day)
        (staged / "list.csv").write_text(day.isoformat())
        publish(staged, out, day)
    assert latest_as_of(out) == date(2025, 6, 30)
    assert (out / "latest" / "list.csv").read_text() == "2025-06-30"
    assert (out / "runs" / "2025-05-31" / "list.csv").read_text() == "2025-05-31", (
        "the past date is published"
    )


@pytest.mark.parametrize(
    ("as_of", "republish", "refused"),
    [
        (date(2025, 1, 1), False, "早于最早的数据提取日期"),
        (date(2025, 1, 1), True, "before the first extract"),  # nothing to re-publish before any data
        (date(2025, 6, 29), False, "--republish"),
        (date(2025, 6, 29), True, None),
        (date(2025, 6, 30), False, None),  # re-running the latest night
        (date(2025, 7, 1), False, None),
    ],
)
def test_as_of_is_refused_before_the_data_and_behind_latest(as_of, republish, refused):
    from pipelines.runs import AsOfRefusedError, check_as_of

    first, latest = date(2025, 3, 31), date(2025, 6, 30)
    if refused is None:
        check_as_of(as_of, first, latest, republish)
        return
    with pytest.raises(AsOfRefusedError, match=refused) as err:
        check_as_of(as_of, first, latest, republish)
    assert "拒绝运行" in str(err.value)
    assert "refused" in str(err.value)


def test_published_tables_change_only_when_kept(tmp_path):
    """Held aside while a run works; back when it does not publish (or re-publishes a past date); a crashed
    run's held tables come back when the next run opens the warehouse."""
    from pipelines.night_steps import HELD_PREFIX, hold_published, release_published
    from pipelines.warehouse import connect

    con = connect(tmp_path / "w.duckdb")
    con.execute("create table warning as select 'old' as v")

    def current() -> list:
        return con.execute("select v from warning").fetchall()

    for keep, expected in ((False, [("old",)]), (True, [("new",)])):
        assert hold_published(con) == ["warning"]
        con.execute("create table warning as select 'new' as v")
        release_published(con, keep_new=keep)
        assert current() == expected
        con.execute("create or replace table warning as select 'old' as v")
    hold_published(con)  # the run dies here, after rebuilding the table
    con.execute("create table warning as select 'half' as v")
    hold_published(con)  # the next run
    con.execute("create table warning as select 'next' as v")
    release_published(con, keep_new=False)
    assert current() == [("old",)]
    held = con.execute("select count(*) from duckdb_tables() where table_name like ?", [HELD_PREFIX + "%"])
    assert held.fetchone()[0] == 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
def test_peak_rss_is_the_process_own_not_its_parents():
    """A night started by a process that had grown large (the nightly benchmark reads the inbox first) must report
    its own peak: Linux carries ru_maxrss across fork and exec, which made a province night's first step show the
    benchmark's 3.5 GB."""
    parent_mb = 400
    ballast = bytearray(parent_mb * 2**20)  # touched below: resident, not just reserved
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    assert peak_rss_mb() >= parent_mb
    child = subprocess.run(
        [sys.executable, "-c", "from pipelines.runs import peak_rss_mb; print(peak_rss_mb())"],
        check=True,
        capture_output=True,
        text=True,
    )
    del ballast
    assert 10 < int(child.stdout) < parent_mb / 2, child.stdout


def test_cpu_seconds_count_a_child_process_that_ended():
    """A step that hands work to another process (the reports' second process, Chromium) is charged its CPU: a child
    that burns ~0.5 CPU-s and exits moves the clock by about that much, sleeping moves it by almost nothing."""
    before = cpu_seconds()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass",
        ],
        check=True,
    )
    burnt = cpu_seconds() - before
    assert 0.45 < burnt < 5, burnt
    before = cpu_seconds()
    subprocess.run([sys.executable, "-c", "import time; time.sleep(0.5)"], check=True)
    assert cpu_seconds() - before < 0.45


def test_a_published_table_is_written_in_one_order_whatever_order_its_rows_are_in(tmp_path):
    """Re-running a night writes the same bytes: DuckDB returns a table's rows in the order its threads finished,
    so the files list them sorted (every column in turn; the warning list by rank)."""
    from pipelines.night_steps import write_tables
    from pipelines.warehouse import connect

    firings = [("P2", "R05", 130326.02), ("P1", "R16", 118815.44), ("P1", "R05", 2000.0)]
    lines = [("P2", 2), ("P9", None), ("P1", 1)]
    written = []
    for n, order in enumerate((list, lambda rows: rows[::-1])):
        con = connect()
        con.execute("create table rule_firing (project_code varchar, rule_id varchar, evidence_value double)")
        con.executemany("insert into rule_firing values (?, ?, ?)", order(firings))
        con.execute('create table warning (project_code varchar, "rank" integer, list varchar)')
        con.executemany("insert into warning values (?, ?, '核查清单')", order(lines))
        write_tables(con, tmp_path / str(n))
        written.append({f.name: f.read_bytes() for f in sorted((tmp_path / str(n) / "tables").iterdir())})
    assert written[0] == written[1]
    assert written[0]["rule_firing.csv"].decode().splitlines()[1:] == [
        '"P1","R05",2000.0',
        '"P1","R16",118815.44',
        '"P2","R05",130326.02',
    ]
    assert [line.split(",")[0] for line in written[0]["warning.csv"].decode().splitlines()[1:]] == [
        '"P1"',
        '"P2"',
        '"P9"',
    ]
