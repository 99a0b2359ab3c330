-- grain: one row per in-scope project with a worker paid implausibly much (R08, suspected 代领/套取)
-- gzthsware: one person paid > r08_month_max_yuan in a pay month, or > r08_year_max_yuan over the r08_year_months pay months
-- up to the evaluation month. Paid = Σ actual_amount with balance_date ≤ as_of.
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

person_month as (
    select
        payroll.project_code,
        payroll.id_card_number_hash,
        payroll.pay_month,
        round(sum(payroll.actual_amount), 2) as paid_yuan
    from payroll
    inner join scope on payroll.project_code = scope.project_code
    where payroll.pay_month > strftime(cast(getvariable('as_of') as date) - to_months(getvariable('r08_year_months')), '%Y-%m')
    group by payroll.project_code, payroll.id_card_number_hash, payroll.pay_month
),

person_year as (
    select
        project_code,
        id_card_number_hash,
        max(paid_yuan) as max_month_yuan,
        arg_max(pay_month, (paid_yuan, pay_month)) as max_pay_month,  -- a tie: the later month
        round(sum(paid_yuan), 2) as year_yuan
    from person_month
    group by project_code, id_card_number_hash
),

per_project as (
    select
        project_code,
        count(*) filter (where max_month_yuan > getvariable('r08_month_max_yuan')) as n_over_month,
        count(*) filter (where year_yuan > getvariable('r08_year_max_yuan')) as n_over_year,
        max(max_month_yuan) as top_month_yuan,
        arg_max(max_pay_month, (max_month_yuan, max_pay_month)) as top_pay_month,
        max(year_yuan) as top_year_yuan
    from person_year
    where max_month_yuan > getvariable('r08_month_max_yuan') or year_yuan > getvariable('r08_year_max_yuan')
    group by project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R08' as rule_id,
        'red' as level,
        case
            when n_over_month > 0
                then n_over_month || '名工人单月实发超过' || cast(getvariable('r08_month_max_yuan') / 10000 as decimal(9, 1))
                    || '万元（最高' || cast(round(top_month_yuan / 10000, 1) as decimal(9, 1)) || '万元，' || top_pay_month
                    || '），疑似代领或套取工资款'
            else n_over_year || '名工人近' || getvariable('r08_year_months') || '个月实发超过'
                || cast(getvariable('r08_year_max_yuan') / 10000 as decimal(9, 1))
                || '万元（最高' || cast(round(top_year_yuan / 10000, 1) as decimal(9, 1)) || '万元），疑似代领或套取工资款'
        end as reason_zh,
        top_month_yuan as evidence_value
    from per_project
)

select * from final
