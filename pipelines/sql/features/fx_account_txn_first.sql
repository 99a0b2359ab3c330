-- grain: one row per account_txn key, as first delivered by the last feat_snapshot date
-- key: txn_id (as stg_account_txn).
-- An event is known from the extract date of its first delivery on (known_date); a feature at as_of keeps the rows
-- with known_date ≤ as_of. No window: the loader stores a key only when it is not stored yet
-- (pipelines/ingest/load.py), so raw_account_txn holds each key once, from its first delivery (as stg_account_txn).
select raw.* exclude (_extra, _row_hash), raw._extract_date as known_date
from raw_account_txn as raw
where raw._extract_date <= (select max(as_of) from feat_snapshot)
