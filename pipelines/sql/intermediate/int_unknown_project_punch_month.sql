-- grain: one row per project code not in the project registry × month with punches up to as_of
-- incremental: by_month(month)
-- What chk_attendance_unknown_project counts, kept per month: a night with punches of one month rebuilds that month
-- only. Only the registry's codes are read: a night that brings a new code rebuilds every month (pipelines/incremental.py).
with person_days as (
    -- the person-days (int_person_day: punches up to as_of, grouped by day) rather than every punch
    select project_code, work_date, n_punches from int_person_day
    -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
    where work_date between getvariable('build_from') and getvariable('build_to')
),

registered as (
    select project_code from stg_project
),

final as (
    select
        person_days.project_code,
        strftime(person_days.work_date, '%Y-%m') as "month",
        cast(sum(person_days.n_punches) as bigint) as n_rows
    from person_days
    left join registered on person_days.project_code = registered.project_code
    where registered.project_code is null
    group by person_days.project_code, strftime(person_days.work_date, '%Y-%m')
)

select * from final
