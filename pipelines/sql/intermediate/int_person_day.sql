-- grain: one row per project × person (person_key) × work_date with at least one punch
-- incremental: by_month(work_date)
-- valid_day_rule 'any': ≥1 punch; 'pair_4h': ≥2 punches and first → last ≥ pair_min_hours (吉建规〔2023〕11号).
-- Punches dated after as_of are ignored (device clocks); work_role comes from the roster as delivered by the end
-- of the day's month (the stg_project_worker_version valid on that month end), null when not on it then.
-- known_date: the extract date of the first delivery of any of the day's punches (the risk score's point in time:
-- a snapshot at an earlier date knows the day when known_date ≤ that date; pipelines/sql/features/fx_person_day).
-- person_key: the engine's 64-bit hash() of id_card_number_hash (itself a hash), not the 64-character text: grouping
-- and writing ~17 M person-days keyed by the text was ~1/3 of the indicator step's CPU on the city tier. Every model
-- below counts persons or matches them (roster, key staff, payroll) by this key, computed the same way on the other
-- side; two persons of one project and day sharing a key (a 64-bit collision) is astronomically unlikely, and the
-- key is only a join key within one build, never compared across engines (docs/decisions.md "Person key").
with attendance as (
    select * from stg_attendance
),

roster as (
    select project_code, hash(id_card_number_hash) as person_key, work_role, valid_from, valid_to
    from stg_project_worker_version
),

punches as (
    select
        project_code,
        hash(id_card_number_hash) as person_key,
        work_date,
        punched_at as punch_at,
        _extract_date
    from attendance
    where work_date <= getvariable('as_of')
        -- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
        and work_date between getvariable('build_from') and getvariable('build_to')
),

person_days as (
    select
        project_code,
        person_key,
        work_date,
        count(*) as n_punches,
        -- first → last punch, for pair_4h; the two times are not kept (no model reads them, and writing them cost
        -- about a tenth of this model on the city tier: docs/decisions.md "Indicator chain, second round")
        epoch(max(punch_at)) - epoch(min(punch_at)) as punch_span_seconds,
        min(_extract_date) as known_date
    from punches
    group by project_code, person_key, work_date
),

validated as (
    select
        *,
        cast(last_day(work_date) as date) as month_end,  -- of the group's day: once per person-day, not per punch
        case getvariable('valid_day_rule')
            when 'any' then n_punches >= 1
            when 'pair_4h' then n_punches >= 2 and punch_span_seconds >= getvariable('pair_min_hours') * 3600
        end as is_valid_day  -- settings.Indicators.valid_day_rule is a Literal: no other value reaches here
    from person_days
),

final as (
    select
        validated.project_code,
        validated.person_key,
        validated.work_date,
        validated.n_punches,
        validated.is_valid_day,
        roster.work_role,
        roster.person_key is not null as is_on_roster,
        validated.known_date
    from validated
    left join roster
        on validated.project_code = roster.project_code
        and validated.person_key = roster.person_key
        and (roster.valid_from is null or roster.valid_from <= validated.month_end)
        and (roster.valid_to is null or roster.valid_to > validated.month_end)
)

select * from final
