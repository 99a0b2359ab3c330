-- grain: one row per in-scope project without a valid, adequate 工程款支付担保 (R11)
-- 条例 Art 24; 建市〔2019〕68号: amount ≥ guarantee_min_share_of_contract of the contract (the indicator's setting:
-- int_security_project_month judges adequacy, this rule prints the same share).
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_payment_guarantee
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
        'R11' as rule_id,
        'orange' as level,
        case
            when not coalesce(securities.has_valid_guarantee, false) then '无有效的工程款支付担保（未提供或已过期）'
            else '工程款支付担保金额' || round(securities.guarantee_amount_yuan / 10000, 1) || '万元，低于合同额的'
                || round(100 * getvariable('guarantee_min_share_of_contract')) || '%'
        end as reason_zh,
        coalesce(securities.guarantee_amount_yuan, 0) as evidence_value
    from scope
    left join securities on scope.project_code = securities.project_code and scope.eval_month = securities."month"
    where not coalesce(securities.has_valid_guarantee, false) or not coalesce(securities.is_guarantee_adequate, false)
)

select * from final
