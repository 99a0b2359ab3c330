-- grain: one row per 项目人员花名册 version (project_code, id_card_number_hash, _extract_date): each extract date that delivered a change
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
    select * from raw_project_worker
    where _extract_date <= getvariable('as_of')
),

first_extract as (
    select first_extract_date from stg_first_extract
),

versions as (
    -- one window: a key's rows by extract date, then delivery order (file, line). The last row of an extract date
    -- is the one kept (several rows of one key on one date: two files, or a repeat in a file — the last delivered
    -- wins), and the row after it is the first of the key's next extract date, whose date is its valid_to: the same
    -- rows as deduplicating first and taking lead() after, with one sort of the roster instead of two
    select
        deliveries.*,
        case when deliveries._extract_date > first_extract.first_extract_date then deliveries._extract_date end
            as valid_from,
        lead(deliveries._extract_date) over (
            partition by deliveries.project_code, deliveries.id_card_number_hash
            order by deliveries._extract_date, deliveries._file_id nulls first, deliveries._line nulls first
        ) as valid_to
    from deliveries
    cross join first_extract
),

kept as (
    select * from versions
    where valid_to is null or valid_to > _extract_date
)

select
    project_code,
    id_card_type,
    id_card_number_hash,
    id_card_number_masked,
    worker_name_hash,
    worker_name_masked,
    corp_code,
    team_sys_no,
    work_type,
    work_role,
    "position",
    entry_time,
    exit_time,
    has_contract,
    pay_roll_bank_card_number_hash,
    pay_roll_bank_card_number_masked,
    pay_roll_bank_code,
    cell_phone_hash,
    cell_phone_masked,
    valid_from,
    valid_to,
    _file_id,
    _line,
    _extract_date
from kept
