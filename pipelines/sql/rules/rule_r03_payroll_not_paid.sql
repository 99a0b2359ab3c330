-- grain: one row per in-scope project with a worked pay month still unpaid after its deadline (R03)
-- Pay month M is due by the end of M + r03_pay_deadline_months (gzthsware: the end of M+1); a month with attendance
-- (valid days of persons who are not roster managers, work_role 10) and no pay line with balance_date by the deadline
-- fires. Deadlines passed within the last r03_lookback_days are judged (older ones are history, spec silent).
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

payroll as (
    select project_code, pay_month, balance_date from stg_payroll
),

attended as (
    -- the workers (not roster managers) with a valid day in the pay month
    select project_code, "month" as pay_month, n_attended_workers from int_attended_project_month
    -- only pay months whose deadline can fall in the lookback window
    where "month" >= strftime(
        date_trunc('month', getvariable('as_of') - to_days(getvariable('r03_lookback_days')))
            - to_months(getvariable('r03_pay_deadline_months')),
        '%Y-%m'
    )
),

due as (
    select
        project_code,
        pay_month,
        n_attended_workers,
        cast(last_day(cast(pay_month || '-01' as date) + to_months(getvariable('r03_pay_deadline_months'))) as date)
            as deadline_date
    from attended
),

paid as (
    select distinct
        due.project_code,
        due.pay_month
    from due
    inner join payroll on due.project_code = payroll.project_code and due.pay_month = payroll.pay_month
    where payroll.balance_date <= due.deadline_date
),

unpaid as (
    select
        scope.project_code,
        due.pay_month,
        due.deadline_date,
        due.n_attended_workers
    from scope
    inner join due on scope.project_code = due.project_code
    left join paid on due.project_code = paid.project_code and due.pay_month = paid.pay_month
    where paid.project_code is null
        and due.deadline_date <= getvariable('as_of')
        and due.deadline_date > getvariable('as_of') - to_days(getvariable('r03_lookback_days'))
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R03' as rule_id,
        'red' as level,
        string_agg(pay_month || '（' || n_attended_workers || '人有考勤）', '、' order by pay_month)
            || ' 工资逾期未发放' as reason_zh,
        count(*) as evidence_value
    from unpaid
    group by project_code
)

select * from final
