-- grain: one row per project that paid people (not back pay) for the pay month due at as_of who never punched there that month
with paid as (
    -- hash(): int_person_month's 64-bit person key, computed the same way
    select distinct stg_payroll.project_code, hash(stg_payroll.id_card_number_hash) as person_key, stg_payroll.pay_month
    from stg_payroll
    inner join int_pay_month_due on stg_payroll.pay_month = int_pay_month_due.pay_month
    where not coalesce(stg_payroll.is_back_pay, false)
),

punched as (
    -- the person-months (int_person_month: a row per project × person × month with a punch up to as_of) of the
    -- pay month due, rather than every punch of the month
    select int_person_month.project_code, int_person_month.person_key, int_person_month."month" as punch_month
    from int_person_month
    inner join int_pay_month_due on int_person_month."month" = int_pay_month_due.pay_month
),

unattended as (
    select paid.project_code, paid.pay_month
    from paid
    left join punched
        on paid.project_code = punched.project_code
        and paid.person_key = punched.person_key
        and paid.pay_month = punched.punch_month
    where punched.project_code is null
),

final as (
    select project_code, count(*) as n_rows, max(pay_month) as "month"
    from unattended
    group by project_code
)

select * from final
