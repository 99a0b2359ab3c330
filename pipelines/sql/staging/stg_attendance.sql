-- grain: one row per 考勤记录 (project_code, id_card_number_hash, date, direction)
-- event entity: the first delivery of a key is kept; later re-exports only repeat it (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/attendance.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
with deliveries as (
    select * from raw_attendance
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code, id_card_number_hash, date, direction order by _extract_date, _file_id, _line) = 1
)

select
    project_code,
    id_card_number_hash,
    id_card_number_masked,
    "date",
    direction,
    team_sys_no,
    attend_type,
    lng,
    lat,
    _file_id,
    _line,
    _extract_date
from latest
