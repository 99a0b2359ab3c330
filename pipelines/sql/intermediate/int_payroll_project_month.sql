-- grain: one row per project × indicator month M (as int_project_month), describing pay month M − payroll_deadline_months
-- incremental: by_month(month, lag=payroll_deadline_months)
-- The deadline is the end of M. Where the spec is silent: the amount due (Σ total_pay_amount) is over the pay
-- month's regular lines (is_back_pay false) paid by the deadline; the amount paid (Σ actual_amount) counts every
-- line of the pay month, back pay included, with balance_date ≤ end of M. A line paid after the deadline reaches the
-- platform after M was reported, so it does not enter M (a reported month keeps its numbers, sources.md
-- "Delivery"); the workers it pays are the attended workers without a line by the deadline (paid_vs_attended, R03). Attended workers = persons with a valid
-- day in the pay month who are not roster managers (work_role 10); paid_vs_attended counts those of them with a
-- pay line by the deadline. "Via account" = pay_bank_card_number is one of the project's own wage accounts.
-- Month M reads the attendance and pay lines of pay month M − payroll_deadline_months (`lag=`): a night rebuilds the
-- months its new rows touch and the months after them (docs/decisions.md "Incremental nights"); the scans are cut
-- to the months being built and the pay months they read (everything on a full build and on Spark).
with project_months as (
    select project_code, "month", month_start, month_end from int_project_month
    where month_start between getvariable('build_from') and getvariable('build_to')
),

person_days as (
    -- the pay months the built months read: build_reads_from up to the last built month − payroll_deadline_months
    select * from int_person_day
    where work_date >= getvariable('build_reads_from')
        and work_date < date_trunc('month', getvariable('build_to'))
            - to_months(getvariable('payroll_deadline_months')) + to_months(1)
),

payroll as (
    select * from stg_payroll
    where pay_month between strftime(getvariable('build_reads_from'), '%Y-%m') and strftime(
        date_trunc('month', getvariable('build_to')) - to_months(getvariable('payroll_deadline_months')), '%Y-%m'
    )
),

accounts as (
    select project_code, account_number from stg_wage_account
),

pay_periods as (
    select
        project_code,
        "month",
        strftime(month_start - to_months(getvariable('payroll_deadline_months')), '%Y-%m') as pay_month,
        month_end as deadline_date
    from project_months
),

attended as (
    select distinct
        project_code,
        strftime(work_date, '%Y-%m') as pay_month,
        person_key
    from person_days
    where is_valid_day and work_role is distinct from '10'
),

lines as (
    select
        pay_periods.project_code,
        pay_periods."month",
        hash(payroll.id_card_number_hash) as person_key,  -- int_person_day's key of the person
        payroll.is_back_pay,
        payroll.total_pay_amount,
        payroll.actual_amount,
        payroll.balance_date <= pay_periods.deadline_date as is_by_deadline,
        accounts.account_number is not null as is_via_account
    from pay_periods
    inner join payroll
        on pay_periods.project_code = payroll.project_code and pay_periods.pay_month = payroll.pay_month
    left join accounts
        on payroll.project_code = accounts.project_code and payroll.pay_bank_card_number = accounts.account_number
),

amounts as (
    select
        project_code,
        "month",
        count(*) as n_pay_lines,
        count(*) filter (where is_by_deadline) as n_pay_lines_by_deadline,
        round(coalesce(sum(total_pay_amount) filter (where not is_back_pay and is_by_deadline), 0), 2) as payroll_due_yuan,
        round(coalesce(sum(actual_amount) filter (where is_by_deadline), 0), 2) as payroll_paid_by_deadline_yuan,
        round(coalesce(sum(actual_amount) filter (where is_by_deadline and is_via_account), 0), 2)
            as payroll_via_account_yuan
    from lines
    group by project_code, "month"
),

coverage as (
    select
        pay_periods.project_code,
        pay_periods."month",
        count(distinct attended.person_key) as n_attended_workers,
        count(distinct lines.person_key) as n_attended_paid_workers
    from pay_periods
    inner join attended
        on pay_periods.project_code = attended.project_code and pay_periods.pay_month = attended.pay_month
    left join lines
        on pay_periods.project_code = lines.project_code
        and pay_periods."month" = lines."month"
        and attended.person_key = lines.person_key
        and lines.is_by_deadline
    group by pay_periods.project_code, pay_periods."month"
),

final as (
    select
        pay_periods.project_code,
        pay_periods."month",
        pay_periods.pay_month,
        pay_periods.deadline_date,
        coalesce(coverage.n_attended_workers, 0) as n_attended_workers,
        coalesce(coverage.n_attended_paid_workers, 0) as n_attended_paid_workers,
        coalesce(amounts.n_pay_lines, 0) as n_pay_lines,
        coalesce(amounts.n_pay_lines_by_deadline, 0) as n_pay_lines_by_deadline,
        coalesce(amounts.payroll_due_yuan, 0) as payroll_due_yuan,
        coalesce(amounts.payroll_paid_by_deadline_yuan, 0) as payroll_paid_by_deadline_yuan,
        coalesce(amounts.payroll_via_account_yuan, 0) as payroll_via_account_yuan,
        coalesce(amounts.n_pay_lines_by_deadline, 0) > 0
        and coalesce(amounts.payroll_paid_by_deadline_yuan, 0) >= coalesce(amounts.payroll_due_yuan, 0)
            as is_paid_on_time
    from pay_periods
    left join amounts on pay_periods.project_code = amounts.project_code and pay_periods."month" = amounts."month"
    left join coverage on pay_periods.project_code = coverage.project_code and pay_periods."month" = coverage."month"
)

select * from final
