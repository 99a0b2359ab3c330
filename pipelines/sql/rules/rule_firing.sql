-- grain: one row per project × rule that fires at as_of
-- The union of every rule_rNN model; pipelines/warnings/catalogue.yaml names, sources and advice per rule
-- (a test checks that the catalogue and this union list the same rules).
select * from rule_r01_labor_cost_missing
union all select * from rule_r02_labor_cost_short
union all select * from rule_r03_payroll_not_paid
union all select * from rule_r04_paid_outside_account
union all select * from rule_r05_payroll_short
union all select * from rule_r06_unpaid_attendees
union all select * from rule_r07_below_min_wage
union all select * from rule_r08_implausible_pay
union all select * from rule_r09_key_staff_absent
union all select * from rule_r10_attendance_stopped
union all select * from rule_r11_guarantee
union all select * from rule_r12_no_deposit
union all select * from rule_r13_firm_credit
union all select * from rule_r14_complaints
union all select * from rule_r15_account_balance_short
union all select * from rule_r16_leavers_unpaid
union all select * from rule_r17_punch_two_projects
