-- grain: one row per calendar month ('yyyy-MM') from the first month with data up to the month of as_of
-- "First month with data" = the earliest attendance punch, pay month or complaint received date that is not after
-- as_of; with none of them the spine is just the month of as_of. Rows after as_of are ignored (bad clocks).
with attendance as (
    select min(work_date) as first_date
    from stg_attendance
    where work_date <= getvariable('as_of')
),

payroll as (
    select min(cast(pay_month || '-01' as date)) as first_date
    from stg_payroll
    where cast(pay_month || '-01' as date) <= getvariable('as_of')
),

complaints as (
    select min(received_date) as first_date
    from stg_complaint
    where received_date <= getvariable('as_of')
),

bounds as (
    select
        date_trunc('month', coalesce(
            least(attendance.first_date, payroll.first_date, complaints.first_date), getvariable('as_of')
        )) as first_month_start,
        date_trunc('month', getvariable('as_of')) as last_month_start
    from attendance, payroll, complaints
),

-- unnest(generate_series(…)) in the select list transpiles to Spark's explode(sequence(…)) (pipelines/spark_sql.py)
month_series as (
    select unnest(generate_series(bounds.first_month_start, bounds.last_month_start, interval 1 month)) as month_start
    from bounds
),

months as (
    select cast(month_start as date) as month_start
    from month_series
),

final as (
    select
        strftime(month_start, '%Y-%m') as "month",
        month_start,
        cast(last_day(month_start) as date) as month_end,
        year(month_start) * 12 + month(month_start) as month_index  -- consecutive months differ by 1
    from months
)

select * from final
