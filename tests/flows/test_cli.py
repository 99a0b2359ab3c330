"""The command other tools drive: `wagewatch run` with relative paths, exactly as `make demo` calls it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from pipelines.cli import app


def test_run_with_relative_paths_prints_the_list_and_dashboard(
    tiny_world, tmp_path, monkeypatch, prefect_harness
):
    shutil.copytree(tiny_world / "inbox", tmp_path / "world" / "inbox")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["run", "--inbox", "world/inbox", "--out", "out", "--warehouse", "wh/demo.duckdb"]
    )
    assert result.exit_code == 0, result.output
    printed = [Path(line.split(": ", 1)[1]) for line in result.output.splitlines() if ": /" in line]
    lists = [p for p in printed if p.suffix == ".xlsx"]
    pages = [p for p in printed if p.suffix == ".html"]
    assert lists, result.output
    assert pages, result.output
    assert all(p.is_absolute() and p.exists() for p in printed), printed
    assert openpyxl.load_workbook(lists[0]).worksheets[0]["A1"].value
    assert (tmp_path / "out" / "latest").resolve() == Path(result.output.split("run folder: ")[1].split()[0])
    docs = list((tmp_path / "out" / "latest").rglob("index.html"))
    assert docs, "the Data Docs were not published"


LEAVE = """
import atexit, sys, threading, time
from pathlib import Path
from pipelines.cli import leave

out = Path(sys.argv[1])
def late():
    time.sleep(0.3)
    (out / "thread").write_text("joined")
threading.Thread(target=late).start()
atexit.register(lambda: (out / "atexit").write_text("ran"))
sys.stdout.write("buffered, no newline")
leave(3)
"""


def test_leave_joins_threads_runs_exit_handlers_flushes_and_keeps_the_code(tmp_path):
    """What `wagewatch run` relies on when it skips the interpreter's teardown (pipelines.cli.leave)."""
    proc = subprocess.run(
        [sys.executable, "-c", LEAVE, str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert proc.stdout == "buffered, no newline"
    assert (tmp_path / "thread").read_text() == "joined"
    assert (tmp_path / "atexit").read_text() == "ran"
