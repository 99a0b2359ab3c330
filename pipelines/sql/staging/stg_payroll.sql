-- grain: one row per 工资发放明细 (project_code, id_card_number_hash, pay_month, is_back_pay, balance_date)
-- event entity: the first delivery of a key is kept; later re-exports only repeat it (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/payroll.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_payroll
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by project_code, id_card_number_hash, pay_month, is_back_pay, balance_date order by _extract_date, _file_id, _line) = 1
)

select
    project_code,
    corp_code,
    team_sys_no,
    pay_month,
    id_card_number_hash,
    id_card_number_masked,
    days,
    work_hours,
    total_pay_amount,
    actual_amount,
    is_back_pay,
    balance_date,
    pay_bank_card_number,
    pay_roll_bank_card_number_hash,
    pay_roll_bank_card_number_masked,
    _file_id,
    _line,
    _extract_date
from latest
