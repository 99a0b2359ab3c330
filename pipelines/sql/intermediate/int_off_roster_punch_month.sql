-- grain: one row per project × person not on its roster (stg_project_worker) × month with punches up to as_of
-- incremental: by_month(month)
-- What chk_attendance_not_on_roster counts, kept per month: a night with punches of one month rebuilds that month
-- only, and the check sums a few thousand rows instead of joining every punch to the roster. The roster is the
-- latest registry: a night that delivers it rebuilds every month (docs/decisions.md "Models, quality and staging,
-- fourth round").
with punches as (
    select project_code, id_card_number_hash, work_date from stg_attendance
    where work_date <= getvariable('as_of')
        -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
        and work_date between getvariable('build_from') and getvariable('build_to')
),

roster as (
    select project_code, id_card_number_hash from stg_project_worker
),

off_roster as (
    select punches.project_code, punches.id_card_number_hash, punches.work_date
    from punches
    left join roster
        on punches.project_code = roster.project_code
        and punches.id_card_number_hash = roster.id_card_number_hash
    where roster.project_code is null
),

final as (
    select
        project_code,
        id_card_number_hash,
        strftime(work_date, '%Y-%m') as "month",
        count(*) as n_punches
    from off_roster
    group by project_code, id_card_number_hash, strftime(work_date, '%Y-%m')
)

select * from final
