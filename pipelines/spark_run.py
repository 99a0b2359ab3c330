"""Run the SQL layers (staging → intermediate → rules → marts) on Apache Spark: `wagewatch spark-run`.

The warehouse stays the single-node DuckDB file that ingestion loaded. From it this module
1. exports the raw tables the models read to Parquet (event sources partitioned by the month of their event date),
2. registers them as Spark views and builds every SQL model in the warehouse's dependency order
   (`pipelines.spark_sql.to_spark`: the same model files, the same settings as the nightly's `sql_params`),
   each written once as Parquet (`OUT/models/<model>/`) and read back as the view the next models read,
3. optionally (`verify`) builds the same models on DuckDB from the same warehouse and as_of and compares every
   model's rows with Spark's.

Loading, quality checks, scoring and reports stay single-node (docs/scale.md). The golden tests
(tests/pipelines/test_spark_golden.py) use the same export, build and comparison functions.

PySpark is the optional `spark` dependency group; it is imported only inside the functions that need it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.contracts import Contract, all_contracts
from pipelines.settings import Settings, sql_params
from pipelines.spark_sql import to_spark
from pipelines.warehouse import LAYERS, SqlModel, build_order, connect, discover_models, run_models

DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "2g"
INSTALL_HINT = (
    "PySpark is not installed: it is the optional `spark` dependency group. Install it with "
    "`uv sync --group spark` (in this repository `make test-spark` does that, with Java 17)."
)
PARTITION_COLUMN = "part_month"
"""The Hive partition key of exported event tables ('yyyy-MM'); dropped again when Spark registers the view."""

Progress = Callable[[str], None]


class SparkRunError(RuntimeError):
    """A run that cannot start (no warehouse, nothing loaded, warehouse busy): a message, not a traceback."""


class SparkUnavailableError(SparkRunError):
    """PySpark or Java is missing, or Spark did not start."""


# ---------------------------------------------------------------- the Spark session


def spark_conf(master: str, driver_memory: str, scratch: Path, app_name: str = "wagewatch") -> dict[str, str]:
    """The settings the SQL models need on Spark (their meaning), plus modest resources for a local master.

    `spark.sql.ansi.enabled=false` and a UTC session zone are part of the models' meaning on Spark (the golden
    tests run with them). The loopback driver address and partition counts apply to `local[…]` masters only;
    a cluster keeps its own.
    """
    conf = {
        "spark.master": master,
        "spark.app.name": app_name,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.driver.memory": driver_memory,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": str((scratch / "warehouse").absolute()),
    }
    cores = _local_cores(master)
    if cores is not None:
        conf |= {
            "spark.sql.shuffle.partitions": str(cores),
            "spark.default.parallelism": str(cores),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
        }
    return conf


def _local_cores(master: str) -> int | None:
    """Cores of a `local`, `local[N]` or `local[*]` master; None for a cluster URL."""
    m = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?", master.strip())
    if m is None:
        return None
    n = m.group(1)
    return (os.cpu_count() or 1) if n == "*" else int(n or 1)


def require_spark() -> None:
    """Raise SparkUnavailableError, saying what to install, when PySpark or a Java runtime is missing."""
    # pyspark 4.3 warns about pandas 3 on import; the models use no pandas API
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailableError(INSTALL_HINT) from None
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        raise SparkUnavailableError(
            "Spark needs a Java 17 runtime: install openjdk-17-jre-headless (`make test-spark` does) "
            "or set JAVA_HOME."
        )


def start_spark(
    master: str = DEFAULT_MASTER,
    *,
    driver_memory: str = DEFAULT_DRIVER_MEMORY,
    scratch: Path,
    app_name: str = "wagewatch",
) -> Any:
    """A SparkSession for the models (or the process's existing one, with the models' settings applied)."""
    require_spark()
    from pyspark.sql import SparkSession

    # read by the JVM this starts: a local master stays on the loopback, its shuffle files in scratch
    if _local_cores(master) is not None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("SPARK_LOCAL_DIRS", str((scratch / "local").absolute()))
    builder = SparkSession.builder
    for key, value in spark_conf(master, driver_memory, scratch, app_name).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as e:  # the JVM did not start or the master is unreachable
        raise SparkUnavailableError(f"Spark did not start on {master}: {_first_line(e)}") from e
    session.sparkContext.setLogLevel("ERROR")
    return session


# ---------------------------------------------------------------- raw tables → Parquet → Spark views


@dataclass(frozen=True)
class RawExport:
    """One raw table as Parquet: a file, or a folder of `part_month=yyyy-MM/` partitions."""

    table: str
    path: str
    columns: list[str]
    rows: int
    month_of: str | None  # the date column the partitions are the months of; None = one file


def raw_tables(models: Mapping[str, SqlModel]) -> list[str]:
    """The raw_<entity> tables the models read."""
    refs = {r for m in models.values() for r in m.refs}
    return sorted(f"raw_{e}" for e in all_contracts() if f"raw_{e}" in refs)


def month_column(contract: Contract) -> str | None:
    """The column an event source is partitioned by month on: its first required date, datetime or month.

    Event sources (`mutable: false`: attendance, account transactions, payroll, credit events) grow with history;
    a night adds a month's worth at the end. Mutable sources are snapshots per key and stay one file.
    """
    if contract.mutable:
        return None
    return next(
        (c.name for c in contract.columns if c.required and c.type in ("date", "datetime", "month")), None
    )


def export_raw(con: duckdb.DuckDBPyConnection, tables: Iterable[str], folder: Path) -> dict[str, RawExport]:
    """Write each raw table (as `con` sees it) to Parquet under `folder`, replacing an earlier export."""
    contracts = all_contracts()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    out: dict[str, RawExport] = {}
    for table in tables:
        cur = con.execute(f"select * from {table} limit 0")
        columns = [d[0] for d in cur.description]
        rows = con.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
        contract = contracts.get(table.removeprefix("raw_"))
        month_of = month_column(contract) if contract is not None and rows else None
        if month_of is None:
            path = folder / f"{table}.parquet"
            con.execute(f"copy {table} to '{_sql_path(path)}' (format parquet)")
        else:
            path = folder / table
            is_month = contract.column(month_of).type == "month"  # type: ignore[union-attr]
            month = f'"{month_of}"' if is_month else f"strftime(\"{month_of}\", '%Y-%m')"
            con.execute(
                f"copy (select *, coalesce({month}, 'unknown') as {PARTITION_COLUMN} from {table}) "
                f"to '{_sql_path(path)}' (format parquet, partition_by ({PARTITION_COLUMN}))"
            )
        out[table] = RawExport(table, str(path.absolute()), columns, int(rows), month_of)
    return out


def register_raw(spark: Any, exports: Mapping[str, RawExport]) -> None:
    """Each exported raw table as a Spark temp view with exactly the warehouse's columns, in order."""
    for e in exports.values():
        reader = spark.read.option("basePath", e.path) if e.month_of else spark.read
        reader.parquet(e.path).select(*[f"`{c}`" for c in e.columns]).createOrReplaceTempView(e.table)


