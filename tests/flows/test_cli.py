"""The command other tools drive: `wagewatch run` with relative paths, exactly as `make demo` calls it."""

from __future__ import annotations

import shutil
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
