-- grain: one row per area_code × month; area_code 'ALL' = the city, 'UNKNOWN' = no area known
-- Rates pool numerators and denominators over in-scope projects (Σ ÷ Σ); avg_attendance is the mean of the
-- project values; case metrics come from int_case_area_month. <id>_target_met_share = share of in-scope projects
-- meeting the target (for case metrics, which have no projects: 1/0 whether the area itself meets it).
-- Targets: ≥ for rn_update_rate and case_closure_rate, > for avg_attendance and the on-site rates (indicators.md).
-- <id>_mom / <id>_yoy = value − value of the previous month / the same month a year earlier (percentage points
-- for rates). *_needed = how many more projects / days / closures would meet the target this month.
-- A district has a row in the months it has a project row or a case, so a reported month keeps its rows.
-- A rate whose source was never delivered by the month's end (int_source_delivered_month) is null, not 0 (数据未报送), like its
-- project values in indicator_project_month; counts of a source never delivered (open_cases …) are null too.
with projects as (
    select * from indicator_project_month
),

case_months as (
    select * from int_case_area_month
),

months as (
    select * from int_month
),

delivered as (
    select * from int_source_delivered_month
),

project_rows as (
    select coalesce(area_code, 'UNKNOWN') as area_code, * exclude (area_code) from projects
    union all by name
    select 'ALL' as area_code, * exclude (area_code) from projects
),

area_months as (
    -- an area has a row in the months it has a project row (in scope or 停工) or complaint cases (received this
    -- year, open, or closed in the month): a month's rows depend on what was delivered by then, so a reported month
    -- keeps them (sources.md "Delivery")
    select distinct appearances.area_code, months."month", months.month_index
    from (
        select area_code, "month" from project_rows
        union all
        select area_code, "month" from case_months
        where n_cases_received_ytd > 0 or open_cases > 0 or n_cases_closed_in_month > 0
    ) as appearances
    inner join months on appearances."month" = months."month"
    union
    select 'ALL' as area_code, months."month", months.month_index  -- the city row exists in every month
    from months
),

