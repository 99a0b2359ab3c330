-- grain: one row per project in risk scope at the rules' evaluation month
-- The evaluation month is the last complete month at as_of (as_of itself when it is a month end), so monthly
-- obligations are judged on months that are over.
-- Risk scope is wider than the 国考 indicator scope (shared/spec/triage.md): arrears concentrate where work ends
-- (完工 settlement, 停工, projects past their planned completion), so a started project of an in-scope category
-- stays in risk scope, whatever its status, while it has workers on the roster (no exit_time yet), pay months
-- still owed, or open complaints, and for risk_tail_days after its last attendance or its completion date.
-- (Open warning lines keep a project on the list at assembly; pipelines/warnings/assemble.py.)
with project_months as (
    select * from int_project_month
),

projects as (
    select * from stg_project
),

evaluation as (
    select strftime(cast(date_trunc('month', getvariable('as_of') + interval 1 day) - interval 1 day as date), '%Y-%m')
        as eval_month
),

last_attendance as (
    -- int_project_day has a row for each project × day with a valid person-day: the same last date as the
    -- person-days' (a few hundred thousand rows instead of millions)
    select project_code, max(work_date) as last_work_date
    from int_project_day
    group by project_code
),

on_roster as (
    select distinct project_code
    from stg_project_worker
    where coalesce(entry_time, getvariable('as_of')) <= getvariable('as_of')
        and (exit_time is null or exit_time > getvariable('as_of'))
),

open_complaints as (
    select distinct project_code
    from stg_complaint
    where project_code is not null
        and received_date <= getvariable('as_of')
        and status is distinct from '03'
),

owed_months as (
    -- a pay month past its deadline with a worker owed for it (the detail is risk_wages_owed)
    select distinct project_code
    from owed_worker_month
    where owed_now
),

final as (
    select
        project_months.project_code,
        project_months.area_code,
        project_months.contractor_corp_code,
        project_months."month" as eval_month,
        project_months.month_index as eval_month_index,
        project_months.is_in_scope as is_indicator_scope
    from project_months
    inner join evaluation on project_months."month" = evaluation.eval_month
    inner join projects on project_months.project_code = projects.project_code
    left join last_attendance on project_months.project_code = last_attendance.project_code
    where project_months.is_in_scope
        or (
            coalesce(list_contains(getvariable('categories'), projects.category), false)
            and coalesce(projects.start_date, getvariable('as_of')) <= getvariable('as_of')
            and (
                project_months.project_code in (select project_code from on_roster)
                or project_months.project_code in (select project_code from open_complaints)
                or project_months.project_code in (select project_code from owed_months)
                or last_attendance.last_work_date > getvariable('as_of') - to_days(getvariable('risk_tail_days'))
                or projects.complete_date
                    between getvariable('as_of') - to_days(getvariable('risk_tail_days')) and getvariable('as_of')
            )
        )
)

select * from final