def _sql_path(path: Path) -> str:
    return str(path.absolute()).replace("'", "''")


# ---------------------------------------------------------------- the models on Spark


@dataclass
class ModelRun:
    """One model built on Spark: its Parquet folder and row count, or the error that stopped it."""

    name: str
    layer: str
    path: str
    rows: int | None = None
    seconds: float = 0.0
    error: str | None = None


def build_models(
    spark: Any,
    params: Mapping[str, Any],
    folder: Path,
    models: Mapping[str, SqlModel] | None = None,
    progress: Progress | None = None,
) -> dict[str, ModelRun]:
    """Build every model on Spark in dependency order, each as Parquet `folder/<model>/` and a view of it.

    A model that fails is recorded with its error, and the models that read it are not built; the rest go on.
    """
    models = models or discover_models()
    runs: dict[str, ModelRun] = {}
    for name in build_order(models):
        model = models[name]
        path = (folder / name).absolute()
        run = runs[name] = ModelRun(name, model.layer, str(path))
        failed = sorted(d for d in model.refs if runs.get(d) is not None and runs[d].error)
        if failed:
            run.error = f"not built: upstream {', '.join(failed)} failed on Spark"
            continue
        start = time.perf_counter()
        try:
            sql = to_spark(model, params, columns_of=lambda n: spark.table(n).columns)
            # Materialise as Parquet, as a Spark deployment writes tables: later models read rows instead of
            # re-planning every upstream model (cache() kept the plans: 5 min on the tiny world).
            # localCheckpoint() failed on rule_firing's 17-way union with a Spark-internal
            # NoSuchElementException (pyspark 4.3.0).
            spark.sql(sql).write.mode("overwrite").parquet(str(path))
            table = spark.read.parquet(str(path))
            table.createOrReplaceTempView(name)
            run.rows = table.count()
        except Exception as e:  # one model's failure is that model's, not everyone's
            run.error = f"{type(e).__name__}: {_first_line(e)}"
        run.seconds = round(time.perf_counter() - start, 3)
        if progress:
            status = f"{run.rows} rows" if run.error is None else f"FAILED {run.error}"
            progress(f"  {model.layer:<12} {name:<36} {run.seconds:>7.1f} s  {status}")
    return runs