-- Averages of the projects' rates are taken over DECIMAL(38, 15) (exact sums: the same bits whatever order DuckDB's
-- threads meet the projects in; a double's sum is not) and money over sums rounded to the fen: a night run again
-- publishes the same values (docs/decisions.md "Money sums to the fen").
pooled as (
    select
        area_code,
        "month",
        count(*) filter (where is_in_scope) as n_projects_in_scope,
        count(*) filter (where is_stopped) as n_projects_stopped,
        count(*) filter (where is_stopped and n_attendance_records > 0) as n_stopped_projects_with_attendance,
        coalesce(sum(rn_update_rate) filter (where is_in_scope), 0) as n_projects_updated,
        count(avg_attendance) filter (where is_in_scope) as n_projects_with_attendance,
        cast(avg(cast(avg_attendance as decimal(38, 15))) filter (where is_in_scope) as double) as avg_attendance,
        coalesce(sum(n_working_days) filter (where is_in_scope), 0) as n_working_days,
        coalesce(sum(n_pm_onsite_days) filter (where is_in_scope), 0) as n_pm_onsite_days,
        coalesce(sum(n_chief_supervisor_onsite_days) filter (where is_in_scope), 0) as n_chief_supervisor_onsite_days,
        sum(platform_share) filter (where is_in_scope) as n_projects_integrated,
        sum(account_open_rate) filter (where is_in_scope) as n_projects_with_account,
        cast(avg(cast(tripartite_rate as decimal(38, 15))) filter (where is_in_scope) as double) as tripartite_rate,
        cast(avg(cast(labor_cost_monthly_rate as decimal(38, 15))) filter (where is_in_scope) as double) as labor_cost_monthly_rate,
        round(sum(labor_cost_inflow_yuan) filter (where is_in_scope and labor_cost_required_yuan > 0), 2)
        / nullif(round(sum(labor_cost_required_yuan) filter (where is_in_scope and labor_cost_required_yuan > 0), 2), 0)
            as labor_cost_sufficiency,
        cast(avg(cast(payroll_on_time_rate as decimal(38, 15))) filter (where is_in_scope) as double) as payroll_on_time_rate,
        round(sum(payroll_via_account_yuan) filter (where is_in_scope), 2)
        / nullif(round(sum(payroll_paid_by_deadline_yuan) filter (where is_in_scope), 2), 0) as payroll_via_account_rate,
        sum(n_attended_paid_workers) filter (where is_in_scope)
        / nullif(sum(n_attended_workers) filter (where is_in_scope), 0) as paid_vs_attended,
        cast(avg(cast(guarantee_coverage as decimal(38, 15))) filter (where is_in_scope) as double) as guarantee_coverage,
        cast(avg(cast(guarantee_adequacy as decimal(38, 15))) filter (where is_in_scope) as double) as guarantee_adequacy,
        cast(avg(cast(deposit_coverage as decimal(38, 15))) filter (where is_in_scope) as double) as deposit_coverage,
        sum(n_roster_workers_with_contract) filter (where is_in_scope)
        / nullif(sum(n_roster_workers_on_site) filter (where is_in_scope), 0) as contract_rate,
        avg(cast(rn_update_rate >= getvariable('target_rn_update_rate') as integer)) filter (where is_in_scope)
            as rn_update_rate_target_met_share,
        avg(cast(avg_attendance > getvariable('target_avg_attendance') as integer)) filter (where is_in_scope)
            as avg_attendance_target_met_share,
        avg(cast(pm_onsite_rate > getvariable('target_pm_onsite_rate') as integer)) filter (where is_in_scope)
            as pm_onsite_rate_target_met_share,
        avg(cast(chief_supervisor_onsite_rate > getvariable('target_chief_supervisor_onsite_rate') as integer))
            filter (where is_in_scope) as chief_supervisor_onsite_rate_target_met_share,
        avg(cast(key_staff_onsite_rate > getvariable('target_key_staff_onsite_rate') as integer))
            filter (where is_in_scope) as key_staff_onsite_rate_target_met_share,
        count(*) filter (where is_in_scope and pm_missing) as n_pm_missing,
        count(*) filter (where is_in_scope and pm_not_on_roster) as n_pm_not_on_roster,
        count(*) filter (where is_in_scope and chief_supervisor_missing) as n_chief_supervisor_missing,
        count(*) filter (where is_in_scope and chief_supervisor_not_on_roster) as n_chief_supervisor_not_on_roster
    from project_rows
    group by area_code, "month"
),

