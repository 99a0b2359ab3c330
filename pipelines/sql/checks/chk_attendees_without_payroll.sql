-- grain: one row per project whose workers (not managers) punched in the pay month due at as_of and have no pay line for it
with attendees as (
    -- the people with a punch in the pay month, from the person-months (int_person_month: a row per project ×
    -- person × month with a punch up to as_of) rather than every punch of the month
    select distinct int_person_month.project_code, int_person_month.person_key, int_pay_month_due.pay_month
    from int_person_month
    inner join int_pay_month_due on int_person_month."month" = int_pay_month_due.pay_month
    inner join stg_project_worker
        on int_person_month.project_code = stg_project_worker.project_code
        and int_person_month.person_key = hash(stg_project_worker.id_card_number_hash)
        and coalesce(stg_project_worker.work_role, '20') <> '10'
),

paid as (
    select stg_payroll.project_code, hash(stg_payroll.id_card_number_hash) as person_key  -- int_person_month's key
    from stg_payroll
    inner join int_pay_month_due on stg_payroll.pay_month = int_pay_month_due.pay_month
),

unpaid as (
    select attendees.project_code, attendees.pay_month
    from attendees
    left join paid
        on attendees.project_code = paid.project_code
        and attendees.person_key = paid.person_key
    where paid.project_code is null
),

final as (
    select project_code, count(*) as n_rows, max(pay_month) as "month"
    from unpaid
    group by project_code
)

select * from final
