-- grain: one row per project × month with attendance: the workers (not roster managers) with a valid day in it
-- incremental: by_month(month)
-- What R03 and the wages owed (risk_wages_owed) count as a pay month's attended workers: persons with a valid day in
-- the month who are not roster managers (work_role 10 as at the month's end, int_person_day). Kept per month so that
-- the rules read a few thousand rows instead of the person-days of their months.
with person_days as (
    select project_code, person_key, work_date from int_person_day
    where is_valid_day and work_role is distinct from '10'
        -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
        and work_date between getvariable('build_from') and getvariable('build_to')
),

final as (
    select
        project_code,
        strftime(work_date, '%Y-%m') as "month",
        count(distinct person_key) as n_attended_workers
    from person_days
    group by project_code, strftime(work_date, '%Y-%m')
)

select * from final