indicators as (
    select
        area_months.area_code,
        area_months."month",
        area_months.month_index,
        coalesce(pooled.n_projects_in_scope, 0) as n_projects_in_scope,
        coalesce(pooled.n_projects_stopped, 0) as n_projects_stopped,
        coalesce(pooled.n_stopped_projects_with_attendance, 0) as n_stopped_projects_with_attendance,
        coalesce(pooled.n_projects_updated, 0) as n_projects_updated,
        case when delivered.has_attendance then pooled.n_projects_updated / nullif(pooled.n_projects_in_scope, 0) end
            as rn_update_rate,
        coalesce(pooled.n_projects_with_attendance, 0) as n_projects_with_attendance,
        pooled.avg_attendance,
        coalesce(pooled.n_working_days, 0) as n_working_days,
        coalesce(pooled.n_pm_onsite_days, 0) as n_pm_onsite_days,
        coalesce(pooled.n_chief_supervisor_onsite_days, 0) as n_chief_supervisor_onsite_days,
        case when delivered.has_project_corp and delivered.has_project_worker
            then pooled.n_pm_onsite_days / nullif(pooled.n_working_days, 0) end as pm_onsite_rate,
        case when delivered.has_project_corp and delivered.has_project_worker
            then pooled.n_chief_supervisor_onsite_days / nullif(pooled.n_working_days, 0) end
            as chief_supervisor_onsite_rate,
        case when delivered.has_project_corp and delivered.has_project_worker
            then (pooled.n_pm_onsite_days + pooled.n_chief_supervisor_onsite_days) / nullif(2 * pooled.n_working_days, 0)
            end as key_staff_onsite_rate,
        pooled.n_projects_integrated / nullif(pooled.n_projects_in_scope, 0) as platform_share,
        pooled.n_projects_with_account / nullif(pooled.n_projects_in_scope, 0) as account_open_rate,
        pooled.tripartite_rate,
        pooled.labor_cost_monthly_rate,
        case when delivered.has_account_txn then pooled.labor_cost_sufficiency end as labor_cost_sufficiency,
        pooled.payroll_on_time_rate,
        case when delivered.has_wage_account then pooled.payroll_via_account_rate end as payroll_via_account_rate,
        case when delivered.has_payroll then pooled.paid_vs_attended end as paid_vs_attended,
        pooled.guarantee_coverage,
        pooled.guarantee_adequacy,
        pooled.deposit_coverage,
        pooled.contract_rate,
        coalesce(case_months.n_cases_received_ytd, 0) as n_cases_received_ytd,
        coalesce(case_months.n_cases_closed_ytd, 0) as n_cases_closed_ytd,
        case_months.case_closure_rate,
        case when delivered.has_complaint then coalesce(case_months.open_cases, 0) end as open_cases,
        case when delivered.has_complaint then coalesce(case_months.open_cases_over_30d, 0) end as open_cases_over_30d,
        case_months.days_to_close,
        coalesce(case_months.n_cases_closed_without_date, 0) as n_cases_closed_without_date,
        pooled.rn_update_rate_target_met_share,
        pooled.avg_attendance_target_met_share,
        pooled.pm_onsite_rate_target_met_share,
        pooled.chief_supervisor_onsite_rate_target_met_share,
        pooled.key_staff_onsite_rate_target_met_share,
        cast(case_months.case_closure_rate >= getvariable('target_case_closure_rate') as double)
            as case_closure_rate_target_met_share,
        case when delivered.has_complaint
            then cast(coalesce(case_months.open_cases, 0) <= getvariable('target_open_cases') as double) end
            as open_cases_target_met_share,
        coalesce(pooled.n_pm_missing, 0) as n_pm_missing,
        coalesce(pooled.n_pm_not_on_roster, 0) as n_pm_not_on_roster,
        coalesce(pooled.n_chief_supervisor_missing, 0) as n_chief_supervisor_missing,
        coalesce(pooled.n_chief_supervisor_not_on_roster, 0) as n_chief_supervisor_not_on_roster
    from area_months
    left join delivered on area_months."month" = delivered.delivered_month
    left join pooled on area_months.area_code = pooled.area_code and area_months."month" = pooled."month"
    left join case_months
        on area_months.area_code = case_months.area_code and area_months."month" = case_months."month"
),

distances as (
    select
        *,
        -- ≥ target: ceil(target × n); > target: floor(target × n) + 1. round() absorbs binary noise (0.9 × 10).
        -- greatest() skips nulls in DuckDB: every nullable input is guarded by a case.
        case when rn_update_rate is not null or n_projects_in_scope = 0 then cast(greatest(0,
            ceil(round(getvariable('target_rn_update_rate') * n_projects_in_scope, 9)) - n_projects_updated
        ) as bigint) end as rn_update_projects_needed,
        case when avg_attendance is not null
            then greatest(0, getvariable('target_avg_attendance') - avg_attendance) end as avg_attendance_gap,
        case when pm_onsite_rate is not null then cast(greatest(0,
            floor(round(getvariable('target_pm_onsite_rate') * n_working_days, 9)) + 1 - n_pm_onsite_days
        ) as bigint) end as pm_days_needed,
        case when chief_supervisor_onsite_rate is not null then cast(greatest(0,
            floor(round(getvariable('target_chief_supervisor_onsite_rate') * n_working_days, 9)) + 1
            - n_chief_supervisor_onsite_days
        ) as bigint) end as chief_supervisor_days_needed,
        case when key_staff_onsite_rate is not null then cast(greatest(0,
            floor(round(getvariable('target_key_staff_onsite_rate') * 2 * n_working_days, 9)) + 1
            - n_pm_onsite_days - n_chief_supervisor_onsite_days
        ) as bigint) end as key_staff_days_needed,
        cast(greatest(0,
            ceil(round(getvariable('target_case_closure_rate') * n_cases_received_ytd, 9)) - n_cases_closed_ytd
        ) as bigint) as case_closures_needed,
        case when open_cases is not null then greatest(0, open_cases - getvariable('target_open_cases')) end
            as open_cases_to_close
    from indicators
),

