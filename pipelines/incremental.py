"""Incremental nights: which months of a month-partitioned model a night must rebuild (docs/decisions.md
"Incremental nights").

A model opts in with a header line `-- incremental: by_month(<output column>)`; the runner
(`warehouse.run_models`) then keeps the model's table and, each night, deletes and rebuilds only the months its
new input touches. What a night touches is computed here from the rows that became visible since the model's last
build (`_model_build`): rows of files loaded since (`_file_id` above the watermark) or delivered between the last
build's as_of and tonight's, mapped to months by how the model's inputs enter it:

- event sources (attendance, payroll, account_txn, credit_event) and project_progress: by the row's own month;
- mutable entities' versions (`stg_<entity>_version`): every month from the version's extract month on (month M
  reads the version valid on its last day); the registry's first extract describes the past as well, so a row at
  or before the first extract date touches every month;
- `stg_project` (the latest registry): only its codes are read by the incremental models (one row per registered
  project × month), so only a project code not seen before touches every month;
- anything else a model reads (a latest-state table, a non-incremental model): every month on any new row.

Plus every month from the last build's as_of month to tonight's (point-in-time filters `<= as_of`), and every
month when the month spine (`int_month`) starts earlier than it did. A model is rebuilt in full when it has no
state, when its SQL or a run parameter it (or a model it reads) depends on changed, when as_of is earlier than
the stored one (a backfill gives exactly what that night gave), when the schema version changed, or when asked.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import duckdb

from pipelines.tables import has_table


class SqlModel(Protocol):
    """What this module reads of a model (pipelines.warehouse.SqlModel, which imports this module: a protocol rather
    than an import keeps the two without a cycle)."""

    @property
    def layer(self) -> str: ...

    @property
    def sql(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def incremental(self) -> str | None: ...

    @property
    def refs(self) -> set[str]: ...


STATE_TABLE = "_model_build"
STATE_DDL = f"""
CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
  model VARCHAR PRIMARY KEY,
  sql_hash VARCHAR,           -- the model's SQL and that of every model it reads
  params_hash VARCHAR,        -- the run parameters (getvariable) those SQL files read, except as_of
  as_of DATE,
  file_watermark INTEGER,     -- max(load_file.file_id) when built: rows of later files are new
  schema_version INTEGER,
  first_month VARCHAR,        -- int_month's first month when built (null: the model does not read it)
  mode VARCHAR,               -- full | incremental | up_to_date
  months VARCHAR[]            -- the months rebuilt (incremental)
)"""  # no timestamp: re-running a night changes no table (tests/flows/test_nightly.py)

# The runner's own variables: the range of dates a build covers (a model may restrict its input scans to it;
# the runner restricts the output rows to the exact months). A full build covers everything.
FULL_BUILD_PARAMS: dict[str, object] = {
    "build_from": date(1, 1, 1),
    "build_to": date(9999, 12, 31),
    # a model whose month M reads inputs of earlier months (`lag=`): the first day of the earliest month it reads
    "build_reads_from": date(1, 1, 1),
}
RUNNER_VARIABLES = frozenset({"as_of", *FULL_BUILD_PARAMS})

_INCREMENTAL_RE = re.compile(
    r"^--\s*incremental:\s*by_month\(\s*\"?(\w+)\"?\s*(?:,\s*lag\s*=\s*(\w+)\s*)?\)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_GETVAR_RE = re.compile(r"getvariable\('(\w+)'\)")
# as_of read only to hide rows delivered after it: a model whose SQL (and that of every model it reads) reads as_of
# no other way is a function of the raw rows visible at as_of, so it holds while no raw table below it gains one
_VISIBILITY_RE = re.compile(r"\b_extract_date\s*<=\s*getvariable\('as_of'\)", re.IGNORECASE)
_AS_OF_RE = re.compile(r"getvariable\('as_of'\)", re.IGNORECASE)
_CTE_RE = re.compile(r"\b(\w+)\s+as\s*\(", re.IGNORECASE)
_CLOCK_RE = re.compile(r"\b(current_date|current_timestamp|now\s*\(|today\s*\(|random\s*\()", re.IGNORECASE)

# How a source's rows map to months: the month expression(s) of a raw table's row, for event-like sources.
EVENT_MONTHS: dict[str, tuple[str, ...]] = {
    "raw_attendance": ("strftime(\"date\", '%Y-%m')",),
    "raw_payroll": (
        "pay_month",
        # indicator month M describes pay month M − payroll_deadline_months (int_payroll_project_month)
        "strftime(cast(pay_month || '-01' as date) + to_months(getvariable('payroll_deadline_months')), '%Y-%m')",
        "strftime(balance_date, '%Y-%m')",
    ),
    "raw_account_txn": ("strftime(txn_time, '%Y-%m')",),
    "raw_credit_event": ("strftime(event_date, '%Y-%m')",),
    "raw_project_progress": ('"month"',),
}
# staging models that are the event source as of as_of (a filter of the raw table): same months
EVENT_STAGING = {
    "stg_attendance": "raw_attendance",
    "stg_payroll": "raw_payroll",
    "stg_account_txn": "raw_account_txn",
    "stg_credit_event": "raw_credit_event",
    "stg_project_progress": "raw_project_progress",
}
# the latest registry, read for its keys only by the incremental models: a new key touches every month
KEYS_ONLY_STAGING = {"stg_project": ("raw_project", "project_code")}
FIRST_EXTRACT = "stg_first_extract"
MONTH_SPINE = "int_month"

ALL = None  # "every month": a full rebuild


_APPEND_RE = re.compile(r"^--\s*incremental:\s*append_new_rows\s*$", re.IGNORECASE | re.MULTILINE)
APPEND = "append_new_rows"


def incremental_column(sql: str) -> str | None:
    """The output column named by `-- incremental: by_month(<column>)`, or APPEND for
    `-- incremental: append_new_rows` (a staging copy of an event source: its rows are the raw rows delivered by
    as_of, so a later night only adds the rows that became visible), None when the model does not opt in."""
    if _APPEND_RE.search(sql):
        return APPEND
    m = _INCREMENTAL_RE.search(sql)
    return m.group(1) if m else None


def incremental_lag(sql: str) -> str | None:
    """`lag=<n or run parameter>` of `-- incremental: by_month(<column>, lag=…)`: month M of the model also reads
    its inputs of the n months before M (int_payroll_project_month: month M describes pay month M − n), so a change
    of month T touches months T … T + n. None without it."""
    m = _INCREMENTAL_RE.search(sql)
    return m.group(2) if m and m.group(2) else None


def lag_months(models: Mapping[str, SqlModel], name: str, night: Night) -> int:
    """How many months before M month M of a model reads, through the incremental models it reads (their lags add
    up: a superset when they sit on different paths)."""
    total = 0
    for n in {name, *upstream(models, name)}:
        if not models[n].incremental:
            continue
        lag = incremental_lag(models[n].sql)
        if lag is None:
            continue
        value = lag if lag.isdigit() else night.variables.get(lag)
        if value is None or not str(value).isdigit():
            raise ValueError(f"{n}: incremental lag {lag!r} is neither a number nor a run parameter")
        total += int(value)
    return total


def reads_as_of_for_visibility_only(models: Mapping[str, SqlModel], name: str) -> bool:
    """Whether a model and every model it reads use as_of only as `_extract_date <= getvariable('as_of')` (or not
    at all) and read no clock: its rows are then a function of the raw rows delivered by as_of, whatever as_of's
    date."""
    return all(
        not _AS_OF_RE.search(_VISIBILITY_RE.sub("", models[n].body)) and not _CLOCK_RE.search(models[n].body)
        for n in {name, *upstream(models, name)}
    )


def reads_models_and_raw_only(models: Mapping[str, SqlModel], name: str) -> bool:
    """Whether a model and every model it reads read nothing but models, raw tables and their own CTEs (not the
    ledger, findings or other tables a night writes outside the runner)."""
    for n in {name, *upstream(models, name)}:
        ctes = {c.lower() for c in _CTE_RE.findall(models[n].body)}
        if any(
            r not in models and not r.startswith("raw_") and r.lower() not in ctes for r in models[n].refs
        ):
            return False
    return True


def raw_inputs(models: Mapping[str, SqlModel], name: str) -> set[str]:
    """The raw tables a model reads, directly or through the models it reads."""
    return {r for n in {name, *upstream(models, name)} for r in models[n].refs if r.startswith("raw_")}


def ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(STATE_DDL)


def _hash(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def upstream(models: Mapping[str, SqlModel], name: str) -> set[str]:
    """Every model `name` reads, directly or not (not itself)."""
    found: set[str] = set()
    todo = [r for r in models[name].refs if r in models and r != name]
    while todo:
        n = todo.pop()
        if n in found:
            continue
        found.add(n)
        todo += [r for r in models[n].refs if r in models and r != n]
    return found


@dataclass
class Plan:
    """What the runner does with one model tonight."""

    mode: str  # full | incremental | append | up_to_date
    months: list[str] = field(default_factory=list)
    lag: int = 0  # incremental: months before the first rebuilt month the model reads (build_reads_from)
    reason: str = ""
    new_rows: str = ""  # append: the predicate of the rows visible tonight and not at the last build


@dataclass
class Night:
    """What the whole run knows once: tonight's as_of, the ledger watermark, the schema version, the variables."""

    as_of: date
    watermark: int
    schema_version: int | None
    variables: dict[str, str]
    # what the run's planning asks of every model, looked up once: the build states (kept up to date by `record`)
    # and the month spine's first month (forgotten when the spine is rebuilt: `spine_rebuilt`)
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Night:
        variables = {
            str(n): str(v) for n, v in con.execute("select name, value from duckdb_variables()").fetchall()
        }
        as_of = con.execute("select getvariable('as_of')").fetchone()[0]  # type: ignore[index]
        if not isinstance(as_of, date):
            raise ValueError("incremental builds need the run parameter as_of (a DATE)")
        return cls(as_of, file_watermark(con), schema_version(con), variables)


