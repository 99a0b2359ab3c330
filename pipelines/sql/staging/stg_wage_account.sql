-- grain: one row per 农民工工资专用账户 (account_number)
-- mutable entity: a later extract restates the row, so the latest extract date wins (sources.md).
-- Code normalisation, casting and personal-data hashing happen at load, driven by data/contracts/wage_account.yaml,
-- so a value that cannot be normalised is quarantined with its file and line instead of becoming null here.
-- Point in time: a row delivered after as_of is not yet known (backfills over a loaded warehouse stay honest).
with deliveries as (
    select * from raw_wage_account
    where _extract_date <= getvariable('as_of')
),

latest as (
    select *
    from deliveries
    qualify row_number() over (partition by account_number order by _extract_date desc, _file_id desc, _line desc) = 1
)

select
    account_number,
    project_code,
    corp_code,
    bank_code,
    bank_name,
    open_date,
    close_date,
    has_tripartite_agreement,
    _file_id,
    _line,
    _extract_date
from latest
