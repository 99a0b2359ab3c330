-- grain: one row per 项目基本信息 (project_code)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/project.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_project
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    project_code,
    name,
    area_code,
    category,
    build_corp_code,
    build_corp_name,
    contractor_corp_code,
    contractor_corp_name,
    invest_type,
    contract_amount,
    labor_cost_ratio,
    builder_license_date,
    start_date,
    complete_date,
    prj_status,
    is_integrated,
    _file_id,
    _line,
    _extract_date
from latest
