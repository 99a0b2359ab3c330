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

-- one pass over the person-days: each is left-joined to its project-month's key staff (a few tens of thousands of
-- rows, the hash table's build side) and grouped once per project-day, where the round before grouped the
-- person-days twice, once for the day counts and once for the key staff's days (docs/decisions.md "Person key")
key_staff_persons as (
    -- a person may be both the PM and the chief supervisor of a project-month: one row per person, two flags, so
    -- that the join below matches a person-day at most once and count(*) still counts persons
    select
        project_code,
        month_index,
        staff_person_key,
        bool_or(staff_role = 'pm') as is_pm,
        bool_or(staff_role = 'chief_supervisor') as is_chief_supervisor
    from key_staff
    group by project_code, month_index, staff_person_key
),

project_days as (
    -- int_person_day holds a person once per project and day (its grain): counting rows counts distinct persons
    select
        valid_person_days.project_code,
        valid_person_days.work_date,
        count(*) as n_valid_persons,
        count(*) filter (where valid_person_days.work_role = '20') as n_workers,
        coalesce(bool_or(key_staff_persons.is_pm), false) as is_pm_present,
        coalesce(bool_or(key_staff_persons.is_chief_supervisor), false) as is_chief_supervisor_present
    from valid_person_days
    left join key_staff_persons
        on valid_person_days.project_code = key_staff_persons.project_code
        and valid_person_days.person_key = key_staff_persons.staff_person_key
        -- int_month's month_index (year × 12 + month): formatting every person-day's month cost 2/3 of the join
        and year(valid_person_days.work_date) * 12 + month(valid_person_days.work_date) = key_staff_persons.month_index
    group by valid_person_days.project_code, valid_person_days.work_date
),

final as (
    select
        project_code,
        work_date,
        n_valid_persons,
        n_workers,
        n_workers >= 1 as is_working_day,
        is_pm_present,
        is_chief_supervisor_present
    from project_days
)

select * from final