def _first_line(e: BaseException) -> str:
    return next((line.strip() for line in str(e).splitlines() if line.strip()), type(e).__name__)


# ---------------------------------------------------------------- comparing Spark with DuckDB


def normalised(value: Any) -> Any:
    """One cell in an engine-neutral form: numbers as floats to 6 decimals, dates and times as ISO text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        f = float(value)
        return "NaN" if math.isnan(f) else round(f, 6)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return tuple(normalised(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, normalised(v)) for k, v in value.items()))
    return repr(value)


def normalised_rows(rows: Iterable[Iterable[Any]]) -> Counter:
    """Rows as a multiset of normalised tuples (order-free; NULL equals NULL)."""
    return Counter(tuple(normalised(v) for v in row) for row in rows)


def _sample(rows: Counter, n: int = 5) -> str:
    return "\n".join(f"  {row} ×{k}" for row, k in sorted(rows.items(), key=repr)[:n]) or "  (none)"


# Columns holding the engine's own 64-bit hash (DuckDB hash, Spark xxhash64): a join key within one build, whose
# values differ between engines. They are compared by how many distinct keys there are; the models that join on
# them (feat_project) are compared in full.
ENGINE_HASH_COLUMNS = {
    "int_person_day": ("person_key",),
    "int_person_month": ("person_key",),
    "int_off_roster_punch_month": ("person_key",),
    "fx_person_day": ("person_key",),
    "fx_person_month": ("person_key",),
    "fx_payroll_first": ("person_key",),
}


def model_difference(duck: duckdb.DuckDBPyConnection, name: str, spark_df: Any) -> str | None:
    """How Spark's rows of a model differ from DuckDB's table of that name, or None when they are the same:
    the same columns in the same order, the same number of rows, the same multiset of rows.

    Both sides are collected into Python: meant for test and pilot worlds, not a province's history.
    """
    duck_columns = [d[0] for d in duck.execute(f"select * from {name} limit 0").description]
    if spark_df.columns != duck_columns:
        return f"{name}: columns differ\n  DuckDB: {duck_columns}\n  Spark:  {spark_df.columns}"
    hashed = ENGINE_HASH_COLUMNS.get(name, ())
    for column in hashed:
        keys = duck.execute(f'select count(distinct "{column}") from {name}').fetchone()[0]  # type: ignore[index]
        spark_keys = spark_df.select(f"`{column}`").distinct().count()
        if spark_keys != keys:
            return f"{name}: distinct {column} differ: DuckDB {keys}, Spark {spark_keys}"
    kept = [c for c in duck_columns if c not in hashed]
    quoted = ", ".join(f'"{c}"' for c in kept)
    duck_rows = normalised_rows(duck.execute(f"select {quoted} from {name}").fetchall())
    spark_df = spark_df.select(*[f"`{c}`" for c in kept])
    spark_rows = normalised_rows(spark_df.collect())
    if spark_rows.total() != duck_rows.total():
        return f"{name}: row counts differ: DuckDB {duck_rows.total()}, Spark {spark_rows.total()}"
    if spark_rows != duck_rows:
        return (
            f"{name}: rows differ ({kept})\nonly on DuckDB:\n{_sample(duck_rows - spark_rows)}\n"
            f"only on Spark:\n{_sample(spark_rows - duck_rows)}"
        )
    return None


def verify_against_duckdb(
    spark: Any,
    warehouse: Path,
    params: Mapping[str, Any],
    built: Mapping[str, ModelRun],
    scratch: Path,
    settings: Settings,
    tables: Iterable[str],
    models: Mapping[str, SqlModel] | None = None,
) -> dict[str, str]:
    """Build the models on DuckDB (a scratch database reading the warehouse's raw tables read-only, the same
    params) and compare each with Spark's Parquet. Returns model → difference for every model that differs."""
    models = models or discover_models()
    scratch.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect(scratch, memory_limit=settings.duckdb_memory_limit, threads=settings.duckdb_threads)
    try:
        con.execute(f"attach '{_sql_path(warehouse)}' as source_warehouse (read_only)")
        for table in tables:
            con.execute(f"create view {table} as select * from source_warehouse.{table}")
        run_models(con, params, models=models)
        differ: dict[str, str] = {}
        for name in build_order(models):
            run = built.get(name)
            if run is None or run.error:
                differ[name] = f"{name}: not built on Spark ({run.error if run else 'missing'})"
                continue
            diff = model_difference(con, name, spark.read.parquet(run.path))
            if diff is not None:
                differ[name] = diff
        return differ
    finally:
        con.close()
        for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
            leftover.unlink(missing_ok=True)


