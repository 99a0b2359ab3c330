-- grain: one row per in-scope project whose PM or chief supervisor was on site too rarely, or is not set (R09)
-- 泉州 60% (r09_min_onsite_rate); Jilin 80%.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance and has_project_corp and has_project_worker
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

months as (
    select * from int_project_month
),

rates as (
    select
        scope.project_code,
        scope.eval_month,
        months.is_pm_set,
        months.is_chief_supervisor_set,
        months.n_working_days,
        months.n_pm_onsite_days / nullif(months.n_working_days, 0) as pm_rate,
        months.n_chief_supervisor_onsite_days / nullif(months.n_working_days, 0) as chief_rate
    from scope
    inner join months on scope.project_code = months.project_code and scope.eval_month = months."month"
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R09' as rule_id,
        'orange' as level,
        eval_month || ' ' || concat_ws('，',
            case when not coalesce(is_pm_set, false) then '未设置项目经理' end,
            case when coalesce(is_pm_set, false) and pm_rate < getvariable('r09_min_onsite_rate')
                then '项目经理到岗率' || round(100 * pm_rate) || '%' end,
            case when not coalesce(is_chief_supervisor_set, false) then '未设置总监理工程师' end,
            case when coalesce(is_chief_supervisor_set, false) and chief_rate < getvariable('r09_min_onsite_rate')
                then '总监到岗率' || round(100 * chief_rate) || '%' end
        ) || '（要求不低于' || round(100 * getvariable('r09_min_onsite_rate')) || '%）' as reason_zh,
        least(coalesce(pm_rate, 0), coalesce(chief_rate, 0)) as evidence_value
    from rates
    where n_working_days > 0
        and (not coalesce(is_pm_set, false) or not coalesce(is_chief_supervisor_set, false)
            or pm_rate < getvariable('r09_min_onsite_rate') or chief_rate < getvariable('r09_min_onsite_rate'))
)

select * from final
