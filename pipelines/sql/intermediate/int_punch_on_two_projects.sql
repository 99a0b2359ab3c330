-- grain: one row per person × project where, within the last r17_lookback_days to as_of, the person punched less than r17_window_minutes before or after a punch of theirs on another project
-- The punch pairs behind R17 (代打卡 / 挂证) and the punch_two_projects data-quality check: consecutive punches of one
-- person (ordered by time, then project) on two different projects; both projects of a pair get the person.
with punches as (
    select
        id_card_number_hash,
        project_code,
        punched_at as punch_at
    from stg_attendance
    where work_date <= getvariable('as_of')
        and work_date > getvariable('as_of') - to_days(getvariable('r17_lookback_days'))
),

-- only people who punched on two projects or more in the window can have a pair: the others (most) are left out
-- before the punches are ordered per person. Found from the person-days (a row per person, project and day with a
-- punch: about half the punches' rows); a person-day table built at a later as_of can only add people, never drop
-- one, and a person punching on one project only forms no pair
movers as (
    select person_key  -- int_person_day's 64-bit key: hash(id_card_number_hash)
    from int_person_day
    where work_date <= getvariable('as_of')
        and work_date > getvariable('as_of') - to_days(getvariable('r17_lookback_days'))
    group by person_key
    having count(distinct project_code) > 1
),

sequenced as (
    select
        id_card_number_hash,
        project_code,
        punch_at,
        lag(project_code) over (partition by id_card_number_hash order by punch_at, project_code) as previous_project,
        lag(punch_at) over (partition by id_card_number_hash order by punch_at, project_code) as previous_at
    from punches
    where hash(id_card_number_hash) in (select person_key from movers)
),

pairs as (
    select id_card_number_hash, project_code, previous_project
    from sequenced
    where previous_project <> project_code
        and date_diff('minute', previous_at, punch_at) < getvariable('r17_window_minutes')
),

final as (
    select id_card_number_hash, project_code from pairs
    union
    select id_card_number_hash, previous_project as project_code from pairs
)

select * from final
