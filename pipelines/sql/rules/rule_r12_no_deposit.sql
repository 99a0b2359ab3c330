-- grain: one row per in-scope project whose 总承包单位 holds no valid 工资保证金 (R12)
-- 人社部发〔2021〕65号.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_wage_deposit
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
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
