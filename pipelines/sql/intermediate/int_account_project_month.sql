-- grain: one row per project × month (as int_project_month): wage account state at month end and labor-cost inflows
-- An account is open on the last day of M when open_date ≤ month_end (null open_date = open) and close_date is
-- null or after month_end. Inflows: direction 01 收入 with txn_type 01 人工费拨付 in M into any of the project's
-- accounts. Required labor cost = labor_cost_ratio (project's, else default_labor_cost_ratio) × certified_value of M.
with project_months as (
    select project_code, "month", month_start, month_end, labor_cost_ratio from int_project_month
),

accounts as (
    select * from stg_wage_account
),

txns as (
    select * from stg_account_txn
),

progress as (
    select project_code, "month", certified_value from stg_project_progress
),

open_accounts as (
    select
        project_months.project_code,
        project_months."month",
        count(*) as n_open_accounts,
        bool_or(coalesce(accounts.has_tripartite_agreement, false)) as has_tripartite_agreement
    from project_months
    inner join accounts
        on project_months.project_code = accounts.project_code
        and (accounts.open_date is null or accounts.open_date <= project_months.month_end)
        and (accounts.close_date is null or accounts.close_date > project_months.month_end)
    group by all
),

inflows as (
    select
        accounts.project_code,
        strftime(txns.txn_time, '%Y-%m') as "month",
        count(*) as n_labor_cost_inflows,
        sum(txns.amount) as labor_cost_inflow_yuan
    from txns
    inner join accounts on txns.account_number = accounts.account_number
    where txns.direction = '01' and txns.txn_type = '01' and cast(txns.txn_time as date) <= getvariable('as_of')
    group by all
),

final as (
    select
        project_months.project_code,
        project_months."month",
        coalesce(open_accounts.n_open_accounts, 0) > 0 as has_open_account,
        coalesce(open_accounts.has_tripartite_agreement, false) as has_tripartite_agreement,
        coalesce(inflows.n_labor_cost_inflows, 0) as n_labor_cost_inflows,
        coalesce(inflows.labor_cost_inflow_yuan, 0) as labor_cost_inflow_yuan,
        progress.certified_value as certified_value_yuan,
        project_months.labor_cost_ratio * progress.certified_value as labor_cost_required_yuan
    from project_months
    left join open_accounts
        on project_months.project_code = open_accounts.project_code and project_months."month" = open_accounts."month"
    left join inflows
        on project_months.project_code = inflows.project_code and project_months."month" = inflows."month"
    left join progress
        on project_months.project_code = progress.project_code and project_months."month" = progress."month"
)

select * from final
