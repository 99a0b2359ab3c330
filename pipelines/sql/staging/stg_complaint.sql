-- grain: one row per 欠薪投诉举报案件 (case_id)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/complaint.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_complaint
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by case_id order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    case_id,
    project_code,
    corp_code,
    area_code,
    received_date,
    channel,
    workers_involved,
    amount_claimed,
    status,
    closed_date,
    is_verified,
    amount_recovered,
    _file_id,
    _line,
    _extract_date
from latest
