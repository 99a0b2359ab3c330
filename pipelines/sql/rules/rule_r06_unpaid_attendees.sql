-- grain: one row per in-scope project where fewer workers were paid than attended (R06)
-- gzthsware; Guangzhou: more than r06_red_unpaid_share of attendees without a pay line → red.
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
    select * from int_payroll_project_month
),

gap as (
    select
        scope.project_code,
        payroll.pay_month,
        payroll.n_attended_workers,
        payroll.n_attended_paid_workers,
        1 - payroll.n_attended_paid_workers / payroll.n_attended_workers as unpaid_share
    from scope
    inner join payroll on scope.project_code = payroll.project_code and scope.eval_month = payroll."month"
    where payroll.n_attended_workers > 0
        and payroll.n_attended_paid_workers < payroll.n_attended_workers
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R06' as rule_id,
        case when unpaid_share > getvariable('r06_red_unpaid_share') then 'red' else 'yellow' end as level,
        pay_month || ' 有考勤' || n_attended_workers || '人，发放工资' || n_attended_paid_workers || '人（'
            || round(100 * unpaid_share) || '%无工资记录）' as reason_zh,
        unpaid_share as evidence_value
    from gap
)

select * from final
