-- grain: one row per in-scope project with months of work and no 人工费 inflow (R01)
-- 条例 Art 24 (monthly 人工费拨付); Fujian 2018: r01_red_consecutive_months running (up to the evaluation month) or
-- r01_red_months_in_12 within the last r01_lookback_months escalate to red.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance and has_wage_account and has_account_txn
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

months as (
    select * from int_project_month
),

accounts as (
    select * from int_account_project_month
),

missing as (
    select
        scope.project_code,
        months."month",
        scope.eval_month_index - months.month_index as months_ago
    from scope
    inner join months on scope.project_code = months.project_code
    left join accounts on months.project_code = accounts.project_code and months."month" = accounts."month"
    where months.month_index > scope.eval_month_index - getvariable('r01_lookback_months')
        and months.month_index <= scope.eval_month_index
        and months.n_working_days > 0
        and coalesce(accounts.n_labor_cost_inflows, 0) = 0
),

per_project as (
    select
        project_code,
        count(*) as n_missing_12m,
        bool_or(months_ago = 0) as is_missing_now,
        -- the last r01_red_consecutive_months months up to the evaluation month are all missing
        count(*) filter (where months_ago < getvariable('r01_red_consecutive_months'))
        = getvariable('r01_red_consecutive_months') as is_missing_running,
        string_agg("month", '、' order by "month") as missing_months
    from missing
    group by project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R01' as rule_id,
        case
            when is_missing_running or n_missing_12m >= getvariable('r01_red_months_in_12') then 'red'
            else 'yellow'
        end as level,
        missing_months || ' 有考勤但专户未收到人工费拨付（近' || getvariable('r01_lookback_months') || '个月共'
            || n_missing_12m || '个月）' as reason_zh,
        n_missing_12m as evidence_value
    from per_project
    where is_missing_now or n_missing_12m >= getvariable('r01_red_months_in_12')
)

select * from final
