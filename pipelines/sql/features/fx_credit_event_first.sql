-- grain: one row per credit_event key, as first delivered by the last feat_snapshot date
-- key: corp_code, event_type, event_date (as stg_credit_event).
-- An event is known from the extract date of its first delivery on (known_date); a feature at as_of keeps the rows
-- with known_date ≤ as_of.
select raw.* exclude (_extra, _row_hash), raw._extract_date as known_date
from raw_credit_event as raw
where raw._extract_date <= (select max(as_of) from feat_snapshot)
qualify row_number() over (
    partition by corp_code, event_type, event_date
    order by raw._extract_date, raw._file_id, raw._line
) = 1