# ---------------------------------------------------------------- one run: `wagewatch spark-run`


def default_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The newest extract date the warehouse has loaded (the nightly's default as_of for that inbox)."""
    try:
        found = con.execute("select max(extract_date) from load_file where status = 'loaded'").fetchone()
    except duckdb.CatalogException:
        raise SparkRunError("not a wagewatch warehouse: it has no load_file ledger") from None
    if not found or found[0] is None:
        raise SparkRunError(
            "the warehouse has no loaded extract: run `wagewatch run` (or load an inbox) first"
        )
    return found[0]


@dataclass
class SparkRunResult:
    """What `spark_run` did: per-model runs, seconds per step and layer, and the verification's findings."""

    as_of: str
    master: str
    warehouse: str
    out: str
    spark_version: str
    raw: dict[str, dict[str, Any]]
    models: dict[str, dict[str, Any]]
    seconds: dict[str, float]
    verified: bool = False
    differences: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> dict[str, str]:
        return {n: m["error"] for n, m in self.models.items() if m["error"]}

    @property
    def ok(self) -> bool:
        return not self.failed and not self.differences

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def spark_run(
    warehouse: Path,
    out: Path,
    *,
    as_of: dt.date | None = None,
    master: str = DEFAULT_MASTER,
    driver_memory: str = DEFAULT_DRIVER_MEMORY,
    verify: bool = False,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> SparkRunResult:
    """Export the warehouse's raw tables, build every SQL model on Spark as of `as_of`, write them as Parquet.

    Layout of `out` (a folder every Spark executor can read and write: a shared mount on a cluster):
    `raw/` the exported inputs, `models/<model>/` each model's rows, `summary.json` rows and seconds.
    """
    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    require_spark()
    warehouse, out = warehouse.absolute(), out.absolute()
    if not warehouse.exists():
        raise SparkRunError(f"no warehouse at {warehouse}: run `wagewatch run` first")
    models = discover_models()
    tables = raw_tables(models)
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    try:
        con = connect(warehouse, read_only=True)
    except duckdb.IOException as e:
        raise SparkRunError(
            f"cannot open {warehouse} read-only (is a night running?): {_first_line(e)}"
        ) from e
    try:
        as_of = as_of or default_as_of(con)
        say(f"exporting {len(tables)} raw tables from {warehouse.name} to {out / 'raw'}")
        exports = export_raw(con, tables, out / "raw")
    finally:
        con.close()
    seconds["export"] = round(time.perf_counter() - start, 3)
    params = sql_params(settings, as_of)

    start = time.perf_counter()
    from pyspark.sql import SparkSession

    own_session = SparkSession.getActiveSession() is None
    spark = start_spark(master, driver_memory=driver_memory, scratch=out / ".spark")
    seconds["spark_start"] = round(time.perf_counter() - start, 3)
    try:
        register_raw(spark, exports)
        say(f"building {len(models)} models on Spark ({master}) as of {as_of}")
        built = build_models(spark, params, out / "models", models, progress=say)
        for layer in LAYERS:
            seconds[layer] = round(sum(r.seconds for r in built.values() if r.layer == layer), 3)
        result = SparkRunResult(
            as_of=as_of.isoformat(),
            master=master,
            warehouse=str(warehouse),
            out=str(out),
            spark_version=spark.version,
            raw={n: asdict(e) for n, e in exports.items()},
            models={n: asdict(r) for n, r in built.items()},
            seconds=seconds,
        )
        if verify:
            say("verifying: the same models on DuckDB, compared row by row")
            start = time.perf_counter()
            result.differences = verify_against_duckdb(
                spark, warehouse, params, built, out / ".verify.duckdb", settings, tables, models
            )
            result.verified = True
            seconds["verify"] = round(time.perf_counter() - start, 3)
    finally:
        if own_session:
            spark.stop()
        shutil.rmtree(out / ".spark", ignore_errors=True)
    (out / "summary.json").write_text(result.to_json() + "\n", encoding="utf-8")
    return result
