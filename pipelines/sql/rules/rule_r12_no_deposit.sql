-- grain: one row per in-scope project whose 总承包单位 holds no valid 工资保证金 (R12)
-- 人社部发〔2021〕65号.
with scope as (
    select * from rule_scope
),

securities as (
    select * from int_security_project_month
),

final as (
    select
        getvariable('as_of') as as_of,
        scope.project_code,
        'R12' as rule_id,
        'yellow' as level,
        '总承包单位未缴存有效的工资保证金' as reason_zh,
        0 as evidence_value
    from scope
    left join securities on scope.project_code = securities.project_code and scope.eval_month = securities."month"
    where not coalesce(securities.has_valid_deposit, false)
)

select * from final
