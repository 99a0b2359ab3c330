-- grain: one row per in-scope project that paid wages from an account other than its wage account (R04)
-- 条例: 总包代发 through the project's 专用账户. Pay lines settled within the last r04_lookback_days count
-- (spec silent: our choice, docs/decisions.md).
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_payroll and has_wage_account
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

payroll as (
    select * from stg_payroll
),

accounts as (
    select * from stg_wage_account
),

outside as (
    select
        payroll.project_code,
        count(*) as n_lines,
        round(sum(payroll.actual_amount), 2) as amount_yuan  -- to the fen: docs/decisions.md "Money sums to the fen"
    from payroll
    left join accounts
        on payroll.project_code = accounts.project_code and payroll.pay_bank_card_number = accounts.account_number
    where accounts.account_number is null
        and payroll.balance_date <= getvariable('as_of')
        and payroll.balance_date > getvariable('as_of') - to_days(getvariable('r04_lookback_days'))
    group by payroll.project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        scope.project_code,
        'R04' as rule_id,
        'orange' as level,
        '近' || getvariable('r04_lookback_days') || '天有' || outside.n_lines || '笔工资（'
            || round(outside.amount_yuan / 10000, 1)
            || '万元）未通过本项目专用账户代发' as reason_zh,
        outside.amount_yuan as evidence_value
    from scope
    inner join outside on scope.project_code = outside.project_code
)

select * from final
