-- grain: one row per arrears event (project_code, event_date, kind), as known in hindsight (all deliveries)
-- The label of the risk score (warnings.md): an arrears event is
--   complaint: a verified complaint (is_verified, latest delivered state) on the project; event_date = received_date;
--   shortfall: a pay month P with Σ actual_amount (any line, back pay included, balance_date ≤ D + makegood_days)
--              < Σ total_pay_amount (regular lines) − 1 元, where D = the pay deadline, the last day of
--              P + r03_pay_deadline_months (pay month M paid by the end of M+1); event_date = D.
-- Dating a shortfall at its deadline (not at D + makegood, when it is confirmed) ties the event to the month the
-- wages were owed; a label window (as_of, as_of + horizon] is therefore only complete at as_of + horizon + makegood.
with complaints as (
    select * from raw_complaint
    qualify row_number() over (partition by case_id order by _extract_date desc, _file_id desc, _line desc) = 1
),

payroll as (
    select * from raw_payroll
    qualify row_number() over (
        partition by project_code, id_card_number_hash, pay_month, is_back_pay, balance_date
        order by _extract_date, _file_id, _line
    ) = 1
),

pay_months as (
    select
        project_code,
        pay_month,
        cast(last_day(cast(pay_month || '-01' as date) + to_months(getvariable('r03_pay_deadline_months'))) as date)
            as deadline_date,
        coalesce(round(sum(total_pay_amount) filter (where not coalesce(is_back_pay, false)), 2), 0) as due_yuan,
        coalesce(round(sum(actual_amount) filter (
            where balance_date <= cast(last_day(cast(pay_month || '-01' as date)
                + to_months(getvariable('r03_pay_deadline_months'))) as date) + getvariable('makegood_days')
        ), 2), 0) as paid_in_makegood_yuan
    from payroll
    group by all
),

shortfalls as (
    select project_code, deadline_date as event_date, 'shortfall' as kind, pay_month
    from pay_months
    where paid_in_makegood_yuan < due_yuan - 1
),

verified as (
    select project_code, received_date as event_date, 'complaint' as kind, cast(null as varchar) as pay_month
    from complaints
    where is_verified and project_code is not null and received_date is not null
),

final as (
    select * from shortfalls
    union all
    select * from verified
)

select * from final
