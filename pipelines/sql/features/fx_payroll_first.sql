-- grain: one row per payroll key, as first delivered by the last feat_snapshot date
-- key: project_code, id_card_number_hash (kept as person_key), pay_month, is_back_pay, balance_date (as stg_payroll).
-- An event is known from the extract date of its first delivery on (known_date); a feature at as_of keeps the rows
-- with known_date ≤ as_of. No window: the loader stores a key only when it is not stored yet
-- (pipelines/ingest/load.py), so raw_payroll holds each key once, from its first delivery (as stg_payroll).
select
    -- the columns feat_project reads (copying every column of the pay history cost the step seconds); the person
    -- as fx_person_day's 64-bit hash (feat_project counts distinct persons paid: 5 M pay rows grouped by a
    -- 64-character string were the largest part of its payroll work)
    raw.project_code,
    hash(raw.id_card_number_hash) as person_key,
    raw.pay_month,
    raw.is_back_pay,
    raw.balance_date,
    raw.total_pay_amount,
    raw.actual_amount,
    raw._extract_date as known_date
from raw_payroll as raw
where raw._extract_date <= (select max(as_of) from feat_snapshot)
