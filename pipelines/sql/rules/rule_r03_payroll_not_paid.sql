-- grain: one row per in-scope project with a worked pay month not paid by its deadline (R03)
-- Pay month M is due by the end of M + r03_pay_deadline_months (gzthsware: the end of M+1); a month with attendance
-- (valid days of persons who are not roster managers, work_role 10) and no pay line with balance_date by the deadline
-- fires. The months judged are unpaid_worked_month's: deadlines passed within the last r03_lookback_days (older ones
-- are history, spec silent), and older months still without any pay line (wages never paid do not age out).
-- The reason says of each month what an inspector finds on site tonight: still no pay line (至今未发放), paid after
-- its deadline (the first pay line's date, 逾期发放), or paid late in part with workers still owed for it
-- (owed_worker_month, the line's 当前欠发). A month paid late was written "逾期未发放" before: it read as unpaid.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

owed as (
    -- the pay months a worker is still owed for tonight (the line's 当前欠发 counts the same worker-months)
    select distinct project_code, pay_month from owed_worker_month where owed_now
),

unpaid as (
    select
        scope.project_code,
        months.pay_month,
        months.deadline_date,
        months.n_attended_workers,
        case
            when not months.paid_by_as_of then '至今未发放'
            when owed.project_code is not null
                then strftime(months.first_paid_date, '%Y-%m-%d') || '起逾期发放部分，仍有欠发'
            else strftime(months.first_paid_date, '%Y-%m-%d') || '逾期发放'
        end as state_zh
    from scope
    inner join unpaid_worked_month as months on scope.project_code = months.project_code
    left join owed on months.project_code = owed.project_code and months.pay_month = owed.pay_month
    where not months.paid_by_deadline
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R03' as rule_id,
        'red' as level,
        string_agg(pay_month || '（' || n_attended_workers || '人有考勤）' || state_zh, '、' order by pay_month)
            as reason_zh,
        count(*) as evidence_value
    from unpaid
    group by project_code
)

select * from final
