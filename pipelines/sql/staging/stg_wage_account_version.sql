-- grain: one row per 农民工工资专用账户 version (account_number, _extract_date): each extract date that delivered a change
-- mutable entity: the loader keeps a row only when it differs from its key's latest version as of its extract
-- (pipelines/ingest/load.py), so these are the key's versions, a status that changed back included (sources.md).
-- A version is valid from its extract date (valid_from) until the next version's (valid_to, exclusive; null = still
-- current as of as_of). Month M reads the version valid on its last day:
--   (valid_from is null or valid_from <= month_end) and (valid_to is null or valid_to > month_end).
-- The registry's first extract (stg_first_extract) describes the past as well (valid_from null): a warehouse starts
-- from a snapshot while attendance and pay go back further. A key first delivered later is unknown before its
-- delivery (docs/decisions.md).
-- Point in time: a row delivered after as_of is not yet known.
with deliveries as (
    select * from raw_wage_account
    where _extract_date <= getvariable('as_of')
),

first_extract as (
    select first_extract_date from stg_first_extract
),

per_extract as (
    -- several rows of one key on one extract date (two files, or a repeat in a file): the last delivered wins
    select *
    from deliveries
    qualify row_number() over (partition by account_number, _extract_date order by _file_id desc, _line desc) = 1
),

versions as (
    select
        per_extract.*,
        case when per_extract._extract_date > first_extract.first_extract_date then per_extract._extract_date end
            as valid_from,
        lead(per_extract._extract_date) over (partition by per_extract.account_number order by per_extract._extract_date)
            as valid_to
    from per_extract
    cross join first_extract
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
    valid_from,
    valid_to,
    _file_id,
    _line,
    _extract_date
from versions