def file_watermark(con: duckdb.DuckDBPyConnection) -> int:
    """The newest loaded file's id (0 before any load): a build state records it to know what it has seen."""
    if not has_table(con, "load_file"):
        return 0
    return int(con.execute("select coalesce(max(file_id), 0) from load_file").fetchone()[0])  # type: ignore[index]


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version (None before migrations ran)."""
    if not has_table(con, "schema_version"):
        return None
    return con.execute("select max(version) from schema_version").fetchone()[0]  # type: ignore[index]


def sql_hash(models: Mapping[str, SqlModel], name: str) -> str:
    """The hash of a model's SQL and that of every model it reads."""
    return _hash([f"{n}\n{models[n].sql}" for n in sorted({name, *upstream(models, name)})])


def hashes(models: Mapping[str, SqlModel], name: str, night: Night) -> tuple[str, str]:
    """(sql_hash, params_hash) of a model: its SQL and its upstream models', and the variables they read."""
    names = sorted({name, *upstream(models, name)})
    read = sorted({v for n in names for v in _GETVAR_RE.findall(models[n].sql)} - RUNNER_VARIABLES)
    params_hash = _hash([f"{v}={night.variables.get(v)}" for v in read])
    return sql_hash(models, name), params_hash


def entries(models: Mapping[str, SqlModel], name: str) -> set[str]:
    """Where a model's input enters it: the staging models and raw tables it reads, through the incremental models
    above staging it reads (a non-incremental model above staging, other than the month spine, is an entry too)."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = [name]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        m = models[n]
        for r in m.refs:
            if r == n:
                continue
            if r not in models:
                if r.startswith("raw_"):
                    found.add(r)
                continue
            child = models[r]
            if child.layer == "staging":
                found.add(r)
                if r.endswith("_version"):  # the versions' valid_from depends on the first extract
                    found.add(FIRST_EXTRACT)
            elif r == MONTH_SPINE or child.incremental:
                if r != MONTH_SPINE:
                    todo.append(r)
                else:
                    found.add(r)
            else:
                found.add(r)
    return found


def _month_range(first: str, last: str) -> list[str]:
    """'yyyy-MM' months from first to last, inclusive."""
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _shifted(month: str, by: int) -> str:
    """'yyyy-MM' plus `by` months."""
    n = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


class Touched:
    """The months a night's new rows touch, per entry (cached for the whole run: every model asks the same)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, night: Night, models: Mapping[str, SqlModel] | None = None
    ) -> None:
        self.con = con
        self.night = night
        self.models = models or {}
        self._cache: dict[tuple[str, date, int], set[str] | None] = {}

    def new_rows(self, since_as_of: date, since_watermark: int) -> str:
        """The predicate of rows visible tonight that were not visible at the last build."""
        return (
            f"_extract_date <= DATE '{self.night.as_of.isoformat()}' and "
            f"(_file_id > {int(since_watermark)} or _extract_date > DATE '{since_as_of.isoformat()}')"
        )

    def of(self, entry: str, since_as_of: date, since_watermark: int) -> set[str] | None:
        key = (entry, since_as_of, since_watermark)
        if key not in self._cache:
            self._cache[key] = self._compute(entry, since_as_of, since_watermark)
        return self._cache[key]

    def any_new(self, raws: set[str], since_as_of: date, since_watermark: int) -> bool:
        """Whether any of the raw tables holds a row visible tonight that was not visible at the last build (a raw
        table that does not exist counts as new: the model cannot be judged without it)."""
        for raw in sorted(raws):
            key = (f"any:{raw}", since_as_of, since_watermark)
            if key not in self._cache:
                hit = not has_table(self.con, raw) or bool(
                    self.con.execute(
                        f"select exists (select 1 from {raw} where {self.new_rows(since_as_of, since_watermark)})"
                    ).fetchone()[0]  # type: ignore[index]
                )
                self._cache[key] = ALL if hit else set()
            if self._cache[key] is ALL:
                return True
        return False

    def _compute(self, entry: str, since_as_of: date, wm: int) -> set[str] | None:
        raw = EVENT_STAGING.get(entry, entry if entry.startswith("raw_") else None)
        if raw in EVENT_MONTHS:
            return self._events(raw, since_as_of, wm)
        if entry == MONTH_SPINE:
            return set()  # handled by the plan (first month, as_of months)
        if entry in KEYS_ONLY_STAGING:
            return self._new_keys(entry, since_as_of, wm)
        if entry == FIRST_EXTRACT:
            return self._first_extract_moved(since_as_of, wm)
        if entry.startswith("stg_") and entry.endswith("_version"):
            return self._versions(entry, since_as_of, wm)
        return self._any_new(entry, since_as_of, wm)

    def _events(self, raw: str, since_as_of: date, wm: int) -> set[str] | None:
        """Event-like rows: the months of their own dates."""
        new = self.new_rows(since_as_of, wm)
        exprs = EVENT_MONTHS[raw]
        union = " union ".join(
            f"select distinct {i} as k, {e} as m from {raw} where {new}" for i, e in enumerate(exprs)
        )
        rows = self.con.execute(union).fetchall()
        if any(k == 0 and m is None for k, m in rows):
            return ALL  # a row without its own month (the first expression) cannot be placed: rebuild whole
        return {m for _, m in rows if m is not None}

    def _new_keys(self, entry: str, since_as_of: date, wm: int) -> set[str] | None:
        """The latest registry read for its keys: every month when a key was not seen before."""
        raw, key = KEYS_ONLY_STAGING[entry]
        new = self.new_rows(since_as_of, wm)
        fresh = self.con.execute(
            f"select count(*) from (select distinct {key} from {raw} where {new}) n "
            f"where {key} not in (select {key} from {raw} where not ({new}) "
            f"and _extract_date <= DATE '{self.night.as_of.isoformat()}')"
        ).fetchone()[0]  # type: ignore[index]
        return ALL if fresh else set()

    def _first_extract_moved(self, since_as_of: date, wm: int) -> set[str] | None:
        """The registry's first extract describes the past: a new row at or before it touches every month."""
        first = self._first_extract()
        if first is None:
            return set()
        for raw in self._first_extract_raws():
            hit = self.con.execute(
                f"select count(*) from {raw} where {self.new_rows(since_as_of, wm)} "
                f"and _extract_date <= DATE '{first.isoformat()}'"
            ).fetchone()[0]  # type: ignore[index]
            if hit:
                return ALL
        return set()

    def _versions(self, entry: str, since_as_of: date, wm: int) -> set[str] | None:
        """A mutable entity's versions: every month from the earliest new version's extract month on."""
        raw = "raw_" + entry[len("stg_") : -len("_version")]
        new = self.new_rows(since_as_of, wm)
        earliest = self.con.execute(f"select min(_extract_date) from {raw} where {new}").fetchone()[0]  # type: ignore[index]
        if earliest is None:
            return set()
        first = self._first_extract()
        if first is None or earliest <= first:
            return ALL
        return set(_month_range(_month(earliest), _month(self.night.as_of)))

    def _any_new(self, entry: str, since_as_of: date, wm: int) -> set[str] | None:
        """A latest-state table or a non-incremental model: any new row of the raw tables below it."""
        raws = self._raws_below(entry)
        if raws is None:
            return ALL
        for raw in raws:
            hit = self.con.execute(
                f"select count(*) from {raw} where {self.new_rows(since_as_of, wm)}"
            ).fetchone()[0]  # type: ignore[index]
            if hit:
                return ALL
        return set()

    def _raws_below(self, entry: str) -> list[str] | None:
        if entry.startswith("raw_"):
            return [entry]
        if entry.startswith("stg_"):
            raw = "raw_" + entry[len("stg_") :]
            return [raw] if has_table(self.con, raw) else None
        return None

    def _first_extract_raws(self) -> list[str]:
        """The raw tables stg_first_extract reads (every raw table when the models are not known)."""
        if FIRST_EXTRACT in self.models:
            return sorted(r for r in self.models[FIRST_EXTRACT].refs if r.startswith("raw_"))
        rows = self.con.execute(
            "select table_name from information_schema.tables where table_name like 'raw\\_%' escape '\\'"
        ).fetchall()
        return sorted(r[0] for r in rows)

    def _first_extract(self) -> date | None:
        if not has_table(self.con, FIRST_EXTRACT):
            return None
        row = self.con.execute(f"select first_extract_date from {FIRST_EXTRACT}").fetchone()
        return row[0] if row else None


