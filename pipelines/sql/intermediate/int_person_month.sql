-- grain: one row per project × person (person_key) × month with a person-day (int_person_day: ≥ 1 punch)
-- incremental: by_month(month)
-- first_known_date: the earliest known_date of the person's days on the project that month (the risk features'
-- persons per month, pipelines/sql/features/fx_person_month). Kept per month so that scoring reads a few million
-- person-months instead of grouping every person-day of the year each night (docs/decisions.md "Score step,
-- second round"). Grouped by the month's first day, named after (formatting every person-day's month costs more).
with person_days as (
    select project_code, person_key, work_date, known_date from int_person_day
    -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
    where work_date between getvariable('build_from') and getvariable('build_to')
),

by_month as (
    select
        project_code,
        person_key,  -- int_person_day's 64-bit key of the person
        date_trunc('month', work_date) as month_start,
        min(known_date) as first_known_date
    from person_days
    group by project_code, person_key, date_trunc('month', work_date)
)

select project_code, person_key, strftime(month_start, '%Y-%m') as "month", first_known_date
from by_month
