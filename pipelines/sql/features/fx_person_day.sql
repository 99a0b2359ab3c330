-- grain: one row per project × person × work date with a punch delivered by the last feat_snapshot date
-- Known from the first delivery of any of its punches ('any' valid-day rule: ≥ 1 punch). The person is kept as a
-- 64-bit hash of the (already hashed) ID: the features only count persons and match the key staff, and grouping
-- every punch of the history by a 64-character string spilled tens of GB on the province tier. The hash is the
-- engine's own (DuckDB's and Spark's differ): only a join key within one build, never compared across engines.
select
    project_code,
    hash(id_card_number_hash) as person_key,
    cast("date" as date) as work_date,
    min(_extract_date) as known_date
from raw_attendance
where _extract_date <= (select max(as_of) from feat_snapshot)
group by all
