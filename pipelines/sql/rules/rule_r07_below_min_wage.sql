-- grain: one row per in-scope project whose full-time workers were paid below the local minimum wage (R07)
-- gzthsware: workers with ≥ r07_min_attendance_days valid days in the pay month; their mean pay (Σ actual_amount of
-- the pay month, back pay included) below the area's minimum wage (r07_min_wage_yuan per area, else the default).
-- Only workers with a pay line count: no pay at all is R03/R06's finding, not a low wage.
-- the sources this rule needs (catalogue.yaml): one never delivered by as_of silences the rule (not "fires everywhere")
with delivered as (
    select * from int_source_delivered
    where has_attendance and has_payroll
),

scope as (
    select rule_scope.* from rule_scope
    cross join delivered
),

pay_month as (
    select pay_month from int_pay_month_due
),

person_days as (
    select * from int_person_day
    where is_valid_day
        -- the pay month due (int_pay_month_due) as a date range: the scan skips the other months
        and work_date >= date_trunc('month', getvariable('as_of') + interval 1 day) - to_months(getvariable('payroll_deadline_months') + 1)
        and work_date < date_trunc('month', getvariable('as_of') + interval 1 day) - to_months(getvariable('payroll_deadline_months'))
),

full_timers as (
    select
        person_days.project_code,
        person_days.person_key,
        count(*) as n_days
    from person_days
    inner join pay_month on strftime(person_days.work_date, '%Y-%m') = pay_month.pay_month
    group by person_days.project_code, person_days.person_key
    having count(*) >= getvariable('r07_min_attendance_days')
),

pay as (
    select
        payroll.project_code,
        hash(payroll.id_card_number_hash) as person_key,  -- int_person_day's key of the person
        round(sum(payroll.actual_amount), 2) as paid_yuan
    from stg_payroll as payroll
    inner join pay_month on payroll.pay_month = pay_month.pay_month
    where payroll.balance_date <= getvariable('as_of')
    group by payroll.project_code, hash(payroll.id_card_number_hash)
),

per_project as (
    select
        scope.project_code,
        any_value(pay_month.pay_month) as pay_month,
        coalesce(
            try_cast(json_extract_string(getvariable('r07_min_wage_yuan_json'), '$."' || scope.area_code || '"') as double),
            getvariable('r07_min_wage_default_yuan')
        ) as min_wage_yuan,
        count(*) as n_workers,
        round(sum(pay.paid_yuan), 2) / count(*) as mean_paid_yuan  -- an exact sum: the same mean in any row order
    from scope
    cross join pay_month
    inner join full_timers on scope.project_code = full_timers.project_code
    inner join pay
        on full_timers.project_code = pay.project_code and full_timers.person_key = pay.person_key
    group by scope.project_code, scope.area_code
),

final as (
    select
        getvariable('as_of') as as_of,
        project_code,
        'R07' as rule_id,
        'red' as level,
        pay_month || ' 出勤满' || getvariable('r07_min_attendance_days') || '天的' || n_workers || '名工人月均实发'
            || cast(round(mean_paid_yuan) as bigint) || '元，低于当地最低工资' || cast(round(min_wage_yuan) as bigint)
            || '元' as reason_zh,
        mean_paid_yuan as evidence_value
    from per_project
    where mean_paid_yuan < min_wage_yuan
)

select * from final
