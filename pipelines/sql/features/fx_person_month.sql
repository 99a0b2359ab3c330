-- grain: one row per project × person × work month with a person-day dated and delivered by the last feat_snapshot
-- date, within the 366 days before the first (feat_project's longest look-back at person-days)
-- first_known_date: the earliest known_date of the person's days on the project that month. A snapshot whose
-- 366-day window holds the whole month counts the person in that month when first_known_date ≤ its date (some day
-- of the month is then known); a month the window cuts (its first month, the as_of month unless as_of is a month
-- end) is counted from fx_person_day's day rows instead. The person is the 64-bit hash of fx_person_day.
select
    project_code,
    hash(id_card_number_hash) as person_key,
    date_trunc('month', work_date) as work_month,
    min(known_date) as first_known_date
from int_person_day
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date <= (select max(as_of) from feat_snapshot)
    and work_date > (select min(as_of) from feat_snapshot) - 366
group by all
