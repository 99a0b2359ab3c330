-- grain: one row per project × pay month × worker (id_card_number_hash) with a pay line paid by as_of
-- The one definition of what a worker is owed for a pay month, read by risk_wages_owed (the lists' 当前欠发工资 and
-- 欠薪人数) and rule_worker (the 涉及工人 sheet), so a line's amount and its workers' amounts cannot drift apart:
-- regular pay due (Σ total_pay_amount, back pay excluded) minus everything paid for that month (Σ actual_amount,
-- back pay included), over the pay lines with balance_date <= as_of. deadline_date is the last day of the pay month
-- + r03_pay_deadline_months (as R03/R05): the month is owed from the end of that day, i.e. when deadline_date <= as_of
-- (docs/decisions.md "A month is owed from the end of its deadline day"). owed_yuan keeps its sign: a worker paid
-- more than due does not offset another. owed_now: the worker is owed for the month tonight (deadline come, more than
-- owed_tolerance_yuan short) — the test every reader of "owed now" applies.
with payroll as (
    select * from stg_payroll
    where balance_date <= getvariable('as_of')
),

worker_months as (
    select
        project_code,
        pay_month,
        id_card_number_hash,
        any_value(id_card_number_masked) as id_card_number_masked,
        cast(last_day(cast(pay_month || '-01' as date) + to_months(getvariable('r03_pay_deadline_months'))) as date)
            as deadline_date,
        round(sum(case when not is_back_pay then total_pay_amount else 0 end), 2) as due_yuan,
        round(sum(actual_amount), 2) as paid_yuan,
        round(sum(case when not is_back_pay then total_pay_amount else 0 end) - sum(actual_amount), 2) as owed_yuan
    from payroll
    group by project_code, pay_month, id_card_number_hash
),

final as (
    select
        *,
        deadline_date <= getvariable('as_of') and owed_yuan > getvariable('owed_tolerance_yuan') as owed_now
    from worker_months
)

select * from final
