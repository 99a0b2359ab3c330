"""Spark and warehouse fixtures for the Spark tests (PySpark is imported only when asked for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipelines.settings import Settings


@dataclass(frozen=True)
class TinyWarehouse:
    """The tiny world loaded and modelled the way the nightly does it; closed, so tests open it read-only."""

    path: Path
    as_of: date
    settings: Settings


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_world, tmp_path_factory) -> TinyWarehouse:
    """tiny_world → load_extracts → every model layer on DuckDB, as pipelines/night_steps.py runs them."""
    from pipelines.night_steps import build_layer, load_extracts, open_warehouse, resolve_as_of
    from pipelines.warehouse import LAYERS

    path = tmp_path_factory.mktemp("tiny_warehouse") / "wh.duckdb"
    inbox = tiny_world / "inbox"
    settings = Settings()
    as_of = resolve_as_of(inbox, None)
    con = open_warehouse(path, settings)
    try:
        load_extracts(con, inbox, settings, as_of)
        build_layer(con, settings, as_of, LAYERS)
    finally:
        con.close()
    return TinyWarehouse(path, as_of, settings)


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> Any:
    """One local[2] SparkSession with the models' settings (a JVM start costs ~10 s, so one for the whole run)."""
    pytest.importorskip("pyspark", reason="PySpark is the optional `spark` group: make test-spark")
    from pipelines.spark_run import start_spark

    session = start_spark("local[2]", scratch=tmp_path_factory.mktemp("spark"), app_name="wagewatch-tests")
    yield session
    session.stop()
