-- grain: one row per project × work_date on which at least one person has a valid punch day
-- Port of pipelines/sql/intermediate/int_project_day.sql. Changes: MODEL header; qualified names; the interval filter.
MODEL (
  name spike.int_project_day,
  kind INCREMENTAL_BY_TIME_RANGE (time_column work_date),
  grain (project_code, work_date)
);

with valid_person_days as (
    select * from spike.int_person_day
    where is_valid_day and work_date between @start_ds::date and @end_ds::date
),

key_staff as (
    select * from main.int_key_staff where is_set
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
