-- grain: one row per 项目人员花名册 (project_code, id_card_number_hash)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/project_worker.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_project_worker
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code, id_card_number_hash order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    project_code,
    id_card_type,
    id_card_number_hash,
    id_card_number_masked,
    worker_name_hash,
    worker_name_masked,
    corp_code,
    team_sys_no,
    work_type,
    work_role,
    "position",
    entry_time,
    exit_time,
    has_contract,
    pay_roll_bank_card_number_hash,
    pay_roll_bank_card_number_masked,
    pay_roll_bank_code,
    cell_phone_hash,
    cell_phone_masked,
    _file_id,
    _line,
    _extract_date
from latest
