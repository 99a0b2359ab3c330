-- grain: one row per area (complaint area, 'UNKNOWN', and 'ALL' = the city) × month of int_month
-- case_closure_rate: cases received from 1 January of M's year to month_end and closed by month_end ÷ those received.
-- open_cases: received by month_end and not closed by then (any year); over_30d: received before
-- month_end − case_overdue_days. days_to_close: mean closed_date − received_date of cases closed in M.
with cases as (
    select * from int_case
),

months as (
    select * from int_month
),

case_areas as (
    select *, area_code as counted_area_code from cases
    union all
    select *, 'ALL' as counted_area_code from cases
),

areas as (
    select distinct counted_area_code as area_code from case_areas
),

area_months as (
    select areas.area_code, months."month", months.month_start, months.month_end
    from areas
    cross join months
),

case_months as (
    select
        area_months.area_code,
        area_months."month",
        case_areas.case_id,
        case_areas.received_date,
        case_areas.closed_date,
        case_areas.is_closed_without_date,
        case_areas.received_date >= date_trunc('year', area_months.month_start) as is_received_this_year,
        case_areas.closed_date is not null and case_areas.closed_date <= area_months.month_end as is_closed_by_month_end,
        case_areas.closed_date between area_months.month_start and area_months.month_end as is_closed_in_month,
        case_areas.received_date < area_months.month_end - getvariable('case_overdue_days') as is_overdue_age
    from area_months
    inner join case_areas
        on area_months.area_code = case_areas.counted_area_code
        and case_areas.received_date <= area_months.month_end
),

aggregated as (
    select
        area_code,
        "month",
        count(*) filter (where is_received_this_year) as n_cases_received_ytd,
        count(*) filter (where is_received_this_year and is_closed_by_month_end) as n_cases_closed_ytd,
        count(*) filter (where not is_closed_by_month_end) as open_cases,
        count(*) filter (where not is_closed_by_month_end and is_overdue_age) as open_cases_over_30d,
        count(*) filter (where is_closed_in_month) as n_cases_closed_in_month,
        avg(date_diff('day', received_date, closed_date)) filter (where is_closed_in_month) as days_to_close,
        count(*) filter (where is_closed_without_date) as n_cases_closed_without_date
    from case_months
    group by area_code, "month"
),

final as (
    select
        area_months.area_code,
        area_months."month",
        coalesce(aggregated.n_cases_received_ytd, 0) as n_cases_received_ytd,
        coalesce(aggregated.n_cases_closed_ytd, 0) as n_cases_closed_ytd,
        aggregated.n_cases_closed_ytd / nullif(aggregated.n_cases_received_ytd, 0) as case_closure_rate,
        coalesce(aggregated.open_cases, 0) as open_cases,
        coalesce(aggregated.open_cases_over_30d, 0) as open_cases_over_30d,
        coalesce(aggregated.n_cases_closed_in_month, 0) as n_cases_closed_in_month,
        aggregated.days_to_close,
        coalesce(aggregated.n_cases_closed_without_date, 0) as n_cases_closed_without_date
    from area_months
    left join aggregated
        on area_months.area_code = aggregated.area_code and area_months."month" = aggregated."month"
)

select * from final
