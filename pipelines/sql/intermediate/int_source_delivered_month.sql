-- grain: one row per month of int_month: which sources (entities of data/contracts) were delivered by that month's end
-- Month M is computed from what was delivered by the end of M (sources.md "Delivery"), so a source first delivered
-- after M leaves M's indicators null (数据未报送) for good: a month already published gives the same numbers when
-- re-run later (tests/quality/test_corrections.py). int_source_delivered is the same test at as_of, for the rules.
-- Months before the warehouse's first extract are described by that first extract (a first delivery carries the
-- backlog), as in stg_first_extract: their cut-off is the first extract date.
with month_ends as (
    select "month", month_end from int_month
),

firsts as (
    select 'project' as entity, min(_extract_date) as first_extract from raw_project
    union all
    select 'project_corp' as entity, min(_extract_date) as first_extract from raw_project_corp
    union all
    select 'team' as entity, min(_extract_date) as first_extract from raw_team
    union all
    select 'project_worker' as entity, min(_extract_date) as first_extract from raw_project_worker
    union all
    select 'attendance' as entity, min(_extract_date) as first_extract from raw_attendance
    union all
    select 'payroll' as entity, min(_extract_date) as first_extract from raw_payroll
    union all
    select 'wage_account' as entity, min(_extract_date) as first_extract from raw_wage_account
    union all
    select 'account_txn' as entity, min(_extract_date) as first_extract from raw_account_txn
    union all
    select 'project_progress' as entity, min(_extract_date) as first_extract from raw_project_progress
    union all
    select 'payment_guarantee' as entity, min(_extract_date) as first_extract from raw_payment_guarantee
    union all
    select 'wage_deposit' as entity, min(_extract_date) as first_extract from raw_wage_deposit
    union all
    select 'complaint' as entity, min(_extract_date) as first_extract from raw_complaint
    union all
    select 'credit_event' as entity, min(_extract_date) as first_extract from raw_credit_event
),

warehouse_start as (
    select min(first_extract) as first_extract from firsts
),

months as (
    select
        month_ends."month",
        least(greatest(month_ends.month_end, warehouse_start.first_extract), getvariable('as_of')) as cutoff
    from month_ends
    cross join warehouse_start
),

final as (
    select
        months."month" as delivered_month,
        coalesce(bool_or(firsts.entity = 'project' and firsts.first_extract <= months.cutoff), false) as has_project,
        coalesce(bool_or(firsts.entity = 'project_corp' and firsts.first_extract <= months.cutoff), false) as has_project_corp,
        coalesce(bool_or(firsts.entity = 'team' and firsts.first_extract <= months.cutoff), false) as has_team,
        coalesce(bool_or(firsts.entity = 'project_worker' and firsts.first_extract <= months.cutoff), false) as has_project_worker,
        coalesce(bool_or(firsts.entity = 'attendance' and firsts.first_extract <= months.cutoff), false) as has_attendance,
        coalesce(bool_or(firsts.entity = 'payroll' and firsts.first_extract <= months.cutoff), false) as has_payroll,
        coalesce(bool_or(firsts.entity = 'wage_account' and firsts.first_extract <= months.cutoff), false) as has_wage_account,
        coalesce(bool_or(firsts.entity = 'account_txn' and firsts.first_extract <= months.cutoff), false) as has_account_txn,
        coalesce(bool_or(firsts.entity = 'project_progress' and firsts.first_extract <= months.cutoff), false) as has_project_progress,
        coalesce(bool_or(firsts.entity = 'payment_guarantee' and firsts.first_extract <= months.cutoff), false) as has_payment_guarantee,
        coalesce(bool_or(firsts.entity = 'wage_deposit' and firsts.first_extract <= months.cutoff), false) as has_wage_deposit,
        coalesce(bool_or(firsts.entity = 'complaint' and firsts.first_extract <= months.cutoff), false) as has_complaint,
        coalesce(bool_or(firsts.entity = 'credit_event' and firsts.first_extract <= months.cutoff), false) as has_credit_event
    from months
    cross join firsts
    group by months."month"
)

select * from final
