-- grain: one row: the warehouse's first registry extract (earliest extract date of any mutable entity ≤ as_of)
-- The registry's first delivery describes the months before it as well (stg_<entity>_version: valid_from null): a
-- warehouse starts from a snapshot while attendance and pay go back further. A source delivered for the first time
-- later is unknown before that delivery, so months already reported keep their numbers (docs/decisions.md).
with first_dates as (
    select min(_extract_date) as first_date from raw_project where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_project_corp where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_project_worker where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_team where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_complaint where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_wage_account where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_payment_guarantee where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_wage_deposit where _extract_date <= getvariable('as_of')
    union all
    select min(_extract_date) from raw_project_progress where _extract_date <= getvariable('as_of')
),

final as (
    select min(first_date) as first_extract_date from first_dates
)

select * from final
