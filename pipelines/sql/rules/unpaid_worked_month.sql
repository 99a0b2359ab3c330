-- grain: one row per project × worked pay month whose deadline has come, judged by R03 (工资未按期发放)
-- The one definition of a worked month left unpaid, read by R03 and risk_wages_owed (the line's 未发放月份): a pay
-- month with workers (not roster managers) on a valid day (int_attended_project_month), due by the last day of the
-- month + r03_pay_deadline_months, judged when
--   - its deadline passed within the last r03_lookback_days (a month paid after its deadline stays evidence for that
--     long, then it is history), or
--   - it still has no pay line at all tonight and the project's pay lines on record start at or before it: wages
--     never paid do not age into history. A month before the project's first pay line on record is left to the
--     lookback alone: the platform's payroll may start later than its attendance (a delivery gap, not arrears).
-- paid_by_deadline: a pay line with balance_date by the deadline (R03 does not fire); paid_by_as_of: one by tonight
-- (the line's 未发放月份 lists only the months without one); first_paid_date: the first such line's balance_date
-- (R03 says the month was paid late, and when, rather than unpaid).
with payroll as (
    select project_code, pay_month, balance_date from stg_payroll
    where balance_date <= getvariable('as_of')
),

on_record as (
    -- the first pay month of each project's pay lines paid by as_of
    select project_code, min(pay_month) as first_pay_month from payroll group by project_code
),

due as (
    select
        project_code,
        "month" as pay_month,
        n_attended_workers,
        cast(last_day(cast("month" || '-01' as date) + to_months(getvariable('r03_pay_deadline_months'))) as date)
            as deadline_date
    from int_attended_project_month
),

paid as (
    select
        due.project_code,
        due.pay_month,
        min(payroll.balance_date) as first_paid_date
    from due
    inner join payroll on due.project_code = payroll.project_code and due.pay_month = payroll.pay_month
    group by due.project_code, due.pay_month
),

judged as (
    select
        due.project_code,
        due.pay_month,
        due.deadline_date,
        due.n_attended_workers,
        coalesce(paid.first_paid_date <= due.deadline_date, false) as paid_by_deadline,
        paid.project_code is not null as paid_by_as_of,
        paid.first_paid_date,
        due.deadline_date > getvariable('as_of') - to_days(getvariable('r03_lookback_days')) as in_lookback,
        coalesce(paid.project_code is null and on_record.first_pay_month <= due.pay_month, false) as still_unpaid
    from due
    left join paid on due.project_code = paid.project_code and due.pay_month = paid.pay_month
    left join on_record on due.project_code = on_record.project_code
    where due.deadline_date <= getvariable('as_of')
),

final as (
    select
        project_code,
        pay_month,
        deadline_date,
        n_attended_workers,
        paid_by_deadline,
        paid_by_as_of,
        first_paid_date
    from judged
    where in_lookback or still_unpaid
)

select * from final
