-- grain: one row per project × month, every registered project × every month of int_month
-- incremental: by_month(month)
-- Scope (indicators.md): prj_status in active_status (003) → is_in_scope, in stopped_status (005) → is_stopped
-- (reported separately, outside denominators), and for both: start_date ≤ month_end, not completed before
-- month_start (complete_date < month_start → out), duty_start_date = coalesce(builder_license_date, start_date)
-- + grace_days ≤ month_end, category in categories.
-- Where the spec is silent: a null start_date does not exclude (the registry says 在建; flagged is_start_date_missing);
-- with neither date the grace period cannot run and is taken as passed. Attendance counts are for the calendar month,
-- up to as_of. History (sources.md "Delivery"): month M reads the registry as delivered by the end of M — the
-- stg_project_version valid on month_end (status, dates, firms, area, amounts), the roster and key staff likewise —
-- so a month already reported keeps its numbers when later extracts change the registry. A project not yet
-- registered at month_end keeps its row with null attributes, out of scope.
with projects as (
    select project_code from stg_project
),

project_versions as (
    select * from stg_project_version
),

-- the months being built (the whole calendar on a full build): docs/decisions.md "Incremental nights"
months as (
    select * from int_month
    where month_start between getvariable('build_from') and getvariable('build_to')
),

person_days as (
    select * from int_person_day
    where work_date between getvariable('build_from') and getvariable('build_to')
),

project_days as (
    select * from int_project_day
    where work_date between getvariable('build_from') and getvariable('build_to')
),

key_staff as (
    select * from int_key_staff
    where "month" between strftime(getvariable('build_from'), '%Y-%m') and strftime(getvariable('build_to'), '%Y-%m')
),

roster as (
    select project_code, hash(id_card_number_hash) as person_key, has_contract, valid_from, valid_to
    from stg_project_worker_version  -- int_person_day's person_key
),

-- a person's days of a month first, then the roster version valid on the month's last day (the same for every day
-- of the month): one join per person-month rather than per person-day, and the month formatted once per row of
-- int_month (docs/decisions.md "The indicator step's SQL")
person_month_days as (
    select
        project_code,
        year(work_date) * 12 + month(work_date) as month_index,  -- int_month's month_index
        person_key,
        sum(n_punches) as n_punches,
        bool_or(is_valid_day) as has_valid_day,
        max(work_role) as work_role,  -- one roster role per person and project
        bool_or(is_on_roster) as is_on_roster
    from person_days
    group by project_code, month_index, person_key
),

person_months as (
    select
        person_month_days.project_code,
        months."month",
        person_month_days.person_key,
        person_month_days.n_punches,
        person_month_days.has_valid_day,
        person_month_days.work_role,
        person_month_days.is_on_roster,
        coalesce(roster.has_contract, false) as has_contract
    from person_month_days
    inner join months on person_month_days.month_index = months.month_index
    left join roster
        on person_month_days.project_code = roster.project_code
        and person_month_days.person_key = roster.person_key
        and (roster.valid_from is null or roster.valid_from <= months.month_end)
        and (roster.valid_to is null or roster.valid_to > months.month_end)
),

attendance_by_month as (
    select
        project_code,
        "month",
        sum(n_punches) as n_attendance_records,
        count(*) filter (where has_valid_day) as n_valid_persons,
        count(*) filter (where has_valid_day and work_role = '20') as n_valid_workers,
        -- contract_rate: roster workers (work_role 20) with a valid day in the month are "on site"
        count(*) filter (where has_valid_day and is_on_roster and work_role = '20') as n_roster_workers_on_site,
        count(*) filter (where has_valid_day and is_on_roster and work_role = '20' and has_contract)
            as n_roster_workers_with_contract
    from person_months
    group by project_code, "month"
),

working_days_by_month as (
    select
        project_code,
        strftime(work_date, '%Y-%m') as "month",
        count(*) filter (where is_working_day) as n_working_days,
        coalesce(sum(n_workers) filter (where is_working_day), 0) as n_worker_days,
        count(*) filter (where is_working_day and is_pm_present) as n_pm_days,
        count(*) filter (where is_working_day and is_chief_supervisor_present) as n_chief_supervisor_days
    from project_days
    group by all
),

key_staff_by_month as (
    select
        project_code,
        "month",
        bool_or(is_set) filter (where staff_role = 'pm') as is_pm_set,
        bool_or(is_on_roster) filter (where staff_role = 'pm') as is_pm_on_roster,
        bool_or(is_set) filter (where staff_role = 'chief_supervisor') as is_chief_supervisor_set,
        bool_or(is_on_roster) filter (where staff_role = 'chief_supervisor') as is_chief_supervisor_on_roster,
        max(corp_code) filter (where staff_role = 'pm') as pm_corp_code  -- one pm row per project-month
    from key_staff
    group by project_code, "month"
),

