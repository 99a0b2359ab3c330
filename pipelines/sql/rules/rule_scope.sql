-- grain: one row per in-scope project at the rules' evaluation month
-- The evaluation month is the last complete month at as_of (as_of itself when it is a month end), so monthly
-- obligations are judged on months that are over.
with project_months as (
    select * from int_project_month
),

evaluation as (
    select strftime(cast(date_trunc('month', getvariable('as_of') + interval 1 day) - interval 1 day as date), '%Y-%m')
        as eval_month
),

final as (
    select
        project_months.project_code,
        project_months.area_code,
        project_months.contractor_corp_code,
        project_months."month" as eval_month,
        project_months.month_index as eval_month_index
    from project_months
    inner join evaluation on project_months."month" = evaluation.eval_month
    where project_months.is_in_scope
)

select * from final
