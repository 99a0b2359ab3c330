-- grain: one row per project × person × work date with a punch dated and delivered by the last feat_snapshot date,
-- in the months a snapshot reads person by person: its as_of month and the one before (the 28 days up to it: key
-- staff on site) and the first month of its 366-day window (the window cuts it and the as_of month: distinct
-- persons of a part of a month)
-- Known from the first delivery of any of its punches ('any' valid-day rule: ≥ 1 punch): int_person_day's
-- known_date, kept incrementally by the nightly's models step, so scoring reads the stored person-days instead of
-- grouping every punch of the history again (docs/decisions.md "Scoring reads the stored person-days"). A build
-- at a later as_of holds the same known_date for every day known by this date (a minimum over the extracts that
-- cannot move once it is ≤ the date); pipelines/features/extract.py builds int_person_day at the last snapshot
-- date when the warehouse's is not that fresh. The person is int_person_day's person_key, a 64-bit hash of the (already hashed) ID: the
-- features only count persons and match the key staff, and grouping a 64-character string per person-day spilled
-- tens of GB on the province tier. The hash is the engine's own (DuckDB's and Spark's differ): only a join key
-- within one build, never compared across engines. The other days are read as counts: fx_project_day (persons per
-- day) and fx_person_month (persons per whole month): docs/decisions.md "Score step, second round".
with recent_months as (
    -- a snapshot's as_of month and the one before (its 28 days up to as_of)
    select cast(date_trunc('month', as_of) as date) as work_month from feat_snapshot
    union
    select cast(date_trunc('month', as_of) - interval 1 month as date) from feat_snapshot
),

first_months as (
    -- the first month of a snapshot's 366-day window
    select cast(date_trunc('month', as_of - 365) as date) as work_month from feat_snapshot
    except
    select work_month from recent_months
)

-- each part bounded by its months' dates too: the scan then skips the row groups of the other months
select project_code, person_key, work_date, known_date
from int_person_day
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date <= (select max(as_of) from feat_snapshot)
    and work_date >= (select min(work_month) from recent_months)
    and cast(date_trunc('month', work_date) as date) in (select work_month from recent_months)
union all
select project_code, person_key, work_date, known_date
from int_person_day
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date > (select min(as_of) from feat_snapshot) - 366
    and work_date < (select cast(max(work_month) + interval 1 month as date) from first_months)
    and cast(date_trunc('month', work_date) as date) in (select work_month from first_months)
