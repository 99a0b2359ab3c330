"""更正: months already reported whose numbers change because a file for an earlier extract date arrived late.

Month M is computed from what was delivered by the end of M (sources.md "Delivery"), so later extracts never change
it. Only a file that arrives late — loaded after the ledger had already seen a later extract date — for an extract
date on or before M's last day can: it restates the state delivered by then. Such a file corrects the months whose
last day falls between its extract date and its entity's next delivery (a snapshot restates every key), among the
months already reported when it arrived. It is found in the ledger (load_file), never guessed from the numbers.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.warehouse import frame

CORRECTIONS_SQL = """
with files as (
    select
        file_id,
        path,
        entity,
        extract_date,
        rows_read,
        rows_loaded,
        cast(loaded_at as date) as loaded_on,
        -- the latest extract date the ledger had seen when this file arrived
        max(extract_date) over (order by file_id rows between unbounded preceding and 1 preceding) as seen_until
    from load_file
),

late as (
    select
        files.file_id,
        any_value(files.path) as path,
        any_value(files.entity) as entity,
        any_value(files.extract_date) as extract_date,
        any_value(files.rows_loaded) as rows_loaded,
        any_value(files.loaded_on) as loaded_on,
        any_value(files.seen_until) as seen_until,
        -- the entity's next delivery restates what this file delivered
        coalesce(min(later.extract_date), date '9999-12-31') as restated_on
    from files
    left join files as later
        on later.entity = files.entity and later.extract_date > files.extract_date and later.rows_read > 0
    where files.rows_loaded > 0 and files.extract_date < files.seen_until and files.extract_date <= getvariable('as_of')
    group by files.file_id
),

months as (
    select
        late.*,
        cast(last_day(m.month_start) as date) as month_end
    from late,
        unnest(generate_series(date_trunc('month', late.extract_date), date_trunc('month', late.seen_until),
                               interval 1 month)) as m (month_start)
)

select
    strftime(month_end, '%Y-%m') as "month",
    entity,
    path,
    extract_date,
    rows_loaded,
    loaded_on
from months
where month_end >= extract_date and month_end < restated_on and month_end <= seen_until and month_end <= getvariable('as_of')
order by "month", path
"""


def corrected_months(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """One row per corrected month × late file: month ('yyyy-MM'), entity, path, extract_date, rows_loaded,
    loaded_on. Empty when every file arrived in extract-date order."""
    con.execute("set variable as_of = ?", [as_of])
    return frame(con, CORRECTIONS_SQL)
