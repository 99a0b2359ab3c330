-- grain: one row per in-scope project with months of work and no 人工费 inflow (R01)
-- 条例 Art 24 (monthly 人工费拨付); Fujian 2018: 2 consecutive or 3 in 12 months escalate to red.
with scope as (
    select * from rule_scope
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
    where months.month_index between scope.eval_month_index - 11 and scope.eval_month_index
        and months.n_working_days > 0
        and coalesce(accounts.n_labor_cost_inflows, 0) = 0
),

per_project as (
    select
        project_code,
        count(*) as n_missing_12m,
        bool_or(months_ago = 0) as is_missing_now,
        bool_or(months_ago = 0) and bool_or(months_ago = 1) as is_missing_two_running,
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
            when is_missing_two_running or n_missing_12m >= getvariable('r01_red_months_in_12') then 'red'
            else 'yellow'
        end as level,
        missing_months || ' 有考勤但专户未收到人工费拨付（近12个月共' || n_missing_12m || '个月）' as reason_zh,
        n_missing_12m as evidence_value
    from per_project
    where is_missing_now or n_missing_12m >= getvariable('r01_red_months_in_12')
)

select * from final
