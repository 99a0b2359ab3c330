"""`wagewatch spark-run`: the SQL layers on Spark from a loaded warehouse, end to end on the tiny world.

The tests marked `spark` (run by `make test-spark`) start the real command in its own process on `local[2]` and
check its Parquet outputs against the warehouse's own DuckDB models; the others need neither PySpark nor Java.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.contracts import load_contract
from pipelines.settings import sql_params
from pipelines.spark_run import (
    INSTALL_HINT,
    PARTITION_COLUMN,
    ModelRun,
    export_raw,
    model_difference,
    month_column,
    raw_tables,
    spark_conf,
    verify_against_duckdb,
)
from pipelines.warehouse import LAYERS, build_order, connect, discover_models

MODELS = discover_models()
ORDER = build_order(MODELS)


# ---------------------------------------------------------------- without Spark


def test_spark_run_without_pyspark_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` raises ImportError
    result = CliRunner().invoke(
        app, ["spark-run", "--warehouse", str(tmp_path / "wh.duckdb"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    assert "uv sync --group spark" in result.output
    assert "make test-spark" in result.output
    assert "Traceback" not in result.output
    assert INSTALL_HINT in result.output
    assert not (tmp_path / "out").exists()


def test_event_sources_are_partitioned_by_the_month_of_their_event_date():
    assert month_column(load_contract("attendance")) == "date"
    assert month_column(load_contract("account_txn")) == "txn_time"
    assert month_column(load_contract("payroll")) == "pay_month"
    assert month_column(load_contract("credit_event")) == "event_date"
    assert month_column(load_contract("project")) is None  # mutable: one snapshot file
    assert month_column(load_contract("project_worker")) is None


def test_export_writes_every_raw_table_the_models_read(tiny_warehouse, tmp_path):
    con = connect(tiny_warehouse.path, read_only=True)
    try:
        tables = raw_tables(MODELS)
        assert "raw_attendance" in tables
        assert "raw_project" in tables
        assert all(t.startswith("raw_") for t in tables)
        exports = export_raw(con, tables, tmp_path / "raw")
        assert set(exports) == set(tables)
        for table, e in exports.items():
            columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
            assert e.columns == columns
            assert e.rows == con.execute(f"select count(*) from {table}").fetchone()[0]
            # the Parquet holds the same rows (partition folders read back without their key column)
            glob = f"{e.path}/*/*.parquet" if e.month_of else e.path
            cols = ", ".join(f'"{c}"' for c in columns)
            differ = con.execute(
                f"select count(*) from ((select {cols} from read_parquet('{glob}', hive_partitioning = true)"
                f" except all select {cols} from {table}) union all (select {cols} from {table} except all "
                f"select {cols} from read_parquet('{glob}', hive_partitioning = true)))"
            ).fetchone()[0]
            assert differ == 0, table

        attendance = exports["raw_attendance"]
        assert attendance.month_of == "date"
        months = sorted(p.name for p in Path(attendance.path).iterdir())
        expected = [
            f"{PARTITION_COLUMN}={m}"
            for (m,) in con.execute(
                "select distinct strftime(date, '%Y-%m') from raw_attendance order by 1"
            ).fetchall()
        ]
        assert months == expected
        assert len(months) > 1
        # every row sits in the folder of its own month
        misplaced = con.execute(
            f"select count(*) from read_parquet('{attendance.path}/*/*.parquet', hive_partitioning = true) "
            f"where strftime(date, '%Y-%m') <> {PARTITION_COLUMN}"
        ).fetchone()[0]
        assert misplaced == 0
        assert exports["raw_project"].month_of is None
        assert Path(exports["raw_project"].path).is_file()
    finally:
        con.close()


def test_cluster_masters_keep_their_own_addresses_and_partitions(tmp_path):
    local = spark_conf("local[2]", "2g", tmp_path)
    assert local["spark.sql.shuffle.partitions"] == "2"
    assert local["spark.driver.host"] == "127.0.0.1"
    assert local["spark.sql.ansi.enabled"] == "false"  # part of the models' meaning on Spark
    cluster = spark_conf("spark://10.0.0.5:7077", "2g", tmp_path)
    assert cluster["spark.master"] == "spark://10.0.0.5:7077"
    assert cluster["spark.sql.ansi.enabled"] == "false"
    assert cluster["spark.sql.session.timeZone"] == "UTC"
    assert "spark.driver.host" not in cluster  # executors must reach the driver at its real address
    assert "spark.sql.shuffle.partitions" not in cluster


# ---------------------------------------------------------------- the real command on local[2]


@pytest.fixture(scope="module")
def cli_run(tiny_warehouse, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """`wagewatch spark-run --verify` on the tiny warehouse, in its own process (its own JVM), as an operator
    runs it."""
    pytest.importorskip("pyspark", reason="PySpark is the optional `spark` group: make test-spark")
    out = tmp_path_factory.mktemp("spark_run") / "out"
    env = {k: v for k, v in os.environ.items() if k != "WAGEWATCH_SETTINGS_FILE"}
    wagewatch = Path(sys.executable).parent / "wagewatch"
    proc = subprocess.run(
        [
            str(wagewatch),
            "spark-run",
            "--warehouse",
            str(tiny_warehouse.path),
            "--as-of",
            tiny_warehouse.as_of.isoformat(),
            "--master",
            "local[2]",
            "--driver-memory",
            "2g",
            "--out",
            str(out),
            "--verify",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    return proc, out


@pytest.fixture(scope="module")
def duck(tiny_warehouse):
    con = connect(tiny_warehouse.path, read_only=True)
    yield con
    con.close()


@pytest.mark.spark
def test_spark_run_verifies_and_summarises_every_model(cli_run, tiny_warehouse):
    proc, out = cli_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"verified: all {len(MODELS)} models give the same rows on Spark and DuckDB" in proc.stdout
    assert "Traceback" not in proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == tiny_warehouse.as_of.isoformat()
    assert summary["master"] == "local[2]"
    assert summary["verified"] is True
    assert summary["differences"] == {}
    assert list(summary["models"]) == ORDER  # the warehouse's dependency order
    assert all(m["error"] is None for m in summary["models"].values())
    assert {m["layer"] for m in summary["models"].values()} == set(LAYERS)
    for step in ("export", "spark_start", *LAYERS, "verify"):
        assert summary["seconds"][step] > 0, step
    assert summary["raw"]["raw_attendance"]["month_of"] == "date"
    assert not (out / ".verify.duckdb").exists()  # the DuckDB side of the check is scratch
    assert not (out / ".spark").exists()


@pytest.mark.spark
@pytest.mark.parametrize("name", ORDER)
def test_spark_run_writes_the_model_as_parquet_equal_to_duckdb(name, cli_run, duck, spark):
    proc, out = cli_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = out / "models" / name
    assert any(folder.glob("*.parquet")), f"no Parquet in {folder}"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["models"][name]["path"] == str(folder)
    duck_rows = duck.execute(f"select count(*) from {name}").fetchone()[0]
    assert summary["models"][name]["rows"] == duck_rows
    # compared with the warehouse's own tables, built by the nightly's steps (not the command's own check)
    difference = model_difference(duck, name, spark.read.parquet(str(folder)))
    assert difference is None, difference


@pytest.mark.spark
def test_verify_reports_models_that_differ(cli_run, tiny_warehouse, spark, tmp_path):
    proc, out = cli_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    built = {n: ModelRun(**m) for n, m in summary["models"].items()}
    # one row fewer on the Spark side, another model's rows in place of a model's, a model that failed
    short = tmp_path / "short"
    full = spark.read.parquet(built["stg_project"].path)
    full.limit(full.count() - 1).write.parquet(str(short))
    built["stg_project"].path = str(short)
    built["stg_team"].path = built["stg_wage_account"].path
    built["rule_firing"].error = "AnalysisException: made up for this test"
    differ = verify_against_duckdb(
        spark,
        tiny_warehouse.path,
        sql_params(tiny_warehouse.settings, tiny_warehouse.as_of),
        built,
        tmp_path / "verify.duckdb",
        tiny_warehouse.settings,
        raw_tables(MODELS),
        MODELS,
    )
    assert set(differ) == {"stg_project", "stg_team", "rule_firing"}
    assert "row counts differ" in differ["stg_project"]
    assert "columns differ" in differ["stg_team"]
    assert "not built on Spark" in differ["rule_firing"]
    assert not (tmp_path / "verify.duckdb").exists()


@pytest.mark.spark
def test_spark_run_refuses_a_file_that_is_not_a_warehouse(tmp_path):
    pytest.importorskip("pyspark", reason="PySpark is the optional `spark` group: make test-spark")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    result = CliRunner().invoke(
        app, ["spark-run", "--warehouse", str(tmp_path / "empty.duckdb"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "not a wagewatch warehouse" in result.output
    assert isinstance(result.exception, SystemExit)
