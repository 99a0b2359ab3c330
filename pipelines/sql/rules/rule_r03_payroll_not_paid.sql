-- grain: one row per in-scope project with a worked pay month still unpaid after its deadline (R03)
-- Pay month M is due by the end of M+1 (gzthsware); a month with attendance and no pay line counts too.
with scope as (
    select * from rule_scope
),

payroll as (
    select * from int_payroll_project_month
),

unpaid as (
    select
        scope.project_code,
        payroll.pay_month,
        payroll.deadline_date,
        payroll.n_attended_workers
    from scope
    inner join payroll on scope.project_code = payroll.project_code
    where payroll.deadline_date <= getvariable('as_of')
        and payroll.deadline_date > getvariable('as_of') - interval 92 day
        and payroll.n_attended_workers > 0
        and coalesce(payroll.n_pay_lines_by_deadline, 0) = 0
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
