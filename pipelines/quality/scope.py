"""Which rows tonight's GX suites read: every staged row (全量) or the rows delivered since the last checked night
(当日新增), and the state that decides it.

A row is new when its `_file_id` is a file the ledger (`load_file`) loaded that no earlier checked night covered
(`dq_checked_file`). By file, not by extract date: a late file for an old date is new tonight and is checked
tonight, although its `_extract_date` lies before the last checked as_of. Each night is recorded in `dq_check_run`
(one row per as_of: scope, reason, blocking, the rule set's fingerprint).

On an incremental night the new rows of each staged table are materialised once into `dq_batch_<entity>` (GX computes
one metric query per expectation; over a view each would re-filter the whole history) and GX validates that table.
Rows that a changed project row could now put out of the project's life (`joins_project` rules) are added: the rows of
every project whose `stg_project` row is new tonight. Key uniqueness, the one whole-table invariant, runs in SQL over
the stored rows of the new rows' months only (the first dated key column: a new key can only repeat a stored key of
the same date) whose key is among the new keys (`Batch.key_rows`).

A night checks everything (全量) when there is no state, when its as_of is not after the last checked night (a
re-run, a backfill or republish of a past date), when the last checked night was blocked, when the rules changed, on
a month's last day, and when `quality.full_check_every_days` have passed since the last full check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from pipelines.contracts import Contract, all_contracts
from pipelines.quality.batch import Batch
from pipelines.settings import Settings
from pipelines.warehouse import has_table, staged_columns, staged_key, transaction

FULL, INCREMENTAL = "full", "incremental"
RUN_TABLE, FILE_TABLE = "dq_check_run", "dq_checked_file"
BATCH_PREFIX = "dq_batch_"
STATE_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {RUN_TABLE} (
  as_of DATE PRIMARY KEY,        -- the night checked
  scope VARCHAR NOT NULL,        -- full | incremental (a re-run that checks everything makes it full)
  reason VARCHAR NOT NULL,       -- why (scope.REASONS), as first decided for the scope recorded
  blocking BOOLEAN NOT NULL,     -- a blocking finding stopped the night (latest run): the next night is full
  rules_hash VARCHAR NOT NULL    -- fingerprint of the rule set: a changed rule re-checks everything
)""",
    f"""CREATE TABLE IF NOT EXISTS {FILE_TABLE} (
  file_id INTEGER PRIMARY KEY,   -- load_file.file_id: its rows have been through the GX suites
  as_of DATE NOT NULL            -- the night that checked them first
)""",
)
# why a night has the scope it has (the Chinese texts are in titles_zh.SCOPE_REASON)
REASONS = (
    "no_state",  # no checked night recorded: the first night, or a warehouse from before incremental checks
    "earlier_date",  # as_of not after the last checked night: a re-run, a backfill or republish of a past date
    "after_blocked",  # the last checked night was blocked: a blocking problem is re-checked on all rows
    "rules_changed",  # a contract or a quality setting changed the rules: old rows meet the new rules
    "month_end",  # the month's last day: the month's figures are reported on fully checked data
    "scheduled",  # quality.full_check_every_days since the last full check
    "new_rows",  # incremental: the rows delivered since the last checked night
)


@dataclass(frozen=True)
class CheckScope:
    """Tonight's scope: full or incremental, why, the files whose rows are new, and the last full check."""

    kind: str
    reason: str
    files: tuple[int, ...]  # files not checked before tonight (loaded, extract date ≤ as_of)
    rules_hash: str
    last_full: date | None = None

    @property
    def full(self) -> bool:
        return self.kind == FULL


def rules_fingerprint(settings: Settings) -> str:
    """A hash of every rule's id, kind, columns, predicate and parameters. The rules are built for one fixed date:
    a rule that reads as_of (不晚于数据日期) is the same rule every night."""
    from pipelines.quality.gx_suites import all_rules

    rules = all_rules(settings, date(2000, 1, 1))
    parts = sorted(
        repr((r.check_id, r.kind, r.columns, r.predicate, sorted(r.params.items()), r.joins_project))
        for rs in rules.values()
        for r in rs
    )
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in STATE_DDL:
        con.execute(ddl)


