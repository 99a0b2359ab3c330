-- grain: one row per project code not in the project registry × month with punches up to as_of
-- incremental: by_month(month)
-- What chk_attendance_unknown_project counts, kept per month: a night with punches of one month rebuilds that month
-- only. Only the registry's codes are read: a night that brings a new code rebuilds every month (pipelines/incremental.py).
with punches as (
    select project_code, work_date from stg_attendance
    where work_date <= getvariable('as_of')
        -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
        and work_date between getvariable('build_from') and getvariable('build_to')
),

registered as (
    select project_code from stg_project
),

final as (
    select punches.project_code, strftime(punches.work_date, '%Y-%m') as "month", count(*) as n_rows
    from punches
    left join registered on punches.project_code = registered.project_code
    where registered.project_code is null
    group by punches.project_code, strftime(punches.work_date, '%Y-%m')
)

select * from final
