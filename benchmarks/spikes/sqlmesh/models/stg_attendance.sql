-- grain: one row per 考勤记录 (project_code, id_card_number_hash, date, direction)
-- Port of pipelines/sql/staging/stg_attendance.sql. Changes: MODEL header; qualified names (main.raw_attendance);
-- as_of = the date the run executes on (@execution_ds) instead of getvariable('as_of'); the interval filter.
MODEL (
  name spike.stg_attendance,
  kind INCREMENTAL_BY_TIME_RANGE (time_column "date"),
  grain (project_code, id_card_number_hash, "date", direction)
);

with deliveries as (
    select * from main.raw_attendance
    where _extract_date <= @execution_ds::date
      and "date" between @start_ts::timestamp and @end_ts::timestamp
),

latest as (
    select *
    from deliveries
)

select
    project_code,
    id_card_number_hash,
    id_card_number_masked,
    "date",
    direction,
    team_sys_no,
    attend_type,
    lng,
    lat,
    _file_id,
    _line,
    _extract_date
from latest
