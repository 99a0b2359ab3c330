-- grain: one row per project with pay lines (balance date up to as_of) paid from an account other than its wage accounts
-- `not in`: a project whose wage accounts include a null number gets no finding here (SQL's three-valued logic).
select project_code, count(*) as n_rows
from stg_payroll as pay_lines
where pay_bank_card_number is not null and balance_date <= getvariable('as_of')
    and pay_bank_card_number not in (
        select account_number from stg_wage_account where stg_wage_account.project_code = pay_lines.project_code
    )
group by project_code
