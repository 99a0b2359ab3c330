-- grain: one row per 工资保证金 (deposit_no)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/wage_deposit.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_wage_deposit
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by deposit_no order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    deposit_no,
    corp_code,
    project_code,
    amount,
    form,
    deposit_date,
    expire_date,
    status,
    _file_id,
    _line,
    _extract_date
from latest