def read_state(con: duckdb.DuckDBPyConnection, model: str) -> dict[str, Any] | None:
    cur = con.execute(f"select * from {STATE_TABLE} where model = ?", [model])
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def _states(con: duckdb.DuckDBPyConnection, night: Night) -> dict[str, dict[str, Any]]:
    """Every model's build state, read once per run (one query instead of two per model)."""
    if "states" not in night.cache:
        cur = con.execute(f"select * from {STATE_TABLE}")
        names = [d[0] for d in cur.description]
        night.cache["states"] = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    states: dict[str, dict[str, Any]] = night.cache["states"]
    return states


def first_month(con: duckdb.DuckDBPyConnection, reads_spine: bool, night: Night | None = None) -> str | None:
    """The month spine's first month (None when the model does not read it); with `night`, looked up once per run
    until the spine is rebuilt (spine_rebuilt)."""
    if not reads_spine:
        return None
    if night is not None and "first_month" in night.cache:
        found: str | None = night.cache["first_month"]
        return found
    row = (
        con.execute(f'select min("month") from {MONTH_SPINE}').fetchone()
        if has_table(con, MONTH_SPINE)
        else None
    )
    found = row[0] if row else None
    if night is not None:
        night.cache["first_month"] = found
    return found


def spine_rebuilt(night: Night) -> None:
    """The month spine was built again tonight: its first month is looked up again."""
    night.cache.pop("first_month", None)


