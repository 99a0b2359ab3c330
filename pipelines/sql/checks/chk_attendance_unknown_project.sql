-- grain: one row per project code that has punches (up to as_of) but is not in the project registry
-- The punches are counted per month in int_unknown_project_punch_month (incremental: a regular night rebuilds its month).
select project_code, cast(sum(n_rows) as bigint) as n_rows
from int_unknown_project_punch_month
group by project_code
