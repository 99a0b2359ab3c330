"""`wagewatch run --as-of`: a date before the data or behind LATEST is refused (exit 4) and changes nothing; with
--republish a past date is published into runs/<date> while LATEST and the warehouse's published tables stay."""

from __future__ import annotations

import json
import shutil

import duckdb
from typer.testing import CliRunner

from pipelines.cli import EXIT_REFUSED, app
from pipelines.night_steps import PUBLISHED_TABLES
from pipelines.runs import latest_run
from tests.checksums import held_tables, table_checksums


def published_tables(warehouse) -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        every = table_checksums(con)
    finally:
        con.close()
    assert {"warning", "indicator_project_month", "indicator_area_month"} <= set(every)
    return {name: every[name] for name in PUBLISHED_TABLES if name in every}


def test_as_of_is_refused_before_the_data_and_behind_latest_unless_republished(nightly_run, tmp_path):
    out, warehouse = tmp_path / "out", tmp_path / "wh.duckdb"
    shutil.copytree(nightly_run["out"], out, symlinks=True)
    shutil.copy2(nightly_run["warehouse"], warehouse)
    latest, before = latest_run(out), published_tables(warehouse)
    assert latest.name == "2025-12-31"
    base = ["run", "--inbox", str(nightly_run["inbox"]), "--out", str(out), "--warehouse", str(warehouse)]
    runner = CliRunner()

    # before the first extract (2025-07-31): nothing to compute, refused even with --republish
    for extra in ([], ["--republish"]):
        result = runner.invoke(app, [*base, "--as-of", "2024-01-01", *extra])
        assert result.exit_code == EXIT_REFUSED, result.output
        assert "拒绝运行" in result.output
        assert "before the first extract (2025-07-31)" in result.output
    # earlier than LATEST: refused, and the message says how to re-publish
    result = runner.invoke(app, [*base, "--as-of", "2025-12-30"])
    assert result.exit_code == EXIT_REFUSED, result.output
    assert "--republish" in result.output
    assert "earlier than the latest published run (2025-12-31" in result.output
    assert latest_run(out) == latest
    assert not (out / "runs" / "2024-01-01").exists()
    assert not (out / "runs" / "2025-12-30").exists()
    assert not (out / "attempts").exists(), "a refused run writes nothing"
    assert published_tables(warehouse) == before

    # --republish: the past date is published beside, LATEST and the warehouse's current tables stay on 12-31
    result = runner.invoke(app, [*base, "--as-of", "2025-12-30", "--republish"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "runs" / "2025-12-30" / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "published"
    assert (out / "runs" / "2025-12-30" / "tables" / "warning.parquet").exists()
    assert "2025-12-31" in summary["message"]
    assert latest_run(out) == latest
    assert published_tables(warehouse) == before
    assert held_tables(warehouse) == []
