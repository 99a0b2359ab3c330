"""The DuckDB warehouse: connection, raw-layer DDL derived from the contracts, and the SQL model runner.

Layers (docs/warehouse.md): raw_<entity> (loaded rows, typed, personal data hashed) → stg_<entity> (one row per
natural key) → int_* → fct_/dim_/rpt_ marts and the output tables other tools read; feat_*/fx_* (the risk score's
features) read the raw and rule tables.
"""

from __future__ import annotations

import contextlib
import functools
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contracts import Column, Contract, all_contracts
from pipelines.incremental import (
    FULL_BUILD_PARAMS,
    MONTH_SPINE,
    STATE_TABLE,
    Night,
    Plan,
    Touched,
    describe,
    ensure_state,
    incremental_column,
    plan,
    record,
    spine_rebuilt,
)
from pipelines.sql_literals import inline_params
from pipelines.tables import drop_relation, has_table, is_view  # callers also import has_table from here

SQL_DIR = Path(__file__).resolve().parent / "sql"
# features: the risk score's point-in-time inputs over the snapshot dates of feat_snapshot; not built by the nightly's
# models step but as temporary tables by pipelines/features (tonight's date when scoring, many for training)
LAYERS = ("staging", "intermediate", "checks", "rules", "marts", "features")

DUCKDB_TYPES = {
    "str": "VARCHAR",
    "code": "VARCHAR",
    "area": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "month": "VARCHAR",  # 'yyyy-MM', the spec's output format
    "decimal": "DOUBLE",
    "int": "INTEGER",
    "bool": "BOOLEAN",
}

# Lineage carried by every raw row: which delivered file and line it came from.
LINEAGE_COLUMNS = {
    "_file_id": "INTEGER",  # load_file.file_id
    "_line": "INTEGER",  # 1-based physical line (CSV), row (XLSX, header = 1), record index (JSON), row (Parquet)
    "_extract_date": "DATE",  # the inbox sub-folder the file came in
    # DuckDB's 64-bit hash() of the row's stored values (same content = duplicate inside a file); a number, not its
    # text: the text cost a quarter of the insert's CPU (docs/decisions.md "Loading, fourth round")
    "_row_hash": "UBIGINT",
}


def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (or an in-memory one) with the offline-safe settings every connection needs."""
    if path is not None and str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(path) if path is not None else ":memory:",
        read_only=read_only,
        config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"},
    )
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'Asia/Shanghai'") if _has_icu(con) else None
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """A query's result as a polars DataFrame (DuckDB 2.0's execute() result has no .pl()).

    execute() rather than sql(): a relation refuses to run while an earlier execute() result is unfinished. Its
    warning that Arrow output on a DB-API result copies the rows once (small results) is filtered for the process
    (_ARROW_COPY below): a catch_warnings() around the call is not thread-safe, and with another thread changing the
    filters at the same time it let the warning through (the test suite showed it now and then)."""
    table = con.execute(sql, params or []).to_arrow_table()
    return pl.from_arrow(table)  # type: ignore[return-value]


_ARROW_COPY = "Arrow output on a DB-API result"
warnings.filterwarnings("ignore", message=_ARROW_COPY, category=UserWarning)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed when the block ends, rolled back (and the error raised) when it fails."""
    con.execute("begin")
    try:
        yield
    except Exception:
        con.execute("rollback")
        raise
    con.execute("commit")


