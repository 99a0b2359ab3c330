-- grain: one row per 预警核查反馈 (project_code, warning_date, inspect_date)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md); a later 核查日期
-- for the same line is a later return and supersedes the earlier one at assembly (triage.md).
-- Point in time: a return delivered after as_of is not yet known.
with deliveries as (
    select * from raw_disposition
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (
        partition by project_code, warning_date, inspect_date order by _extract_date desc, _file_id desc, _line desc
    ) = 1
)

select
    warning_id,
    project_code,
    warning_date,
    inspect_date,
    outcome,
    arrears_amount,
    workers_owed,
    action,
    closed_date,
    inspector_org,
    note,
    _file_id,
    _line,
    _extract_date
from latest
