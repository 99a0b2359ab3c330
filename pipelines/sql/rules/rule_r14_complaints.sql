-- grain: one row per in-scope project with an open complaint, or a verified one in the lookback window (R14)
-- 动态清零: an open case → red; a verified case within r14_verified_lookback_months → orange.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_complaint
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

cases as (
    select * from int_case
    where received_date <= getvariable('as_of')
),

per_project as (
    select
        scope.project_code,
        count(*) filter (where cases.closed_date is null or cases.closed_date > getvariable('as_of')) as n_open,
        count(*) filter (where cases.is_verified
            and cases.received_date > getvariable('as_of') - to_months(getvariable('r14_verified_lookback_months')))
            as n_verified
    from scope
    inner join cases
        on cases.project_code = scope.project_code
        or (cases.project_code is null and cases.corp_code = scope.contractor_corp_code)
    group by scope.project_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R14' as rule_id,
        case when n_open > 0 then 'red' else 'orange' end as level,
        case when n_open > 0 then '有' || n_open || '件欠薪投诉尚未办结'
            else '近' || getvariable('r14_verified_lookback_months') || '个月有' || n_verified || '件查实欠薪投诉' end
            as reason_zh,
        n_open + n_verified as evidence_value
    from per_project
    where n_open > 0 or n_verified > 0
)

select * from final
