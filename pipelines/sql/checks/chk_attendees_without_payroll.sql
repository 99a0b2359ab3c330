-- grain: one row per project whose workers (not managers) punched in the pay month due at as_of and have no pay line for it
with attendees as (
    select distinct stg_attendance.project_code, stg_attendance.id_card_number_hash, int_pay_month_due.pay_month
    from stg_attendance
    inner join int_pay_month_due
        on strftime(stg_attendance.work_date, '%Y-%m') = int_pay_month_due.pay_month
    inner join stg_project_worker
        on stg_attendance.project_code = stg_project_worker.project_code
        and stg_attendance.id_card_number_hash = stg_project_worker.id_card_number_hash
        and coalesce(stg_project_worker.work_role, '20') <> '10'
    -- the pay month due as a date range as well: the scan skips the other months
    where stg_attendance.work_date >= date_trunc('month', getvariable('as_of') + interval 1 day) - to_months(getvariable('payroll_deadline_months') + 1)
        and stg_attendance.work_date < date_trunc('month', getvariable('as_of') + interval 1 day) - to_months(getvariable('payroll_deadline_months'))
),

paid as (
    select stg_payroll.project_code, stg_payroll.id_card_number_hash
    from stg_payroll
    inner join int_pay_month_due on stg_payroll.pay_month = int_pay_month_due.pay_month
),

unpaid as (
    select attendees.project_code, attendees.pay_month
    from attendees
    left join paid
        on attendees.project_code = paid.project_code
        and attendees.id_card_number_hash = paid.id_card_number_hash
    where paid.project_code is null
),

final as (
    select project_code, count(*) as n_rows, max(pay_month) as "month"
    from unpaid
    group by project_code
)

select * from final