project_months as (
    select
        projects.project_code,
        months."month",
        months.month_start,
        months.month_end,
        months.month_index,
        project_versions.area_code,
        project_versions.category,
        project_versions.prj_status,
        coalesce(project_versions.contractor_corp_code, key_staff_by_month.pm_corp_code) as contractor_corp_code,
        project_versions.contract_amount,
        coalesce(project_versions.labor_cost_ratio, getvariable('default_labor_cost_ratio')) as labor_cost_ratio,
        coalesce(project_versions.is_integrated, false) as is_integrated,
        project_versions.start_date,
        project_versions.complete_date,
        coalesce(project_versions.builder_license_date, project_versions.start_date) + getvariable('grace_days')
            as duty_start_date,
        project_versions.project_code is not null and project_versions.start_date is null as is_start_date_missing,
        key_staff_by_month.is_pm_set,
        key_staff_by_month.is_pm_on_roster,
        key_staff_by_month.is_chief_supervisor_set,
        key_staff_by_month.is_chief_supervisor_on_roster
    from projects
    cross join months
    left join project_versions
        on projects.project_code = project_versions.project_code
        and (project_versions.valid_from is null or project_versions.valid_from <= months.month_end)
        and (project_versions.valid_to is null or project_versions.valid_to > months.month_end)
    left join key_staff_by_month
        on projects.project_code = key_staff_by_month.project_code and months."month" = key_staff_by_month."month"
),

scoped as (
    select
        *,
        (start_date is null or start_date <= month_end)
        and (complete_date is null or complete_date >= month_start)
        and (duty_start_date is null or duty_start_date <= month_end)
        and coalesce(list_contains(getvariable('categories'), category), false) as is_duty_month
    from project_months
),

final as (
    select
        scoped.project_code,
        scoped."month",
        scoped.month_start,
        scoped.month_end,
        scoped.month_index,
        scoped.area_code,
        scoped.category,
        scoped.prj_status,
        scoped.contractor_corp_code,
        scoped.contract_amount,
        scoped.labor_cost_ratio,
        scoped.is_integrated,
        scoped.duty_start_date,
        scoped.is_duty_month and coalesce(list_contains(getvariable('active_status'), scoped.prj_status), false)
            as is_in_scope,
        scoped.is_duty_month and coalesce(list_contains(getvariable('stopped_status'), scoped.prj_status), false)
            as is_stopped,
        scoped.is_start_date_missing,
        scoped.is_pm_set,
        scoped.is_pm_on_roster,
        scoped.is_chief_supervisor_set,
        scoped.is_chief_supervisor_on_roster,
        coalesce(attendance_by_month.n_attendance_records, 0) as n_attendance_records,
        coalesce(attendance_by_month.n_valid_persons, 0) as n_valid_persons,
        coalesce(attendance_by_month.n_valid_workers, 0) as n_valid_workers,
        coalesce(working_days_by_month.n_working_days, 0) as n_working_days,
        coalesce(working_days_by_month.n_worker_days, 0) as n_worker_days,
        coalesce(working_days_by_month.n_pm_days, 0) as n_pm_days,
        coalesce(working_days_by_month.n_chief_supervisor_days, 0) as n_chief_supervisor_days,
        -- indicators.md: a PM / chief supervisor not set or not on the roster scores 0 for the role
        case when scoped.is_pm_set and scoped.is_pm_on_roster
            then coalesce(working_days_by_month.n_pm_days, 0) else 0 end as n_pm_onsite_days,
        case when scoped.is_chief_supervisor_set and scoped.is_chief_supervisor_on_roster
            then coalesce(working_days_by_month.n_chief_supervisor_days, 0) else 0 end
            as n_chief_supervisor_onsite_days,
        coalesce(attendance_by_month.n_roster_workers_on_site, 0) as n_roster_workers_on_site,
        coalesce(attendance_by_month.n_roster_workers_with_contract, 0) as n_roster_workers_with_contract
    from scoped
    left join attendance_by_month
        on scoped.project_code = attendance_by_month.project_code and scoped."month" = attendance_by_month."month"
    left join working_days_by_month
        on scoped.project_code = working_days_by_month.project_code and scoped."month" = working_days_by_month."month"
)

select * from final
