-- grain: one row per project with punches (up to as_of) by people not on its roster
-- The punches are counted per month in int_off_roster_punch_month (incremental: a regular night rebuilds its month).
with off_roster as (
    select project_code, person_key, n_punches from int_off_roster_punch_month
),

final as (
    select project_code, cast(sum(n_punches) as bigint) as n_rows, count(distinct person_key) as n_people
    from off_roster
    group by project_code
)

select * from final