changes as (
    select
        *,
        rn_update_rate - lag(rn_update_rate) over by_month as rn_update_rate_mom,
        avg_attendance - lag(avg_attendance) over by_month as avg_attendance_mom,
        pm_onsite_rate - lag(pm_onsite_rate) over by_month as pm_onsite_rate_mom,
        chief_supervisor_onsite_rate - lag(chief_supervisor_onsite_rate) over by_month
            as chief_supervisor_onsite_rate_mom,
        key_staff_onsite_rate - lag(key_staff_onsite_rate) over by_month as key_staff_onsite_rate_mom,
        platform_share - lag(platform_share) over by_month as platform_share_mom,
        account_open_rate - lag(account_open_rate) over by_month as account_open_rate_mom,
        tripartite_rate - lag(tripartite_rate) over by_month as tripartite_rate_mom,
        labor_cost_monthly_rate - lag(labor_cost_monthly_rate) over by_month as labor_cost_monthly_rate_mom,
        labor_cost_sufficiency - lag(labor_cost_sufficiency) over by_month as labor_cost_sufficiency_mom,
        payroll_on_time_rate - lag(payroll_on_time_rate) over by_month as payroll_on_time_rate_mom,
        payroll_via_account_rate - lag(payroll_via_account_rate) over by_month as payroll_via_account_rate_mom,
        paid_vs_attended - lag(paid_vs_attended) over by_month as paid_vs_attended_mom,
        guarantee_coverage - lag(guarantee_coverage) over by_month as guarantee_coverage_mom,
        deposit_coverage - lag(deposit_coverage) over by_month as deposit_coverage_mom,
        contract_rate - lag(contract_rate) over by_month as contract_rate_mom,
        case_closure_rate - lag(case_closure_rate) over by_month as case_closure_rate_mom,
        open_cases - lag(open_cases) over by_month as open_cases_mom,
        open_cases_over_30d - lag(open_cases_over_30d) over by_month as open_cases_over_30d_mom,
        days_to_close - lag(days_to_close) over by_month as days_to_close_mom,
        rn_update_rate - lag(rn_update_rate, 12) over by_month as rn_update_rate_yoy,
        avg_attendance - lag(avg_attendance, 12) over by_month as avg_attendance_yoy,
        pm_onsite_rate - lag(pm_onsite_rate, 12) over by_month as pm_onsite_rate_yoy,
        chief_supervisor_onsite_rate - lag(chief_supervisor_onsite_rate, 12) over by_month
            as chief_supervisor_onsite_rate_yoy,
        key_staff_onsite_rate - lag(key_staff_onsite_rate, 12) over by_month as key_staff_onsite_rate_yoy,
        platform_share - lag(platform_share, 12) over by_month as platform_share_yoy,
        account_open_rate - lag(account_open_rate, 12) over by_month as account_open_rate_yoy,
        tripartite_rate - lag(tripartite_rate, 12) over by_month as tripartite_rate_yoy,
        labor_cost_monthly_rate - lag(labor_cost_monthly_rate, 12) over by_month as labor_cost_monthly_rate_yoy,
        labor_cost_sufficiency - lag(labor_cost_sufficiency, 12) over by_month as labor_cost_sufficiency_yoy,
        payroll_on_time_rate - lag(payroll_on_time_rate, 12) over by_month as payroll_on_time_rate_yoy,
        payroll_via_account_rate - lag(payroll_via_account_rate, 12) over by_month as payroll_via_account_rate_yoy,
        paid_vs_attended - lag(paid_vs_attended, 12) over by_month as paid_vs_attended_yoy,
        guarantee_coverage - lag(guarantee_coverage, 12) over by_month as guarantee_coverage_yoy,
        deposit_coverage - lag(deposit_coverage, 12) over by_month as deposit_coverage_yoy,
        contract_rate - lag(contract_rate, 12) over by_month as contract_rate_yoy,
        case_closure_rate - lag(case_closure_rate, 12) over by_month as case_closure_rate_yoy,
        open_cases - lag(open_cases, 12) over by_month as open_cases_yoy,
        open_cases_over_30d - lag(open_cases_over_30d, 12) over by_month as open_cases_over_30d_yoy,
        days_to_close - lag(days_to_close, 12) over by_month as days_to_close_yoy
    from distances
    -- int_month has no gaps, so 1 (12) rows back is the previous month (the same month a year earlier)
    window by_month as (partition by area_code order by month_index)
)

select * from changes