def _whole_because(
    models: Mapping[str, SqlModel], name: str, night: Night, state: dict[str, Any] | None, table_exists: bool
) -> str:
    """Why the model must be rebuilt whole tonight ('' when it need not)."""
    if state is None or not table_exists:
        return "no earlier build"
    sql_hash_now, params_hash = hashes(models, name, night)
    if state["sql_hash"] != sql_hash_now:
        return "SQL changed"
    if state["params_hash"] != params_hash:
        return "run parameters changed"
    if state["schema_version"] != night.schema_version:
        return "schema version changed"
    if night.as_of < state["as_of"]:
        return f"as_of {night.as_of} before the last build's {state['as_of']}"
    return ""


def plan(
    con: duckdb.DuckDBPyConnection,
    models: Mapping[str, SqlModel],
    name: str,
    night: Night,
    touched: Touched,
    *,
    full: bool,
    table_exists: bool,
) -> Plan:
    """Full, incremental (which months), append (the new rows) or up to date, for one model tonight.

    A model that does not opt in is built whole, unless it was already built from the same rows tonight (same
    as_of, same files loaded, same SQL and parameters: the quality step builds the facts its checks read before the
    models step; a re-run of a night): its table holds what a rebuild would give (every model reads only raw tables
    and models, and raw tables change only by loading files)."""
    model = models[name]
    state = _states(con, night).get(name)
    reason = "asked" if full else _whole_because(models, name, night, state, table_exists)
    if not model.incremental:
        if not reason and state is not None and _same_inputs(night, state):
            return Plan("up_to_date")
        if not reason and state is not None and _inputs_unchanged(models, name, state, touched):
            return Plan("up_to_date", reason="no new rows of its inputs")
        return Plan("full")
    if reason or state is None:
        return Plan("full", reason=reason)
    prev_as_of: date = state["as_of"]
    if model.incremental == APPEND:
        if night.as_of == prev_as_of and night.watermark == state["file_watermark"]:
            return Plan("up_to_date")
        return Plan("append", new_rows=touched.new_rows(prev_as_of, int(state["file_watermark"])))
    found = entries(models, name)
    if MONTH_SPINE in found and first_month(con, True, night) != state["first_month"]:
        return Plan("full", reason="the month spine starts elsewhere")
    months: set[str] = set()
    if night.as_of != prev_as_of:
        months |= set(_month_range(_month(prev_as_of), _month(night.as_of)))
    for entry in sorted(found):
        got = touched.of(entry, prev_as_of, int(state["file_watermark"]))
        if got is ALL:
            return Plan("full", reason=f"new rows of {entry} touch every month")
        months |= got
    if not months:
        return Plan("up_to_date")
    lag = lag_months(models, name, night)
    # the months after a touched month that read it; none after as_of's (a later night rebuilds from its
    # last build's as_of month on)
    later = {_shifted(m, k) for m in months for k in range(1, lag + 1)}
    months |= {m for m in later if m <= _month(night.as_of)}
    return Plan("incremental", sorted(months), lag=lag)


