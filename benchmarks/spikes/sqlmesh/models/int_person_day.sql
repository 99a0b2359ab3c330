-- grain: one row per project × person (id_card_number_hash) × work_date with at least one punch
-- Port of pipelines/sql/intermediate/int_person_day.sql. Changes: MODEL header; qualified names; @VAR for the
-- thresholds; as_of from @execution_ds; the interval filter on the punches.
MODEL (
  name spike.int_person_day,
  kind INCREMENTAL_BY_TIME_RANGE (time_column work_date),
  grain (project_code, id_card_number_hash, work_date)
);

with attendance as (
    select * from spike.stg_attendance
    where "date" between @start_ts::timestamp and @end_ts::timestamp
),

roster as (
    select project_code, id_card_number_hash, work_role, valid_from, valid_to from main.stg_project_worker_version
),

punches as (
    select
        project_code,
        id_card_number_hash,
        cast("date" as date) as work_date,
        "date" as punch_at,
        cast(last_day(cast("date" as date)) as date) as month_end
    from attendance
    where cast("date" as date) <= @execution_ds::date
),

person_days as (
    select
        project_code,
        id_card_number_hash,
        work_date,
        count(*) as n_punches,
        min(punch_at) as first_punch_at,
        max(punch_at) as last_punch_at,
        max(month_end) as month_end
    from punches
    group by project_code, id_card_number_hash, work_date
),

validated as (
    select
        *,
        case @VAR('valid_day_rule')
            when 'any' then n_punches >= 1
            when 'pair_4h' then n_punches >= 2
                and epoch(last_punch_at) - epoch(first_punch_at) >= @VAR('pair_min_hours') * 3600
        end as is_valid_day
    from person_days
),

final as (
    select
        validated.project_code,
        validated.id_card_number_hash,
        validated.work_date,
        validated.n_punches,
        validated.first_punch_at,
        validated.last_punch_at,
        validated.is_valid_day,
        roster.work_role,
        roster.id_card_number_hash is not null as is_on_roster
    from validated
    left join roster
        on validated.project_code = roster.project_code
        and validated.id_card_number_hash = roster.id_card_number_hash
        and (roster.valid_from is null or roster.valid_from <= validated.month_end)
        and (roster.valid_to is null or roster.valid_to > validated.month_end)
)

select * from final
