-- grain: one row per project × rule × worker (id_card_number_hash) × pay month with wages owed (lists' 涉及工人 sheet)
-- R05 (pay month short, not made good) and R16 (left with wages owed). Masked identity only: the hash stays here.
-- What a worker is owed for a month is owed_worker_month's, the definition risk_wages_owed sums into the line.
with short_projects as (
    select distinct project_code, 'R05' as rule_id from rule_r05_payroll_short
),

leaver_projects as (
    select distinct project_code, 'R16' as rule_id from rule_r16_leavers_unpaid
),

leavers as (
    select project_code, id_card_number_hash
    from stg_project_worker
    where exit_time is not null
        and cast(exit_time as date) <= getvariable('as_of') - to_days(getvariable('r16_settle_days'))
),

affected as (
    -- R05: the worker-months owed now (deadline passed: risk_wages_owed counts the same ones into 当前欠发工资)
    select short_projects.rule_id, owed.*
    from owed_worker_month as owed
    inner join short_projects on owed.project_code = short_projects.project_code
    where owed.owed_now
    union all
    -- R16: a leaver is settled on leaving, whatever the pay months' deadlines
    select leaver_projects.rule_id, owed.*
    from owed_worker_month as owed
    inner join leaver_projects on owed.project_code = leaver_projects.project_code
    inner join leavers
        on owed.project_code = leavers.project_code and owed.id_card_number_hash = leavers.id_card_number_hash
),

roster as (
    select project_code, id_card_number_hash, worker_name_masked from stg_project_worker
),

final as (
    select
        getvariable('as_of') as as_of,
        affected.project_code,
        affected.rule_id,
        affected.id_card_number_masked,
        roster.worker_name_masked,
        affected.pay_month,
        round(affected.owed_yuan, 2) as amount_owed_yuan
    from affected
    left join roster
        on affected.project_code = roster.project_code and affected.id_card_number_hash = roster.id_card_number_hash
    where affected.owed_yuan > getvariable('owed_tolerance_yuan')
)

select * from final
