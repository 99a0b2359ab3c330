-- grain: one row: the pay month whose payment deadline has passed at as_of
-- The last month completed by as_of (as_of itself when it is a month end) minus payroll_deadline_months: for
-- as_of 2025-06-30 and one month, 2025-05; for 2025-06-15, 2025-04. R07 and the payroll data-quality checks read it.
with last_complete_month as (
    select cast(date_trunc('month', getvariable('as_of') + interval 1 day) - interval 1 day as date) as month_end
),

final as (
    select strftime(month_end - to_months(getvariable('payroll_deadline_months')), '%Y-%m') as pay_month
    from last_complete_month
)

select * from final
