-- grain: one row per project × person (person_key) not on its roster (stg_project_worker) × month with punches up to as_of
-- incremental: by_month(month)
-- What chk_attendance_not_on_roster counts, kept per month: a night with punches of one month rebuilds that month
-- only, and the check sums a few thousand rows instead of joining every punch to the roster. Counted from the
-- person-days, which the quality step builds first (the models step then finds them built). The roster is the
-- latest registry: a night that delivers it rebuilds every month (docs/decisions.md "Models, quality and staging,
-- fourth round").
with person_days as (
    -- the person-days (int_person_day: punches up to as_of, grouped by day) rather than every punch
    select project_code, person_key, work_date, n_punches from int_person_day
    -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
    where work_date between getvariable('build_from') and getvariable('build_to')
),

roster as (
    select project_code, hash(id_card_number_hash) as person_key from stg_project_worker  -- int_person_day's key
),

off_roster as (
    select person_days.project_code, person_days.person_key, person_days.work_date, person_days.n_punches
    from person_days
    left join roster
        on person_days.project_code = roster.project_code
        and person_days.person_key = roster.person_key
    where roster.project_code is null
),

final as (
    select
        project_code,
        person_key,
        strftime(work_date, '%Y-%m') as "month",
        cast(sum(n_punches) as bigint) as n_punches
    from off_roster
    group by project_code, person_key, strftime(work_date, '%Y-%m')
)

select * from final