def unchecked_files(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[int, ...]:
    """Files loaded with an extract date up to as_of whose rows no checked night has read yet."""
    if not has_table(con, "load_file"):
        return ()
    checked = f"and file_id not in (select file_id from {FILE_TABLE})" if has_table(con, FILE_TABLE) else ""
    rows = con.execute(
        f"select file_id from load_file where status = 'loaded' and extract_date <= ? {checked} order by 1",
        [as_of],
    ).fetchall()
    return tuple(int(r[0]) for r in rows)


def decide_scope(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date, rules_hash: str
) -> CheckScope:
    """Full or incremental tonight, and why (the rules in the module docstring, in that order)."""
    files = unchecked_files(con, as_of)
    last = None
    if has_table(con, RUN_TABLE):
        last = con.execute(
            f"select as_of, blocking, rules_hash from {RUN_TABLE} order by as_of desc limit 1"
        ).fetchone()
    last_full = None
    if last is not None:
        last_full = con.execute(f"select max(as_of) from {RUN_TABLE} where scope = ?", [FULL]).fetchone()[0]  # type: ignore[index]
    every = settings.quality.full_check_every_days

    def scope(kind: str, reason: str) -> CheckScope:
        return CheckScope(kind, reason, files, rules_hash, last_full)

    if last is None or last_full is None:
        return scope(FULL, "no_state")
    last_as_of, last_blocking, last_hash = last
    if as_of <= last_as_of:
        return scope(FULL, "earlier_date")
    if last_blocking:
        return scope(FULL, "after_blocked")
    if last_hash != rules_hash:
        return scope(FULL, "rules_changed")
    if settings.quality.full_check_month_end and (as_of + timedelta(days=1)).month != as_of.month:
        return scope(FULL, "month_end")
    if every <= 1 or (as_of - last_full).days >= every:
        return scope(FULL, "scheduled")
    return scope(INCREMENTAL, "new_rows")


def prepare_batches(
    con: duckdb.DuckDBPyConnection, scope: CheckScope, entities: list[str]
) -> dict[str, Batch]:
    """Each entity's batch; on an incremental night its new rows are materialised into dq_batch_<entity>."""
    contracts = all_contracts()
    batches = {}
    for entity in entities:
        staged = f"stg_{entity}"
        if scope.full:
            n = con.execute(f"select count(*) from {staged}").fetchone()[0]  # type: ignore[index]
            batches[entity] = Batch(entity, staged, int(n))
            continue
        table = f"{BATCH_PREFIX}{entity}"
        con.execute(
            f"create or replace table {table} as select * from {staged} where {_new_rows(con, entity, scope)}"
        )
        n = con.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
        batches[entity] = Batch(entity, table, int(n), _key_rows(con, contracts[entity], table))
    return batches


def drop_batches(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the incremental batch tables (also those a crashed run left)."""
    names = con.execute(
        "select table_name from duckdb_tables() where table_name like ? and schema_name = 'main'",
        [f"{BATCH_PREFIX}%"],
    ).fetchall()
    for (name,) in names:
        con.execute(f"drop table if exists {name}")


def _new_rows(con: duckdb.DuckDBPyConnection, entity: str, scope: CheckScope) -> str:
    """The predicate of an entity's new rows: from tonight's files, or of a project whose row is new tonight
    (a changed start or completion date can put old rows out of the project's life). The file-id range lets
    DuckDB skip the row groups of older loads (zone maps)."""
    from pipelines.quality.gx_suites import PROJECT_LIFE_DATES

    if not scope.files:
        return "false"
    files = ", ".join(str(f) for f in scope.files)
    new = f"(_file_id between {min(scope.files)} and {max(scope.files)} and _file_id in ({files}))"
    if entity in PROJECT_LIFE_DATES:
        changed = con.execute(
            f"select distinct project_code from stg_project where _file_id in ({files}) and project_code is not null"
        ).fetchall()
        if changed:
            new += f" or project_code in ({', '.join(_quoted(r[0]) for r in changed)})"
    return new


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _key_rows(con: duckdb.DuckDBPyConnection, contract: Contract, table: str) -> str:
    """Stored rows that can share a key with a new row: the new rows' months of the first dated key column (all
    rows when the key has no date), and only keys that occur among the new rows."""
    key = staged_key(contract)
    # the staged names and types: attendance's key has punched_at (TIMESTAMP), not the platform's `date`
    types = {name: kind for c in contract.columns for name, kind in staged_columns(c)}
    dated = [c for c in key if types.get(c, "").upper().startswith(("DATE", "TIMESTAMP"))]
    window = "true"
    if dated:
        months = [
            r[0]
            for r in con.execute(
                f"select distinct date_trunc('month', \"{dated[0]}\")::date from {table} "
                f'where "{dated[0]}" is not null order by 1'
            ).fetchall()
        ]
        window = _month_ranges(f's."{dated[0]}"', months)
    same_key = " and ".join(f'b."{k}" = s."{k}"' for k in key)
    # a semi join: GX substitutes `{batch}` unaliased in a query with a join, so `b` names it
    return f"(select s.* from stg_{contract.entity} s semi join {{batch}} b on {same_key} where {window})"


def _month_ranges(column: str, months: list[date]) -> str:
    """`column` inside the given months, consecutive months merged into one range (zone maps can skip the rest)."""
    if not months:
        return "false"
    ranges: list[list[date]] = []
    for m in months:
        nxt = _next_month(m)
        if ranges and ranges[-1][1] == m:
            ranges[-1][1] = nxt
        else:
            ranges.append([m, nxt])
    return " or ".join(f"({column} >= DATE '{lo}' and {column} < DATE '{hi}')" for lo, hi in ranges)


def _next_month(m: date) -> date:
    return date(m.year + m.month // 12, m.month % 12 + 1, 1)


def record_night(con: duckdb.DuckDBPyConnection, scope: CheckScope, as_of: date, blocking: bool) -> None:
    """Remember tonight's check: its files are checked, and the night's scope, verdict and rule set.

    Deterministic, so that re-running a night changes no table: a file keeps the night that checked it first, and a
    night's row keeps its first scope and reason unless a re-run checked everything where the first did not."""
    ensure_state(con)
    with transaction(con):
        if scope.files:
            con.execute(
                f"insert or ignore into {FILE_TABLE} select unnest(?::INTEGER[]), ?",
                [list(scope.files), as_of],
            )
        con.execute(
            f"""insert into {RUN_TABLE} values (?, ?, ?, ?, ?) on conflict (as_of) do update set
                reason = case when excluded.scope = '{FULL}' and scope <> '{FULL}' then excluded.reason else reason end,
                scope = case when excluded.scope = '{FULL}' then excluded.scope else scope end,
                blocking = excluded.blocking, rules_hash = excluded.rules_hash""",
            [as_of, scope.kind, scope.reason, blocking, scope.rules_hash],
        )
