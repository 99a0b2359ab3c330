-- grain: one row per project × work_date on which at least one person has a valid punch day
-- incremental: by_month(work_date)
-- A working day has ≥1 建筑工人 (work_role 20) with a valid day (indicators.md). Presence of the PM / chief
-- supervisor is the raw fact "their ID has a valid day"; the roster rule (not on roster = 0) applies per month.
-- The PM / chief supervisor of a day is the one the registry named at the end of the day's month (int_key_staff).
with valid_person_days as (
    select * from int_person_day
    where is_valid_day and work_date between getvariable('build_from') and getvariable('build_to')
),

key_staff as (
    select * from int_key_staff
    where is_set
        and "month" between strftime(getvariable('build_from'), '%Y-%m') and strftime(getvariable('build_to'), '%Y-%m')
),

project_days as (
    select
        valid_person_days.project_code,
        valid_person_days.work_date,
        count(distinct valid_person_days.id_card_number_hash) as n_valid_persons,
        count(distinct valid_person_days.id_card_number_hash)
            filter (where valid_person_days.work_role = '20') as n_workers,
        coalesce(bool_or(valid_person_days.id_card_number_hash = pm.staff_id_card_number_hash), false)
            as is_pm_present,
        coalesce(bool_or(valid_person_days.id_card_number_hash = chief.staff_id_card_number_hash), false)
            as is_chief_supervisor_present
    from valid_person_days
    left join key_staff as pm
        on valid_person_days.project_code = pm.project_code
        and strftime(valid_person_days.work_date, '%Y-%m') = pm."month"
        and pm.staff_role = 'pm'
    left join key_staff as chief
        on valid_person_days.project_code = chief.project_code
        and strftime(valid_person_days.work_date, '%Y-%m') = chief."month"
        and chief.staff_role = 'chief_supervisor'
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
