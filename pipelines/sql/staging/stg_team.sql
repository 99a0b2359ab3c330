-- grain: one row per 班组 (project_code, team_sys_no)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/team.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_team
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code, team_sys_no order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    project_code,
    team_sys_no,
    team_name,
    corp_code,
    leader_id_card_number_hash,
    leader_id_card_number_masked,
    entry_time,
    exit_time,
    _file_id,
    _line,
    _extract_date
from latest
