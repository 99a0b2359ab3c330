"""One local Spark session per test session, for the golden tests (PySpark is imported only when asked for)."""

from __future__ import annotations

from typing import Any

import pytest

# Spark for a 2-core CI runner: local, UTC, few shuffle partitions, no UI, nothing listening beyond localhost.
SPARK_CONF = {
    "spark.master": "local[2]",
    "spark.app.name": "wagewatch-golden",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.ansi.enabled": "false",
    "spark.driver.memory": "4g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> Any:
    """A local SparkSession (a JVM start costs ~10 s, so one for the whole run)."""
    from pyspark.sql import SparkSession

    scratch = tmp_path_factory.mktemp("spark")
    builder = SparkSession.builder
    for key, value in {
        **SPARK_CONF,
        "spark.local.dir": str(scratch / "local"),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
    }.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
