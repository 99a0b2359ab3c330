-- grain: one row per project × rule × worker (id_card_number_hash) × pay month with wages owed (lists' 涉及工人 sheet)
-- R05 (pay month short, not made good) and R16 (left with wages owed). Masked identity only: the hash stays here.
with payroll as (
    select * from stg_payroll
    where _extract_date <= getvariable('as_of')
),

short_projects as (
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

owed as (
    select
        payroll.project_code,
        payroll.id_card_number_hash,
        any_value(payroll.id_card_number_masked) as id_card_number_masked,
        payroll.pay_month,
        sum(case when not coalesce(payroll.is_back_pay, false) then payroll.total_pay_amount else 0 end)
            - sum(case when payroll.balance_date <= getvariable('as_of') then payroll.actual_amount else 0 end)
            as amount_owed_yuan
    from payroll
    group by payroll.project_code, payroll.id_card_number_hash, payroll.pay_month
),

affected as (
    select short_projects.rule_id, owed.*
    from owed
    inner join short_projects on owed.project_code = short_projects.project_code
    union all
    select leaver_projects.rule_id, owed.*
    from owed
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
        round(affected.amount_owed_yuan, 2) as amount_owed_yuan
    from affected
    left join roster
        on affected.project_code = roster.project_code and affected.id_card_number_hash = roster.id_card_number_hash
    where affected.amount_owed_yuan > getvariable('owed_tolerance_yuan')
)

select * from final
