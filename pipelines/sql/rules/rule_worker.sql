-- grain: one row per project × worker × pay month owed wages (for the lists' 涉及工人 sheet)
-- Masked identity only: the hash stays in the warehouse.
with payroll as (
    select * from stg_payroll
    where balance_date <= getvariable('as_of')
),

firing as (
    select distinct project_code from rule_r05_payroll_short
),

owed as (
    select
        payroll.project_code,
        payroll.id_card_number_hash,
        any_value(payroll.id_card_number_masked) as id_card_number_masked,
        payroll.pay_month,
        sum(case when not payroll.is_back_pay then payroll.total_pay_amount else 0 end)
            - sum(payroll.actual_amount) as amount_owed_yuan
    from payroll
    inner join firing on payroll.project_code = firing.project_code
    group by payroll.project_code, payroll.id_card_number_hash, payroll.pay_month
),

roster as (
    select project_code, id_card_number_hash, worker_name_masked from stg_project_worker
),

final as (
    select
        getvariable('as_of') as as_of,
        owed.project_code,
        'R05' as rule_id,
        owed.id_card_number_masked,
        roster.worker_name_masked,
        owed.pay_month,
        round(owed.amount_owed_yuan, 2) as amount_owed_yuan
    from owed
    left join roster
        on owed.project_code = roster.project_code and owed.id_card_number_hash = roster.id_card_number_hash
    where owed.amount_owed_yuan > 1
)

select * from final
