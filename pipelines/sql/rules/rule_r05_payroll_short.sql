-- grain: one row per in-scope project with a pay month paid short and not made good in time (R05)
-- 按月足额: Σ actual < Σ total of the month's regular lines − owed_tolerance_yuan, back pay counted until the pay
-- deadline (end of M + r03_pay_deadline_months, as R03) + r05_makegood_days; make-good periods that ended within the
-- last r05_lookback_days are judged, and older ones whose month is still owed now (owed_worker_month): wages unpaid
-- since June are arrears in December too, not history (docs/decisions.md "R05 while wages are still owed").
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

payroll as (
    select * from stg_payroll
    where balance_date <= getvariable('as_of')
),

months as (
    -- the pay months with a line paid by as_of and their deadline (owed_worker_month's, the one definition)
    select project_code, pay_month, any_value(deadline_date) as deadline_date
    from owed_worker_month
    group by project_code, pay_month
),

still_owed as (
    select distinct project_code, pay_month
    from owed_worker_month
    where owed_now
),

judged as (
    select months.*
    from months
    left join still_owed on months.project_code = still_owed.project_code and months.pay_month = still_owed.pay_month
    where months.deadline_date + getvariable('r05_makegood_days') <= getvariable('as_of')
        and (
            months.deadline_date + getvariable('r05_makegood_days')
            > getvariable('as_of') - to_days(getvariable('r05_lookback_days'))
            or still_owed.project_code is not null
        )
),

settled as (
    select
        months.project_code,
        months.pay_month,
        round(sum(case when not payroll.is_back_pay then payroll.total_pay_amount else 0 end), 2) as due_yuan,
        round(sum(case when payroll.balance_date <= months.deadline_date + getvariable('r05_makegood_days')
            then payroll.actual_amount else 0 end), 2) as paid_yuan
    from judged as months
    inner join payroll on months.project_code = payroll.project_code and months.pay_month = payroll.pay_month
    group by months.project_code, months.pay_month
),

short as (
    select * from settled
    where paid_yuan < due_yuan - getvariable('owed_tolerance_yuan')
),

final as (
    select
        getvariable('as_of') as as_of,
        scope.project_code,
        'R05' as rule_id,
        'red' as level,
        string_agg(short.pay_month || ' 应发' || round(short.due_yuan / 10000, 1) || '万元、实发'
            || round(short.paid_yuan / 10000, 1) || '万元', '；' order by short.pay_month)
            || '，逾期未补足' as reason_zh,
        round(sum(short.due_yuan - short.paid_yuan), 2) as evidence_value
    from scope
    inner join short on scope.project_code = short.project_code
    group by scope.project_code
)

select * from final
