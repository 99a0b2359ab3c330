-- grain: one row per project × work_date on which at least one person has a valid punch day
-- incremental: by_month(work_date)
-- A working day has ≥1 建筑工人 (work_role 20) with a valid day (indicators.md). Presence of the PM / chief
-- supervisor is the raw fact "their ID has a valid day"; the roster rule (not on roster = 0) applies per month.
-- The PM / chief supervisor of a day is the one the registry named at the end of the day's month (int_key_staff).
with valid_person_days as (
    select project_code, person_key, work_date, work_role
    from int_person_day
    where is_valid_day and work_date between getvariable('build_from') and getvariable('build_to')
),

key_staff as (
    select
        int_key_staff.project_code,
        int_month.month_index,
        int_key_staff.staff_role,
        hash(int_key_staff.staff_id_card_number_hash) as staff_person_key  -- int_person_day's person_key
    from int_key_staff
    inner join int_month on int_key_staff."month" = int_month."month"
    where int_key_staff.is_set
        and int_key_staff."month" between strftime(getvariable('build_from'), '%Y-%m') and strftime(getvariable('build_to'), '%Y-%m')
),

-- the days the month's PM / chief supervisor has a valid day: the few key-staff rows joined to the person-days,
-- rather than every person-day probed against them (docs/decisions.md "The indicator step's SQL")
key_staff_days as (
    select
        valid_person_days.project_code,
        valid_person_days.work_date,
        bool_or(key_staff.staff_role = 'pm') as is_pm_present,
        bool_or(key_staff.staff_role = 'chief_supervisor') as is_chief_supervisor_present
    from valid_person_days
    inner join key_staff
        on valid_person_days.project_code = key_staff.project_code
        and valid_person_days.person_key = key_staff.staff_person_key
        -- int_month's month_index (year × 12 + month): formatting every person-day's month cost 2/3 of the join
        and year(valid_person_days.work_date) * 12 + month(valid_person_days.work_date) = key_staff.month_index
    group by valid_person_days.project_code, valid_person_days.work_date
),

project_days as (
    -- int_person_day holds a person once per project and day (its grain): counting rows counts distinct persons
    select
        project_code,
        work_date,
        count(*) as n_valid_persons,
        count(*) filter (where work_role = '20') as n_workers
    from valid_person_days
    group by project_code, work_date
),

final as (
    select
        project_days.project_code,
        project_days.work_date,
        project_days.n_valid_persons,
        project_days.n_workers,
        project_days.n_workers >= 1 as is_working_day,
        coalesce(key_staff_days.is_pm_present, false) as is_pm_present,
        coalesce(key_staff_days.is_chief_supervisor_present, false) as is_chief_supervisor_present
    from project_days
    left join key_staff_days
        on project_days.project_code = key_staff_days.project_code
        and project_days.work_date = key_staff_days.work_date
)

select * from final