def _inputs_unchanged(
    models: Mapping[str, SqlModel], name: str, state: dict[str, Any], touched: Touched
) -> bool:
    """A model that reads as_of only to hide later deliveries (the latest-state staging tables, their versions, the
    facts and checks built on them alone), and none of whose raw tables gained a row visible tonight since its last
    build: a rebuild would give its stored rows (docs/decisions.md "Models, quality and staging, fourth round")."""
    if not (reads_as_of_for_visibility_only(models, name) and reads_models_and_raw_only(models, name)):
        return False
    raws = raw_inputs(models, name)
    return bool(raws) and not touched.any_new(raws, state["as_of"], int(state["file_watermark"]))


def _same_inputs(night: Night, state: dict[str, Any]) -> bool:
    """The last build read what tonight's would: the same as_of and the same files (the schema version, SQL and
    parameters are compared by _whole_because)."""
    return bool(state["as_of"] == night.as_of and state["file_watermark"] == night.watermark)


def record(
    con: duckdb.DuckDBPyConnection, models: Mapping[str, SqlModel], name: str, night: Night, p: Plan
) -> None:
    """Store tonight's build of a model (inside the build's transaction). Up to date with the same as_of and files:
    nothing is written, so a re-run of a night changes no table."""
    sql_hash_now, params_hash = hashes(models, name, night)
    reads_spine = MONTH_SPINE in entries(models, name)
    row = [
        sql_hash_now,
        params_hash,
        night.as_of,
        night.watermark,
        night.schema_version,
        first_month(con, reads_spine, night),
    ]
    states = _states(con, night)
    state = states.get(name)
    mode, months = p.mode, p.months
    if p.mode == "up_to_date" and state is not None:
        kept = ["sql_hash", "params_hash", "as_of", "file_watermark", "schema_version", "first_month"]
        if [state[k] for k in kept] == row:
            return
        mode, months = state["mode"], state["months"]  # only as_of or the watermark moved: no rows changed
    con.execute(f"delete from {STATE_TABLE} where model = ?", [name])
    con.execute(f"insert into {STATE_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [name, *row, mode, months])
    keys = ["sql_hash", "params_hash", "as_of", "file_watermark", "schema_version", "first_month"]
    states[name] = {"model": name, **dict(zip(keys, row, strict=True)), "mode": mode, "months": months}


def holds_through(
    con: duckdb.DuckDBPyConnection, models: Mapping[str, SqlModel], name: str, as_of: date
) -> bool:
    """Whether the warehouse's stored `name` was built by the incremental runner with today's SQL, at `as_of` or
    later, and no file was loaded since (so it holds every row a build at `as_of` would give, for a reader that keeps
    only what was known by `as_of`, e.g. fx_person_day on int_person_day.known_date). False without a state."""
    if not has_table(con, STATE_TABLE) or not has_table(con, name):
        return False
    state = read_state(con, name)
    if state is None or state["as_of"] is None or state["as_of"] < as_of:
        return False
    if state["sql_hash"] != sql_hash(models, name):
        return False
    return bool(
        state["file_watermark"] == file_watermark(con) and state["schema_version"] == schema_version(con)
    )


def describe(plans: Mapping[str, Plan]) -> dict[str, Any]:
    """The run summary's view of the builds: how each incremental model was built, and which months."""
    out: dict[str, Any] = {}
    for name, p in plans.items():
        if p.mode == "incremental":
            out[name] = {"mode": p.mode, "months": p.months}
        elif p.mode == "append":
            out[name] = {"mode": p.mode}
        elif p.reason or p.mode == "up_to_date":
            out[name] = {"mode": p.mode, **({"reason": p.reason} if p.reason else {})}
    return json.loads(json.dumps(out))
