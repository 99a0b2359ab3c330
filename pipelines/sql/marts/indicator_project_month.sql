-- grain: one row per project × month in which the project is in scope or 停工 (is_in_scope or is_stopped)
-- One column per indicator id of indicators.md defined per project, as 0/1 where the project either counts in the
-- numerator or not, null where it does not apply; the n_* / *_yuan columns are the numerators and denominators
-- indicator_area_month pools. Data-quality flags: pm_missing, pm_not_on_roster, chief_supervisor_* …
-- An indicator whose source was never delivered by the month's end (int_source_delivered_month) is null, not 0: 数据未报送.
with project_months as (
    select * from int_project_month
    where is_in_scope or is_stopped
),

accounts as (
    select * from int_account_project_month
),

payroll as (
    select * from int_payroll_project_month
),

securities as (
    select * from int_security_project_month
),

delivered as (
    select * from int_source_delivered_month
),

joined as (
    select
        project_months.*,
        accounts.has_open_account,
        accounts.has_tripartite_agreement,
        accounts.n_labor_cost_inflows,
        accounts.labor_cost_inflow_yuan,
        accounts.certified_value_yuan,
        accounts.labor_cost_required_yuan,
        payroll.pay_month,
        payroll.n_attended_workers,
        payroll.n_attended_paid_workers,
        payroll.n_pay_lines_by_deadline,
        payroll.payroll_due_yuan,
        payroll.payroll_paid_by_deadline_yuan,
        payroll.payroll_via_account_yuan,
        payroll.is_paid_on_time,
        securities.has_valid_guarantee,
        securities.is_guarantee_adequate,
        securities.has_valid_deposit,
        securities.project_deposit_share_of_contract,
        securities.is_project_deposit_below_min,
        securities.is_project_deposit_above_max,
        delivered.*
    from project_months
    left join delivered on project_months."month" = delivered.delivered_month
    left join accounts
        on project_months.project_code = accounts.project_code and project_months."month" = accounts."month"
    left join payroll
        on project_months.project_code = payroll.project_code and project_months."month" = payroll."month"
    left join securities
        on project_months.project_code = securities.project_code and project_months."month" = securities."month"
),

indicators as (
    select
        project_code,
        "month",
        area_code,
        is_in_scope,
        is_stopped,
        -- 国考 real-name
        case when has_attendance then cast(n_attendance_records > 0 as integer) end as rn_update_rate,
        -- a project with punches but no 建筑工人 working day averages 0 workers (it still "has attendance")
        case when n_attendance_records > 0 then coalesce(n_worker_days / nullif(n_working_days, 0), 0) end
            as avg_attendance,
        -- the PM / chief supervisor come from project_corp and must be on the roster (project_worker)
        case when has_project_corp and has_project_worker
            then n_pm_onsite_days / nullif(n_working_days, 0) end as pm_onsite_rate,
        case when has_project_corp and has_project_worker
            then n_chief_supervisor_onsite_days / nullif(n_working_days, 0) end as chief_supervisor_onsite_rate,
        case when has_project_corp and has_project_worker
            then (n_pm_onsite_days + n_chief_supervisor_onsite_days) / nullif(2 * n_working_days, 0) end
            as key_staff_onsite_rate,
        cast(is_integrated as integer) as platform_share,
        -- 条例 compliance
        case when has_wage_account then cast(has_open_account as integer) end as account_open_rate,
        case when has_open_account then cast(has_tripartite_agreement as integer) end as tripartite_rate,
        case when has_open_account and has_account_txn then cast(n_labor_cost_inflows > 0 as integer) end
            as labor_cost_monthly_rate,
        case when has_account_txn then labor_cost_inflow_yuan / nullif(labor_cost_required_yuan, 0) end
            as labor_cost_sufficiency,
        case when n_attended_workers > 0 and has_payroll then cast(is_paid_on_time as integer) end
            as payroll_on_time_rate,
        case when has_wage_account then payroll_via_account_yuan / nullif(payroll_paid_by_deadline_yuan, 0) end
            as payroll_via_account_rate,
        case when has_payroll then n_attended_paid_workers / nullif(n_attended_workers, 0) end as paid_vs_attended,
        case when has_payment_guarantee then cast(has_valid_guarantee as integer) end as guarantee_coverage,
        case when has_payment_guarantee then cast(is_guarantee_adequate as integer) end as guarantee_adequacy,
        case when has_wage_deposit then cast(has_valid_deposit as integer) end as deposit_coverage,
        project_deposit_share_of_contract,
        n_roster_workers_with_contract / nullif(n_roster_workers_on_site, 0) as contract_rate,
        -- numerators and denominators pooled by indicator_area_month
        n_attendance_records,
        n_working_days,
        n_worker_days,
        n_pm_onsite_days,
        n_chief_supervisor_onsite_days,
        labor_cost_inflow_yuan,
        labor_cost_required_yuan,
        certified_value_yuan,
        pay_month,
        n_attended_workers,
        n_attended_paid_workers,
        payroll_due_yuan,
        payroll_paid_by_deadline_yuan,
        payroll_via_account_yuan,
        n_roster_workers_on_site,
        n_roster_workers_with_contract,
        -- data-quality findings
        case when has_project_corp then not coalesce(is_pm_set, false) end as pm_missing,
        case when has_project_worker then coalesce(is_pm_set and not is_pm_on_roster, false) end as pm_not_on_roster,
        case when has_project_corp then not coalesce(is_chief_supervisor_set, false) end as chief_supervisor_missing,
        case when has_project_worker then coalesce(is_chief_supervisor_set and not is_chief_supervisor_on_roster, false)
            end as chief_supervisor_not_on_roster,
        is_start_date_missing as start_date_missing,
        coalesce(is_project_deposit_below_min, false) as deposit_below_min_share,
        coalesce(is_project_deposit_above_max, false) as deposit_above_max_share
    from joined
)

select * from indicators
