-- grain: one row per in-scope project whose 人工费 inflow fell short of the contract share this month (R02)
-- Required = labor_cost_ratio (default setting) × certified value; Yinchuan 22%, Hengshan 15%.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_wage_account and has_account_txn and has_project_progress
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

accounts as (
    select * from int_account_project_month
),

short as (
    select
        scope.project_code,
        scope.eval_month,
        accounts.labor_cost_inflow_yuan,
        accounts.labor_cost_required_yuan
    from scope
    inner join accounts on scope.project_code = accounts.project_code and scope.eval_month = accounts."month"
    where accounts.labor_cost_inflow_yuan > 0
        and accounts.labor_cost_inflow_yuan < accounts.labor_cost_required_yuan
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R02' as rule_id,
        'orange' as level,
        eval_month || ' 人工费拨付' || round(labor_cost_inflow_yuan / 10000, 1) || '万元，低于应拨'
            || round(labor_cost_required_yuan / 10000, 1) || '万元（'
            || cast(round(100 * labor_cost_inflow_yuan / labor_cost_required_yuan) as integer) || '%）' as reason_zh,
        labor_cost_inflow_yuan / labor_cost_required_yuan as evidence_value
    from short
)

select * from final
