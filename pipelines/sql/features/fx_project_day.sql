-- grain: one row per project × work date × known date with a person-day dated and delivered by the last
-- feat_snapshot date, within the 366 days before the first (feat_project's longest look-back at person-days)
-- n_persons: the project's person-days of that date first known on known_date (int_person_day's rows: one per
-- person-day, so a count of rows counts persons). feat_project sums the rows known by each snapshot date: the
-- same count as over fx_person_day's rows, from ~40× fewer rows (docs/decisions.md "Score step, second round").
select
    project_code,
    work_date,
    known_date,
    count(*) as n_persons
from int_person_day
where known_date <= (select max(as_of) from feat_snapshot)
    and work_date <= (select max(as_of) from feat_snapshot)
    and work_date > (select min(as_of) from feat_snapshot) - 366
group by all
