"""Point-in-time copies of the raw tables: what the warehouse knew at each as_of date of `feat_snapshot`.

The staging models answer "what was known at as_of" for one date; training needs it for many month ends at once,
so the same rules are written here over a table of snapshot dates (`feat_snapshot(as_of)`):
- mutable entities (project, complaint, progress, …): per snapshot, the latest delivery with
  `_extract_date ≤ as_of` wins (as stg_<entity>);
- event entities (attendance, payroll, account_txn, credit_event): the first delivery of a key is kept, and it is
  known from that `_extract_date` on (`known_date`); a snapshot keeps rows with `known_date ≤ as_of`.
Attendance is reduced once to person-days (first punch known date), the grain every feature needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from pipelines.contracts import all_contracts
from pipelines.warehouse import staged_key

# Mutable entities the features read, as fx_<entity>(as_of, …columns).
MUTABLE = (
    "project",
    "project_corp",
    "complaint",
    "project_progress",
    "wage_account",
    "payment_guarantee",
    "wage_deposit",
    "project_worker",
)
# Event entities, as fx_<entity>_first(…columns, known_date).
EVENTS = ("payroll", "account_txn", "credit_event")


def _key(entity: str) -> str:
    return ", ".join(f'"{k}"' for k in staged_key(all_contracts()[entity]))


def create_snapshots(con: duckdb.DuckDBPyConnection, as_ofs: Sequence[date]) -> None:
    """(Re)create feat_snapshot and the fx_* point-in-time tables for these as_of dates."""
    con.execute("create or replace temp table feat_snapshot (as_of date)")
    con.executemany("insert into feat_snapshot values (?)", [[d] for d in sorted(set(as_ofs))])
    for entity in MUTABLE:
        key = _key(entity)
        con.execute(
            f"""create or replace temp table fx_{entity} as
            select feat_snapshot.as_of, raw.* exclude (_extra, _row_hash)
            from feat_snapshot
            inner join raw_{entity} as raw on raw._extract_date <= feat_snapshot.as_of
            qualify row_number() over (
                partition by feat_snapshot.as_of, {", ".join(f"raw.{k}" for k in key.split(", "))}
                order by raw._extract_date desc, raw._file_id desc, raw._line desc
            ) = 1"""
        )
    last = max(as_ofs)
    for entity in EVENTS:
        key = _key(entity)
        con.execute(
            f"""create or replace temp table fx_{entity}_first as
            select raw.* exclude (_extra, _row_hash), raw._extract_date as known_date
            from raw_{entity} as raw
            where raw._extract_date <= DATE '{last.isoformat()}'
            qualify row_number() over (partition by {key} order by _extract_date, _file_id, _line) = 1"""
        )
    # person-day: known from the first delivery of any of its punches; 'any' valid-day rule (≥ 1 punch). The person
    # is kept as a 64-bit hash of the (already hashed) ID: the features only count persons and match the key staff,
    # and grouping every punch of the history by a 64-character string spilled tens of GB on the province tier.
    con.execute(
        f"""create or replace temp table fx_person_day as
        select project_code, hash(id_card_number_hash) as person_key, cast("date" as date) as work_date,
               min(_extract_date) as known_date
        from raw_attendance
        where _extract_date <= DATE '{last.isoformat()}'
        group by all"""
    )
