-- grain: one row per project × month (as int_project_month): wage account state at month end and labor-cost inflows
-- An account is open on the last day of M when open_date ≤ month_end (null open_date = open) and close_date is
-- null or after month_end. Inflows: direction 01 收入 with txn_type 01 人工费拨付 in M into any of the project's
-- accounts. Required labor cost = labor_cost_ratio (project's, else default_labor_cost_ratio) × certified_value of M.
-- Accounts as delivered by the end of M: the stg_wage_account_version valid on month_end (open/close dates, project,
-- tripartite agreement), for the state and for which project an inflow of M belongs to.
with project_months as (
    select project_code, "month", month_start, month_end, labor_cost_ratio from int_project_month
),

accounts as (
    select * from stg_wage_account_version
),

months as (
    select "month", month_end from int_month
),

month_accounts as (
    select
        months."month",
        accounts.account_number,
        accounts.project_code,
        accounts.open_date,
        accounts.close_date,
        accounts.has_tripartite_agreement
    from accounts
    inner join months
        on (accounts.valid_from is null or accounts.valid_from <= months.month_end)
        and (accounts.valid_to is null or accounts.valid_to > months.month_end)
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
        bool_or(coalesce(month_accounts.has_tripartite_agreement, false)) as has_tripartite_agreement
    from project_months
    inner join month_accounts
        on project_months.project_code = month_accounts.project_code
        and project_months."month" = month_accounts."month"
        and (month_accounts.open_date is null or month_accounts.open_date <= project_months.month_end)
        and (month_accounts.close_date is null or month_accounts.close_date > project_months.month_end)
    group by all
),

inflows as (
    select
        month_accounts.project_code,
        month_accounts."month",
        count(*) as n_labor_cost_inflows,
        round(sum(txns.amount), 2) as labor_cost_inflow_yuan
    from txns
    inner join month_accounts
        on txns.account_number = month_accounts.account_number
        and strftime(txns.txn_time, '%Y-%m') = month_accounts."month"
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
