-- grain: one row per 项目参建单位 (project_code, corp_code, corp_type)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/project_corp.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_project_corp
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code, corp_code, corp_type order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    project_code,
    corp_code,
    corp_type,
    corp_name,
    entry_time,
    exit_time,
    pm_name_hash,
    pm_name_masked,
    pm_id_card_type,
    pm_id_card_number_hash,
    pm_id_card_number_masked,
    pm_phone_hash,
    pm_phone_masked,
    _file_id,
    _line,
    _extract_date
from latest
