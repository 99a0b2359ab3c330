-- grain: one row per project × month (as int_project_month): payment guarantee and wage deposit valid on month end
-- Guarantee valid on the last day of M: start_date ≤ month_end (null = no limit) and end_date ≥ month_end
-- (null = open-ended); adequate when Σ valid amount ≥ guarantee_min_share_of_contract × contract_amount.
-- Deposit valid: status 01 有效, deposit_date ≤ month_end, expire_date null or ≥ month_end; it covers the project
-- when it names the project, or names no project and belongs to the project's 总承包单位 (firm-wide).
-- History: guarantees and deposits as delivered by the end of M (the stg_*_version valid on month_end), so a
-- deposit that is 已动用/已退还 today still counts as valid in the months it was 有效, and a guarantee delivered
-- later does not cover months already reported.
with project_months as (
    select project_code, "month", month_end, contractor_corp_code, contract_amount from int_project_month
),

guarantees as (
    select * from stg_payment_guarantee_version
),

deposits as (
    select * from stg_wage_deposit_version
    where status = '01'
),

valid_guarantees as (
    select
        project_months.project_code,
        project_months."month",
        count(*) as n_valid_guarantees,
        round(sum(guarantees.amount), 2) as guarantee_amount_yuan
    from project_months
    inner join guarantees
        on project_months.project_code = guarantees.project_code
        and (guarantees.valid_from is null or guarantees.valid_from <= project_months.month_end)
        and (guarantees.valid_to is null or guarantees.valid_to > project_months.month_end)
        and (guarantees.start_date is null or guarantees.start_date <= project_months.month_end)
        and (guarantees.end_date is null or guarantees.end_date >= project_months.month_end)
    group by all
),

valid_deposits as (
    select
        project_months.project_code,
        project_months."month",
        count(*) as n_valid_deposits,
        round(coalesce(sum(deposits.amount) filter (where deposits.project_code is not null), 0), 2) as project_deposit_yuan,
        bool_or(deposits.project_code is null) as has_firm_wide_deposit
    from project_months
    inner join deposits
        on (
            deposits.project_code = project_months.project_code
            or (deposits.project_code is null and deposits.corp_code = project_months.contractor_corp_code)
        )
        and (deposits.valid_from is null or deposits.valid_from <= project_months.month_end)
        and (deposits.valid_to is null or deposits.valid_to > project_months.month_end)
        and (deposits.deposit_date is null or deposits.deposit_date <= project_months.month_end)
        and (deposits.expire_date is null or deposits.expire_date >= project_months.month_end)
    group by all
),

final as (
    select
        project_months.project_code,
        project_months."month",
        coalesce(valid_guarantees.n_valid_guarantees, 0) > 0 as has_valid_guarantee,
        coalesce(valid_guarantees.guarantee_amount_yuan, 0) as guarantee_amount_yuan,
        coalesce(valid_guarantees.guarantee_amount_yuan, 0)
        >= getvariable('guarantee_min_share_of_contract') * project_months.contract_amount
        and coalesce(valid_guarantees.n_valid_guarantees, 0) > 0 as is_guarantee_adequate,
        coalesce(valid_deposits.n_valid_deposits, 0) > 0 as has_valid_deposit,
        coalesce(valid_deposits.has_firm_wide_deposit, false) as has_firm_wide_deposit,
        coalesce(valid_deposits.project_deposit_yuan, 0) as project_deposit_yuan,
        nullif(valid_deposits.project_deposit_yuan, 0) / nullif(project_months.contract_amount, 0)
            as project_deposit_share_of_contract,
        -- 人社部发〔2021〕65号: expected 1%–3% of contract; firm-wide deposits are not split per project
        nullif(valid_deposits.project_deposit_yuan, 0) / nullif(project_months.contract_amount, 0)
        < getvariable('deposit_min_share') as is_project_deposit_below_min,
        nullif(valid_deposits.project_deposit_yuan, 0) / nullif(project_months.contract_amount, 0)
        > getvariable('deposit_max_share') as is_project_deposit_above_max
    from project_months
    left join valid_guarantees
        on project_months.project_code = valid_guarantees.project_code
        and project_months."month" = valid_guarantees."month"
    left join valid_deposits
        on project_months.project_code = valid_deposits.project_code
        and project_months."month" = valid_deposits."month"
)

select * from final
