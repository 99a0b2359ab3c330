-- grain: one row per project with punches (up to as_of) by people not on its roster
with punches as (
    select project_code, id_card_number_hash from stg_attendance
    where work_date <= getvariable('as_of')
),

roster as (
    select project_code, id_card_number_hash from stg_project_worker
),

off_roster as (
    select punches.project_code, punches.id_card_number_hash
    from punches
    left join roster
        on punches.project_code = roster.project_code
        and punches.id_card_number_hash = roster.id_card_number_hash
    where roster.project_code is null
),

final as (
    select project_code, count(*) as n_rows, count(distinct id_card_number_hash) as n_people
    from off_roster
    group by project_code
)

select * from final
