-- grain: one row per project in rule scope with wages owed now, or paid late within r05_lookback_days
-- The honest amount on a warning line (triage.md "Honest lines"): for every pay month past its deadline (end of
-- M + r03_pay_deadline_months), what each worker is owed for it (owed_worker_month: regular pay due minus everything
-- paid for that month up to as_of), counted when above owed_tolerance_yuan (rounding); a worker paid more than due
-- does not offset another. The 涉及工人 sheet (rule_worker) lists the same worker-months, so they add up to this.
-- Late payment is kept apart: what was paid after the deadline for pay months due within R05's window
-- (r05_lookback_days). A worked month with no pay line at all to date (R03's case: unpaid_worked_month) has no
-- amount due on record: it is counted as unpaid months and the workers who attended them.
with scope as (
    select * from rule_scope
),

payroll as (
    select * from stg_payroll
    where balance_date <= getvariable('as_of')
),

worker_months as (
    select * from owed_worker_month
),

late as (
    select
        payroll.project_code,
        payroll.pay_month,
        round(sum(payroll.actual_amount), 2) as late_paid_yuan,
        max(payroll.balance_date) as last_paid_date
    from payroll
    inner join worker_months
        on payroll.project_code = worker_months.project_code
        and payroll.pay_month = worker_months.pay_month
        and payroll.id_card_number_hash = worker_months.id_card_number_hash
    where payroll.balance_date > worker_months.deadline_date
        and worker_months.deadline_date > getvariable('as_of') - to_days(getvariable('r05_lookback_days'))
    group by payroll.project_code, payroll.pay_month
),

owed_months as (
    select
        project_code,
        pay_month,
        round(sum(owed_yuan), 2) as owed_yuan,
        count(distinct id_card_number_hash) as workers_owed
    from worker_months
    where owed_now
    group by project_code, pay_month
),

owed as (
    select
        owed_months.project_code,
        round(sum(owed_months.owed_yuan), 2) as owed_yuan,
        string_agg(owed_months.pay_month, '、' order by owed_months.pay_month) as owed_months
    from owed_months
    group by owed_months.project_code
),

owed_workers as (
    -- a worker owed in two months counts once
    select worker_months.project_code, count(distinct worker_months.id_card_number_hash) as workers_owed
    from worker_months
    where worker_months.owed_now
    group by worker_months.project_code
),

unpaid_months as (
    -- worked pay months R03 judges (unpaid_worked_month: the one definition, deadlines in the last
    -- r03_lookback_days and older months never paid) without any pay line to date
    select project_code, pay_month, n_attended_workers as n_attended
    from unpaid_worked_month
    where not paid_by_as_of
),

unpaid as (
    select
        project_code,
        max(n_attended) as unpaid_workers,
        string_agg(pay_month, '、' order by pay_month) as unpaid_months
    from unpaid_months
    group by project_code
),

late_total as (
    select
        project_code,
        round(sum(late_paid_yuan), 2) as late_paid_yuan,
        string_agg(pay_month || '（' || strftime(last_paid_date, '%m-%d') || '补发）', '、' order by pay_month)
            as late_months
    from late
    group by project_code
),

final as (
    select
        scope.project_code,
        coalesce(owed.owed_yuan, 0) as owed_yuan,
        coalesce(owed_workers.workers_owed, 0) as workers_owed,
        owed.owed_months,
        coalesce(late_total.late_paid_yuan, 0) as late_paid_yuan,
        late_total.late_months,
        coalesce(unpaid.unpaid_workers, 0) as unpaid_workers,
        unpaid.unpaid_months
    from scope
    left join owed on scope.project_code = owed.project_code
    left join owed_workers on scope.project_code = owed_workers.project_code
    left join late_total on scope.project_code = late_total.project_code
    left join unpaid on scope.project_code = unpaid.project_code
    where owed.project_code is not null or late_total.project_code is not null or unpaid.project_code is not null
)

select * from final
