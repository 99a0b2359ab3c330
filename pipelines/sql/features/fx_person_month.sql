-- grain: one row per project × person × work month with a person-day, in the months of the 366 days before the
-- first feat_snapshot date up to the last's month
-- first_known_date: the earliest known_date of the person's days on the project that month (int_person_month,
-- kept by month by the nightly's models step). A snapshot whose 366-day window holds the whole month counts the
-- person in that month when first_known_date ≤ its date (some day of the month is then known); a month the window
-- cuts (its first month, the as_of month unless as_of is a month end) is counted from fx_person_day's day rows
-- instead (feat_project's attended_months). The person is int_person_month's 64-bit person_key, as in fx_person_day.
select
    project_code,
    person_key,
    cast("month" || '-01' as date) as work_month,
    first_known_date
from int_person_month
where first_known_date <= (select max(as_of) from feat_snapshot)
    and cast("month" || '-01' as date) <= (select max(as_of) from feat_snapshot)
    and cast("month" || '-01' as date) > date_trunc('month', (select min(as_of) from feat_snapshot) - 366)