def _has_icu(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        found = con.execute(
            "select count(*) from duckdb_extensions() where extension_name='icu' and loaded"
        ).fetchone()
    except duckdb.Error:
        return False
    return bool(found and found[0])


def warehouse_columns(col: Column) -> list[tuple[str, str]]:
    """The raw_<entity> columns one contract column becomes: personal data → `<name>_hash` + `<name>_masked`."""
    if col.pii:
        return [(f"{col.name}_hash", "VARCHAR"), (f"{col.name}_masked", "VARCHAR")]
    return [(col.name, DUCKDB_TYPES[col.type])]


def staged_columns(col: Column) -> list[tuple[str, str]]:
    """The same columns as stg_<entity> names them: `staged_as` renames a column (attendance date → punched_at);
    personal data keeps its `_hash`/`_masked` names (contracts.py refuses `staged_as` on it)."""
    return [(col.staged_name if name == col.name else name, kind) for name, kind in warehouse_columns(col)]


def raw_key(contract: Contract) -> list[str]:
    """The natural key as raw_<entity> columns (personal-data key parts are joined by their hash)."""
    return [warehouse_columns(contract.column(k))[0][0] for k in contract.key]


def staged_key(contract: Contract) -> list[str]:
    """The natural key as stg_<entity> columns (the raw key with the staged names: attendance's punched_at)."""
    return [staged_columns(contract.column(k))[0][0] for k in contract.key]


def entity_columns(contract: Contract) -> list[tuple[str, str]]:
    """All typed warehouse columns of an entity, in contract order."""
    return [wc for c in contract.columns for wc in warehouse_columns(c)]


def raw_table_ddl(contract: Contract) -> str:
    """CREATE TABLE for raw_<entity>: typed contract columns, unknown extras as JSON text, lineage."""
    cols = [*entity_columns(contract), ("_extra", "VARCHAR"), *list(LINEAGE_COLUMNS.items())]
    body = ",\n  ".join(f'"{n}" {t}' for n, t in cols)
    return f"CREATE TABLE IF NOT EXISTS raw_{contract.entity} (\n  {body}\n)"


LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS load_file (
  file_id INTEGER PRIMARY KEY,
  path VARCHAR NOT NULL,            -- relative to the inbox: '2025-06-30/attendance_0630.csv'
  sha256 VARCHAR NOT NULL,          -- content hash: the same bytes are loaded once per extract date
  entity VARCHAR,
  extract_date DATE,
  format VARCHAR,
  encoding VARCHAR,
  status VARCHAR NOT NULL,          -- loaded | failed | unknown_entity | unpacked (a zip, its members loaded)
  reason VARCHAR,                   -- plain words when failed; for a loaded file, the entity its header gave (recognise.py)
  rows_read BIGINT DEFAULT 0,
  rows_loaded BIGINT DEFAULT 0,
  rows_duplicate BIGINT DEFAULT 0,
  rows_quarantined BIGINT DEFAULT 0,
  loaded_at TIMESTAMP,
  rows_duplicate_in_file BIGINT DEFAULT 0, -- of rows_duplicate: repeated inside this very file (a fault);
                                           -- the rest were delivered before (overlapping re-exports: normal)
  tail_problem VARCHAR,             -- CSV/JSONL whose last record is cut off (ingest/tail.py), plain words
  unknown_headers VARCHAR,          -- a loaded file's headers the contract does not know (、-separated): kept in
                                    -- raw `_extra`, used by nothing downstream (file_unknown_columns)
  rows_changed_not_taken BIGINT DEFAULT 0, -- of rows_duplicate: events stored under their key with other content
                                           -- (a correction not taken: event_correction_not_taken)
  hidden_sheets VARCHAR             -- a workbook's hidden sheets whose header is the data's, not loaded (、-separated,
                                    -- each with its rows): hidden_sheet_not_loaded
)"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
  file_id INTEGER NOT NULL,
  path VARCHAR NOT NULL,
  entity VARCHAR NOT NULL,
  line INTEGER,                     -- same numbering as raw _line
  column_name VARCHAR,              -- canonical column, null for whole-row problems
  value_masked VARCHAR,             -- the offending value, masked when the column holds personal data
  reason_code VARCHAR NOT NULL,     -- stable id: bad_date, unknown_code, id_check_digit, ...
  reason VARCHAR NOT NULL,          -- plain words (Chinese), for the analyst and the bulletin
  loaded_at TIMESTAMP
)"""


def ensure_schema(con: duckdb.DuckDBPyConnection, contracts: Mapping[str, Contract] | None = None) -> None:
    """Create the ledger, quarantine and raw tables if missing (idempotent)."""
    con.execute(LEDGER_DDL)
    con.execute(QUARANTINE_DDL)
    for c in (contracts or all_contracts()).values():
        con.execute(raw_table_ddl(c))


# ---------------------------------------------------------------- SQL models


@dataclass(frozen=True)
class SqlModel:
    """One SQL file = one table. Its name is the file stem; its layer the folder."""

    name: str
    layer: str
    path: Path
    sql: str
    grain: str
    # `-- incremental: by_month(<column>)`: the output column whose month partitions the table, or
    # `-- incremental: append_new_rows` (incremental.APPEND): a staging copy that only gains rows (pipelines/incremental.py)
    incremental: str | None = None
    # `-- materialized: view`: a view with the run's parameters written in (create_model), not a table
    materialized: str = "table"

    # cached: the runner's planning asks every model's refs and body thousands of times a night (regex scans)
    @functools.cached_property
    def refs(self) -> set[str]:
        """Relations this model reads, found in its FROM/JOIN clauses."""
        return set(_REF_RE.findall(_strip_comments(self.sql)))

    @functools.cached_property
    def body(self) -> str:
        """The model's SELECT without comments or a closing semicolon."""
        return _strip_comments(self.sql).strip().rstrip(";")


