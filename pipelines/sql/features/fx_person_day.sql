-- grain: one row per project × person × work date with a punch dated and delivered by the last feat_snapshot date,
-- in the months a snapshot reads person by person: its as_of month and the one before (the 28 days up to it: key
-- staff on site) and the first month of its 366-day window (the window cuts it and the as_of month: distinct
-- persons of a part of a month)
-- Known from the first delivery of any of its punches ('any' valid-day rule: ≥ 1 punch): int_person_day's
-- known_date, kept incrementally by the nightly's models step, so scoring reads the stored person-days instead of
-- grouping every punch of the history again (docs/decisions.md "Scoring reads the stored person-days"). A build
-- at a later as_of holds the same known_date for every day known by this date (a minimum over the extracts that
-- cannot move once it is ≤ the date); pipelines/features/extract.py builds int_person_day at the last snapshot
-- date when the warehouse's is not that fresh. The person is kept as a 64-bit hash of the (already hashed) ID: the
-- features only count persons and match the key staff, and grouping a 64-character string per person-day spilled
-- tens of GB on the province tier. The hash is the engine's own (DuckDB's and Spark's differ): only a join key
-- within one build, never compared across engines. The other days are read as counts: fx_project_day (persons per
-- day) and fx_person_month (persons per whole month): docs/decisions.md "Score step, second round".
with person_months as (
    select date_trunc('month', as_of) as work_month from feat_snapshot
    union
    select date_trunc('month', as_of) - interval 1 month from feat_snapshot
    union
    select date_trunc('month', as_of - 365) from feat_snapshot
)

select
    project_code,
    hash(id_card_number_hash) as person_key,
    work_date,
    known_date
from int_person_day
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date <= (select max(as_of) from feat_snapshot)
    and work_date > (select min(as_of) from feat_snapshot) - 366
    and date_trunc('month', work_date) in (select work_month from person_months)
