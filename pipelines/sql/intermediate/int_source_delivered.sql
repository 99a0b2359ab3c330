-- grain: one row per as_of (the run): which sources (entities of data/contracts) were delivered by then
-- A source is delivered when its raw table holds a row with _extract_date ≤ as_of: the same test as the run summary's
-- missing_sources (pipelines/night_steps.py), made point-in-time. A file that was empty, unreadable or wholly quarantined
-- delivered nothing. Indicators that need a source never delivered are null (the dashboard and 数据质量通报 say
-- 数据未报送), not 0 %, and the rules that need it (pipelines/warnings/catalogue.yaml, sources) do not fire.
-- Plain SQL (count per table, union all) so that the Spark path transpiles it as it is.
with raw_rows as (
    select 'project' as entity, count(*) as n_rows from raw_project
    where _extract_date <= getvariable('as_of')
    union all
    select 'project_corp' as entity, count(*) as n_rows from raw_project_corp
    where _extract_date <= getvariable('as_of')
    union all
    select 'team' as entity, count(*) as n_rows from raw_team
    where _extract_date <= getvariable('as_of')
    union all
    select 'project_worker' as entity, count(*) as n_rows from raw_project_worker
    where _extract_date <= getvariable('as_of')
    union all
    select 'attendance' as entity, count(*) as n_rows from raw_attendance
    where _extract_date <= getvariable('as_of')
    union all
    select 'payroll' as entity, count(*) as n_rows from raw_payroll
    where _extract_date <= getvariable('as_of')
    union all
    select 'wage_account' as entity, count(*) as n_rows from raw_wage_account
    where _extract_date <= getvariable('as_of')
    union all
    select 'account_txn' as entity, count(*) as n_rows from raw_account_txn
    where _extract_date <= getvariable('as_of')
    union all
    select 'project_progress' as entity, count(*) as n_rows from raw_project_progress
    where _extract_date <= getvariable('as_of')
    union all
    select 'payment_guarantee' as entity, count(*) as n_rows from raw_payment_guarantee
    where _extract_date <= getvariable('as_of')
    union all
    select 'wage_deposit' as entity, count(*) as n_rows from raw_wage_deposit
    where _extract_date <= getvariable('as_of')
    union all
    select 'complaint' as entity, count(*) as n_rows from raw_complaint
    where _extract_date <= getvariable('as_of')
    union all
    select 'credit_event' as entity, count(*) as n_rows from raw_credit_event
    where _extract_date <= getvariable('as_of')
),

final as (
    select
        getvariable('as_of') as as_of,
        count(*) filter (where entity = 'project' and n_rows > 0) > 0 as has_project,
        count(*) filter (where entity = 'project_corp' and n_rows > 0) > 0 as has_project_corp,
        count(*) filter (where entity = 'team' and n_rows > 0) > 0 as has_team,
        count(*) filter (where entity = 'project_worker' and n_rows > 0) > 0 as has_project_worker,
        count(*) filter (where entity = 'attendance' and n_rows > 0) > 0 as has_attendance,
        count(*) filter (where entity = 'payroll' and n_rows > 0) > 0 as has_payroll,
        count(*) filter (where entity = 'wage_account' and n_rows > 0) > 0 as has_wage_account,
        count(*) filter (where entity = 'account_txn' and n_rows > 0) > 0 as has_account_txn,
        count(*) filter (where entity = 'project_progress' and n_rows > 0) > 0 as has_project_progress,
        count(*) filter (where entity = 'payment_guarantee' and n_rows > 0) > 0 as has_payment_guarantee,
        count(*) filter (where entity = 'wage_deposit' and n_rows > 0) > 0 as has_wage_deposit,
        count(*) filter (where entity = 'complaint' and n_rows > 0) > 0 as has_complaint,
        count(*) filter (where entity = 'credit_event' and n_rows > 0) > 0 as has_credit_event
    from raw_rows
)

select * from final