_REF_RE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
_VIEW_RE = re.compile(r"^--\s*materialized:\s*view\s*$", re.IGNORECASE | re.MULTILINE)


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def discover_models(sql_dir: Path = SQL_DIR, layers: Iterable[str] = LAYERS) -> dict[str, SqlModel]:
    """Every model file under sql/<layer>/, keyed by table name. A file must open with `-- grain: …`."""
    models: dict[str, SqlModel] = {}
    for layer in layers:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            first = sql.lstrip().splitlines()[0] if sql.strip() else ""
            if not first.lower().startswith("-- grain:"):
                raise ValueError(f"{path}: first line must be '-- grain: one row per …'")
            if path.stem in models:
                raise ValueError(f"{path}: table {path.stem} defined twice")
            models[path.stem] = SqlModel(
                path.stem,
                layer,
                path,
                sql,
                first.split(":", 1)[1].strip(),
                incremental_column(sql),
                "view" if _VIEW_RE.search(sql) else "table",
            )
    return models


def build_order(models: Mapping[str, SqlModel]) -> list[str]:
    """Models in dependency order; a model may only read from its own or lower layers."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    graph: dict[str, set[str]] = {}
    for name, m in models.items():
        deps = {r for r in m.refs if r in models and r != name}
        for d in deps:
            if rank[models[d].layer] > rank[m.layer]:
                raise ValueError(f"{name} ({m.layer}) reads {d} from a higher layer ({models[d].layer})")
        graph[name] = deps
    return list(TopologicalSorter(graph).static_order())


def set_params(con: duckdb.DuckDBPyConnection, params: Mapping[str, object]) -> None:
    """Expose run parameters and thresholds to SQL as DuckDB variables: `getvariable('grace_days')`."""
    for k, v in params.items():
        if isinstance(v, date):
            con.execute(f"SET VARIABLE {k} = DATE '{v.isoformat()}'")
        elif isinstance(v, list | tuple):
            con.execute(f"SET VARIABLE {k} = ?", [list(v)])
        elif v is None:
            con.execute(f"SET VARIABLE {k} = NULL")
        else:
            con.execute(f"SET VARIABLE {k} = ?", [v])


class BuildReport(list[str]):
    """The names of the models built, in order (a list, as before), and how the incremental ones were built:
    `plans[name]` (full | incremental with its months | up_to_date); `summary_dict()` goes into the run summary."""

    def __init__(self) -> None:
        super().__init__()
        self.plans: dict[str, Plan] = {}

    def summary_dict(self) -> dict[str, object]:
        return {"built": list(self), "incremental": describe(self.plans)}


def run_models(
    con: duckdb.DuckDBPyConnection,
    params: Mapping[str, object],
    *,
    models: Mapping[str, SqlModel] | None = None,
    only: Iterable[str] | None = None,
    temp: bool = False,
    incremental: bool | None = None,
    full: bool = False,
) -> BuildReport:
    """Build every model (or `only` those) as a table, in dependency order. Returns the names built.

    `temp`: as temporary tables, which shadow the warehouse's tables of the same names for this connection until
    dropped (the features build the rules at past dates this way, read-only connections included); always full.
    `incremental`: keep the build state (`_model_build`) and rebuild only the months that changed of the models
    that opt in (`-- incremental: by_month(col)`); None = when the warehouse already keeps that state (a nightly
    warehouse), so every caller of a night builds the same way. `full`: rebuild every model whole (and record it).
    """
    models = models or discover_models()
    set_params(con, FULL_BUILD_PARAMS)
    set_params(con, params)
    order = build_order(models)
    wanted = set(only) if only is not None else None
    tracked = not temp and (incremental is True or (incremental is None and has_table(con, STATE_TABLE)))
    night = touched = None
    if tracked:
        ensure_state(con)
        night = Night.read(con)
        touched = Touched(con, night, models)
    built = BuildReport()
    existing = _relations(con) if tracked else set()
    for name in order:
        if wanted is not None and name not in wanted:
            continue
        body = _strip_comments(models[name].sql).strip().rstrip(";")
        if night is None or touched is None:
            create_model(con, models[name], params, temp=temp)
            built.append(name)
            continue
        p = plan(con, models, name, night, touched, full=full, table_exists=name in existing)
        with transaction(con):
            if p.mode == "full":
                create_model(con, models[name], params)
            elif p.mode == "incremental":
                _rebuild_months(con, name, models[name], body, p.months, p.lag)
            elif p.mode == "append":
                con.execute(f"insert into {name} select * from ({body}) as _build where {p.new_rows}")
            record(con, models, name, night, p)
        existing.add(name)
        if name == MONTH_SPINE and p.mode != "up_to_date":
            spine_rebuilt(night)
        if models[name].incremental or p.mode == "up_to_date":
            built.plans[name] = p
        built.append(name)
    return built


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views an unqualified name resolves to (as has_table sees them), listed once for a run."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog in (current_database(), 'temp')"
    ).fetchall()
    return {r[0] for r in rows}


def create_model(
    con: duckdb.DuckDBPyConnection, model: SqlModel, params: Mapping[str, object], *, temp: bool = False
) -> None:
    """Build a model whole: a table of its rows, or for `-- materialized: view` a view whose run parameters are
    written in as literals (`getvariable` would read the variables of whichever connection queries it, and a
    cursor or a fresh connection has none: GX reads through a cursor). A view replaces a table of the same name
    and back."""
    kind = "VIEW" if model.materialized == "view" else "TABLE"
    if is_view(con, model.name, temp=temp) != (kind == "VIEW"):
        drop_relation(con, model.name, temp=temp)
    body = model.body
    if kind == "VIEW":
        body = inline_params(body, params)
    con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}{kind} {model.name} AS {body}")


def _rebuild_months(
    con: duckdb.DuckDBPyConnection, name: str, model: SqlModel, body: str, months: list[str], lag: int = 0
) -> None:
    """Delete the months' rows and insert them again from the model's SQL, which may restrict its input scans to
    `getvariable('build_from')` … `getvariable('build_to')` (the months' first and last day; a model with `lag=n`
    reads from `getvariable('build_reads_from')`, the first day n months before); the output is cut to exactly the
    months."""
    column = str(model.incremental)
    kind = con.execute(
        "select data_type from information_schema.columns where table_name = ? and column_name = ?",
        [name, column],
    ).fetchone()
    if kind is None:
        raise ValueError(f"{name}: incremental column {column!r} is not one of its columns")
    month = (
        f'"{column}"' if str(kind[0]).upper().startswith("VARCHAR") else f"strftime(\"{column}\", '%Y-%m')"
    )
    first = date.fromisoformat(months[0] + "-01")
    last_start = date.fromisoformat(months[-1] + "-01")
    last = date(last_start.year + (last_start.month == 12), last_start.month % 12 + 1, 1)
    reads = (first.year * 12 + first.month - 1) - lag
    set_params(
        con,
        {
            "build_from": first,
            "build_to": date.fromordinal(last.toordinal() - 1),
            "build_reads_from": date(reads // 12, reads % 12 + 1, 1),
        },
    )
    try:
        within, params = _in_months(column, str(kind[0]), months)
        con.execute(f"delete from {name} where {within}", params)
        con.execute(
            f"insert into {name} select * from ({body}) as _build where list_contains(?::VARCHAR[], {month})",
            [months],
        )
    finally:
        set_params(con, FULL_BUILD_PARAMS)


def _in_months(column: str, kind: str, months: list[str]) -> tuple[str, list[object]]:
    """The predicate (and its parameters) of the rows of the months: a 'yyyy-MM' column by value, a DATE or
    TIMESTAMP column by date ranges, so that the delete skips the row groups of other months (zone maps) instead of
    formatting every stored row's date."""
    if kind.upper().startswith("VARCHAR"):
        return f'list_contains(?::VARCHAR[], "{column}")', [months]
    ranges: list[list[date]] = []
    for m in months:
        start = date.fromisoformat(m + "-01")
        end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = end
        else:
            ranges.append([start, end])
    cast = "TIMESTAMP" if kind.upper().startswith("TIMESTAMP") else "DATE"
    return " or ".join(
        f"(\"{column}\" >= {cast} '{lo}' and \"{column}\" < {cast} '{hi}')" for lo, hi in ranges
    ), []
