-- grain: one row per feat_snapshot.as_of × in-scope project (the risk model's unit, warnings.md "The risk score")
-- Reads only the point-in-time models of this layer: fx_<entity> (state at as_of) and fx_<entity>_first /
-- fx_person_day / fx_project_day / fx_person_month filtered on known_date ≤ as_of, and every event date (punch, txn_time, balance_date,
-- received_date, event_date, month) ≤ as_of; and feat_rule_scope (the rule models built at each as_of,
-- pipelines/features/rules_at.py). Windows: "28d" = (as_of − 28, as_of], "prev 56d" = the 56 days before that,
-- "3m" = the calendar months M−2…M of as_of, "12m" / "2y" = days before as_of.
-- Money sums are rounded to the fen where they are made: DuckDB sums doubles in thread order, and a comparison must not
-- move with their last bits when the same night runs again (docs/decisions.md "Money sums to the fen"). A mean of
-- money is not a whole number of fen and is not rounded (snapshot_features rounds every float feature to 6 decimals).
with snapshots as (
    select as_of, date_trunc('month', as_of) as month_start, cast(last_day(as_of) as date) as month_end
    from feat_snapshot
),

projects as (
    select
        fx_project.*,
        snapshots.month_start,
        snapshots.month_end,
        coalesce(fx_project.labor_cost_ratio, getvariable('default_labor_cost_ratio')) as ratio
    from fx_project
    inner join snapshots on fx_project.as_of = snapshots.as_of
),

-- the model's population: the rules' risk scope at as_of (feat_rule_scope: rule_scope at each snapshot) where it
-- is also in the indicator scope (int_project_month of the rules' evaluation month), the one scope definition
in_scope as (
    select projects.*
    from projects
    inner join feat_rule_scope as scope
        on projects.as_of = scope.as_of and projects.project_code = scope.project_code
    where scope.is_indicator_scope
),

-- ---------------------------------------------------------------- progress and owner payments
progress as (
    select
        fx_project_progress.as_of,
        fx_project_progress.project_code,
        round(sum(completed_value), 2) as completed_cum,
        round(sum(paid_value), 2) as paid_cum,
        round(sum(completed_value)
            filter (where cast("month" || '-01' as date) >= snapshots.month_start - interval 2 month), 2)
            as completed_3m,
        round(sum(certified_value)
            filter (where cast("month" || '-01' as date) >= snapshots.month_start - interval 2 month), 2)
            as certified_3m,
        round(sum(paid_value)
            filter (where cast("month" || '-01' as date) >= snapshots.month_start - interval 2 month), 2)
            as paid_3m,
        round(sum(completed_value) filter (where cast("month" || '-01' as date) = snapshots.month_start), 2)
            as completed_1m,
        round(sum(paid_value) filter (where cast("month" || '-01' as date) = snapshots.month_start), 2) as paid_1m
    from fx_project_progress
    inner join snapshots on fx_project_progress.as_of = snapshots.as_of
    where cast("month" || '-01' as date) <= snapshots.month_start
    group by all
),

owner_pay as (
    select
        in_scope.as_of,
        in_scope.build_corp_code,
        round(sum(progress.paid_cum), 2) / nullif(round(sum(progress.completed_cum), 2), 0)
            as owner_pay_rate_all_projects,
        -- the as_of month alone: an owner whose funding breaks stops paying on all its projects at once
        round(sum(progress.paid_1m), 2) / nullif(round(sum(progress.completed_1m), 2), 0)
            as owner_pay_rate_all_projects_1m
    from in_scope
    inner join progress on in_scope.as_of = progress.as_of and in_scope.project_code = progress.project_code
    group by all
),

-- ---------------------------------------------------------------- wage account
accounts as (
    select as_of, project_code, account_number from fx_wage_account
),

txns as (
    select
        accounts.as_of,
        accounts.project_code,
        cast(t.txn_time as date) as txn_date,
        t.txn_time,
        t.direction,
        t.txn_type,
        t.amount,
        t.balance,
        t.txn_id
    from accounts
    inner join fx_account_txn_first as t
        on accounts.account_number = t.account_number
        and t.known_date <= accounts.as_of
        and cast(t.txn_time as date) <= accounts.as_of
),

account_flows as (
    select
        as_of,
        project_code,
        coalesce(round(sum(amount) filter (where direction = '01' and txn_type = '01' and txn_date > as_of - 91), 2),
            0)
            as labor_inflow_3m_yuan,
        coalesce(round(sum(amount) filter (where direction = '01' and txn_type = '01' and txn_date > as_of - 31), 2),
            0)
            as labor_inflow_1m_yuan,
        coalesce(round(sum(amount) filter (where direction = '02' and txn_date > as_of - 91), 2), 0)
            as outflow_3m_yuan,
        max(txn_date) filter (where direction = '01' and txn_type = '01') as last_labor_inflow_date,
        coalesce(round(sum(case when direction = '01' then amount else -amount end), 2), 0) as net_flow_cum_yuan,
        coalesce(round(sum(case when direction = '01' then amount else -amount end)
            filter (where txn_date <= as_of - 91), 2), 0)
            as net_flow_cum_90d_ago_yuan,
        -- transactions at the same time (a payroll batch) are ordered by the bank's serial number, txn_id
        arg_max(balance, (txn_time, txn_id)) filter (where balance is not null) as last_balance_yuan
    from txns
    group by all
),

-- ---------------------------------------------------------------- attendance
-- person by person only where a count will not do (fx_person_day: the last 28 days, the months the window cuts)
person_days as (
    select snapshots.as_of, pd.project_code, pd.person_key, pd.work_date
    from snapshots
    inner join fx_person_day as pd
        on pd.known_date <= snapshots.as_of
        and pd.work_date <= snapshots.as_of
        and pd.work_date > snapshots.as_of - 366
),

project_days as (
    -- fx_project_day counts a project's person-days per date and known date: the persons on site that day
    select snapshots.as_of, pd.project_code, pd.work_date, cast(sum(pd.n_persons) as bigint) as n_persons
    from snapshots
    inner join fx_project_day as pd
        on pd.known_date <= snapshots.as_of
        and pd.work_date <= snapshots.as_of
        and pd.work_date > snapshots.as_of - 366
    group by all
),

attendance as (
    select
        as_of,
        project_code,
        coalesce(sum(n_persons) filter (where work_date > as_of - 28), 0) / 28.0 as headcount_28d,
        coalesce(sum(n_persons) filter (where work_date <= as_of - 28 and work_date > as_of - 84), 0) / 56.0
            as headcount_prev_56d,
        count(*) filter (where work_date > as_of - 28) as n_working_days_28d,
        date_diff('day', max(work_date), max(as_of)) as days_since_last_punch,
        count(distinct date_trunc('month', work_date)) as n_work_months_12m
    from project_days
    group by all
),

key_staff as (
    select as_of, project_code, corp_type, hash(any_value(pm_id_card_number_hash)) as staff_key
    from fx_project_corp
    where corp_type in ('009', '007') and pm_id_card_number_hash is not null
    group by all
),

key_staff_days as (
    select
        key_staff.as_of,
        key_staff.project_code,
        count(distinct person_days.work_date) filter (where key_staff.corp_type = '009') as n_pm_days_28d,
        count(distinct person_days.work_date) filter (where key_staff.corp_type = '007') as n_chief_days_28d
    from key_staff
    inner join person_days
        on key_staff.as_of = person_days.as_of
        and key_staff.project_code = person_days.project_code
        and key_staff.staff_key = person_days.person_key
        and person_days.work_date > person_days.as_of - 28
    group by all
),

key_staff_set as (
    select
        as_of,
        project_code,
        bool_or(corp_type = '009') as is_pm_set,
        bool_or(corp_type = '007') as is_chief_set
    from key_staff
    group by all
),

-- months with work and without a 人工费 inflow in the last 12 (R01's count)
work_months as (
    select distinct as_of, project_code, date_trunc('month', work_date) as month_start
    from project_days
    where date_trunc('month', work_date) < date_trunc('month', as_of)  -- complete months only
),

inflow_months as (
    select distinct as_of, project_code, date_trunc('month', txn_date) as month_start
    from txns
    where direction = '01' and txn_type = '01'
),

no_inflow_months as (
    select
        work_months.as_of,
        work_months.project_code,
        count(*) filter (where inflow_months.month_start is null) as n_months_no_inflow_12m,
        bool_or(inflow_months.month_start is null and work_months.month_start = date_trunc('month', work_months.as_of) - interval 1 month)
            as is_last_month_no_inflow
    from work_months
    left join inflow_months
        on work_months.as_of = inflow_months.as_of
        and work_months.project_code = inflow_months.project_code
        and work_months.month_start = inflow_months.month_start
    group by all
),

-- ---------------------------------------------------------------- payroll: pay months whose deadline has passed
pay_months as (
    select
        snapshots.as_of,
        p.project_code,
        p.pay_month,
        cast(last_day(cast(p.pay_month || '-01' as date) + to_months(getvariable('r03_pay_deadline_months'))) as date)
            as deadline_date,
        coalesce(round(sum(p.total_pay_amount) filter (where not coalesce(p.is_back_pay, false)), 2), 0) as due_yuan,
        coalesce(round(sum(p.actual_amount) filter (
            where p.balance_date <= cast(last_day(cast(p.pay_month || '-01' as date)
                + to_months(getvariable('r03_pay_deadline_months'))) as date)
        ), 2), 0) as paid_by_deadline_yuan,
        coalesce(round(sum(p.actual_amount) filter (where p.balance_date <= snapshots.as_of), 2), 0)
            as paid_by_as_of_yuan,
        count(distinct p.person_key) filter (where p.balance_date <= snapshots.as_of) as n_paid_workers
    from snapshots
    inner join fx_payroll_first as p
        on p.known_date <= snapshots.as_of
        and cast(p.pay_month || '-01' as date) < snapshots.month_start
        and cast(p.pay_month || '-01' as date) >= snapshots.month_start - interval 12 month
    group by all
),

attended_months as (
    -- distinct persons per month of the 366-day window: a month the window holds whole from fx_person_month (one row
    -- per person-month, known when its first day is), a month the window cuts from the day rows (its days inside)
    select as_of, project_code, strftime(work_month, '%Y-%m') as pay_month, n_attended_workers
    from (
        select snapshots.as_of, pm.project_code, pm.work_month, count(*) as n_attended_workers
        from snapshots
        inner join fx_person_month as pm
            on pm.first_known_date <= snapshots.as_of
            and pm.work_month > snapshots.as_of - 366
            and pm.work_month + interval 1 month <= snapshots.as_of + 1
        group by all
        union all
        select as_of, project_code, date_trunc('month', work_date) as work_month,
               count(distinct person_key) as n_attended_workers
        from person_days
        where not (date_trunc('month', work_date) > as_of - 366
            and date_trunc('month', work_date) + interval 1 month <= as_of + 1)
        group by all
    ) as by_month
),

pay_month_facts as (
    select
        coalesce(pay_months.as_of, attended_months.as_of) as as_of,
        coalesce(pay_months.project_code, attended_months.project_code) as project_code,
        coalesce(pay_months.pay_month, attended_months.pay_month) as pay_month,
        coalesce(pay_months.due_yuan, 0) as due_yuan,
        coalesce(pay_months.paid_by_deadline_yuan, 0) as paid_by_deadline_yuan,
        coalesce(pay_months.paid_by_as_of_yuan, 0) as paid_by_as_of_yuan,
        coalesce(pay_months.n_paid_workers, 0) as n_paid_workers,
        coalesce(attended_months.n_attended_workers, 0) as n_attended_workers,
        cast(last_day(cast(coalesce(pay_months.pay_month, attended_months.pay_month) || '-01' as date)
            + to_months(getvariable('r03_pay_deadline_months'))) as date) as deadline_date
    from pay_months
    full outer join attended_months
        on pay_months.as_of = attended_months.as_of
        and pay_months.project_code = attended_months.project_code
        and pay_months.pay_month = attended_months.pay_month
),

payroll as (
    select
        as_of,
        project_code,
        -- pay months whose deadline passed in the last 6 months: late = paid by deadline < due, or workers
        -- attended and nobody was paid
        count(*) filter (where deadline_date <= as_of and deadline_date > as_of - 183
            and (paid_by_deadline_yuan < due_yuan - 1 or (n_attended_workers > 0 and due_yuan = 0)))
            as n_late_pay_months_6m,
        count(*) filter (where deadline_date <= as_of and deadline_date > as_of - 183) as n_pay_months_due_6m,
        max(greatest(0, 1 - paid_by_as_of_yuan / nullif(due_yuan, 0)))
            filter (where deadline_date <= as_of and deadline_date > as_of - 183) as max_outstanding_share_6m,
        arg_max(greatest(0, 1 - paid_by_as_of_yuan / nullif(due_yuan, 0)), pay_month)
            filter (where deadline_date <= as_of) as last_shortfall_share,
        arg_max(1 - least(1, n_paid_workers / nullif(n_attended_workers, 0)), pay_month)
            filter (where deadline_date <= as_of and n_attended_workers > 0) as last_unpaid_worker_share,
        -- the pay month now falling due (deadline after as_of): share paid so far
        arg_max(least(1, paid_by_as_of_yuan / nullif(due_yuan, 0)), pay_month)
            filter (where deadline_date > as_of) as current_paid_share,
        avg(due_yuan) filter (where deadline_date <= as_of and deadline_date > as_of - 92) as mean_payroll_3m_yuan
    from pay_month_facts
    group by all
),

-- the contractor's pay record across its in-scope projects (a firm in trouble is late on more than one site)
contractor_pay as (
    select
        in_scope.as_of,
        in_scope.contractor_corp_code,
        sum(payroll.n_late_pay_months_6m) / nullif(sum(payroll.n_pay_months_due_6m), 0)
            as contractor_late_pay_share_6m
    from in_scope
    inner join payroll on in_scope.as_of = payroll.as_of and in_scope.project_code = payroll.project_code
    group by all
),

-- ---------------------------------------------------------------- complaints and credit history
complaints as (
    select
        fx_complaint.as_of,
        fx_complaint.project_code,
        coalesce(fx_complaint.corp_code, cp.contractor_corp_code) as corp_code,
        cp.build_corp_code,
        fx_complaint.received_date,
        coalesce(fx_complaint.is_verified, false) as is_verified,
        fx_complaint.status is distinct from '03' as is_open
    from fx_complaint
    left join fx_project as cp on fx_complaint.as_of = cp.as_of and fx_complaint.project_code = cp.project_code
    where fx_complaint.received_date <= fx_complaint.as_of
),

project_complaints as (
    select
        in_scope.as_of,
        in_scope.project_code,
        count(c.received_date) filter (where c.project_code = in_scope.project_code
            and c.received_date > in_scope.as_of - 365) as n_complaints_12m,
        count(c.received_date) filter (where c.project_code = in_scope.project_code and c.is_verified
            and c.received_date > in_scope.as_of - 365) as n_verified_complaints_12m,
        count(c.received_date) filter (where c.project_code = in_scope.project_code and c.is_open) as n_open_complaints,
        count(c.received_date) filter (where c.project_code is distinct from in_scope.project_code
            and c.corp_code = in_scope.contractor_corp_code and c.received_date > in_scope.as_of - 365)
            as n_contractor_complaints_other_12m,
        count(c.received_date) filter (where c.project_code is distinct from in_scope.project_code
            and c.corp_code = in_scope.contractor_corp_code and c.is_open) as n_contractor_open_complaints_other,
        count(c.received_date) filter (where c.project_code is distinct from in_scope.project_code
            and c.build_corp_code = in_scope.build_corp_code and c.received_date > in_scope.as_of - 365)
            as n_owner_complaints_other_12m
    from in_scope
    inner join complaints as c
        on in_scope.as_of = c.as_of
        and (c.project_code = in_scope.project_code
            or c.corp_code = in_scope.contractor_corp_code
            or c.build_corp_code = in_scope.build_corp_code)
    group by all
),

project_firms as (
    select as_of, project_code, corp_code, corp_type = '009' as is_contractor
    from fx_project_corp
    union
    select as_of, project_code, contractor_corp_code, true from in_scope where contractor_corp_code is not null
),

credit as (
    select
        project_firms.as_of,
        project_firms.project_code,
        count(*) filter (where list_contains(getvariable('r13_event_types'), e.event_type)) as n_credit_events_2y,
        count(*) filter (where project_firms.is_contractor) as n_contractor_credit_any_2y
    from project_firms
    inner join fx_credit_event_first as e
        on project_firms.corp_code = e.corp_code
        and e.known_date <= project_firms.as_of
        and e.event_date <= project_firms.as_of
        and e.event_date > project_firms.as_of - 365 * getvariable('r13_lookback_years')
    group by all
),

firm_size as (
    select as_of, contractor_corp_code, count(*) as n_contractor_projects
    from in_scope
    group by all
),

-- ---------------------------------------------------------------- guarantees and deposits at as_of
guarantees as (
    select in_scope.as_of, in_scope.project_code, round(sum(g.amount), 2) as guarantee_yuan
    from in_scope
    inner join fx_payment_guarantee as g
        on in_scope.as_of = g.as_of and in_scope.project_code = g.project_code
        and (g.start_date is null or g.start_date <= in_scope.as_of)
        and (g.end_date is null or g.end_date >= in_scope.as_of)
    group by all
),

deposits as (
    select in_scope.as_of, in_scope.project_code, count(*) as n_valid_deposits
    from in_scope
    inner join fx_wage_deposit as d
        on in_scope.as_of = d.as_of
        and d.status = '01'
        and (d.project_code = in_scope.project_code
            or (d.project_code is null and d.corp_code = in_scope.contractor_corp_code))
        and (d.deposit_date is null or d.deposit_date <= in_scope.as_of)
        and (d.expire_date is null or d.expire_date >= in_scope.as_of)
    group by all
),

has_account as (
    select as_of, project_code, count(*) as n_accounts from accounts group by all
),

-- ---------------------------------------------------------------- assembled
assembled as (
    select
        in_scope.as_of,
        in_scope.project_code,
        in_scope.area_code,
        in_scope.contractor_corp_code,
        in_scope.build_corp_code,
        -- project attributes
        coalesce(in_scope.invest_type, 'NA') as invest_type,
        coalesce(in_scope.category, 'NA') as category,
        log10(1 + coalesce(in_scope.contract_amount, 0)) as log_contract_amount,
        date_diff('day', coalesce(in_scope.start_date, in_scope.builder_license_date), in_scope.as_of) / 30.44
            as age_months,
        date_diff('day', in_scope.as_of, in_scope.complete_date) / 30.44 as months_to_planned_completion,
        progress.completed_cum / nullif(in_scope.contract_amount, 0) as work_done_share,
        -- owner payments (开原 给付率)
        progress.paid_1m / nullif(progress.completed_1m, 0) as owner_pay_rate_1m,
        progress.paid_3m / nullif(progress.completed_3m, 0) as owner_pay_rate_3m,
        progress.paid_cum / nullif(progress.completed_cum, 0) as owner_pay_rate_cum,
        owner_pay.owner_pay_rate_all_projects,
        owner_pay.owner_pay_rate_all_projects_1m,
        -- labour-cost inflows vs the contract's share of certified work
        in_scope.ratio * progress.certified_3m as labor_cost_required_3m_yuan,
        greatest(0, 1 - coalesce(account_flows.labor_inflow_3m_yuan, 0)
            / nullif(in_scope.ratio * progress.certified_3m, 0)) as labor_inflow_gap_3m,
        date_diff('day', coalesce(account_flows.last_labor_inflow_date,
            greatest(coalesce(in_scope.start_date, in_scope.as_of - 365), in_scope.as_of - 365)), in_scope.as_of) / 30.44
            as months_since_labor_inflow,
        coalesce(no_inflow_months.n_months_no_inflow_12m, 0) as n_months_no_inflow_12m,
        coalesce(no_inflow_months.is_last_month_no_inflow, false) as is_last_month_no_inflow,
        -- account trajectory
        coalesce(has_account.n_accounts, 0) > 0 as has_wage_account,
        coalesce(account_flows.labor_inflow_3m_yuan, 0) as labor_inflow_3m_yuan,
        coalesce(account_flows.outflow_3m_yuan, 0) as outflow_3m_yuan,
        coalesce(account_flows.labor_inflow_3m_yuan, 0) / nullif(account_flows.outflow_3m_yuan, 0)
            as inflow_outflow_ratio_3m,
        coalesce(account_flows.last_balance_yuan, account_flows.net_flow_cum_yuan) as balance_yuan,
        coalesce(account_flows.last_balance_yuan, account_flows.net_flow_cum_yuan)
            / nullif(payroll.mean_payroll_3m_yuan, 0) as balance_months_of_payroll,
        (account_flows.net_flow_cum_yuan - account_flows.net_flow_cum_90d_ago_yuan)
            / nullif(payroll.mean_payroll_3m_yuan, 0) as balance_change_3m_months_of_payroll,
        -- payroll history
        coalesce(payroll.n_late_pay_months_6m, 0) as n_late_pay_months_6m,
        contractor_pay.contractor_late_pay_share_6m,
        payroll.max_outstanding_share_6m,
        payroll.last_shortfall_share,
        payroll.last_unpaid_worker_share,
        payroll.current_paid_share,
        payroll.mean_payroll_3m_yuan,
        -- attendance
        coalesce(attendance.headcount_28d, 0) as headcount_28d,
        coalesce(attendance.headcount_28d, 0) / nullif(attendance.headcount_prev_56d, 0) as headcount_trend,
        coalesce(attendance.days_since_last_punch, 366) as days_since_last_punch,
        coalesce(attendance.n_working_days_28d, 0) as n_working_days_28d,
        -- key staff on site (not set = 0, indicators.md)
        coalesce(key_staff_days.n_pm_days_28d, 0) / nullif(attendance.n_working_days_28d, 0) as pm_onsite_rate_28d,
        coalesce(key_staff_days.n_chief_days_28d, 0) / nullif(attendance.n_working_days_28d, 0)
            as chief_onsite_rate_28d,
        coalesce(key_staff_set.is_pm_set, false) as is_pm_set,
        -- history of the firms
        coalesce(project_complaints.n_complaints_12m, 0) as n_complaints_12m,
        coalesce(project_complaints.n_verified_complaints_12m, 0) as n_verified_complaints_12m,
        coalesce(project_complaints.n_open_complaints, 0) as n_open_complaints,
        coalesce(project_complaints.n_contractor_complaints_other_12m, 0) as n_contractor_complaints_other_12m,
        coalesce(project_complaints.n_contractor_open_complaints_other, 0) as n_contractor_open_complaints_other,
        coalesce(project_complaints.n_owner_complaints_other_12m, 0) as n_owner_complaints_other_12m,
        coalesce(credit.n_credit_events_2y, 0) as n_credit_events_2y,
        coalesce(credit.n_contractor_credit_any_2y, 0) as n_contractor_credit_any_2y,
        coalesce(firm_size.n_contractor_projects, 1) as n_contractor_projects,
        -- securities
        coalesce(guarantees.guarantee_yuan, 0) > 0 as has_valid_guarantee,
        coalesce(guarantees.guarantee_yuan, 0) / nullif(in_scope.contract_amount, 0) as guarantee_share_of_contract,
        coalesce(deposits.n_valid_deposits, 0) > 0 as has_valid_deposit
    from in_scope
    left join progress on in_scope.as_of = progress.as_of and in_scope.project_code = progress.project_code
    left join owner_pay on in_scope.as_of = owner_pay.as_of and in_scope.build_corp_code = owner_pay.build_corp_code
    left join account_flows
        on in_scope.as_of = account_flows.as_of and in_scope.project_code = account_flows.project_code
    left join has_account on in_scope.as_of = has_account.as_of and in_scope.project_code = has_account.project_code
    left join no_inflow_months
        on in_scope.as_of = no_inflow_months.as_of and in_scope.project_code = no_inflow_months.project_code
    left join payroll on in_scope.as_of = payroll.as_of and in_scope.project_code = payroll.project_code
    left join contractor_pay
        on in_scope.as_of = contractor_pay.as_of and in_scope.contractor_corp_code = contractor_pay.contractor_corp_code
    left join attendance on in_scope.as_of = attendance.as_of and in_scope.project_code = attendance.project_code
    left join key_staff_days
        on in_scope.as_of = key_staff_days.as_of and in_scope.project_code = key_staff_days.project_code
    left join key_staff_set
        on in_scope.as_of = key_staff_set.as_of and in_scope.project_code = key_staff_set.project_code
    left join project_complaints
        on in_scope.as_of = project_complaints.as_of and in_scope.project_code = project_complaints.project_code
    left join credit on in_scope.as_of = credit.as_of and in_scope.project_code = credit.project_code
    left join firm_size
        on in_scope.as_of = firm_size.as_of and in_scope.contractor_corp_code = firm_size.contractor_corp_code
    left join guarantees on in_scope.as_of = guarantees.as_of and in_scope.project_code = guarantees.project_code
    left join deposits on in_scope.as_of = deposits.as_of and in_scope.project_code = deposits.project_code
)

-- the rules (rule_rNN, rules_fired_count, rules_signal_score) come from the real rule tables at each as_of
-- (pipelines/features/rules_at.py), joined on in Python
select * from assembled
