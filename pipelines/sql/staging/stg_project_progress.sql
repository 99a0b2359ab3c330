-- grain: one row per 工程进度与工程款 (project_code, month)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/project_progress.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_project_progress
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code, month order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    project_code,
    "month",
    completed_value,
    certified_value,
    paid_value,
    _file_id,
    _line,
    _extract_date
from latest
