-- grain: one row per in-scope project with a worked pay month still unpaid after its deadline (R03)
-- Pay month M is due by the end of M + r03_pay_deadline_months (gzthsware: the end of M+1); a month with attendance
-- (valid days of persons who are not roster managers, work_role 10) and no pay line with balance_date by the deadline
-- fires. The months judged are unpaid_worked_month's: deadlines passed within the last r03_lookback_days (older ones
-- are history, spec silent), and older months still without any pay line (wages never paid do not age out).
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

unpaid as (
    select
        scope.project_code,
        months.pay_month,
        months.deadline_date,
        months.n_attended_workers
    from scope
    inner join unpaid_worked_month as months on scope.project_code = months.project_code
    where not months.paid_by_deadline
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
