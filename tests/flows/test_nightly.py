"""The real nightly flow on a generated world: outputs exist, open, follow the spec, and re-runs change nothing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

WARNING_COLUMNS = ["as_of", "project_code", "area_code", "level", "score", "rules", "reasons", "is_new"]


def test_nightly_publishes_lists_dashboard_and_tables(nightly_run):
    s = nightly_run["summary"]
    assert s["status"] == "published", s["message"]
    run = Path(s["output_dir"])
    assert (nightly_run["out"] / "latest").resolve() == run.resolve()
    for name in ("indicator_project_month", "indicator_area_month", "warning"):
        assert (run / "tables" / f"{name}.parquet").exists(), name
        assert (run / "tables" / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert Path(s["outputs"]["dashboard"]).exists()
    assert Path(s["outputs"]["warning list (city)"]).suffix == ".xlsx"
    assert (run / "run_summary.json").exists()


def test_output_tables_have_the_spec_columns(nightly_run):
    run = Path(nightly_run["summary"]["output_dir"])
    warning = pl.read_parquet(run / "tables" / "warning.parquet")
    assert warning.columns[: len(WARNING_COLUMNS)] == WARNING_COLUMNS or set(WARNING_COLUMNS) <= set(
        warning.columns
    )
    assert warning.height > 0
    assert set(warning["level"].unique()) <= {"red", "orange", "yellow"}
    assert warning.filter(pl.col("level").is_in(["red", "orange"]))["reasons"].str.len_chars().min() > 0
    ipm = pl.read_parquet(run / "tables" / "indicator_project_month.parquet")
    assert {
        "project_code",
        "month",
        "area_code",
        "rn_update_rate",
        "avg_attendance",
        "pm_onsite_rate",
    } <= set(ipm.columns)
    iam = pl.read_parquet(run / "tables" / "indicator_area_month.parquet")
    assert {"area_code", "month", "rn_update_rate", "rn_update_rate_target_met_share"} <= set(iam.columns)


def test_city_list_opens_and_holds_no_clear_personal_data(nightly_run):
    path = Path(nightly_run["summary"]["outputs"]["warning list (city)"])
    wb = openpyxl.load_workbook(path)
    first = wb.worksheets[0]
    header = [c.value for c in first[1]]
    assert header[:3] == ["风险等级", "风险分", "项目编码"]
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert not re.search(r"\b\d{17}[\dX]\b", text), "a clear ID number leaked into the list"
    assert not re.search(r"\b1[3-9]\d{9}\b", text), "a clear phone number leaked into the list"


def test_dashboard_renders_offline_in_chromium(nightly_run, tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian chromium is not installed (make system-deps installs it)")
    html = Path(nightly_run["summary"]["outputs"]["dashboard"])
    assert not re.search(r"""(?:src|href)\s*=\s*["']https?://""", html.read_text(encoding="utf-8"))
    dom = subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            "--dump-dom",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'class="main-svg"' in dom


def test_rerunning_the_night_changes_nothing(nightly_run):
    from pipelines.flows.nightly import nightly

    def checksums(path: Path) -> dict[str, tuple]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
            return {
                n: con.execute(f'select count(*), sum(hash(t)) from "{n}" t').fetchone()
                for n in names
                if n != "dq_finding"
            }  # dq_finding.last_seen moves by design
        finally:
            con.close()

    before = checksums(nightly_run["warehouse"])
    again = nightly(inbox=nightly_run["inbox"], out=nightly_run["out"], warehouse=nightly_run["warehouse"])
    assert again["status"] == "published"
    assert checksums(nightly_run["warehouse"]) == before
