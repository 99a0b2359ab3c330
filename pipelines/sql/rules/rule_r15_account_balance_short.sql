-- grain: one row per in-scope project whose wage-account balance cannot cover next month's payroll (R15)
-- Guizhou 专户余额异常: balance = Σ over the project's accounts of the last known balance at as_of; next month's
-- payroll = mean Σ total_pay_amount (regular lines) over the last r15_payroll_months pay months with payroll.
-- A project without any account transaction has no known balance: R01 already speaks for it.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_wage_account and has_account_txn and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

accounts as (
    select account_number, project_code from stg_wage_account
),

last_balance as (
    select
        account_number,
        arg_max(balance, (txn_time, txn_id)) as balance_yuan  -- same time: the bank's serial number decides
    from stg_account_txn
    where cast(txn_time as date) <= getvariable('as_of') and balance is not null
    group by account_number
),

project_balance as (
    select
        accounts.project_code,
        round(sum(last_balance.balance_yuan), 2) as balance_yuan
    from accounts
    inner join last_balance on accounts.account_number = last_balance.account_number
    group by accounts.project_code
),

pay_months as (
    select
        project_code,
        pay_month,
        round(sum(total_pay_amount), 2) as payroll_yuan,
        row_number() over (partition by project_code order by pay_month desc) as months_back
    from stg_payroll
    where not coalesce(is_back_pay, false)
        and pay_month <= strftime(cast(getvariable('as_of') as date), '%Y-%m')
        and _extract_date <= getvariable('as_of')
    group by project_code, pay_month
),

expected as (
    select
        project_code,
        -- the mean of whole-fen sums: an exact sum over the count, not avg()'s in whatever order rows arrive
        round(sum(payroll_yuan), 2) / count(*) as expected_payroll_yuan,
        count(*) as n_months
    from pay_months
    where months_back <= getvariable('r15_payroll_months')
    group by project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        scope.project_code,
        'R15' as rule_id,
        'orange' as level,
        '专户余额' || cast(round(project_balance.balance_yuan / 10000, 1) as decimal(12, 1)) || '万元，低于近'
            || expected.n_months || '个月平均应发工资' || cast(round(expected.expected_payroll_yuan / 10000, 1) as decimal(12, 1))
            || '万元' as reason_zh,
        project_balance.balance_yuan / expected.expected_payroll_yuan as evidence_value
    from scope
    inner join project_balance on scope.project_code = project_balance.project_code
    inner join expected on scope.project_code = expected.project_code
    where expected.expected_payroll_yuan > 0
        and project_balance.balance_yuan < expected.expected_payroll_yuan
)

select * from final
